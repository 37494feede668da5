"""Openness in a real browser: the public disclosure page of a community, without login, with
search; an anonymous report tracked by its code, answered by the discipline supervisor.

Screenshots go to test-artifacts/screenshots/openness-*.png; the best are copied to docs/screenshots/.
"""

import pytest
from playwright.sync_api import expect

from jinlin.openness import services
from jinlin.openness.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF, SUPERVISOR = "13900000003", "13900000006"
COMMUNITY = "350102001001"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


def shoot(page, screenshot, name):
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": page.evaluate("document.body.scrollHeight")})
    screenshot(page, name, full_page=False)
    page.set_viewport_size(size)


def test_the_public_disclosure_page_without_login(page, screenshot, tiny_district):
    staff = tiny_district.people[STAFF]
    unit = tiny_district.units[COMMUNITY]
    services.disclosure_publish(
        actor=staff, unit=unit, kind="finance", title="2026年11月财务收支公开", body="收入 18000 元；支出 9430 元。"
    )
    services.disclosure_publish(
        actor=staff, unit=unit, kind="project", title="雨污分流改造项目招标结果", body="中标价 46.8 万元。"
    )
    services.disclosure_publish(
        actor=staff, unit=unit, kind="affairs", title="事前公示：活动室改造方案", comment_days=7
    )
    services.power_item_add(
        actor=staff,
        unit=unit,
        title="社区公章使用",
        steps=[
            {"step": "申请", "approver": "经办人", "days": 0},
            {"step": "审批", "approver": "社区党组织书记", "days": 1},
        ],
    )
    services.seal_use_record(
        actor=staff, unit=unit, user_name="黄丽萍", document="居住证明", approved_by="社区党组织书记"
    )
    page.goto("/open/")
    with page.expect_navigation():
        page.click("text=桂香社区")
    expect(page.locator("[data-disclosure]")).to_have_count(3)
    shoot(page, screenshot, "openness-1-public-disclosures")
    page.fill("#q", "招标")
    with page.expect_navigation():
        page.click("form[role=search] button")
    expect(page.locator("[data-disclosure]")).to_have_count(1)
    expect(page.locator("[data-disclosure]")).to_contain_text("雨污分流")
    assert page.console_errors == []


def test_an_anonymous_report_tracked_by_its_code(page, login_as, screenshot, tiny_district):
    page.set_viewport_size(PHONE)
    page.goto("/open/report/")
    page.select_option("#unit_id", label="桂香社区")
    page.fill("#subject", "社区低保评审疑似优亲厚友")
    page.fill("#body", "听说某工作人员的亲属不符合条件也纳入了低保。")
    with page.expect_navigation():
        page.click("form[data-report-form] button[type=submit]")
    code = page.locator("#tracking-code").inner_text().strip()
    assert len(code) >= 20
    shoot(page, screenshot, "openness-2-report-code")
    report = Report.objects.get()
    assert report.anonymous and report.reporter is None

    # The community staff see nothing; the supervisor answers.
    login_as(page, STAFF)
    assert page.goto("/open/reports/").status == 404
    page.context.clear_cookies()
    page.set_viewport_size(DESKTOP)
    login_as(page, SUPERVISOR)
    page.goto("/open/reports/")
    with page.expect_navigation():
        page.click("text=社区低保评审疑似优亲厚友")
    page.fill("#body", "已受理，正在核查。")
    page.select_option("#status", "handling")
    with page.expect_navigation():
        page.click("form[data-reply-form] button[type=submit]")
    shoot(page, screenshot, "openness-3-supervisor-reply")

    # Tracked by the code, without an account.
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    page.goto("/open/report/track/")
    page.fill("#code", code)
    with page.expect_navigation():
        page.click("form[data-track-form] button[type=submit]")
    expect(page.locator("[data-report-status=handling]")).to_contain_text("已受理，正在核查。")
    shoot(page, screenshot, "openness-4-track-by-code")
    assert page.console_errors == []
