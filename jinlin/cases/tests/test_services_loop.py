"""The loop after intake: accept, dispatch, claim, return, resolve, rate, reopen, merge, whistle."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jinlin.cases import services
from jinlin.cases.machine import Status, TransitionNotAllowed
from jinlin.cases.models import CaseReporter, EscalationRole, ResolvedLevel, TimelineEntry

from .flow import bring_to, submit


def actions(case):
    return list(TimelineEntry.objects.filter(case=case).order_by("at", "pk").values_list("action", flat=True))


def test_the_whole_loop_leaves_a_complete_timeline(org, people):
    case = bring_to(Status.CLOSED, org, people)
    assert case.status == Status.CLOSED
    assert actions(case) == ["submit", "accept", "dispatch", "claim", "resolve", "evaluate"]
    assert case.rating == "satisfied" and case.closed_at is not None


def test_only_the_dispatcher_covering_the_place_accepts(org, people):
    case = submit(people)
    for someone in (people.resident, people.handler, people.worker1, people.supervisor):
        with pytest.raises(PermissionDenied):
            services.case_accept(actor=someone, case=case)
    assert services.case_accept(actor=people.dispatcher, case=case).status == Status.ACCEPTED


def test_dispatch_hands_the_case_to_the_unit_and_person(org, people):
    case = bring_to(Status.ACCEPTED, org, people)
    case = services.case_dispatch(actor=people.dispatcher, case=case, unit=org.housing, user=people.handler2)
    assert (case.owner_unit, case.owner_user) == (org.housing, people.handler2)
    entry = case.timeline.last()
    assert entry.owner_unit == org.housing and entry.actor_unit == org.centre


def test_dispatching_to_a_person_outside_the_unit_is_refused(org, people):
    case = bring_to(Status.ACCEPTED, org, people)
    with pytest.raises(ValidationError):
        services.case_dispatch(actor=people.dispatcher, case=case, unit=org.housing, user=people.urban_handler)


def test_redispatching_a_dispatched_case_is_a_transfer(org, people):
    case = bring_to(Status.DISPATCHED, org, people)
    case = services.case_dispatch(actor=people.dispatcher, case=case, unit=org.urban, note="属城管")
    assert case.status == Status.DISPATCHED and case.owner_unit == org.urban
    assert actions(case)[-1] == "transfer"


def test_a_second_claim_of_the_same_case_is_refused(org, people):
    case = bring_to(Status.DISPATCHED, org, people)
    services.case_claim(actor=people.handler, case=case)
    with pytest.raises(TransitionNotAllowed):
        services.case_claim(actor=people.handler2, case=case)
    case.refresh_from_db()
    assert case.owner_user == people.handler


def test_another_departments_handler_cannot_claim(org, people):
    case = bring_to(Status.DISPATCHED, org, people)
    with pytest.raises(PermissionDenied):
        services.case_claim(actor=people.urban_handler, case=case)


def test_return_sends_the_case_back_to_the_command_centre_with_the_reason(org, people):
    case = bring_to(Status.IN_PROGRESS, org, people)
    case = services.case_return(actor=people.handler, case=case, reason="不属于住建职责")
    assert case.status == Status.ACCEPTED
    assert (case.owner_unit, case.owner_user) == (org.centre, None)
    entry = case.timeline.last()
    assert entry.action == "return" and entry.note == "不属于住建职责"
    assert entry.data["from_unit"] == org.housing.pk


def test_return_needs_a_reason(org, people):
    case = bring_to(Status.DISPATCHED, org, people)
    with pytest.raises(ValidationError):
        services.case_return(actor=people.handler, case=case, reason=" ")


def test_resolving_opens_a_seven_day_rating_window_and_records_the_level(org, people):
    case = bring_to(Status.RESOLVED, org, people)
    assert case.rating_deadline - case.resolved_at == timedelta(days=7)
    # A district department solved it.
    assert case.resolved_level == ResolvedLevel.DISTRICT


def test_a_grid_solving_its_own_case_counts_as_solved_in_the_community(org, people):
    case = bring_to(Status.ACCEPTED, org, people)
    services.case_dispatch(actor=people.dispatcher, case=case, unit=org.g1)
    services.case_claim(actor=people.worker1, case=case)
    case = services.case_resolve(actor=people.worker1, case=case, result="已修复")
    assert case.resolved_level == ResolvedLevel.COMMUNITY


def test_unsatisfied_reopens_with_the_same_unit_and_a_new_limit(org, people):
    case = bring_to(Status.RESOLVED, org, people)
    old_due = case.due_at
    three_days_later = case.resolved_at + timedelta(days=3)
    case = services.case_evaluate(
        actor=people.resident, case=case, rating="unsatisfied", comment="灯还是不亮", at=three_days_later
    )
    assert case.status == Status.REOPENED
    assert case.owner_unit == org.housing
    assert case.due_at > old_due and case.rating_deadline is None
    # The same unit takes it up again (返工).
    case = services.case_claim(actor=people.handler, case=case)
    assert case.status == Status.IN_PROGRESS


def test_only_followers_rate(org, people):
    case = bring_to(Status.RESOLVED, org, people)
    for someone in (people.neighbour, people.handler, people.dispatcher):
        with pytest.raises(PermissionDenied):
            services.case_evaluate(actor=someone, case=case, rating="satisfied")


def test_an_unknown_rating_is_refused(org, people):
    case = bring_to(Status.RESOLVED, org, people)
    with pytest.raises(ValidationError):
        services.case_evaluate(actor=people.resident, case=case, rating="great")


def test_community_staff_record_a_follow_up_visit_rating(org, people):
    case = bring_to(Status.RESOLVED, org, people)
    case = services.case_visit(actor=people.staff_a, case=case, rating="basically_satisfied", comment="电话回访")
    assert case.status == Status.CLOSED and case.rating == "basically_satisfied"
    entry = case.timeline.last()
    assert entry.action == "visit" and entry.actor_unit == org.community_a


def test_rating_a_case_not_yet_resolved_is_refused(org, people):
    case = bring_to(Status.IN_PROGRESS, org, people)
    with pytest.raises(TransitionNotAllowed):
        services.case_evaluate(actor=people.resident, case=case, rating="satisfied")


def test_merge_makes_every_reporter_follow_and_rate_the_survivor(org, people):
    survivor = submit(people)
    duplicate = submit(people, actor=people.neighbour, point=None)
    merged = services.case_merge(actor=people.dispatcher, case=duplicate, into=survivor)
    assert merged.status == Status.MERGED and merged.merged_into == survivor
    assert CaseReporter.objects.filter(case=survivor, user=people.neighbour, via_case=duplicate).exists()
    assert actions(survivor)[-1] == "absorb"
    survivor = bring_to(Status.RESOLVED, org, people, case=survivor)
    closed = services.case_evaluate(actor=people.neighbour, case=survivor, rating="satisfied")
    assert closed.status == Status.CLOSED


def test_a_case_cannot_be_merged_into_itself_or_into_a_finished_case(org, people):
    case = submit(people)
    with pytest.raises(ValidationError):
        services.case_merge(actor=people.dispatcher, case=case, into=case)
    finished = bring_to(Status.CLOSED, org, people)
    with pytest.raises(ValidationError):
        services.case_merge(actor=people.dispatcher, case=case, into=finished)


def test_merging_a_closed_case_is_refused(org, people):
    finished = bring_to(Status.CLOSED, org, people)
    other = submit(people)
    with pytest.raises(TransitionNotAllowed):
        services.case_merge(actor=people.dispatcher, case=finished, into=other)


def test_a_rejected_case_keeps_the_reason_as_its_result(org, people):
    case = submit(people)
    case = services.case_reject(actor=people.dispatcher, case=case, reason="属于私人纠纷，建议调解")
    assert case.status == Status.REJECTED and case.result == "属于私人纠纷，建议调解"


def test_the_grid_blows_the_whistle_and_named_units_report_in(org, people):
    case = bring_to(Status.ACCEPTED, org, people)
    case = services.case_dispatch(actor=people.dispatcher, case=case, unit=org.g1)
    targets = services.case_escalate(
        actor=people.worker1, case=case, units=[org.urban, org.police], lead_unit=org.housing, note="多部门联合处置"
    )
    assert {(t.unit_id, t.role) for t in targets} == {
        (org.housing.pk, EscalationRole.LEAD),
        (org.urban.pk, EscalationRole.HELPER),
        (org.police.pk, EscalationRole.HELPER),
    }
    case.refresh_from_db()
    # The place keeps the case (街乡吹哨、部门报到); the departments come to it.
    assert case.owner_unit == org.g1
    target = services.case_report_in(actor=people.officer, case=case)
    assert target.unit == org.police and target.reported_at is not None
    # A unit that has reported in may not report again: 403, as for a unit never called in (issue 11).
    with pytest.raises(PermissionDenied):
        services.case_report_in(actor=people.officer, case=case)
    assert actions(case)[-2:] == ["escalate", "report_in"]


def test_a_unit_not_called_in_cannot_report_in(org, people):
    case = bring_to(Status.DISPATCHED, org, people)
    services.case_escalate(actor=people.worker1, case=case, units=[], lead_unit=org.urban)
    with pytest.raises(PermissionDenied):
        services.case_report_in(actor=people.handler, case=case)


def test_only_grid_and_community_staff_of_the_place_blow_the_whistle(org, people):
    case = bring_to(Status.DISPATCHED, org, people)
    for someone in (people.worker2, people.handler, people.resident):
        with pytest.raises(PermissionDenied):
            services.case_escalate(actor=someone, case=case, units=[org.urban], lead_unit=org.urban)


def test_a_whistle_needs_a_lead_unit(org, people):
    case = bring_to(Status.DISPATCHED, org, people)
    with pytest.raises(ValidationError):
        services.case_escalate(actor=people.worker1, case=case, units=[org.urban], lead_unit=None)


def test_the_discipline_supervisor_supervises_and_the_centre_urges(org, people):
    case = bring_to(Status.IN_PROGRESS, org, people)
    services.case_supervise(actor=people.supervisor, case=case, note="请加快办理")
    services.case_urge(actor=people.dispatcher, case=case, note="今日内回复")
    assert actions(case)[-2:] == ["supervise", "urge"]
    with pytest.raises(PermissionDenied):
        services.case_supervise(actor=people.dispatcher, case=case)


def test_comments_need_text_and_sight_of_the_case(org, people):
    case = submit(people)
    services.case_comment(actor=people.resident, case=case, note="补充：晚上更严重")
    with pytest.raises(ValidationError):
        services.case_comment(actor=people.resident, case=case, note="")
    with pytest.raises(PermissionDenied):
        services.case_comment(actor=people.resident_b, case=case, note="我也看看")


def test_a_closed_case_is_published_once(org, people):
    case = bring_to(Status.CLOSED, org, people)
    case = services.case_publish(actor=people.staff_a, case=case)
    assert case.published_at is not None
    with pytest.raises(ValidationError):
        services.case_publish(actor=people.staff_a, case=case)


def test_revealing_the_contact_is_audited_for_staff(org, people):
    from jinlin.core.models import AuditEntry

    case = submit(people, address="桂香小区1号楼101")
    contact = services.case_reveal_contact(actor=people.dispatcher, case=case)
    assert contact == {"name": "王小明", "phone": "13800000001", "address": "桂香小区1号楼101"}
    assert AuditEntry.objects.filter(action="case.reveal_contact", actor=people.dispatcher).exists()
    with pytest.raises(PermissionDenied):
        services.case_reveal_contact(actor=people.worker2, case=case)
