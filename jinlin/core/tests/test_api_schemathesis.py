"""The API keeps its contract under generated input (schemathesis over /api/openapi.json,
in-process through WSGI on the test database): no 500, and every answer is JSON that the
OpenAPI document describes — for a dispatcher and for a resident."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("schemathesis")]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(tiny_district, settings):
    from django.core.handlers.wsgi import WSGIHandler

    application = WSGIHandler()  # not jinlin.wsgi: its warm-up closes the test's connection
    settings.RATE_LIMITS_ENABLED = False
    # As Django's test client does: the test's connection stays open across requests (the
    # handler would close it after each one, ending the test's transaction).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(tiny_district):
    from jinlin.core import services

    return {
        role: services.api_token_issue(user=tiny_district.people[phone])[0]
        for role, phone in (("dispatcher", "13900000004"), ("resident", "13900000001"))
    }


def test_the_api_answers_every_generated_request_as_documented(api_schema, tokens):
    headers = [{"Authorization": f"Bearer {token}"} for token in tokens.values()]
    failures = []
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=4, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def run(case):
            for header in headers:
                case.call_and_validate(headers=header, checks=CHECKS)

        try:
            run()
        except BaseException as exc:  # noqa: BLE001 - every operation's failure, not only the first
            failures.append(f"{operation.label}: {str(exc)[:600]}")
    assert operations > 20
    assert failures == [], "\n\n".join(failures)
