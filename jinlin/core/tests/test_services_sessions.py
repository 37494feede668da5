"""Tokens and sessions (等保 身份鉴别): logout revokes the bearer token; a password change or a
deactivation ends every token and session; staff sessions end after 30 idle minutes; staff
passwords follow a policy; after an administrator's reset the owner must choose a new one."""

import time

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from jinlin.core import accounts
from jinlin.core.demo_accounts import DEMO_PASSWORD
from jinlin.core.models import AuditEntry, Role, User

from .factories import PASSWORD, make_tree, make_user

pytestmark = pytest.mark.django_db
STRONG = "Neighbour-Lamp-2026"


@pytest.fixture
def tree():
    return make_tree()


@pytest.fixture
def worker(tree):
    return make_user("13700000001", Role.GRID_WORKER, tree.grid_a, name="王网格")


@pytest.fixture
def resident(tree):
    return make_user("13700000002", Role.RESIDENT, tree.building_a, name="林居民")


@pytest.fixture
def admin(tree):
    return make_user("13700000009", Role.PLATFORM_ADMIN, tree.district, name="刘管理")


def token_of(phone: str, password: str = PASSWORD) -> str:
    body = {"phone": phone, "password": password}
    response = Client().post("/api/auth/token", body, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def me(token: str) -> int:
    return Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def test_logout_makes_the_token_fail_and_leaves_other_tokens_working(worker):
    first, second = token_of("13700000001"), token_of("13700000001")
    response = Client().post("/api/auth/logout", HTTP_AUTHORIZATION=f"Bearer {first}")
    assert response.status_code == 204
    assert me(first) == 401
    assert me(second) == 200
    assert AuditEntry.objects.filter(action="auth.token_revoke", object_id=str(worker.pk)).exists()


def test_a_password_change_revokes_every_token(worker):
    first, second = token_of("13700000001"), token_of("13700000001")
    body = {"old_password": PASSWORD, "new_password": STRONG}
    response = Client().post(
        "/api/auth/password", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {first}"
    )
    assert response.status_code == 204, response.content
    assert me(first) == 401 and me(second) == 401
    assert me(token_of("13700000001", STRONG)) == 200


def test_deactivation_revokes_every_token(worker):
    token = token_of("13700000001")
    worker.is_active = False
    worker.save()
    worker.is_active = True
    worker.save()
    assert me(token) == 401


def test_a_password_change_on_the_web_ends_every_other_session(worker):
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        assert client.post("/login/", {"phone": "13700000001", "password": PASSWORD}).status_code == 302
    response = here.post("/password/", {"old_password": PASSWORD, "new_password": STRONG})
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302  # sent to the login page


def test_a_staff_session_ends_after_thirty_idle_minutes_and_a_residents_does_not(worker, resident):
    staff, person = Client(), Client()
    staff.post("/login/", {"phone": "13700000001", "password": PASSWORD})
    person.post("/login/", {"phone": "13700000002", "password": PASSWORD})
    for client in (staff, person):
        assert client.get("/").status_code == 200
        session = client.session
        session["jinlin_last_seen"] = time.time() - 31 * 60
        session.save()
    response = staff.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert "_auth_user_id" not in staff.session
    assert person.get("/").status_code == 200


def test_a_staff_session_within_the_idle_limit_stays(worker):
    staff = Client()
    staff.post("/login/", {"phone": "13700000001", "password": PASSWORD})
    staff.get("/")
    session = staff.session
    session["jinlin_last_seen"] = time.time() - 29 * 60
    session.save()
    assert staff.get("/").status_code == 200


@pytest.mark.parametrize("password", ["short1A!", "alllowercaseletters", "ALLUPPER123456"])
def test_staff_passwords_need_length_and_three_classes(worker, password):
    with pytest.raises(ValidationError):
        accounts.password_change(user=worker, old_password=PASSWORD, new_password=password)


def test_a_resident_may_choose_a_simple_password(resident):
    accounts.password_change(user=resident, old_password=PASSWORD, new_password="lamp-garden")


def test_the_demo_password_is_refused_outside_the_demo(resident, settings):
    settings.JINLIN_DEMO_MODE = False
    with pytest.raises(ValidationError):
        accounts.password_change(user=resident, old_password=PASSWORD, new_password=DEMO_PASSWORD)


def test_after_an_admin_reset_the_owner_must_change_the_password_first(worker, admin):
    accounts.password_reset(actor=admin, user=worker, new_password="Temporary-Pass-77")
    client = Client()
    assert client.post("/login/", {"phone": "13700000001", "password": "Temporary-Pass-77"}).status_code == 302
    response = client.get("/cases/inbox/")
    assert response.status_code == 302 and response["Location"].endswith("/password/")
    token = token_of("13700000001", "Temporary-Pass-77")
    assert me(token) == 403
    response = client.post("/password/", {"old_password": "Temporary-Pass-77", "new_password": STRONG})
    assert response.status_code == 302
    assert not User.objects.get(pk=worker.pk).must_change_password
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="auth.password_reset", object_id=str(worker.pk)).exists()
