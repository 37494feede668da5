"""The API contract of issue 14, checked from outside exactly as written."""

import json
from datetime import timedelta

import pytest
from django.test import Client

from jinlin.centre.models import Activity, Service, Tier
from jinlin.core.services import api_token_issue

from .conftest import make_residents, tomorrow_at

pytestmark = pytest.mark.django_db


class As:
    def __init__(self, user):
        key, _ = api_token_issue(user=user)
        self.client = Client(raise_request_exception=False)
        self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, path, **params):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path, body=None):
        return self.client.post(path, json.dumps(body or {}), content_type="application/json", headers=self.headers)


def test_centres_and_their_services_are_public_with_the_contract_fields(station):
    Service.objects.create(centre=station.centre, name="助浴", domain="elderly", tier=Tier.AT_COST, price="15.00")
    Service.objects.create(centre=station.centre, name="四点半课堂", domain="children", tier=Tier.FREE, price=0)
    client = Client()
    centres = client.get("/api/centres").json()
    assert {c["name"] for c in centres} == {"桂香社区邻里驿站", "溪畔社区邻里驿站"}
    assert set(centres[0]) == {"id", "name", "unit_id", "address", "lat", "lng"}
    services = client.get(f"/api/centres/{station.centre.pk}/services").json()
    assert {s["domain"] for s in services} == {"elderly", "children"}
    assert set(services[0]) == {"id", "name", "domain", "tier", "price", "provider"}
    assert {s["tier"] for s in services} == {"at_cost", "free"}
    assert client.get("/api/centres/999999/services").status_code == 404


def test_a_resident_books_a_room_and_an_overlap_answers_409_with_the_slot(station):
    resident, other = As(station.resident), As(make_residents(station.district, 1)[0])
    rooms = resident.get("/api/rooms", centre=station.centre.pk).json()
    assert [r["name"] for r in rooms] == ["邻里会客厅"]
    start = tomorrow_at(10)
    body = {
        "room_id": station.room.pk,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
        "purpose": "家庭聚会",
    }
    made = resident.post("/api/bookings", body)
    assert made.status_code == 201 and set(made.json()) == {"id", "status"} and made.json()["status"] == "confirmed"
    clash_start = start + timedelta(hours=2, minutes=5)  # inside the 15-minute buffer
    clash = other.post(
        "/api/bookings",
        {**body, "start": clash_start.isoformat(), "end": (clash_start + timedelta(hours=1)).isoformat()},
    )
    assert clash.status_code == 409
    assert clash.json()["slot"]["booking_id"] == made.json()["id"]
    assert other.post(f"/api/bookings/{made.json()['id']}/cancel").status_code == 404
    cancelled = resident.post(f"/api/bookings/{made.json()['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = other.post(
        "/api/bookings",
        {**body, "start": clash_start.isoformat(), "end": (clash_start + timedelta(hours=1)).isoformat()},
    )
    assert again.status_code == 201


def test_bookings_outside_opening_hours_or_too_long_are_refused_with_422(station):
    resident = As(station.resident)
    late = tomorrow_at(20, 30)
    r = resident.post(
        "/api/bookings",
        {
            "room_id": station.room.pk,
            "start": late.isoformat(),
            "end": (late + timedelta(hours=1)).isoformat(),
            "purpose": "x",
        },
    )
    assert r.status_code == 422
    long = tomorrow_at(9)
    r = resident.post(
        "/api/bookings",
        {
            "room_id": station.room.pk,
            "start": long.isoformat(),
            "end": (long + timedelta(hours=6)).isoformat(),
            "purpose": "x",
        },
    )
    assert r.status_code == 422


def test_a_room_that_needs_approval_gives_a_pending_booking_that_staff_decide(station):
    from jinlin.centre import services

    station.room.requires_approval = True
    station.room.save()
    start = tomorrow_at(14)
    made = As(station.resident).post(
        "/api/bookings",
        {
            "room_id": station.room.pk,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "purpose": "党小组会",
        },
    )
    assert made.json()["status"] == "pending"
    from jinlin.centre.models import Booking

    booking = Booking.objects.get(pk=made.json()["id"])
    with pytest.raises(Exception):
        services.booking_decide(actor=station.resident, booking=booking, approve=True)
    assert services.booking_decide(actor=station.staff, booking=booking, approve=True).status == "confirmed"


def test_activity_create_register_waitlist_cancel_and_check_in_through_the_api(station):
    staff = As(station.staff)
    body = {
        "centre_id": station.centre.pk,
        "title": "四点半课堂",
        "kind": "after_school",
        "start": tomorrow_at(16, 30).isoformat(),
        "end": tomorrow_at(18).isoformat(),
        "capacity": 1,
    }
    assert As(station.resident).post("/api/activities", body).status_code == 403
    made = staff.post("/api/activities", body)
    assert made.status_code == 201
    activity_id = made.json()["id"]
    first, second = As(station.resident), As(make_residents(station.district, 1)[0])
    r1 = first.post(f"/api/activities/{activity_id}/register").json()
    assert (
        set(r1) == {"registration_id", "status", "position"} and r1["status"] == "registered" and r1["position"] is None
    )
    r2 = second.post(f"/api/activities/{activity_id}/register").json()
    assert r2["status"] == "waitlisted" and r2["position"] == 1
    detail = first.get(f"/api/activities/{activity_id}").json()
    assert set(detail) == {"id", "title", "capacity", "registered", "waitlisted", "mine"}
    assert (detail["registered"], detail["waitlisted"]) == (1, 1)
    assert set(detail["mine"]) == {"status", "position", "code"}
    assert staff.get(f"/api/activities/{activity_id}").json()["mine"] is None
    listed = first.get("/api/activities", centre=station.centre.pk).json()
    assert [a["id"] for a in listed] == [activity_id]
    assert first.post(f"/api/activities/{activity_id}/cancel").json()["status"] == "cancelled"
    mine = second.get(f"/api/activities/{activity_id}").json()["mine"]
    assert mine["status"] == "registered" and mine["position"] is None
    # Check-in opens an hour before the start: move the activity to now.
    from django.utils import timezone

    Activity.objects.filter(pk=activity_id).update(start=timezone.now(), end=timezone.now() + timedelta(hours=1))
    assert second.post(f"/api/activities/{activity_id}/check-in", {"code": mine["code"]}).status_code == 403
    checked = staff.post(f"/api/activities/{activity_id}/check-in", {"code": mine["code"].lower()})
    assert checked.status_code == 200 and checked.json()["status"] == "attended"
    assert staff.post(f"/api/activities/{activity_id}/check-in", {"code": "NOPE2345"}).status_code == 422


def test_gov_items_search_and_an_errand_gets_201_with_its_working_day_deadline(station, item):
    resident = As(station.resident)
    found = resident.get("/api/gov-items", q="高龄").json()
    assert [i["code"] for i in found] == ["MZ-001"] and found[0]["steps"][0] == "提交申请"
    assert resident.get("/api/gov-items", q="不存在").json() == []
    made = resident.post("/api/errands", {"item_id": item.pk, "note": "腿脚不便", "home_visit": True})
    assert made.status_code == 201
    assert set(made.json()) == {"id", "status", "due_at"} and made.json()["status"] == "requested"


def test_the_api_needs_a_token_except_for_the_public_catalogue(station):
    client = Client()
    assert client.get("/api/rooms", {"centre": station.centre.pk}).status_code == 401
    assert client.post("/api/bookings", "{}", content_type="application/json").status_code == 401
