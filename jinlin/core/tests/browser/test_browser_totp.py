"""Two-step login in a real browser (Debian's Chromium): a dispatcher enrols by reading the key
beside the QR code, confirms with a code computed by pyotp, sees the recovery codes once, logs
out, and logs in again with the password and then a fresh code."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from jinlin.core.demo_accounts import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DISPATCHER = "13900000004"


def test_a_dispatcher_enrols_with_the_qr_page_and_logs_in_with_a_code(page, login_as, screenshot, tiny_district):
    login_as(page, DISPATCHER)
    page.goto("/account/two-factor/")
    expect(page.locator("[data-totp-qr] svg")).to_be_visible()
    secret = page.locator("[data-totp-secret]").inner_text().strip()
    screenshot(page, "totp-enrol")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.press("input[name=code]", "Enter")
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
    screenshot(page, "totp-recovery-codes")

    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("#id_phone", DISPATCHER)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.press("#id_password", "Enter")
    expect(page).to_have_url(re.compile(r"/login/code/$"))
    expect(page.locator("h1")).to_have_text("两步登录")
    page.fill("input[name=code]", pyotp.TOTP(secret).at(time.time() + 30))
    with page.expect_navigation():
        page.press("input[name=code]", "Enter")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("article.role-card[data-role=dispatcher]")).to_be_visible()
    assert page.console_errors == []
