"""The API keeps its contract under generated input (schemathesis over /api/openapi.json,
in-process through WSGI on the test database): no 500, and every answer is JSON that the
OpenAPI document describes — for a dispatcher and for a resident."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
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
    from jinlin.wsgi import application

    settings.RATE_LIMITS_ENABLED = False
    return schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def tokens(tiny_district):
    from jinlin.core import services

    return {
        role: services.api_token_issue(user=tiny_district.people[phone])[0]
        for role, phone in (("dispatcher", "13900000004"), ("resident", "13900000001"))
    }


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=4,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_generated_request_as_documented(case, tokens):
    for token in tokens.values():
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
