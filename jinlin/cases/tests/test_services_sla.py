"""Time limits and the SLA sweeper: due times from the policy table and the working calendar,
urging (中心催单), overdue marking (纪委督单 queue), tier raising (提级催办), closing unrated cases."""

from datetime import datetime, timedelta

import pytest
from django.core.management import call_command

from jinlin.cases import selectors, services
from jinlin.cases.machine import Status
from jinlin.cases.models import Case, Tier, TimelineEntry
from jinlin.cases.tasks import schedule_sla_sweep, sla_sweep

from .conftest import MONDAY, TZ
from .flow import assert_invariants, bring_to, submit


def entries(case, action):
    return list(TimelineEntry.objects.filter(case=case, action=action).order_by("pk"))


def test_due_time_counts_working_days_of_the_category_policy(org, people, categories):
    case = submit(people, category_code="streetlight", at=MONDAY)
    # 5 working days from Monday 10:00 is the next Monday 10:00.
    assert case.due_at == datetime(2026, 3, 16, 10, 0, tzinfo=TZ)
    # Urged with a quarter of the working time left: Thursday 16:45.
    assert case.urge_at == datetime(2026, 3, 12, 16, 45, tzinfo=TZ)


def test_utilities_are_due_in_natural_hours_and_urged_hours_before(org, people, categories):
    case = submit(people, category_code="water", at=MONDAY)
    assert case.due_at == MONDAY + timedelta(hours=24)
    assert case.urge_at == MONDAY + timedelta(hours=20)


def test_without_a_policy_the_limit_is_seven_working_days(org, people):
    case = submit(people, at=MONDAY)
    assert case.due_at == datetime(2026, 3, 18, 10, 0, tzinfo=TZ)


def test_a_limit_over_national_day_skips_the_holiday_and_counts_the_makeup_saturday(org, people, categories):
    # Key tier, default policy 3 working days, from Wednesday 30 September 10:00: 6 hours that
    # day, 1–7 October off, 8 and 9 October, and the last hour on Saturday 10 October (调休).
    case = submit(people, tier=Tier.KEY, at=datetime(2026, 9, 30, 10, 0, tzinfo=TZ))
    assert case.due_at == datetime(2026, 10, 10, 10, 0, tzinfo=TZ)


def test_accepting_with_another_category_recomputes_the_limit_from_intake(org, people, categories):
    case = submit(people, at=MONDAY)
    case = services.case_accept(actor=people.dispatcher, case=case, category_code="water", tier=Tier.KEY)
    assert case.due_at == MONDAY + timedelta(hours=24)


def test_the_sweeper_urges_once_when_the_urge_time_comes(org, people, categories):
    case = submit(people, category_code="streetlight", at=MONDAY)
    before = services.sla_sweep_run(now=case.urge_at - timedelta(minutes=1))
    assert before["urged"] == 0
    first = services.sla_sweep_run(now=case.urge_at + timedelta(minutes=1))
    second = services.sla_sweep_run(now=case.urge_at + timedelta(minutes=2))
    assert first["urged"] == 1 and second["urged"] == 0
    (urge,) = entries(case, "urge")
    assert urge.actor is None and urge.data["auto"] is True
    assert urge.from_status == urge.to_status == Status.SUBMITTED


def test_an_overdue_case_goes_before_the_supervisor_once(org, people, categories):
    case = bring_to(Status.IN_PROGRESS, org, people, category_code="streetlight", at=MONDAY)
    late = case.due_at + timedelta(minutes=1)
    first = services.sla_sweep_run(now=late)
    second = services.sla_sweep_run(now=late + timedelta(minutes=1))
    assert first["overdue"] == 1 and second == dict.fromkeys(second, 0)
    case.refresh_from_db()
    assert case.overdue_count == 1 and case.overdue_since == late
    promised = late - timedelta(minutes=1)
    # The 办理时限 stays as promised; the owner works to a supervision limit of its own.
    assert case.due_at == promised and case.supervision_due_at > late
    assert selectors.overdue_by(case, late) == timedelta(minutes=1)
    assert list(selectors.overdue_cases(people.supervisor)) == [case]
    (entry,) = entries(case, "overdue")
    assert entry.data["overdue_count"] == 1


def test_a_case_overdue_twice_has_its_tier_raised(org, people, categories):
    case = bring_to(Status.IN_PROGRESS, org, people, category_code="streetlight", at=MONDAY)
    services.sla_sweep_run(now=case.due_at + timedelta(minutes=1))
    case.refresh_from_db()
    result = services.sla_sweep_run(now=case.supervision_due_at + timedelta(minutes=1))
    assert result["overdue"] == 1 and result["raised"] == 1
    case.refresh_from_db()
    assert case.tier == Tier.KEY and case.tier_raised == 1 and case.overdue_count == 2
    (raised,) = entries(case, "raise_tier")
    assert raised.data == {"from": "normal", "to": "key"}


def test_a_resolved_case_does_not_run_over(org, people, categories):
    case = bring_to(Status.RESOLVED, org, people, category_code="streetlight", at=MONDAY)
    result = services.sla_sweep_run(now=case.due_at + timedelta(days=1))
    assert result["overdue"] == 0 and result["urged"] == 0


def test_resolving_takes_the_case_out_of_the_supervisors_queue(org, people):
    case = bring_to(Status.IN_PROGRESS, org, people, at=MONDAY)
    services.sla_sweep_run(now=case.due_at + timedelta(minutes=1))
    services.case_resolve(actor=people.handler, case=case, result="已修好")
    assert list(selectors.overdue_cases(people.supervisor)) == []


