"""Second factor for staff (等保 two factors): enrolment with a server-rendered QR code, recovery
codes shown once and stored hashed, the code step after the password (web and API), replay
protection, the login throttle on wrong codes, the off/optional/required policy and the
administrator's audited reset."""

import re
import time

import pyotp
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client

from jinlin.core import totp
from jinlin.core.demo_accounts import DEMO_PASSWORD
from jinlin.core.models import AuditEntry, TotpDevice

pytestmark = pytest.mark.django_db
DISPATCHER = "13900000004"
RESIDENT = "13900000001"
ADMIN = "13900000007"


def code_at(secret: str, offset: float = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + offset)


def enrol(client: Client) -> tuple[str, list[str]]:
    """Open the enrolment page, read the secret, confirm with a code; returns (secret, codes)."""
    page = client.get("/account/two-factor/").content.decode()
    secret = re.search(r"data-totp-secret>([A-Z2-7]+)<", page).group(1)
    answer = client.post("/account/two-factor/", {"code": code_at(secret)})
    assert answer.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", answer.content.decode())
    return secret, codes


def password_step(client: Client, phone: str = DISPATCHER):
    return client.post("/login/", {"phone": phone, "password": DEMO_PASSWORD})


@pytest.fixture
def enrolled(tiny_district):
    client = Client()
    client.force_login(tiny_district.people[DISPATCHER], backend="jinlin.core.auth.PhoneBackend")
    secret, codes = enrol(client)
    return tiny_district.people[DISPATCHER], secret, codes


