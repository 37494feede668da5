"""Under /api/ every error is JSON, in every mode: an unreachable database is 503 with Retry-After
(not a 500), an unknown path is a JSON 404 (not Django's page), a bug is a JSON 500 (never a
traceback), an absurd page number is a 4xx and a body that is not a JSON object is 422."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client

from jinlin.core.middleware import is_busy_error, is_outage_error, is_unavailable_error
from jinlin.core.models import Role

from .factories import PASSWORD, make_tree, make_user


class _DriverError(Exception):
    def __init__(self, sqlstate: str):
        super().__init__("driver")
        self.sqlstate = sqlstate


def _pg(sqlstate: str, text: str = "server said no") -> OperationalError:
    exc = OperationalError(text)
    exc.__cause__ = _DriverError(sqlstate)
    return exc


OUTAGES = [
    InterfaceError("connection already closed"),
    OperationalError('connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused'),
    OperationalError("could not connect to server: No such file or directory"),
    OperationalError("server closed the connection unexpectedly"),
    OperationalError("unable to open database file"),
    _pg("08006"),
    _pg("08001"),
    _pg("57P01"),
    _pg("57P03"),
    _pg("53300"),
]


@pytest.mark.parametrize("exc", OUTAGES)
def test_connection_level_errors_count_as_outages(exc):
    assert is_outage_error(exc) and is_unavailable_error(exc)
    assert not is_busy_error(exc)


@pytest.mark.parametrize("exc", [OperationalError("no such table: x"), _pg("42P01"), ValueError("bug")])
def test_bugs_are_not_outages(exc):
    assert not is_outage_error(exc)


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("exc", OUTAGES[:5])
def test_an_outage_under_api_is_503_json_with_retry_after(settings, debug, exc):
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    with mock.patch("jinlin.api.api_token_user", side_effect=exc):
        response = client.get("/api/me", HTTP_AUTHORIZATION="Bearer x")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert int(response["Retry-After"]) > 0
    assert response.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_a_stopped_database_answers_503_json_not_a_500():
    """The real thing: the connection points at a database that is not there."""
    original = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-dir/jinlin.sqlite3"
    else:
        connection.settings_dict["PORT"] = "1"
        connection.settings_dict["HOST"] = "127.0.0.1"
    try:
        client = Client(raise_request_exception=False)
        response = client.get("/api/cases", HTTP_AUTHORIZATION="Bearer x")
        page = client.get("/cases/public/")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert "Retry-After" in response
    assert page.status_code == 503


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_unknown_api_paths_are_json_404(settings, debug):
    settings.DEBUG = debug
    for path in ("/api/nope", "/api/cases/nope/deeper", "/api/v2/"):
        response = Client().get(path)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json"), path
        assert response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_a_bug_under_api_is_json_500_without_a_traceback(settings, debug):
    settings.DEBUG = debug
    tree = make_tree()
    make_user("13700000001", Role.RESIDENT, tree.building_a)
    client = Client(raise_request_exception=False)
    token = client.post(
        "/api/auth/token", {"phone": "13700000001", "password": PASSWORD}, content_type="application/json"
    ).json()["token"]
    with mock.patch("jinlin.core.selectors.user_profile", side_effect=ValueError("secret internals")):
        response = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "secret internals" not in response.content.decode() and "Traceback" not in response.content.decode()


@pytest.fixture
def resident_token(db, client):
    tree = make_tree()
    make_user("13700000001", Role.RESIDENT, tree.building_a)
    body = {"phone": "13700000001", "password": PASSWORD}
    return client.post("/api/auth/token", body, content_type="application/json").json()["token"]


@pytest.mark.parametrize("page", ["1152921504606846976", "9223372036854775808", "0", "-1"])
def test_an_absurd_page_number_is_a_4xx_json(client, resident_token, page):
    response = client.get(f"/api/cases?page={page}", HTTP_AUTHORIZATION=f"Bearer {resident_token}")
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("body", ['"路灯坏了"', "[1, 2]", "3", "null", "[]", "true"])
def test_a_body_that_is_not_a_json_object_is_422(client, resident_token, body):
    from jinlin.cases.models import Case

    response = client.post(
        "/api/cases", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {resident_token}"
    )
    assert response.status_code == 422
    assert response.json()["detail"]
    assert not Case.objects.exists()
    assert client.post("/api/auth/token", body, content_type="application/json").status_code == 422
