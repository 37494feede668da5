"""One resident cannot flood the dispatcher: POST /api/cases and photo uploads are limited per
user and per address (429 with Retry-After); another resident files on unhindered."""

import pytest
from django.test import Client

from .conftest import G1_POINT, PASSWORD


def token(phone: str) -> str:
    body = {"phone": phone, "password": PASSWORD}
    return Client().post("/api/auth/token", body, content_type="application/json").json()["token"]


def file_case(client, key: str, ip: str = "203.0.113.1"):
    body = {"title": "楼道灯不亮", "lat": G1_POINT[0], "lng": G1_POINT[1]}
    return client.post(
        "/api/cases", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR=ip
    )


def test_a_resident_filing_too_fast_gets_429_and_others_do_not(client, org, people, settings):
    settings.RATE_LIMITS = {"intake": {"user": (5, 600), "address": (100, 600)}}
    mine, theirs = token("13800000001"), token("13800000002")
    for _ in range(5):
        assert file_case(client, mine).status_code == 201
    refused = file_case(client, mine)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0 and refused.json()["detail"]
    assert file_case(client, theirs, ip="198.51.100.2").status_code == 201


def test_one_address_filing_for_many_accounts_is_limited(client, org, people, settings):
    settings.RATE_LIMITS = {"intake": {"user": (100, 600), "address": (3, 600)}}
    keys = [token("13800000001"), token("13800000002"), token("13800000003")]
    for key in keys:
        assert file_case(client, key).status_code == 201
    assert file_case(client, keys[0]).status_code == 429
    assert file_case(client, keys[0], ip="198.51.100.2").status_code == 201


@pytest.mark.django_db
def test_the_limits_have_defaults_without_any_setting():
    from jinlin.core.ratelimit import limits

    assert limits("intake")["user"][0] > 0 and limits("upload")["user"][0] > 0 and limits("report")["user"][0] > 0


def test_residents_never_see_routing_suggestions(client, org, people, settings):
    key = token("13800000001")
    case_id = file_case(client, key).json()["id"]
    response = client.get(f"/api/cases/{case_id}/suggestions", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403
    staff = token("13800000014")
    response = client.get(f"/api/cases/{case_id}/suggestions", HTTP_AUTHORIZATION=f"Bearer {staff}")
    assert response.status_code == 200


def test_an_idempotency_key_reused_with_a_different_body_is_422(client, org, people):
    key = token("13800000001")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_IDEMPOTENCY_KEY": "retry-1"}
    first = {"title": "楼道灯不亮", "lat": G1_POINT[0], "lng": G1_POINT[1]}
    assert client.post("/api/cases", first, content_type="application/json", **headers).status_code == 201
    assert client.post("/api/cases", first, content_type="application/json", **headers).status_code == 201
    other = {**first, "title": "路面坑洼"}
    response = client.post("/api/cases", other, content_type="application/json", **headers)
    assert response.status_code == 422
