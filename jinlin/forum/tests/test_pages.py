"""The deliberation pages answer for the roles that use them (200), refuse outsiders (404/403),
and carry a topic from proposal to a meeting's tasks."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from jinlin.forum import services
from jinlin.forum.models import ForumSettings, Task, Topic

from .camps import camp_votes

pytestmark = pytest.mark.django_db
COMMUNITY = "350102001001"


def _client(user=None):
    c = Client(raise_request_exception=False)
    if user is not None:
        c.force_login(user)
    return c


def _mid_month(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin today to the 15th: a window can only span days 1–28, so on the 29th–31st none is open."""
    fixed = timezone.localdate().replace(day=15)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: fixed)


def test_a_resident_proposes_and_supports_on_the_topics_page(tiny_district, monkeypatch):
    unit = tiny_district.units[COMMUNITY]
    ForumSettings.objects.create(unit=unit, window_start_day=1, window_end_day=28)
    _mid_month(monkeypatch)
    resident = _client(tiny_district.people["13900000001"])
    assert resident.get("/forum/topics/").status_code == 200
    assert resident.post("/forum/topics/", {"unit_id": unit.pk, "title": "增设充电桩"}).status_code == 302
    topic = Topic.objects.get()
    assert resident.post(f"/forum/topics/{topic.pk}/support/").status_code == 302
    topic.refresh_from_db()
    assert topic.supports == 1
    assert "增设充电桩" in _client().get(f"/forum/topics/{topic.pk}/").content.decode()


def test_staff_run_a_meeting_from_selected_topics_to_tasks(tiny_district):
    unit = tiny_district.units[COMMUNITY]
    staff = tiny_district.people["13900000003"]
    a = services.topic_propose(
        actor=tiny_district.people["13900000001"], unit=unit, title="停车难", today=date(2026, 3, 3)
    )
    b = services.topic_propose(
        actor=tiny_district.people["13900000001"], unit=unit, title="垃圾分类", today=date(2026, 3, 3)
    )
    pages = _client(staff)
    assert pages.post("/forum/topics/select/", {"topic": [a.pk, b.pk]}).status_code == 302
    response = pages.post(
        "/forum/meetings/",
        {
            "unit_id": unit.pk,
            "title": "三月民声剧场",
            "kind": "theatre",
            "starts_at": "2026-03-20T19:00",
            "topic": [a.pk, b.pk],
            "role_convener": "社区书记",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    meeting_url = response["Location"]
    assert pages.post(meeting_url, {"action": "minutes", "minutes": "议定：划线停车"}).status_code == 302
    deadline = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert (
        pages.post(
            meeting_url,
            {"action": "task", "title": "划设停车位", "owner_unit": unit.pk, "topic": a.pk, "deadline": deadline},
        ).status_code
        == 302
    )
    task = Task.objects.get()
    assert pages.post(meeting_url, {"action": "progress", "task": task.pk, "progress": 100}).status_code == 302
    a.refresh_from_db()
    assert a.status == "done"
    page = _client().get(f"/forum/topics/{a.pk}/").content.decode()
    assert "划设停车位" in page and "100%" in page


def test_a_resident_of_another_community_cannot_open_the_meeting(tiny_district):
    unit = tiny_district.units[COMMUNITY]
    meeting = services.meeting_create(
        actor=tiny_district.people["13900000003"], unit=unit, title="会", starts_at=timezone.now()
    )
    other = _client(tiny_district.people["13900000008"])  # grid worker of the other community
    assert other.get(f"/forum/meetings/{meeting.pk}/").status_code == 404


def test_votes_on_the_conversation_page_and_the_groups_page(tiny_district):
    staff = tiny_district.people["13900000003"]
    c = services.conversation_create(
        actor=staff, unit=tiny_district.units[COMMUNITY], title="停车", statements=[f"观点{i}" for i in range(1, 9)]
    )
    resident = _client(tiny_district.people["13900000001"])
    page = resident.get(f"/forum/conversations/{c.pk}/")
    assert page.status_code == 200
    statement = c.statements.first()
    assert (
        resident.post(
            f"/forum/conversations/{c.pk}/", {"action": "vote", "statement": statement.pk, "vote": "1"}
        ).status_code
        == 302
    )
    groups = resident.get(f"/forum/conversations/{c.pk}/groups/")
    assert groups.status_code == 200
    assert camp_votes  # generated camps are exercised in test_opinion