def test_an_unrated_case_closes_when_the_rating_window_ends(org, people):
    case = bring_to(Status.RESOLVED, org, people)
    assert services.sla_sweep_run(now=case.rating_deadline - timedelta(minutes=1))["expired"] == 0
    first = services.sla_sweep_run(now=case.rating_deadline + timedelta(minutes=1))
    second = services.sla_sweep_run(now=case.rating_deadline + timedelta(minutes=2))
    assert first["expired"] == 1 and second["expired"] == 0
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.rating == ""
    (entry,) = entries(case, "expire")
    assert (entry.from_status, entry.to_status) == (Status.RESOLVED, Status.CLOSED)


def test_units_late_to_report_in_are_urged_once(org, people):
    case = bring_to(Status.DISPATCHED, org, people)
    (target,) = services.case_escalate(actor=people.worker1, case=case, units=[], lead_unit=org.police)
    first = services.sla_sweep_run(now=target.due_at + timedelta(minutes=1))
    second = services.sla_sweep_run(now=target.due_at + timedelta(minutes=2))
    assert first["escalations_urged"] == 1 and second["escalations_urged"] == 0
    assert entries(case, "urge")[-1].data["escalation_unit"] == org.police.pk


def test_the_sweep_handles_many_cases_in_chunks(org, people, categories):
    cases = [submit(people, category_code="streetlight", at=MONDAY) for _ in range(5)]
    result = services.sla_sweep_run(now=cases[0].due_at + timedelta(minutes=1), chunk=2)
    assert result["overdue"] == 5
    assert Case.objects.filter(overdue_count=1).count() == 5
    assert TimelineEntry.objects.filter(action="overdue").count() == 5


def test_the_sweep_task_runs_and_schedules_its_next_run_once(org, people):
    from django_tasks_db.models import DBTaskResult

    sla_sweep.call()
    assert schedule_sla_sweep() is False
    waiting = DBTaskResult.objects.filter(task_path=sla_sweep.module_path, status="READY")
    assert waiting.count() == 1
    assert waiting.get().run_after > waiting.get().enqueued_at


@pytest.mark.django_db
def test_the_sweep_command_prints_what_it_did(org, people, capsys):
    call_command("sla_sweep")
    out = capsys.readouterr().out
    assert "urged=0" in out and "expired=0" in out


def test_units_are_not_urged_to_report_in_on_a_resolved_case(org, people):
    case = bring_to(Status.IN_PROGRESS, org, people)
    (target,) = services.case_escalate(actor=people.worker1, case=case, units=[], lead_unit=org.police)
    services.case_resolve(actor=people.handler, case=case, result="已处理")
    assert services.sla_sweep_run(now=target.due_at + timedelta(minutes=1))["escalations_urged"] == 0
    assert entries(case, "urge") == []
    assert_invariants(case)


def test_every_swept_case_s_timeline_follows_the_machine(org, people, categories):
    """One sweep over cases in the states it acts on (overdue, tier raise, late 报到 on an open
    and on a resolved case, an unrated resolved case): each timeline still replays through the machine."""
    fresh = submit(people, category_code="streetlight", at=MONDAY)
    overdue_once = bring_to(Status.IN_PROGRESS, org, people, category_code="streetlight", at=MONDAY)
    overdue_twice = bring_to(Status.DISPATCHED, org, people, category_code="streetlight", at=MONDAY)
    services.sla_sweep_run(now=overdue_twice.due_at + timedelta(minutes=1))
    unrated = bring_to(Status.RESOLVED, org, people, at=MONDAY)
    called_in = bring_to(Status.DISPATCHED, org, people)
    (open_target,) = services.case_escalate(actor=people.worker1, case=called_in, units=[], lead_unit=org.police)
    resolved_called_in = bring_to(Status.IN_PROGRESS, org, people)
    services.case_escalate(actor=people.worker1, case=resolved_called_in, units=[], lead_unit=org.police)
    services.case_resolve(actor=people.handler, case=resolved_called_in, result="已处理")
    resolved_called_in.refresh_from_db()
    # After every report-in deadline, before the resolved cases' rating windows end (an expired
    # case is closed before step 4 looks at it, which would hide an urge on a resolved case).
    later = open_target.due_at + timedelta(hours=1)
    assert later < resolved_called_in.rating_deadline
    result = services.sla_sweep_run(now=later)
    assert result["overdue"] == 3 and result["raised"] == 3 and result["escalations_urged"] == 1
    for case in (fresh, overdue_once, overdue_twice, unrated, called_in, resolved_called_in):
        assert_invariants(case)
    assert entries(resolved_called_in, "urge") == []


def test_a_reworked_case_gets_a_new_limit_and_leaves_supervision(org, people, categories):
    case = bring_to(Status.IN_PROGRESS, org, people, category_code="streetlight", at=MONDAY)
    late = case.due_at + timedelta(minutes=1)
    services.sla_sweep_run(now=late)
    case.refresh_from_db()
    assert case.supervision_due_at is not None
    from jinlin.cases.services.rating import _rework_fields

    fields = _rework_fields(case, late)
    assert fields["due_at"] > late and fields["supervision_due_at"] is None and fields["overdue_since"] is None


def test_inbox_puts_the_most_overdue_case_first(org, people, categories):
    older = bring_to(Status.IN_PROGRESS, org, people, category_code="streetlight", at=MONDAY)
    newer = bring_to(Status.IN_PROGRESS, org, people, category_code="streetlight", at=MONDAY + timedelta(days=1))
    now = newer.due_at + timedelta(hours=1)
    services.sla_sweep_run(now=now)
    ordered = [c.pk for c in selectors.inbox(people.handler) if c.pk in {older.pk, newer.pk}]
    assert ordered == [older.pk, newer.pk]
    older.refresh_from_db()
    assert selectors.overdue_by(older, now) > selectors.overdue_by(newer, now) > timedelta(0)
