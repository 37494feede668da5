"""The deliberation API of issue 17: topics in the monthly window (409 with opens_at outside it),
supports, the topic list; statements (a resident's moderated first), votes, opinion groups."""

from datetime import date

import pytest
from django.utils import timezone

from jinlin.forum import services
from jinlin.forum.models import ForumSettings, Statement
from jinlin.forum.tasks import recompute_groups

from .camps import camp_votes
from .helpers import Api

pytestmark = pytest.mark.django_db

COMMUNITY = "350102001001"


def _open_window(unit):
    ForumSettings.objects.update_or_create(unit=unit, defaults={"window_start_day": 1, "window_end_day": 28})


def _closed_window(unit):
    today = timezone.localdate()
    start = today.day + 1 if today.day < 28 else 1
    ForumSettings.objects.update_or_create(
        unit=unit, defaults={"window_start_day": start, "window_end_day": 28 if start > 1 else 1}
    )


def _mid_month(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin today to the 15th: a window can only span days 1–28, so on the 29th–31st none is open."""
    fixed = timezone.localdate().replace(day=15)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: fixed)


def test_a_resident_proposes_a_topic_in_the_window_and_gets_201(tiny_district, monkeypatch):
    unit = tiny_district.units[COMMUNITY]
    _open_window(unit)
    _mid_month(monkeypatch)
    response = Api(tiny_district.people["13900000001"]).post(
        "/api/forum/topics", {"unit_id": unit.pk, "title": "小区充电桩不够", "body": "电动车乱拉电线"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "proposed"


def test_outside_the_window_a_topic_is_refused_with_409_and_the_next_opening(tiny_district):
    unit = tiny_district.units[COMMUNITY]
    _closed_window(unit)
    response = Api(tiny_district.people["13900000001"]).post(
        "/api/forum/topics", {"unit_id": unit.pk, "title": "停车难"}
    )
    assert response.status_code == 409
    body = response.json()
    opens = date.fromisoformat(body["opens_at"][:10])
    assert opens > timezone.localdate()
    assert "opens" in body["detail"] or "开放" in body["detail"] or body["detail"]


def test_window_dates(tiny_district):
    unit = tiny_district.units[COMMUNITY]
    assert services.topic_window(unit, date(2026, 3, 5)).is_open
    closed = services.topic_window(unit, date(2026, 3, 11))
    assert not closed.is_open and closed.opens_at.date() == date(2026, 4, 1)
    december = services.topic_window(unit, date(2026, 12, 20))
    assert december.opens_at.date() == date(2027, 1, 1)
    ForumSettings.objects.create(unit=unit, window_start_day=15, window_end_day=20)
    assert services.topic_window(unit, date(2026, 3, 11)).opens_at.date() == date(2026, 3, 15)


def test_supporting_twice_counts_once_and_the_list_filters_by_unit_and_status(tiny_district):
    unit = tiny_district.units[COMMUNITY]
    resident = tiny_district.people["13900000001"]
    topic = services.topic_propose(actor=resident, unit=unit, title="楼道灯", today=date(2026, 3, 2))
    api = Api(tiny_district.people["13900000002"])
    assert api.post(f"/api/forum/topics/{topic.pk}/support").json()["supports"] == 1
    assert api.post(f"/api/forum/topics/{topic.pk}/support").json()["supports"] == 1
    listed = api.get("/api/forum/topics", unit_id=unit.pk, status="proposed").json()
    assert [t["id"] for t in listed] == [topic.pk]
    other = tiny_district.units["350102001002"]
    assert api.get("/api/forum/topics", unit_id=other.pk).json() == []
    assert api.get("/api/forum/topics", status="nonsense").status_code == 422


def test_a_residents_statement_waits_for_moderation_and_votes_are_one_minus_one_or_zero(tiny_district):
    staff = tiny_district.people["13900000003"]
    resident = tiny_district.people["13900000001"]
    conversation = services.conversation_create(
        actor=staff, unit=tiny_district.units[COMMUNITY], title="小区停车怎么管", statements=["按户限停一辆"]
    )
    api = Api(resident)
    added = api.post(f"/api/forum/conversations/{conversation.pk}/statements", {"text": "外来车辆收费"})
    assert added.status_code == 201 and added.json()["status"] == "pending"
    shown = api.get(f"/api/forum/conversations/{conversation.pk}/statements").json()
    assert [s["text"] for s in shown] == ["按户限停一辆"]
    pending = Statement.objects.get(pk=added.json()["id"])
    assert api.post(f"/api/forum/statements/{pending.pk}/vote", {"vote": 1}).status_code == 404
    services.statement_moderate(actor=staff, statement=pending, approve=True)
    assert api.post(f"/api/forum/statements/{pending.pk}/vote", {"vote": 1}).status_code == 200
    assert api.post(f"/api/forum/statements/{pending.pk}/vote", {"vote": 2}).status_code == 422
    # Voted on: no longer offered to this voter.
    assert [s["text"] for s in api.get(f"/api/forum/conversations/{conversation.pk}/statements").json()] == [
        "按户限停一辆"
    ]


def test_opinion_groups_come_back_in_the_published_shape_and_are_recomputed_in_the_background(
    tiny_district, django_capture_on_commit_callbacks
):
    from jinlin.core.services import user_create

    staff = tiny_district.people["13900000003"]
    unit = tiny_district.units[COMMUNITY]
    votes, truth, consensus = camp_votes(2, per_camp=8, statements=10, consensus=2, missing=0.0)
    conversation = services.conversation_create(
        actor=staff, unit=unit, title="议题", statements=[f"观点{i}" for i in range(1, 11)]
    )
    statements = {i + 1: s for i, s in enumerate(conversation.statements.order_by("id"))}
    people = {}
    estate = tiny_district.units["350102001001E01"]
    for n, participant in enumerate(sorted(truth)):
        people[participant] = user_create(
            actor=None, phone=f"1370000{n:04d}", name=f"居民{n}", roles=[("resident", estate)]
        )
    with django_capture_on_commit_callbacks(execute=True):
        for participant, s, vote in votes:
            services.vote_cast(actor=people[participant], statement=statements[s], vote=vote)
    from django_tasks_db.models import DBTaskResult

    # A burst of votes leaves one waiting recomputation, not one per vote.
    waiting = DBTaskResult.objects.filter(task_path=recompute_groups.module_path)
    assert waiting.count() == 1
    waiting.first().task.call(**waiting.first().args_kwargs["kwargs"])
    conversation.refresh_from_db()
    assert conversation.groups_votes == len(votes)
    body = Api(staff).get(f"/api/forum/conversations/{conversation.pk}/opinion-groups").json()
    assert set(body) == {"participants", "groups", "consensus"}
    assert body["participants"] == 16
    assert len(body["groups"]) == 2
    for group in body["groups"]:
        assert set(group) == {"size", "members", "representative"}
        assert group["size"] == len(group["members"])
        camps = {truth[next(p for p, u in people.items() if u.pk == m)] for m in group["members"]}
        assert len(camps) == 1
        for r in group["representative"]:
            assert set(r) == {"statement", "direction"} and r["direction"] in {"agree", "disagree"}
    assert {statements[i].pk for i in consensus} <= set(body["consensus"])


def test_the_cli_prints_the_groups_of_a_csv(tmp_path):
    import json
    from io import StringIO

    from django.core.management import call_command

    votes, truth, consensus = camp_votes(3, per_camp=12)
    path = tmp_path / "votes.csv"
    path.write_text("participant,statement,vote\n" + "".join(f"{p},{s},{v}\n" for p, s, v in votes))
    out = StringIO()
    call_command("forum", "opinion-groups", "--votes", str(path), "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["participants"] == 36
    assert sorted(g["size"] for g in body["groups"]) == [12, 12, 12]
    assert set(consensus) <= set(body["consensus"])
