"""Case events (jinlin.core.events): every action of the loop is announced once, after commit, with
the ids a subscriber needs; nothing is announced for a write that rolls back; a failing
subscriber never fails the action."""

from datetime import timedelta

import pytest
from django.db import transaction

from jinlin.cases import services
from jinlin.cases.machine import Status
from jinlin.cases.models import TimelineEntry
from jinlin.core import events

from .flow import bring_to, submit

ALL_EVENTS = {
    "submitted",
    "accepted",
    "rejected",
    "dispatched",
    "claimed",
    "returned",
    "resolved",
    "rated",
    "reopened",
    "urged",
    "overdue",
    "supervised",
    "escalated",
    "reported_in",
    "merged",
    "published",
    "closed",
    "commented",
    "transferred",
}


@pytest.fixture
def heard():
    got: list[events.Event] = []

    def listener(event: events.Event) -> None:
        got.append(event)

    events.subscribe("case.*")(listener)
    yield got
    events.unsubscribe("case.*", listener)


def names(heard) -> list[str]:
    return [e.name.removeprefix("case.") for e in heard]


def test_the_whole_loop_announces_each_step_once_with_its_timeline_entry(org, people, heard):
    case = bring_to(Status.CLOSED, org, people)
    assert names(heard) == ["submitted", "accepted", "dispatched", "claimed", "resolved", "rated", "closed"]
    entries = {e.action: e for e in TimelineEntry.objects.filter(case=case)}
    by_name = {e.name: e for e in heard}
    assert by_name["case.submitted"].payload == {
        "case_id": case.pk,
        "actor_id": people.resident.pk,
        "entry_id": entries["submit"].pk,
        "live": True,
    }
    assert by_name["case.dispatched"].payload == {
        "case_id": case.pk,
        "actor_id": people.dispatcher.pk,
        "entry_id": entries["dispatch"].pk,
        "owner_unit_id": org.housing.pk,
        "assignee_id": None,
    }
    assert by_name["case.claimed"]["actor_id"] == people.handler.pk
    # The rating closed the case: both are announced, pointing at the one entry.
    assert by_name["case.rated"]["entry_id"] == by_name["case.closed"]["entry_id"] == entries["evaluate"].pk


def test_every_case_event_is_announced_by_some_action(org, people, heard):
    # transfer, return, reject, merge, rework
    case = bring_to(Status.DISPATCHED, org, people)
    case = services.case_dispatch(actor=people.dispatcher, case=case, unit=org.urban, user=people.urban_handler)
    transferred = heard[-1]
    assert transferred.name == "case.transferred"
    assert (transferred["owner_unit_id"], transferred["assignee_id"]) == (org.urban.pk, people.urban_handler.pk)
    services.case_return(actor=people.urban_handler, case=case, reason="不属于城管职责")
    services.case_reject(actor=people.dispatcher, case=submit(people), reason="属于私人纠纷")
    services.case_merge(actor=people.dispatcher, case=submit(people), into=case)
    reworked = bring_to(Status.RESOLVED, org, people)
    services.case_reopen(actor=people.resident, case=reworked, note="灯又灭了")
    # side actions: whistle and report-in, supervision, urging, comments, publishing
    services.case_escalate(actor=people.worker1, case=reworked, units=[org.police], lead_unit=org.urban)
    escalated = heard[-1]
    services.case_report_in(actor=people.officer, case=reworked)
    services.case_supervise(actor=people.supervisor, case=reworked, note="请说明原因")
    services.case_comment(actor=people.resident, case=reworked, note="补充说明")
    published = bring_to(Status.CLOSED, org, people)
    services.case_publish(actor=people.staff_a, case=published)
    # the sweeper: urged and overdue on a running case, closed on an unrated one
    running = bring_to(Status.IN_PROGRESS, org, people)
    services.sla_sweep_run(now=running.due_at + timedelta(minutes=1))
    unrated = bring_to(Status.RESOLVED, org, people)
    services.sla_sweep_run(now=unrated.rating_deadline + timedelta(minutes=1))

    assert set(names(heard)) == ALL_EVENTS
    assert escalated.name == "case.escalated"
    assert set(escalated["target_unit_ids"]) == {org.police.pk, org.urban.pk}
    assert isinstance(escalated["report_due_at"], str) and "T" in escalated["report_due_at"]
    swept = [e for e in heard if e["actor_id"] is None and e.name in {"case.overdue", "case.closed"}]
    assert {(e.name, e["case_id"]) for e in swept} >= {("case.overdue", running.pk), ("case.closed", unrated.pk)}
    for event in heard:
        entry = TimelineEntry.objects.get(pk=event["entry_id"])
        assert entry.case_id == event["case_id"]


def test_the_sweeper_announces_each_case_once_per_step(org, people, heard):
    cases = [bring_to(Status.IN_PROGRESS, org, people) for _ in range(3)]
    heard.clear()
    late = max(c.due_at for c in cases) + timedelta(minutes=1)
    services.sla_sweep_run(now=late, chunk=2)
    overdue = [e for e in heard if e.name == "case.overdue"]
    assert sorted(e["case_id"] for e in overdue) == sorted(c.pk for c in cases)
    assert {e["entry_id"] for e in overdue} == set(
        TimelineEntry.objects.filter(action="overdue").values_list("pk", flat=True)
    )
    heard.clear()
    services.sla_sweep_run(now=late)  # nothing left to do: nothing announced
    assert heard == []


def test_nothing_is_announced_for_a_write_that_rolls_back(org, people, heard):
    case = submit(people)
    heard.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.case_accept(actor=people.dispatcher, case=case)
        services.case_dispatch(actor=people.dispatcher, case=case, unit=org.housing)
        raise RuntimeError("the surrounding work failed")
    assert heard == []
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED


def test_events_wait_for_the_outermost_transaction(org, people, heard):
    case = submit(people)
    heard.clear()
    with transaction.atomic():
        services.case_accept(actor=people.dispatcher, case=case)
        assert heard == []
    assert names(heard) == ["accepted"]


def test_a_failing_subscriber_never_fails_the_action(org, people, heard):
    def broken(event: events.Event) -> None:
        raise ValueError("a subscriber's bug")

    events.subscribe("case.accepted")(broken)
    try:
        case = services.case_accept(actor=people.dispatcher, case=submit(people))
    finally:
        events.unsubscribe("case.accepted", broken)
    assert case.status == Status.ACCEPTED
    assert "accepted" in names(heard)
