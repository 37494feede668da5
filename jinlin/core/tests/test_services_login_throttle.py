"""等保 登录失败处理 that cannot be turned against users: failures are counted per phone and
address and per address; one address's failures never stop the owner logging in from another;
unknown and known phones are answered alike; the wait grows; an administrator lifts it; all audited."""

import pytest
from django.test import Client

from jinlin.core import services
from jinlin.core.models import AuditEntry, Role

from .factories import PASSWORD, make_tree, make_user

pytestmark = pytest.mark.django_db
PHONE = "13700000001"


@pytest.fixture
def people():
    tree = make_tree()
    worker = make_user(PHONE, Role.GRID_WORKER, tree.grid_a, name="王网格")
    admin = make_user("13700000009", Role.PLATFORM_ADMIN, tree.district, name="刘管理")
    return worker, admin


def token(client: Client, phone: str, password: str, ip: str):
    body = {"phone": phone, "password": password}
    return client.post("/api/auth/token", body, content_type="application/json", REMOTE_ADDR=ip)


def test_ten_wrong_passwords_from_one_address_do_not_stop_the_right_password_from_another(client, people):
    for _ in range(10):
        assert token(client, PHONE, "wrong", "203.0.113.7").status_code in (401, 429)
    assert token(client, PHONE, PASSWORD, "203.0.113.7").status_code == 429
    assert token(client, PHONE, PASSWORD, "198.51.100.20").status_code == 200


def test_the_web_login_from_another_address_also_succeeds(client, people):
    for _ in range(10):
        client.post("/login/", {"phone": PHONE, "password": "wrong"}, REMOTE_ADDR="203.0.113.7")
    response = client.post("/login/", {"phone": PHONE, "password": PASSWORD}, REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302


def test_unknown_and_known_phones_get_the_same_answers(client, people):
    known = [token(client, PHONE, "wrong", "203.0.113.7") for _ in range(8)]
    unknown = [token(client, "13700000099", "wrong", "203.0.113.8") for _ in range(8)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown]
    assert [r.json()["detail"] for r in known] == [r.json()["detail"] for r in unknown]
    assert 423 not in [r.status_code for r in known]


def test_the_wait_grows_with_each_failure(client, people):
    waits = []
    for _ in range(4):
        token(client, PHONE, "wrong", "203.0.113.7")
    for _ in range(3):
        response = token(client, PHONE, "wrong", "203.0.113.7")
        assert response.status_code == 429
        waits.append(int(response["Retry-After"]))
        # Let the wait pass (rewind the block), then fail again.
        from jinlin.core.models import RateCounter

        RateCounter.objects.filter(key__startswith="login:pair:").update(blocked_until=0)
        assert token(client, PHONE, "wrong", "203.0.113.7").status_code == 401
    assert waits[0] < waits[1] < waits[2]


def test_an_address_guessing_many_phones_is_stopped_and_others_are_not(client, people, settings):
    settings.LOGIN_ADDRESS_MAX_FAILURES = 6
    for n in range(6):
        token(client, f"1370000010{n}", "wrong", "203.0.113.7")
    assert token(client, PHONE, PASSWORD, "203.0.113.7").status_code == 429
    assert token(client, PHONE, PASSWORD, "198.51.100.20").status_code == 200


def test_an_administrator_lifts_the_throttle_and_it_is_audited(client, people):
    worker, admin = people
    for _ in range(6):
        token(client, PHONE, "wrong", "203.0.113.7")
    assert token(client, PHONE, PASSWORD, "203.0.113.7").status_code == 429
    services.auth_unlock(actor=admin, user=worker)
    assert token(client, PHONE, PASSWORD, "203.0.113.7").status_code == 200
    assert AuditEntry.objects.filter(action="auth.unlock", object_id=str(worker.pk), actor=admin).exists()
    assert AuditEntry.objects.filter(action="auth.failure", object_id=str(worker.pk), ip="203.0.113.7").exists()


def test_only_an_administrator_may_lift_a_throttle(people):
    worker, _admin = people
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.auth_unlock(actor=worker, user=worker)