def test_the_enrolment_page_shows_an_svg_qr_code_of_the_otpauth_uri_and_the_secret(tiny_district):
    client = Client()
    client.force_login(tiny_district.people[DISPATCHER], backend="jinlin.core.auth.PhoneBackend")
    response = client.get("/account/two-factor/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "data-totp-qr" in html
    device = TotpDevice.objects.get(user=tiny_district.people[DISPATCHER])
    assert f"data-totp-secret>{device.secret}<" in html
    assert totp.provisioning_uri(device).startswith("otpauth://totp/")
    assert device.confirmed_at is None
    assert "no-store" in response["Cache-Control"]


def test_confirming_with_a_first_code_shows_ten_recovery_codes_once_stored_hashed_and_the_secret_encrypted(enrolled):
    user, secret, codes = enrolled
    assert len(codes) == 10 and len(set(codes)) == 10
    device = TotpDevice.objects.get(user=user)
    assert device.confirmed_at is not None
    assert all(code.replace("-", "") not in str(device.recovery_codes) for code in codes)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM core_totpdevice WHERE user_id = %s", [user.pk])
        (raw,) = cursor.fetchone()
    assert secret not in raw
    assert AuditEntry.objects.filter(action="auth.totp_enrol", object_id=str(user.pk)).exists()
    client = Client()
    client.force_login(user, backend="jinlin.core.auth.PhoneBackend")
    session = client.session
    session[totp.SESSION_OK] = True
    session.save()
    again = client.get("/account/two-factor/").content.decode()
    assert "data-totp-enrolled" in again and not re.search(r"[0-9a-f]{5}-[0-9a-f]{5}", again)


def test_a_wrong_first_code_does_not_turn_the_second_factor_on(tiny_district):
    client = Client()
    client.force_login(tiny_district.people[DISPATCHER], backend="jinlin.core.auth.PhoneBackend")
    client.get("/account/two-factor/")
    response = client.post("/account/two-factor/", {"code": "000000"})
    assert response.status_code == 400
    assert TotpDevice.objects.get(user=tiny_district.people[DISPATCHER]).confirmed_at is None


def test_after_the_password_an_enrolled_staff_member_is_not_logged_in_until_the_code(enrolled):
    user, secret, _codes = enrolled
    client = Client()
    response = password_step(client)
    assert response.status_code == 302 and response["Location"] == "/login/code/"
    assert client.get("/").status_code == 302  # not logged in yet
    assert "_auth_user_id" not in client.session
    assert client.post("/login/code/", {"code": "123456"}).status_code == 400
    response = client.post("/login/code/", {"code": code_at(secret, 30)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_code_used_once_cannot_be_used_again(enrolled):
    _user, secret, _codes = enrolled
    code = code_at(secret, 30)
    first = Client()
    password_step(first)
    assert first.post("/login/code/", {"code": code}).status_code == 302
    second = Client()
    password_step(second)
    response = second.post("/login/code/", {"code": code})
    assert response.status_code == 400
    assert "_auth_user_id" not in second.session


def test_a_recovery_code_logs_in_once(enrolled):
    _user, _secret, codes = enrolled
    first = Client()
    password_step(first)
    assert first.post("/login/code/", {"code": codes[0].upper()}).status_code == 302
    second = Client()
    password_step(second)
    assert second.post("/login/code/", {"code": codes[0]}).status_code == 400
    assert AuditEntry.objects.filter(action="auth.totp_recovery").count() == 1


def test_wrong_codes_are_throttled_by_the_login_throttle(enrolled, settings):
    settings.LOGIN_FREE_FAILURES = 2
    client = Client()
    password_step(client)
    statuses = [client.post("/login/code/", {"code": "000000"}).status_code for _ in range(4)]
    assert statuses[:2] == [400, 400]
    assert 429 in statuses[2:]
    response = client.post("/login/code/", {"code": "000000"})
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert AuditEntry.objects.filter(action="auth.totp_failure").count() >= 3


def test_the_code_step_expires_and_needs_the_password_again(enrolled, monkeypatch):
    _user, secret, _codes = enrolled
    client = Client()
    password_step(client)
    later = time.time() + 301
    monkeypatch.setattr("jinlin.core.totp_views.time.time", lambda: later)
    response = client.post("/login/code/", {"code": code_at(secret, 30)})
    assert response.status_code == 302 and response["Location"] == "/login/"


def test_the_api_token_needs_the_code_of_an_enrolled_staff_member(enrolled):
    _user, secret, _codes = enrolled
    client = Client()
    body = {"phone": DISPATCHER, "password": DEMO_PASSWORD}
    missing = client.post("/api/auth/token", body, content_type="application/json")
    assert missing.status_code == 401 and "totp" in missing.json()["detail"]
    wrong = client.post("/api/auth/token", {**body, "totp": "000000"}, content_type="application/json")
    assert wrong.status_code == 401
    good = client.post("/api/auth/token", {**body, "totp": code_at(secret, 30)}, content_type="application/json")
    assert good.status_code == 200 and good.json()["token"]


def test_a_session_logged_in_another_way_must_still_pass_the_code(enrolled):
    user, _secret, _codes = enrolled
    client = Client()
    client.force_login(user, backend="jinlin.core.auth.PhoneBackend")  # as the admin site's login does
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session


def test_in_demo_mode_staff_who_did_not_enrol_log_in_with_the_password_alone(tiny_district):
    assert totp.mode() == "optional"
    client = Client()
    assert password_step(client)["Location"] == "/"
    assert client.get("/").status_code == 200
    token = Client().post(
        "/api/auth/token", {"phone": DISPATCHER, "password": DEMO_PASSWORD}, content_type="application/json"
    )
    assert token.status_code == 200


def test_outside_demo_mode_the_policy_defaults_to_required(settings):
    settings.JINLIN_DEMO_MODE = False
    settings.STAFF_TOTP = ""
    assert totp.mode() == "required"
    settings.STAFF_TOTP = "off"
    assert totp.mode() == "off"


def test_in_required_mode_unenrolled_staff_are_sent_to_enrolment_and_residents_are_not(tiny_district, settings):
    settings.STAFF_TOTP = "required"
    client = Client()
    assert password_step(client)["Location"] == "/account/two-factor/"
    assert client.get("/")["Location"] == "/account/two-factor/"
    assert client.get("/account/two-factor/").status_code == 200
    token = Client().post(
        "/api/auth/token", {"phone": DISPATCHER, "password": DEMO_PASSWORD}, content_type="application/json"
    )
    assert token.status_code == 401 and ("two-step" in token.json()["detail"] or "两步登录" in token.json()["detail"])
    resident = Client()
    assert password_step(resident, RESIDENT)["Location"] == "/"
    assert resident.get("/").status_code == 200


def test_in_required_mode_enrolment_lets_the_staff_member_through(tiny_district, settings):
    settings.STAFF_TOTP = "required"
    client = Client()
    password_step(client)
    enrol(client)
    assert client.get("/").status_code == 200


def test_with_the_policy_off_no_code_is_asked_even_of_enrolled_staff(enrolled, settings):
    settings.STAFF_TOTP = "off"
    client = Client()
    assert password_step(client)["Location"] == "/"
    assert client.get("/").status_code == 200


def test_an_administrator_resets_the_second_factor_audited_and_no_one_else_may(enrolled, tiny_district):
    user, _secret, _codes = enrolled
    with pytest.raises(PermissionDenied):
        totp.totp_reset(actor=tiny_district.people[RESIDENT], user=user)
    assert totp.totp_reset(actor=tiny_district.people[ADMIN], user=user)
    assert not TotpDevice.objects.filter(user=user).exists()
    entry = AuditEntry.objects.get(action="auth.totp_reset")
    assert entry.actor_id == tiny_district.people[ADMIN].pk and entry.object_id == str(user.pk)
    client = Client()
    assert password_step(client)["Location"] == "/"


def test_the_admin_site_action_resets_the_second_factor(enrolled, tiny_district):
    user, _secret, _codes = enrolled
    admin = Client()
    admin.force_login(tiny_district.people[ADMIN], backend="jinlin.core.auth.PhoneBackend")
    response = admin.post("/admin/core/user/", {"action": "reset_two_factor", "_selected_action": [str(user.pk)]})
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=user).exists()
