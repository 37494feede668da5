"""Patrols (双巡三查) through the API: start offline-safe by key, track, stop, findings, day log,
checklists per community, and the week's coverage of the grid."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jinlin.field import selectors, services
from jinlin.field.models import Checklist, Patrol

from .conftest import G1, STAFF, WORKER, WORKER_G2

pytestmark = pytest.mark.django_db


def test_a_patrol_started_twice_with_one_key_is_one_patrol_of_the_workers_grid(as_, field):
    worker = as_(WORKER)
    body = {"client_key": "p-1", "patrol_type": "safety", "lat": 26.081, "lng": 119.301}
    first = worker.post("/api/field/patrols", body)
    again = worker.post("/api/field/patrols", body)
    assert first.status_code == 201, first.content
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    patrol = Patrol.objects.get()
    assert patrol.grid.code == G1 and patrol.scope_code == G1 and len(patrol.track) == 1


def test_track_points_are_merged_by_time_and_the_stop_keeps_the_checklist(as_, field):
    worker = as_(WORKER)
    worker.post("/api/field/patrols", {"client_key": "p-2", "patrol_type": "sanitation"})
    points = [[1_700_000_000, 26.081, 119.301], [1_700_000_030, 26.0815, 119.3015]]
    assert worker.post("/api/field/patrols/p-2/points", {"points": points}).json()["points"] == 2
    assert worker.post("/api/field/patrols/p-2/points", {"points": points}).json()["points"] == 2
    stop = worker.post("/api/field/patrols/p-2/stop", {"checks": {"垃圾按时清运": "issue"}, "note": "3号楼旁"})
    assert stop.status_code == 200 and stop.json()["ended_at"] and stop.json()["checks"] == {"垃圾按时清运": "issue"}
    bad = worker.post("/api/field/patrols/p-2/stop", {"checks": {"x": "maybe"}})
    assert bad.status_code == 422


def test_another_worker_cannot_touch_the_patrol_and_a_finding_must_be_their_own_case(as_, field):
    worker = as_(WORKER)
    worker.post("/api/field/patrols", {"client_key": "p-3", "patrol_type": "safety"})
    assert as_(WORKER_G2).post("/api/field/patrols/p-3/points", {"points": []}).status_code == 404
    case = worker.client.post(
        "/api/cases", {"title": "消防通道堵塞", "lat": 26.085, "lng": 119.305, "channel": "grid_patrol"},
        content_type="application/json", headers=worker.headers,
    ).json()  # fmt: skip
    linked = worker.post("/api/field/patrols/p-3/findings", {"case_id": case["id"], "item": "消防通道畅通"})
    assert linked.status_code == 201, linked.content
    day = worker.get("/api/field/patrols").json()
    assert day[0]["findings"] == [{"case_id": case["id"], "item": "消防通道畅通"}]


def test_staff_set_the_checklist_of_their_community_and_workers_read_it(as_, field):
    units = field.units
    services.checklist_save(
        actor=field.people[STAFF], community=units["350102001001"], patrol_type="safety", items=["楼道堆物", "飞线充电"]
    )
    lists = as_(WORKER).get("/api/field/checklists").json()
    assert lists["safety"]["items"] == ["楼道堆物", "飞线充电"]
    assert lists["sanitation"]["items"]  # the default where the community set none
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.checklist_save(
            actor=field.people[WORKER], community=units["350102001001"], patrol_type="safety", items=["x"]
        )
    assert Checklist.objects.count() == 1


def test_coverage_counts_the_cells_near_the_weeks_track(as_, field):
    worker = field.people[WORKER]
    now = timezone.now()
    patrol, _ = services.patrol_start(actor=worker, client_key="p-4", patrol_type="safety", started_at=now)
    # A walk straight across the grid from west to east along its middle (~1 km).
    points = [[int(now.timestamp()) + i * 30, 26.085, 119.300 + i * 0.0005] for i in range(21)]
    services.patrol_track_add(actor=worker, patrol=patrol, points=points)
    week = selectors.week_start(timezone.localdate())
    found = selectors.coverage_of(field.units[G1], week)
    # 50 m cells, within 50 m of the line: a band about 100 m wide of a grid ~1,110 m tall.
    assert found.cells > 300
    assert 5 <= found.percent <= 15, found
    assert 0.9 < found.km < 1.1
    answer = as_(WORKER).get("/api/field/coverage", grid=G1).json()
    assert answer["percent"] == found.percent and answer["patrols"] == 1
    last_week = selectors.coverage_of(field.units[G1], week - timedelta(days=7))
    assert last_week.walked == 0
    assert as_(WORKER_G2).get("/api/field/coverage", grid=G1).status_code == 403


def test_the_demo_walks_three_patrols_across_the_workers_grid_once(field):
    from jinlin.field.demo import seed_field_demo

    assert seed_field_demo() == 3
    assert seed_field_demo() == 0
    found = selectors.coverage_of(field.units[G1], selectors.week_start(timezone.localdate()))
    assert found.patrols == 3 and found.percent > 10
