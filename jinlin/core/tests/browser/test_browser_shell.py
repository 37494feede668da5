"""The page shell in a real browser (Debian's Chromium): every demo account logs in through the
login page, sees its role's home page in Chinese, switches to English and to large text.
Screenshots go to test-artifacts/screenshots/ for people to look at."""

import re

import pytest
from playwright.sync_api import expect

from conftest import TINY_PEOPLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A phrase of each role's card summary, in Chinese and in English (from core/navigation.py).
ROLE_PHRASES = {
    "resident": ("居民", "Resident"),
    "grid_worker": ("网格员", "Grid worker"),
    "community_staff": ("社区工作人员", "Community staff"),
    "dispatcher": ("指挥中心调度员", "Command-centre dispatcher"),
    "department_handler": ("部门承办人", "Department handler"),
    "discipline_supervisor": ("纪委监委监督员", "Discipline supervisor"),
    "platform_admin": ("平台管理员", "Platform administrator"),
    "police_officer": ("社区民警", "Community police officer"),
}


@pytest.mark.parametrize("phone", list(TINY_PEOPLE))
def test_demo_account_logs_in_and_switches_language_and_large_text(phone, page, login_as, screenshot, tiny_district):
    name, role, _code = TINY_PEOPLE[phone]
    org = tiny_district.units[_code]
    chinese, english = ROLE_PHRASES[role]

    login_as(page, phone)
    expect(page).to_have_url(re.compile(r"/$"))
    card = page.locator(f"article.role-card[data-role={role}]")
    expect(card.locator(".role-title")).to_have_text(chinese)
    expect(card.locator(".role-org")).to_contain_text(org.name)
    expect(page.locator("h1")).to_contain_text(f"{name}，您好")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    screenshot(page, f"{phone}-{role}-zh")

    with page.expect_navigation():
        page.click("button[data-language=en]")
    expect(card.locator(".role-title")).to_have_text(re.compile(rf"^{re.escape(english)}"))
    expect(page.locator("h1")).to_have_text(f"Hello, {name}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot(page, f"{phone}-{role}-en")

    with page.expect_navigation():
        page.click("button[data-large-text-toggle]")
    expect(page.locator("html")).to_have_class(re.compile(r"\blarge-text\b"))
    root_size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert root_size >= 20
    screenshot(page, f"{phone}-{role}-en-large")

    # Both choices were stored on the account, so they hold on the next visit too.
    page.reload()
    expect(page.locator("html")).to_have_class(re.compile(r"\blarge-text\b"))
    expect(page.locator("h1")).to_have_text(f"Hello, {name}")
    assert page.console_errors == []


PHONE_VIEWPORT = {"width": 390, "height": 844}


def test_login_page_tells_a_wrong_password_in_chinese(page, screenshot, tiny_district):
    page.goto("/login/")
    screenshot(page, "login-zh")
    page.fill("input[name=phone]", "13900000001")
    page.fill("input[name=password]", "not-the-password")
    with page.expect_navigation():
        page.click("form.auth-card button[type=submit]")
    expect(page.locator("[data-login-error]")).to_have_text("手机号或密码错误。")
    expect(page.locator("input[name=phone]")).to_have_value("13900000001")
    screenshot(page, "login-wrong-password-zh")
    assert page.console_errors == []


def test_large_text_chosen_on_the_login_page_stays_after_reload(page, screenshot, tiny_district):
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto("/login/")
    with page.expect_navigation():
        page.click("button[data-large-text-toggle]")
    page.reload()
    expect(page.locator("html")).to_have_class(re.compile(r"\blarge-text\b"))
    expect(page.locator("button[data-large-text-toggle]")).to_have_attribute("aria-pressed", "true")
    screenshot(page, "login-phone-large-zh")


@pytest.mark.parametrize("phone", ["13900000001", "13900000002", "13900000004"])
def test_home_page_fits_a_phone_screen_without_sideways_scrolling(phone, page, login_as, screenshot, tiny_district):
    page.set_viewport_size(PHONE_VIEWPORT)
    login_as(page, phone)
    role = TINY_PEOPLE[phone][1]
    expect(page.locator(f"article.role-card[data-role={role}]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    screenshot(page, f"{phone}-{role}-phone-zh")


def test_platform_admin_filters_the_audit_log(page, login_as, screenshot, tiny_district):
    login_as(page, "13900000007")
    page.click("nav.sidenav >> text=审计日志")
    expect(page.locator("h1")).to_have_text("审计日志")
    page.fill("input[name=action]", "auth.")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    actions = page.locator(".audit-table tbody td:nth-child(3)").all_inner_texts()
    assert actions and all(a.startswith("auth.") for a in actions)
    screenshot(page, "audit-log-admin-zh")
    assert page.console_errors == []


def test_platform_admin_logs_in_to_the_admin_site_with_a_phone(page, screenshot, tiny_district):
    page.goto("/admin/login/")
    expect(page.locator("label[for=id_username]")).to_contain_text("手机号")
    page.fill("input[name=username]", "13900000007")
    page.fill("input[name=password]", "jinlin2026")
    with page.expect_navigation():
        page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_contain_text("近邻")
    page.goto("/admin/core/auditentry/")
    expect(page.locator("#result_list")).to_be_visible()
    expect(page.locator(".object-tools .addlink")).to_have_count(0)
    expect(page.locator("#user-tools")).to_contain_text("刘洋")
    screenshot(page, "admin-audit-zh")
    page.goto("/admin/core/user/")
    expect(page.locator("#result_list")).to_contain_text("139****0001")
    assert page.console_errors == []
