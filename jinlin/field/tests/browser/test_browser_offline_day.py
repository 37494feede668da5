"""The grid worker's day with no signal, in Debian's Chromium on a phone viewport.

Online once (log in, open the app: the service worker installs and takes over, the pages and the
cases the worker opens are saved), then the network is cut: the app opens from the phone, a patrol
with a finding and a photo, a case claimed and resolved, a claim on a case that meanwhile moved
on, a visit; the app is closed and opened again offline (a new page of the same browser
profile: the queue is still there); back online the queue is sent in order and exactly once.
"""

import io
import time

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from jinlin.cases import services as cases
from jinlin.cases.models import Case, CasePhoto, TimelineEntry
from jinlin.field.models import Finding, Patrol
from jinlin.people.models import Household, Visit

from ..conftest import STAFF, WORKER, Api, dispatched_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
HERE = {"latitude": 26.085, "longitude": 119.305}
SHOTS = "docs/screenshots"


def big_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), (90, 140, 60)).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation=HERE,
        permissions=["geolocation"],
        service_workers="allow",
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


def open_app(context, path="/field/"):
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    response = page.goto(path)
    return page, response


def login(context):
    from jinlin.core.demo_accounts import DEMO_PASSWORD

    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_phone", WORKER)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.press("#id_password", "Enter")
    page.close()


