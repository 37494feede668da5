"""Schemathesis over the Open311 GeoReport v2 endpoint, in process. Open311 has no OpenAPI document of
its own (its shape is fixed by the GeoReport v2 spec), so the operations are described here; a few
derandomized examples each, no shrinking: no request may make the server fail.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

pytestmark = [pytest.mark.django_db(transaction=False)]

EXAMPLES = 3

HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

OPEN311 = {
    "openapi": "3.0.3",
    "info": {"title": "Open311 GeoReport v2", "version": "2"},
    "paths": {
        "/open311/v2/services.json": {"get": {"responses": {"200": {"description": "services"}}}},
        "/open311/v2/services/{code}.json": {
            "get": {
                "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "definition"}, "404": {"description": "none"}},
            }
        },
        "/open311/v2/requests.json": {
            "get": {
                "parameters": [
                    {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
                    for name in ("service_request_id", "service_code", "start_date", "end_date", "status")
                ],
                "responses": {"200": {"description": "requests"}, "400": {"description": "bad"}},
            },
            "post": {
                "requestBody": {
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "api_key": {"type": "string"},
                                    "service_code": {"type": "string"},
                                    "lat": {"type": "number"},
                                    "long": {"type": "number"},
                                    "address_string": {"type": "string"},
                                    "description": {"type": "string"},
                                    "phone": {"type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {"201": {"description": "created"}, "400": {"description": "bad"}},
            },
        },
        "/open311/v2/requests/{request_id}.json": {
            "get": {
                "parameters": [{"name": "request_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "request"}, "404": {"description": "none"}},
            }
        },
        "/open311/v2/tokens/{token}.json": {
            "get": {
                "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "token"}, "404": {"description": "none"}},
            }
        },
    },
}


def _run(schema, headers: dict, checks: list) -> list[str]:
    """Every operation of `schema` with a few generated cases; the labels of those that failed."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @HYPOTHESIS
        @given(case=operation.as_strategy())
        def probe(case):
            case.call_and_validate(headers=headers, checks=checks)

        try:
            probe()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report
            failures.append(f"{operation.label}: {exc}")
    return failures


@pytest.fixture
def app(settings):
    settings.RATE_LIMITS_ENABLED = False
    settings.ALLOWED_HOSTS = ["*"]
    # As django.test.Client does: the test's connection (and its transaction) stays open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_schemathesis_finds_no_server_error_in_open311(tiny_district, app):
    schema = schemathesis.openapi.from_dict(OPEN311)
    schema.app = app
    assert _run(schema, {}, [not_a_server_error]) == []
