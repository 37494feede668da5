"""Each role's day on the demo district, through the pages (issue 11, "Done when").

The organisation tree and the demo accounts are the demo's own (`core.demo.seed_demo`: 136 units a
dispatcher may pick from, seven police stations, 53 property companies), seeded for each test: a
live-server test empties the database after itself, so a seed cannot be shared across tests; the
tree and accounts take about a second. The cases each role meets are made through the services.

Phone (390 × 844) for the resident, the grid worker and the community police officer; desktop for
the staff at their desks. Screenshots go to test-artifacts/screenshots/day-*.png.
"""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jinlin.cases import services
from jinlin.cases.models import Case, EscalationTarget
from jinlin.core.models import AuditEntry, Grid, OrgUnit, User

from .test_browser_loop import DESKTOP, PHONE, open_box, shoot, switch_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESIDENT, GRID_WORKER, STAFF, DISPATCHER, HANDLER, SUPERVISOR, OFFICER = (
    "13900000001",
    "13900000002",
    "13900000003",
    "13900000004",
    "13900000005",
    "13900000006",
    "13900000009",
)
G1 = "350102001001001"  # the grid of 13900000002, in 桂香社区 (350102001001)
COMMUNITY = "350102001001"
HOUSING = "350102B01"  # 区住房和城乡建设局, the unit of 13900000005
STATION = "350102001S01"  # the police station of G1's street
LATE = re.compile(r"超期 \d+ 天")
DEMO_PHONES = [RESIDENT, GRID_WORKER, STAFF, DISPATCHER, HANDLER, SUPERVISOR, OFFICER]


@pytest.fixture
def demo(settings, tmp_path, transactional_db):
    from jinlin.cases.demo import seed_categories
    from jinlin.core.demo import seed_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    seed_demo()
    seed_categories()
    ring = Grid.objects.get(unit__code=G1).boundary["coordinates"][0][:-1]
    lng = sum(p[0] for p in ring) / len(ring)
    lat = sum(p[1] for p in ring) / len(ring)
    people = {phone: User.objects.get_by_phone(phone) for phone in DEMO_PHONES}
    return SimpleNamespace(
        unit=lambda code: OrgUnit.objects.get(code=code), people=people, point=(round(lat, 6), round(lng, 6))
    )


def case_in_g1(demo, title, *, description="", address="", days_ago=0, owner=HOUSING, accept=True):
    """A resident's case in G1, accepted and dispatched to `owner` `days_ago` days ago."""
    at = timezone.now() - timedelta(days=days_ago)
    p = demo.people
    case, _ = services.case_submit(
        actor=p[RESIDENT],
        title=title,
        description=description,
        address=address,
        lat=demo.point[0],
        lng=demo.point[1],
        at=at,
    )
    if accept:
        services.case_accept(actor=p[DISPATCHER], case=case, at=at)
        services.case_dispatch(actor=p[DISPATCHER], case=case, unit=demo.unit(owner), at=at)
    case.refresh_from_db()
    return case


def whistle(demo, case):
    """G1's grid worker calls in 住建局 (lead) and the street's police station."""
    services.case_escalate(
        actor=demo.people[GRID_WORKER],
        case=case,
        units=[demo.unit(STATION)],
        lead_unit=demo.unit(HOUSING),
        note="楼体外墙渗水，需住建局牵头、派出所协助疏导",
    )


def test_the_handlers_day_overdue_first_with_how_late_then_the_pin_and_the_reveal(page, login_as, screenshot, demo):
    fresh = case_in_g1(demo, "小区路灯不亮", days_ago=0)
    later = case_in_g1(demo, "单元门禁损坏", days_ago=12)
    latest = case_in_g1(demo, "楼顶水箱漏水", address="桂香路8号丹桂花园3号楼2单元501", days_ago=20)
    services.sla_sweep_run()

    switch_to(page, login_as, HANDLER)
    page.goto("/cases/inbox/")
    rows = page.locator("[data-case]")
    # Overdue first, the most overdue on top, each saying how late it is; the on-time case last.
    expect(rows.nth(0)).to_have_attribute("data-case", latest.number)
    expect(rows.nth(1)).to_have_attribute("data-case", later.number)
    expect(rows.nth(0).locator("[data-late]")).to_have_text(LATE)
    expect(rows.nth(1).locator("[data-late]")).to_have_text(LATE)
    expect(page.locator(f"[data-case='{fresh.number}'] [data-sla]")).to_contain_text("按期")
    shoot(page, screenshot, "day-handler-1-inbox")

    rows.nth(0).locator("a").click()
    place = page.locator("[data-map-case]")
    expect(place).to_have_attribute("data-pin", "1")
    expect(place.locator(".leaflet-marker-icon")).to_have_count(1)
    expect(page.locator("body")).not_to_contain_text("2单元501")
    page.locator("[data-reveal-box] summary").click()
    page.fill("[data-reveal-box] input[name=reason]", "上门查看水箱前联系住户")
    with page.expect_navigation():
        page.click("[data-reveal]")
    expect(page.locator("[data-revealed-address]")).to_have_text("桂香路8号丹桂花园3号楼2单元501")
    entry = AuditEntry.objects.get(action="case.reveal_contact", actor=demo.people[HANDLER])
    assert entry.object_id == str(latest.pk)
    shoot(page, screenshot, "day-handler-2-revealed")
    assert page.console_errors == []


