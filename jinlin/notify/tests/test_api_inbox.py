"""The inbox, broadcasts, follow and comments through the API (contract of issue 13)."""

import json

import pytest
from django.test import Client

from jinlin.cases.tests.conftest import PASSWORD
from jinlin.cases.tests.flow import bring_to, submit
from jinlin.notify import services
from jinlin.notify.models import Broadcast, Delivery

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    token = client.post(
        "/api/auth/token", json.dumps({"phone": user.phone, "password": PASSWORD}), content_type="application/json"
    ).json()["token"]
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def post(client, path, body=None):
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def test_the_inbox_lists_unread_and_marks_read_one_and_all(org, people):
    services.notify([people.resident], "case.accepted", title="一", body="b", link="/cases/1/")
    services.notify([people.resident], "case.resolved", title="二")
    client = client_for(people.resident)
    page = client.get("/api/notifications?unread=1&page=1").json()
    assert page["unread"] == 2
    assert set(page["items"][0]) >= {"id", "kind", "title", "body", "link", "created_at", "read_at"}
    first = page["items"][0]["id"]
    assert post(client, f"/api/notifications/{first}/read").status_code == 200
    assert client.get("/api/notifications?unread=1").json()["unread"] == 1
    assert post(client, "/api/notifications/read-all").status_code == 200
    assert client.get("/api/notifications?unread=1").json() == {"unread": 0, "page": 1, "pages": 1, "items": []}


def test_no_one_reads_anothers_notification(org, people):
    [note] = services.notify([people.resident], "case.accepted", title="一")
    assert post(client_for(people.neighbour), f"/api/notifications/{note.pk}/read").status_code == 404


def test_a_grid_worker_broadcasts_to_a_building_in_their_grid_and_sees_the_counts(org, people):
    response = post(
        client_for(people.worker1), "/api/broadcasts", {"unit_id": org.building.pk, "title": "停水", "body": "明天停水"}
    )
    assert response.status_code == 201
    assert response.json()["recipients"] == 2
    assert client_for(people.resident).get("/api/notifications").json()["items"][0]["kind"] == "broadcast"


def test_a_broadcast_out_of_scope_is_403(org, people):
    response = post(
        client_for(people.worker2), "/api/broadcasts", {"unit_id": org.building.pk, "title": "t", "body": "b"}
    )
    assert response.status_code == 403
    assert (
        post(
            client_for(people.resident), "/api/broadcasts", {"unit_id": org.building.pk, "title": "t", "body": "b"}
        ).status_code
        == 403
    )
    assert not Broadcast.objects.exists()


def test_broadcasts_are_not_held_by_quiet_hours(org, people, receiver_free_now):
    services.unit_channel_add(
        actor=None, unit=org.building, url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"
    )
    services.broadcast_send(actor=people.worker1, unit=org.building, title="t", body="b")
    assert not Delivery.objects.filter(held_for_quiet_hours=True).exists()


@pytest.fixture
def receiver_free_now():
    return None


def test_sms_about_cases_waits_for_the_end_of_quiet_hours(org, people):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    night = datetime(2026, 3, 9, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    services.notify([people.resident], "case.resolved", title="已办结", now=night)
    sms = Delivery.objects.get(channel="sms")
    assert sms.held_for_quiet_hours
    assert sms.next_attempt_at == datetime(2026, 3, 10, 7, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_resident_follows_a_published_case_and_unfollows(org, people, categories):
    from jinlin.cases import services as cases

    case = bring_to("closed", org, people)
    cases.case_publish(actor=people.staff_a, case=case)
    client = client_for(people.resident_b)
    response = post(client, f"/api/cases/{case.pk}/follow")
    assert response.status_code == 200 and response.json() == {"following": True, "followers": 1}
    assert client.delete(f"/api/cases/{case.pk}/follow").json() == {"following": False, "followers": 0}


def test_a_neighbour_follows_an_open_case_in_their_grid_but_not_in_another(org, people, categories):
    case = submit(people)
    assert post(client_for(people.neighbour), f"/api/cases/{case.pk}/follow").status_code == 200
    assert post(client_for(people.resident_b), f"/api/cases/{case.pk}/follow").status_code == 404


def test_a_staff_comment_is_internal_unless_a_reply(org, people, categories):
    case = bring_to("dispatched", org, people)
    handler = client_for(people.handler)
    assert post(handler, f"/api/cases/{case.pk}/comment", {"note": "内部：物业推诿"}).status_code == 200
    assert post(handler, f"/api/cases/{case.pk}/comment", {"note": "明天上门", "reply": True}).status_code == 200
    mine = client_for(people.resident).get(f"/api/cases/{case.pk}").json()
    notes = [e["note"] for e in mine["timeline"] if e["action"] == "comment"]
    assert notes == ["明天上门"]
    staff = handler.get(f"/api/cases/{case.pk}").json()
    assert [e["note"] for e in staff["timeline"] if e["action"] == "comment"] == ["内部：物业推诿", "明天上门"]
    # The page too.
    page = Client()
    page.force_login(people.resident)
    html = page.get(f"/cases/{case.pk}/").content.decode()
    assert "明天上门" in html and "物业推诿" not in html


def test_followers_weigh_a_hotspot_as_reports_would_and_are_counted_on_it(org, people, categories, monkeypatch):
    from django.core.cache import cache
    from django.utils import timezone

    from jinlin.cases.models import CaseFollow
    from jinlin.triage import adapter
    from jinlin.triage.engine import hotspots as engine

    a, b = submit(people), submit(people, title="楼道灯又坏了")
    CaseFollow.objects.create(case=a, user=people.neighbour)
    CaseFollow.objects.create(case=a, user=people.resident_b)
    CaseFollow.objects.create(case=b, user=people.neighbour)
    assert adapter._followers_per_case(timezone.now() - timezone.timedelta(days=1)) == {a.pk: 2, b.pk: 1}

    weighed = {}

    def spy(texts, titles, *, ids, weights=None, **kwargs):
        weighed.update(zip(ids, weights or [], strict=False))
        return [engine.Hotspot(ids=list(ids), size=len(ids), weight=0.0, score=1.0, keywords=[], example="")]

    monkeypatch.setattr(engine, "find_hotspots", spy)
    cache.clear()
    spots = adapter.hotspots_for(people.dispatcher, days=30)
    assert weighed == {a.pk: 2, b.pk: 1}
    assert spots[0]["followers"] == 3