def until(page, script, timeout=15.0):
    """Poll a script (page.wait_for_function evaluates strings, which the CSP rightly forbids)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(script):
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"never true: {script}")


def ready(page):
    until(page, "() => !!(navigator.serviceWorker && navigator.serviceWorker.controller)")
    until(page, "async () => !!(window.JinlinQueue && await window.JinlinQueue.getToken())")


def shoot(page, name):
    """A whole-page picture with the sticky bars where they belong: the window is made as tall as
    the page for the moment of the shot."""
    size = page.viewport_size
    page.set_viewport_size(
        {"width": size["width"], "height": max(size["height"], page.evaluate("document.body.scrollHeight"))}
    )
    page.screenshot(path=f"{SHOTS}/{name}.png")
    page.set_viewport_size(size)


def pending(page) -> int:
    return int(page.locator("[data-pending-count]").inner_text())


def queued(page) -> list[str]:
    return page.evaluate("async () => (await window.JinlinQueue.waiting()).map((item) => item.label)")


def test_a_day_offline_reaches_the_server_once_and_in_order(phone, field):
    people = field.people
    lamp = dispatched_case(field, "3号楼楼道灯坏了")
    moved = dispatched_case(field, "小区门口垃圾未清运")
    household = Household.objects.filter(scope_code="350102001001001").first()
    cases_before, visits_before = Case.objects.count(), Visit.objects.count()

    # Online once: log in, open the app, open the two cases (saved for offline).
    login(phone)
    page, _ = open_app(phone)
    ready(page)
    for case in (lamp, moved):
        page.goto(f"/field/cases/{case.pk}/")
        expect(page.locator("h1")).to_have_text(case.title)
    page.goto("/field/")
    expect(page.locator("[data-grid-map] polygon")).to_have_count(1)
    page.close()

    # No signal from here on.
    phone.set_offline(True)
    page, response = open_app(phone)
    assert response.ok and response.from_service_worker
    expect(page.locator("[data-net]")).to_have_text("离线")
    # The grid's map came from the copy the service worker kept: the boundary and both cases.
    expect(page.locator("[data-grid-map] polygon")).to_have_count(1)
    expect(page.locator("[data-grid-map] circle")).to_have_count(2)
    shoot(page, "field-1-home-offline")

    # A patrol (安全隐患) with a finding and a photo.
    page.goto("/field/patrol/")
    page.select_option("[data-patrol-type]", "safety")
    page.click("[data-patrol-start]")
    expect(page.locator("[data-patrol-running]")).to_be_visible()
    expect(page.locator("[data-patrol-points]")).to_have_text("1")  # where the worker stands
    page.select_option("[data-check='消防通道畅通']", "issue")
    page.fill("form[data-finding] input[name=title]", "消防通道被电动车堵塞")
    page.fill("form[data-finding] textarea[name=description]", "5号楼东侧，三辆电动车")
    page.select_option("[data-finding-item]", "消防通道畅通")
    page.set_input_files("[data-photo]", files=[{"name": "p.jpg", "mimeType": "image/jpeg", "buffer": big_jpeg()}])
    expect(page.locator("[data-photo-info]")).to_have_text("已记录位置")
    shoot(page, "field-2-patrol-offline")
    # Saved, and the patrol ended at once, while the photo is still being made smaller: the
    # finding is queued linked to the patrol, before its end.
    page.click("form[data-finding] button[type=submit]")
    page.click("[data-patrol-stop]")
    # The end waits its turn behind the finding, which waits for the photo to be made smaller:
    # seconds on a loaded machine (a CI run with every core busy took more than expect's 5 s).
    expect(page.locator("[data-patrol-idle]")).to_be_visible(timeout=30_000)
    finding = "消防通道被电动车堵塞"
    assert queued(page) == ["安全隐患", finding, f"📷 {finding}", f"🔗 {finding}", "🛰 1", "■ 安全隐患"]

    # Claim and resolve a case; claim the one that will have moved on.
    page.goto(f"/field/cases/{lamp.pk}/")
    page.click("[data-done=claim] button")
    page.fill("[data-done=resolve] textarea[name=result]", "已更换灯泡，亮了")
    page.click("[data-done=resolve] button")
    expect(page.locator("[data-done=resolve]")).to_be_hidden()
    page.goto(f"/field/cases/{moved.pk}/")
    page.click("[data-done=claim] button")
    expect(page.locator("[data-done=claim]")).to_be_hidden()

    # A visit.
    page.goto("/field/visits/")
    page.select_option("select[name=household_id]", str(household.pk))
    page.select_option("select[name=kind]", "走访")
    page.fill("textarea[name=note]", "独居老人，一切安好")
    page.click("form[data-queue] button[type=submit]")
    # patrol start, case, photo, finding, track points, patrol stop, claim, resolve, claim, visit
    expect(page.locator("[data-pending-count]")).to_have_text("10")
    waiting = pending(page)
    shoot(page, "field-3-waiting-to-send")
    assert not page.errors, page.errors
    page.close()

    # Meanwhile the community claims the second case at the office.
    cases.case_claim(actor=people[STAFF], case=moved)
    assert Case.objects.count() == cases_before and Visit.objects.count() == visits_before
    assert not Patrol.objects.exists()

    # The app is closed and opened again, still offline: nothing is lost.
    page, response = open_app(phone)
    assert response.from_service_worker
    expect(page.locator("[data-pending-count]")).to_have_text(str(waiting))

    # Back online: the queue goes out.
    phone.set_offline(False)
    expect(page.locator("[data-pending]")).to_be_hidden(timeout=30_000)
    expect(page.locator("[data-conflicts]")).to_be_visible()
    conflict = page.locator("[data-conflict]")
    expect(conflict).to_have_count(1)
    expect(conflict).to_contain_text(moved.number)
    expect(conflict).to_contain_text("409")
    shoot(page, "field-4-conflict-shown")

    # Exactly once each, in order, checked through the API.
    api = Api(people[WORKER])
    found = api.get("/api/cases", q="消防通道被电动车堵塞").json()["results"]
    assert len(found) == 1
    detail = api.get(f"/api/cases/{found[0]['id']}").json()
    assert len(detail["photos"]) == 1
    assert Case.objects.count() == cases_before + 1
    lamp_detail = api.get(f"/api/cases/{lamp.pk}").json()
    assert lamp_detail["status"] == "resolved"
    actions = [e["action"] for e in lamp_detail["timeline"]]
    assert actions.count("claim") == 1 and actions.count("resolve") == 1
    assert actions.index("claim") < actions.index("resolve")
    assert TimelineEntry.objects.filter(case=moved, action="claim").count() == 1  # the staff's only
    assert Visit.objects.count() == visits_before + 1
    patrol = Patrol.objects.get()
    # The day log of the day the patrol started (the test may run across local midnight).
    day = api.get("/api/field/patrols", day=timezone.localdate(patrol.started_at).isoformat()).json()
    assert len(day) == 1 and day[0]["ended_at"] and day[0]["checks"]["消防通道畅通"] == "issue"
    assert day[0]["findings"] == [{"case_id": found[0]["id"], "item": "消防通道畅通"}]
    # In the order they were made: patrol started, the finding filed, the case claimed, resolved, the visit.
    visit = Visit.objects.latest("pk")
    claim = TimelineEntry.objects.get(case=lamp, action="claim")
    resolve = TimelineEntry.objects.get(case=lamp, action="resolve")
    new_case = Case.objects.get(pk=found[0]["id"])
    assert patrol.created_at <= new_case.created_at <= claim.at <= resolve.at <= visit.at
    assert Finding.objects.count() == 1

    # The photo was made smaller on the phone and carries no position; the place is the case's point.
    photo = CasePhoto.objects.get(case=new_case)
    with Image.open(photo.image.path) as image:
        assert max(image.size) <= 1600
        assert not image.getexif().get(0x8825)
    assert abs(new_case.lat - HERE["latitude"]) < 1e-3 and abs(new_case.lng - HERE["longitude"]) < 1e-3