def test_the_grid_workers_day_whistles_the_lead_and_the_police_on_a_phone(page, login_as, screenshot, demo):
    case = case_in_g1(demo, "楼体外墙渗水影响多户", description="连续下雨后外墙渗水，涉及多户居民", owner=G1)
    services.case_claim(actor=demo.people[GRID_WORKER], case=case)
    housing, station = demo.unit(HOUSING), demo.unit(STATION)

    switch_to(page, login_as, GRID_WORKER, PHONE)
    page.goto(f"/cases/{case.pk}/")
    open_box(page, "escalate")
    box = page.locator("[data-action-box=escalate]")
    # As it opens (the suggested units unfolded, the other groups folded), and once filled in.
    assert page.evaluate("document.scrollingElement.scrollHeight") < 3 * PHONE["height"]
    box.locator("select[name=lead]").select_option(str(housing.pk))
    # The lead unit is ticked below by itself; the police station is found by typing.
    expect(box.locator(f"input[name=units][value='{housing.pk}']")).to_be_checked()
    box.locator("[data-whistle-search]").fill("派出所")
    box.locator(f"input[name=units][value='{station.pk}']").check()
    box.locator("[name=note]").fill("外墙渗水需住建局牵头，派出所协助疏导")
    # The picture: one phone screen from the whistle box's title down to its button.
    box.evaluate(
        "el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY"
        " - (document.querySelector('header') || el).offsetHeight - 8)"
    )
    screenshot(page, "day-grid-worker-1-whistle", full_page=False)
    height = page.evaluate("document.scrollingElement.scrollHeight")
    assert height < 3 * PHONE["height"], height
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    with page.expect_navigation():
        box.locator("[data-do=escalate]").click()
    escalations = page.locator(".escalations li")
    expect(escalations).to_have_count(2)
    expect(escalations.nth(0)).to_contain_text(housing.name)
    assert {t.unit_id: t.role for t in EscalationTarget.objects.filter(case=case)} == {
        housing.pk: "lead",
        station.pk: "helper",
    }
    shoot(page, screenshot, "day-grid-worker-2-whistled")
    assert page.console_errors == []


def test_the_police_officers_day_sees_the_whistle_and_reports_in_on_a_phone(page, login_as, screenshot, demo):
    case = case_in_g1(demo, "楼体外墙渗水影响多户", owner=G1)
    whistle(demo, case)

    switch_to(page, login_as, OFFICER, PHONE)
    expect(page.locator("body")).to_contain_text("待报到")  # the count on his home card
    page.goto("/cases/whistles/")
    item = page.locator(f"[data-case='{case.number}']")
    expect(item).to_contain_text("派出所")
    shoot(page, screenshot, "day-police-1-whistles")
    item.locator("a").click()
    with page.expect_navigation():
        page.click("[data-do=report_in]")
    expect(page.locator(".escalations")).to_contain_text("已报到")
    target = EscalationTarget.objects.get(case=case, unit__code=STATION)
    assert target.reported_by_id == demo.people[OFFICER].pk
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    shoot(page, screenshot, "day-police-2-reported-in")
    assert page.console_errors == []


