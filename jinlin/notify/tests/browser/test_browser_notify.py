"""Notify in a real browser (Debian's Chromium): the bell and inbox, sign-up on a phone, follow
(我也关注), and a broadcast. Screenshots go to test-artifacts/screenshots/notify-*.png."""

import re

import pytest
from playwright.sync_api import expect

from jinlin.cases import services as cases
from jinlin.core import services as core
from jinlin.core.models import OrgKind
from jinlin.notify import services
from jinlin.notify.delivery import deliver_due
from jinlin.notify.models import OutboxMessage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESIDENT, GRID_WORKER = "13900000001", "13900000002"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def home(tiny_district):
    estate = tiny_district.units["350102001001E01"]
    grid = tiny_district.units["350102001001001"]
    building = core.org_unit_create(
        actor=None, kind=OrgKind.BUILDING, code="350102001001E01B01", name="1号楼", parent=estate, grid=grid
    )
    entrance = core.org_unit_create(
        actor=None, kind=OrgKind.ENTRANCE, code="350102001001E01B01U01", name="1单元", parent=building
    )
    return building, entrance


def test_the_bell_counts_unread_and_the_inbox_marks_them_read(page, login_as, screenshot, tiny_district):
    resident = tiny_district.people[RESIDENT]
    services.notify([resident], "case.resolved", title="您的诉求 QX-1 已办结，请评价", body="已更换楼道灯")
    services.notify([resident], "broadcast", title="停水通知", body="周六 9:00–12:00 停水")
    page.set_viewport_size(PHONE)
    login_as(page, RESIDENT)
    expect(page.locator("[data-bell-count]")).to_have_text("2")
    page.click("[data-bell]")
    expect(page.locator("[data-notification]")).to_have_count(2)
    screenshot(page, "notify-inbox")
    page.click("[data-read-all]")
    expect(page.locator("[data-bell-count]")).to_have_count(0)
    expect(page.locator("[data-unread]")).to_have_count(0)


def test_sign_up_on_a_phone_with_the_code_from_the_outbox(page, screenshot, tiny_district, home):
    building, entrance = home
    page.set_viewport_size(PHONE)
    page.goto("/login/")
    page.click("[data-signup-link]")
    page.fill("input[name=phone]", "13712345678")
    page.click("[data-send-code]")
    expect(page.locator("[data-step=register]")).to_be_visible()
    deliver_due()
    code = re.search(r"\d{6}", OutboxMessage.objects.get().text).group(0)
    page.fill("input[name=code]", code)
    page.fill("input[name=name]", "新居民")
    page.fill("input[name=password]", "Qingxi-2026!")
    page.select_option("[data-home=estate]", label="丹桂花园")
    expect(page.locator("[data-home=building] option")).to_have_count(2)
    page.select_option("[data-home=building]", label="1号楼")
    expect(page.locator("[data-home=entrance] option")).to_have_count(2)
    page.select_option("[data-home=entrance]", label="1单元")
    page.check("input[name=consent]")
    screenshot(page, "notify-signup-phone")
    page.click("[data-register]")
    expect(page.locator(".account-name")).to_have_text("新居民")
    from jinlin.notify.models import HomeClaim

    assert HomeClaim.objects.get().unit == entrance
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_resident_follows_a_published_case_from_the_case_page(page, login_as, tiny_district):
    people = tiny_district.people
    case, _ = cases.case_submit(actor=people[RESIDENT], title="路灯不亮", lat=26.083, lng=119.303)
    other = core.user_create(
        actor=None,
        phone="13712340000",
        name="邻居",
        password="jinlin2026",
        roles=[("resident", tiny_district.units["350102001001E01"])],
    )
    page.set_viewport_size(PHONE)
    login_as(page, other.phone)
    page.goto(f"/cases/{case.pk}/follow/")
    expect(page.locator("[data-follow-state]")).to_have_text(re.compile("关注|Following|follow", re.I))
    page.click("[data-follow]")
    expect(page.locator("[data-follow-state=on]")).to_be_visible()
    from jinlin.cases.models import CaseFollow

    assert CaseFollow.objects.filter(case=case, user=other).exists()


def test_a_grid_worker_broadcasts_and_sees_received_and_read(page, login_as, screenshot, tiny_district, home):
    page.set_viewport_size(PHONE)
    login_as(page, GRID_WORKER)
    page.goto("/notify/broadcast/")
    page.select_option("select[name=unit]", value=str(tiny_district.units["350102001001E01"].pk))
    page.fill("input[name=title]", "反诈预警")
    page.fill("textarea[name=body]", "近期有人冒充物业收费，请勿转账。")
    page.click("[data-broadcast-form] button[type=submit]")
    row = page.locator("[data-broadcast]").first
    expect(row.locator("[data-received]")).to_have_text("1")
    expect(row.locator("[data-read]")).to_have_text("0")
    screenshot(page, "notify-broadcast")
