"""Account management in a real browser: the community worker adds a grid worker on a phone and
reads the one-time password; the new grid worker logs in with it and must choose their own."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_community_staff_add_a_grid_worker_who_then_sets_a_password(page, login_as, screenshot, tiny_district):
    page.set_viewport_size(PHONE)
    login_as(page, "13900000003")
    page.goto("/accounts/")
    expect(page.locator("h1")).to_have_text("账号管理")
    page.fill("input[name=name]", "新来的网格员")
    page.fill("input[name=phone]", "13900000199")
    page.select_option("select[name=role]", "grid_worker")
    page.fill("input[name=unit]", "350102001001001")
    with page.expect_navigation():
        page.click("[data-do=create]")
    password = page.locator("[data-one-time-password]").inner_text()
    assert len(password) >= 12
    screenshot(page, "accounts-phone-created")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("#id_phone", "13900000199")
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.press("#id_password", "Enter")
    page.goto("/cases/inbox/")
    assert "/password/" in page.url