def test_the_dispatchers_day_search_and_never_a_report_in_for_another_unit(page, login_as, screenshot, demo):
    case = case_in_g1(demo, "楼体外墙渗水影响多户", description="连续下雨后外墙渗水，三楼以上都有霉斑", owner=G1)
    other = case_in_g1(demo, "小区路灯不亮", description="北门两盏路灯不亮")
    whistle(demo, case)

    switch_to(page, login_as, DISPATCHER)
    page.goto(f"/cases/{case.pk}/")
    expect(page.locator(".escalations li")).to_have_count(2)
    # 住建局 and the police station wait to report in; the dispatcher is a member of neither.
    expect(page.locator("[data-do=report_in]")).to_have_count(0)
    expect(page.locator("[data-action-box=report_in]")).to_have_count(0)
    page.goto("/cases/whistles/")
    expect(page.locator("[data-case]")).to_have_count(0)
    refused = page.request.post(
        f"/cases/{case.pk}/act/report_in/",
        headers={"X-CSRFToken": next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")},
        max_redirects=0,
    )
    assert refused.status == 403
    assert not EscalationTarget.objects.filter(case=case, reported_at__isnull=False).exists()

    # Search: by number, then by a word of the text (not of the title).
    page.goto("/cases/console/")
    page.fill("input[name=q]", case.number)
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")
    expect(page.locator("[data-case]")).to_have_count(1)
    page.fill("input[name=q]", "霉斑")
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")
    expect(page.locator(f"[data-case='{case.number}']")).to_have_count(1)
    expect(page.locator(f"[data-case='{other.number}']")).to_have_count(0)
    shoot(page, screenshot, "day-dispatcher-1-search")
    assert page.console_errors == []


def test_the_community_staffs_day_publishes_with_a_masked_preview(page, login_as, screenshot, demo):
    p = demo.people
    case = case_in_g1(demo, "3号楼2单元501楼道堵塞", description="住户电话13912345678", owner=COMMUNITY)
    services.case_claim(actor=p[STAFF], case=case)
    services.case_resolve(actor=p[STAFF], case=case, result="已清理，回访住户13912345678确认。")
    services.case_evaluate(actor=p[RESIDENT], case=case, rating="satisfied")
    # A department's case in the same community: its staff see it, but may not reveal the contact.
    department_case = case_in_g1(demo, "楼顶水箱漏水", address="桂香路8号3号楼")

    switch_to(page, login_as, STAFF)
    page.goto(f"/cases/{department_case.pk}/")
    expect(page.locator("[data-reveal-box]")).to_have_count(0)
    page.goto("/cases/console/")
    page.click("[data-unpublished]")
    page.click(f"[data-case='{case.number}'] a")
    open_box(page, "publish")
    publish = page.locator("[data-action-box=publish]")
    title, result = publish.locator("[name=public_title]"), publish.locator("[name=public_result]")
    expect(title).to_have_value("*号楼*单元***楼道堵塞")
    expect(result).not_to_have_value(re.compile(r"\d{11}"))
    # What the publisher types is masked too: a phone and a door number added by hand, previewed.
    result.fill("已清理楼道杂物。如有问题请联系13800001111，或到5号楼102室物业。")
    with page.expect_navigation():
        publish.locator("[data-preview]").click()
    expect(page.locator("[data-previewed]")).to_have_count(1)
    expect(result).to_have_value("已清理楼道杂物。如有问题请联系***********，或到*号楼***室物业。")
    expect(title).to_have_value("*号楼*单元***楼道堵塞")
    assert Case.objects.get(pk=case.pk).published_at is None
    shoot(page, screenshot, "day-staff-1-publish-preview")
    with page.expect_navigation():
        publish.locator("[data-do=publish]").click()
    expect(page.locator(".alert-success")).to_contain_text("晒单")
    published = Case.objects.get(pk=case.pk)
    assert "13800001111" not in published.public_result and "102" not in published.public_result
    page.goto("/cases/public/")
    item = page.locator(f"[data-case='{case.number}']")
    expect(item).to_contain_text("***********")
    expect(item).not_to_contain_text("13800001111")
    expect(item).not_to_contain_text("501")
    assert page.console_errors == []


def test_the_residents_day_rates_from_the_top_of_the_page_on_a_phone(page, login_as, screenshot, demo):
    p = demo.people
    case = case_in_g1(demo, "楼道灯坏了", owner=G1)
    services.case_claim(actor=p[GRID_WORKER], case=case)
    services.case_resolve(actor=p[GRID_WORKER], case=case, result="已更换楼道灯。")

    switch_to(page, login_as, RESIDENT, PHONE)
    expect(page.locator("body")).to_contain_text("待评价")
    page.goto("/cases/mine/")
    expect(page.locator("[data-to-rate-count]")).to_have_text("1")
    page.click(f"[data-case='{case.number}'] a")
    expect(page.locator("[data-follow-link]")).to_have_count(0)  # it is theirs: no "me too"
    rate = page.locator("[data-rate-now]")
    box = rate.bounding_box()
    assert box is not None and box["y"] < PHONE["height"]
    rate.locator("[data-rate=satisfied]").click()
    shoot(page, screenshot, "day-resident-1-rate")
    with page.expect_navigation():
        page.click("[data-do=evaluate]")
    expect(page.locator("[data-status]")).to_have_text("已结案")
    body = page.locator("body").inner_text()
    assert "点单" not in body and "返工" not in body
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    assert page.console_errors == []


def test_the_supervisors_day_most_overdue_first_and_one_supervision(page, login_as, screenshot, demo):
    later = case_in_g1(demo, "单元门禁损坏", days_ago=12)
    latest = case_in_g1(demo, "楼顶水箱漏水", days_ago=20)
    services.sla_sweep_run()

    switch_to(page, login_as, SUPERVISOR, DESKTOP)
    page.goto("/cases/overdue/")
    rows = page.locator("tr[data-case]")
    expect(rows.nth(0)).to_have_attribute("data-case", latest.number)
    expect(rows.nth(1)).to_have_attribute("data-case", later.number)
    expect(rows.nth(0).locator("[data-late]")).to_have_text(LATE)
    shoot(page, screenshot, "day-supervisor-1-overdue")
    rows.nth(0).locator("a").first.click()
    open_box(page, "supervise")
    page.fill("[data-action-box=supervise] textarea[name=note]", "请说明超期原因，三日内办结")
    with page.expect_navigation():
        page.click("[data-do=supervise]")
    expect(page.locator(".timeline-step[data-action=supervise]")).to_have_count(1)
    assert page.console_errors == []
