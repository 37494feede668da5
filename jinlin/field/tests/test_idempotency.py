"""Idempotency-Key on every API write (core.idempotency): what the offline queue relies on."""

import pytest

from jinlin.cases.models import Case, TimelineEntry
from jinlin.core.models import IdempotentReply
from jinlin.people.models import Household, Visit

from .conftest import WORKER, dispatched_case

pytestmark = pytest.mark.django_db


def post(api, path, body, key):
    return api.client.post(path, body, content_type="application/json", headers={**api.headers, "Idempotency-Key": key})


def test_a_claim_retried_with_its_key_answers_the_first_200_instead_of_409(as_, field):
    case = dispatched_case(field)
    worker = as_(WORKER)
    first = post(worker, f"/api/cases/{case.pk}/claim", {}, "k-claim-1")
    again = post(worker, f"/api/cases/{case.pk}/claim", {}, "k-claim-1")
    assert first.status_code == 200, first.content
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["status"] == first.json()["status"]
    # Without the key the second claim is the conflict the machine answers.
    assert worker.post(f"/api/cases/{case.pk}/claim").status_code == 409
    assert TimelineEntry.objects.filter(case=case, action="claim").count() == 1


def test_a_visit_sent_twice_with_one_key_is_logged_once(as_, field):
    household = Household.objects.filter(scope_code="350102001001001").first()
    worker = as_(WORKER)
    body = {"household_id": household.pk, "kind": "走访", "note": "独居老人，身体好"}
    before = Visit.objects.count()
    assert post(worker, "/api/visits", body, "k-visit-1").status_code == 201
    assert post(worker, "/api/visits", body, "k-visit-1").status_code == 201
    assert Visit.objects.count() == before + 1


def test_the_same_key_for_another_request_is_refused(as_, field):
    case = dispatched_case(field)
    worker = as_(WORKER)
    assert post(worker, f"/api/cases/{case.pk}/comment", {"note": "到场"}, "k-2").status_code == 200
    other = post(worker, f"/api/cases/{case.pk}/comment", {"note": "另一句"}, "k-2")
    assert other.status_code == 422


def test_a_conflict_is_a_final_answer_and_replayed_as_409(as_, field):
    case = dispatched_case(field)
    worker = as_(WORKER)
    post(worker, f"/api/cases/{case.pk}/claim", {}, "k-a")
    refused = post(worker, f"/api/cases/{case.pk}/claim", {}, "k-b")
    assert refused.status_code == 409
    assert post(worker, f"/api/cases/{case.pk}/claim", {}, "k-b").status_code == 409
    assert IdempotentReply.objects.filter(key="k-b", status=409).exists()


def test_keys_are_per_account_and_intake_keeps_its_own(as_, field):
    worker = as_(WORKER)
    body = {"title": "井盖缺失", "lat": 26.085, "lng": 119.305, "channel": "grid_patrol"}
    one = post(worker, "/api/cases", body, "k-intake")
    two = post(worker, "/api/cases", body, "k-intake")
    assert one.status_code == 201, one.content
    assert two.json()["id"] == one.json()["id"] and Case.objects.filter(title="井盖缺失").count() == 1
    assert not IdempotentReply.objects.filter(key="k-intake").exists()


def test_an_unauthenticated_write_is_not_stored(field, client):
    response = client.post("/api/cases/1/claim", {}, content_type="application/json", headers={"Idempotency-Key": "x"})
    assert response.status_code == 401
    assert not IdempotentReply.objects.exists()


def test_stored_answers_are_forgotten_after_two_weeks_by_the_periodic_heal(as_, field):
    from datetime import timedelta

    from django.utils import timezone

    from jinlin.core import periodic

    case = dispatched_case(field)
    post(as_(WORKER), f"/api/cases/{case.pk}/comment", {"note": "到场"}, "k-old")
    assert IdempotentReply.objects.count() == 1
    periodic.heal(now=timezone.now() + timedelta(days=13))
    assert IdempotentReply.objects.count() == 1
    periodic.heal(now=timezone.now() + timedelta(days=15))
    assert IdempotentReply.objects.count() == 0
