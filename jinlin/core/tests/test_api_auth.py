from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from jinlin.core.models import AuditEntry, Role, User

from .factories import PASSWORD, make_tree, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker():
    tree = make_tree()
    return make_user("13700000001", Role.GRID_WORKER, tree.grid_a, name="王网格")


def post_token(client: Client, phone: str, password: str):
    return client.post("/api/auth/token", {"phone": phone, "password": password}, content_type="application/json")


@pytest.mark.production_hasher
def test_right_password_returns_a_token_that_expires(client, worker):
    # The other tests hash with a fast hasher (root conftest); this one logs in as deployed.
    assert User.objects.get(pk=worker.pk).password.startswith("pbkdf2_sha256$")
    response = post_token(client, "13700000001", PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert len(body["token"]) >= 32
    assert body["expires_at"]
    assert User.objects.get(pk=worker.pk).api_tokens.count() == 1


def test_wrong_password_is_401_and_counted(client, worker):
    response = post_token(client, "13700000001", "wrong-password")
    assert response.status_code == 401
    assert User.objects.get(pk=worker.pk).failed_logins == 1


def test_unknown_phone_is_401_like_a_wrong_password(client, worker):
    response = post_token(client, "13700000099", PASSWORD)
    assert response.status_code == 401
    assert response.json()["detail"] == post_token(client, "13700000001", "nope").json()["detail"]


@pytest.mark.parametrize("phone", ["12345", "1380013800a", "23800138000", "", "+1 202 555 0100"])
def test_malformed_phone_is_422_with_a_message(client, worker, phone):
    response = post_token(client, phone, PASSWORD)
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"]


def test_body_that_is_not_json_is_a_4xx_not_a_500(client, worker):
    response = client.post("/api/auth/token", "phone=1", content_type="application/json")
    assert 400 <= response.status_code < 500


def test_repeated_failures_from_one_address_make_that_address_wait_longer_each_time(client, worker):
    for _ in range(3):
        assert post_token(client, "13700000001", "wrong").status_code == 401
    # The fourth failure is still answered 401; from then on the address waits, 2 s, 4 s, …
    assert post_token(client, "13700000001", "wrong").status_code == 401
    waiting = post_token(client, "13700000001", PASSWORD)
    assert waiting.status_code == 429
    assert int(waiting["Retry-After"]) >= 1
    assert AuditEntry.objects.filter(action="auth.throttle", object_id=str(worker.pk)).exists()
    assert AuditEntry.objects.filter(action="auth.throttled", object_id=str(worker.pk)).exists()


def test_an_administrator_locked_account_is_refused_with_the_right_password(client, worker):
    User.objects.filter(pk=worker.pk).update(locked_until=timezone.now() + timedelta(minutes=15))
    assert post_token(client, "13700000001", PASSWORD).status_code == 423
    # A wrong password does not learn of the lock.
    assert post_token(client, "13700000001", "wrong").status_code == 401


def test_lock_lifts_after_fifteen_minutes(client, worker):
    User.objects.filter(pk=worker.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert post_token(client, "13700000001", PASSWORD).status_code == 200


def test_a_success_resets_the_failure_count(client, worker):
    for _ in range(3):
        post_token(client, "13700000001", "wrong")
    assert post_token(client, "13700000001", PASSWORD).status_code == 200
    assert post_token(client, "13700000001", "wrong").status_code == 401
    assert User.objects.get(pk=worker.pk).locked_until is None
    assert post_token(client, "13700000001", "wrong").status_code == 401


def test_me_needs_a_bearer_token(client, worker):
    assert client.get("/api/me").status_code == 401
    assert client.get("/api/me", HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 401


def test_me_returns_masked_phone_and_roles_with_their_org(client, worker):
    token = post_token(client, "13700000001", PASSWORD).json()["token"]
    response = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    body = response.json()
    assert body["phone_masked"] == "137****0001"
    assert "13700000001" not in response.content.decode()
    assert body["roles"] == [
        {
            "role": "grid_worker",
            "role_label": body["roles"][0]["role_label"],
            "org": {
                "id": worker.role_assignments.get().org_id,
                "code": "350102001001001",
                "name": "桂香一网格",
                "level": "grid",
            },
        }
    ]


def test_expired_token_is_refused(client, worker):
    token = post_token(client, "13700000001", PASSWORD).json()["token"]
    worker.api_tokens.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_deactivated_user_cannot_log_in_or_use_a_token(client, worker):
    token = post_token(client, "13700000001", PASSWORD).json()["token"]
    User.objects.filter(pk=worker.pk).update(is_active=False)
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert post_token(client, "13700000001", PASSWORD).status_code == 401
