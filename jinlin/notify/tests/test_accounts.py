"""Resident sign-up and password reset by SMS code through the API (contract of issue 13)."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from jinlin.core.models import User
from jinlin.notify import accounts
from jinlin.notify.delivery import deliver_due
from jinlin.notify.models import Consent, SmsCode

pytestmark = pytest.mark.django_db
PHONE = "13712345678"


def outbox_code(phone, capsys) -> str:
    deliver_due()
    capsys.readouterr()
    call_command("notify", "outbox", "--to", phone, "--json")
    rows = json.loads(capsys.readouterr().out)
    return (
        next(c for c in rows[0]["text"].split() if c.isdigit()) if " " in rows[0]["text"] else _digits(rows[0]["text"])
    )


def _digits(text: str) -> str:
    import re

    return re.search(r"\d{6}", text).group(0)


def code_for(phone, capsys) -> str:
    deliver_due()
    capsys.readouterr()
    call_command("notify", "outbox", "--to", phone, "--json")
    rows = json.loads(capsys.readouterr().out)
    assert set(rows[0]) == {"phone", "text", "kind", "at"}
    return _digits(rows[0]["text"])


def post(client, path, body, **extra):
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


def test_sign_up_with_the_code_from_the_outbox_gives_a_token_and_records_consent(org, capsys):
    client = Client()
    assert post(client, "/api/auth/register/code", {"phone": PHONE}).status_code == 202
    code = code_for(PHONE, capsys)
    response = post(
        client, "/api/auth/register", {"phone": PHONE, "code": code, "password": "Qingxi-2026!", "name": "新居民"}
    )
    assert response.status_code == 201, response.content
    assert set(response.json()) == {"token", "expires_at"}
    me = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    assert me.json()["name"] == "新居民"
    user = User.objects.get_by_phone(PHONE)
    assert Consent.objects.get(user=user).version


def test_a_wrong_code_is_422_and_five_wrong_tries_use_the_code_up(org, capsys):
    client = Client()
    post(client, "/api/auth/register/code", {"phone": PHONE})
    code = code_for(PHONE, capsys)
    wrong = "000000" if code != "000000" else "111111"
    body = {"phone": PHONE, "code": wrong, "password": "Qingxi-2026!", "name": "新居民"}
    for _ in range(5):
        assert post(client, "/api/auth/register", body).status_code == 422
    assert post(client, "/api/auth/register", {**body, "code": code}).status_code == 422


def test_an_expired_code_is_422(org, capsys):
    accounts.code_request(phone=PHONE, purpose="register", now=timezone.now() - timedelta(minutes=6))
    code = code_for(PHONE, capsys)
    response = post(
        Client(), "/api/auth/register", {"phone": PHONE, "code": code, "password": "Qingxi-2026!", "name": "x"}
    )
    assert response.status_code == 422


def test_one_code_a_minute_per_phone_else_429_with_retry_after(org):
    client = Client()
    assert post(client, "/api/auth/register/code", {"phone": PHONE}).status_code == 202
    again = post(client, "/api/auth/register/code", {"phone": PHONE})
    assert again.status_code == 429
    assert 1 <= int(again["Retry-After"]) <= 60


def test_ten_codes_a_day_per_phone(org):
    start = timezone.now() - timedelta(hours=20)
    for i in range(10):
        accounts.code_request(phone=PHONE, purpose="register", now=start + timedelta(minutes=2 * i))
    with pytest.raises(accounts.TooManyCodes) as exc:
        accounts.code_request(phone=PHONE, purpose="register")
    assert exc.value.retry_after > 3600


def test_one_address_may_not_ask_codes_for_many_phones(org, settings):
    from jinlin.notify import conf

    for i in range(conf.CODE_PER_ADDRESS_PER_HOUR):
        accounts.code_request(phone=f"1371234{i:04d}", purpose="register", ip="10.0.0.9")
    with pytest.raises(accounts.TooManyCodes):
        accounts.code_request(phone="13799999999", purpose="register", ip="10.0.0.9")
    accounts.code_request(phone="13799999999", purpose="register", ip="10.0.0.10")


def test_password_reset_by_code(org, people, capsys):
    client = Client()
    phone = people.resident.phone
    assert post(client, "/api/auth/password/reset/code", {"phone": phone}).status_code == 202
    code = code_for(phone, capsys)
    assert (
        post(
            client, "/api/auth/password/reset", {"phone": phone, "code": code, "password": "New-pass-2026"}
        ).status_code
        == 200
    )
    token = post(client, "/api/auth/token", {"phone": phone, "password": "New-pass-2026"})
    assert token.status_code == 200


def test_codes_are_not_sent_to_say_who_has_an_account(org, people):
    client = Client()
    assert post(client, "/api/auth/register/code", {"phone": people.resident.phone}).status_code == 202
    assert post(client, "/api/auth/password/reset/code", {"phone": PHONE}).status_code == 202
    deliver_due()
    from jinlin.notify.models import OutboxMessage

    assert OutboxMessage.objects.count() == 0
    assert SmsCode.objects.count() == 2  # still counted against the limits


def test_a_grid_worker_confirms_the_home_and_then_the_person_is_a_resident_there(org, people, capsys):
    from jinlin.core.models import RoleAssignment

    accounts.code_request(phone=PHONE, purpose="register")
    user = accounts.register(
        phone=PHONE, code=code_for(PHONE, capsys), password="Qingxi-2026!", name="新居民", home=org.building
    )
    claim = user.home_claims.get()
    assert not RoleAssignment.objects.filter(user=user).exists()
    with pytest.raises(Exception):
        accounts.home_confirm(actor=people.worker2, claim=claim)
    accounts.home_confirm(actor=people.worker1, claim=claim)
    assert RoleAssignment.objects.get(user=user).org == org.building


def test_deletion_anonymises_the_person_and_keeps_their_cases_facts(org, people, categories):
    from jinlin.cases.models import Case
    from jinlin.cases.tests.flow import submit

    case = submit(people, address="桂香小区1号楼501")
    accounts.account_delete(actor=people.resident)
    people.resident.refresh_from_db()
    case.refresh_from_db()
    assert not people.resident.is_active and people.resident.phone == ""
    assert people.resident.name != "王小明"
    assert case.title == "楼道灯不亮" and case.address == "" and case.reporter_id == people.resident.pk
    assert Case.objects.filter(pk=case.pk).exists()
