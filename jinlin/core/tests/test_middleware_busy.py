"""A busy database (lock waits, serialisation conflicts, timeouts) is a 503 with Retry-After in
the user's language, never a 500; other database errors are not disguised as busy."""

from unittest import mock

import pytest
from django.db import IntegrityError, OperationalError
from django.test import RequestFactory

from jinlin.core.middleware import BusyDatabaseMiddleware, is_busy_error


class _DriverError(Exception):
    """Stands in for a psycopg error: Django wraps the driver's error and keeps it as __cause__."""

    def __init__(self, sqlstate: str):
        super().__init__("canceling statement")
        self.sqlstate = sqlstate


def _pg_error(sqlstate: str) -> OperationalError:
    exc = OperationalError("canceling statement")
    exc.__cause__ = _DriverError(sqlstate)
    return exc


@pytest.mark.parametrize(
    "exc",
    [OperationalError("database is locked"), _pg_error("55P03"), _pg_error("40001"), _pg_error("57014")],
)
def test_lock_waits_conflicts_and_timeouts_count_as_busy(exc):
    assert is_busy_error(exc)


@pytest.mark.parametrize(
    "exc", [OperationalError("no such table: cases_case"), _pg_error("42P01"), IntegrityError("database is locked")]
)
def test_other_database_errors_are_not_busy(exc):
    assert not is_busy_error(exc)


def test_api_answers_503_with_retry_after_and_a_chinese_message(client, db):
    with mock.patch("jinlin.core.bearer.api_token_user", side_effect=OperationalError("database is locked")):
        response = client.get("/api/me", HTTP_AUTHORIZATION="Bearer x")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "繁忙" in response.json()["detail"]


def test_api_keeps_other_database_errors_as_errors(client, db):
    broken = mock.patch("jinlin.core.bearer.api_token_user", side_effect=OperationalError("no such table: x"))
    with broken, pytest.raises(OperationalError):
        client.get("/api/me", HTTP_AUTHORIZATION="Bearer x")


def test_pages_answer_a_503_page_in_english_when_asked():
    from django.utils import translation

    request = RequestFactory().get("/cases/")
    with translation.override("en"):
        response = BusyDatabaseMiddleware(lambda r: None).process_exception(
            request, OperationalError("database is locked")
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "The platform is busy" in body and "nothing was saved" in body


def test_pages_leave_other_errors_to_the_500_handler():
    request = RequestFactory().get("/cases/")
    assert BusyDatabaseMiddleware(lambda r: None).process_exception(request, ValueError("bug")) is None
