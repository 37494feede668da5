"""Who sees which case (scope per role), the queues, and masking."""

from jinlin.cases import selectors, services
from jinlin.cases.machine import Status
from jinlin.cases.models import Case

from .conftest import G2_POINT
from .flow import bring_to, submit


def visible(user):
    seen = set(selectors.cases_visible_to(user).values_list("pk", flat=True))
    # Reading one case (by id, the rule decided in Python where it can) agrees with the list.
    assert {pk for pk in Case.objects.values_list("pk", flat=True) if selectors.case_get(user, pk)} == seen
    return seen


def test_grid_worker_of_g2_cannot_see_g1s_case(org, people):
    g1_case = submit(people)
    g2_case = submit(people, actor=people.resident_b, point=G2_POINT)
    assert visible(people.worker1) == {g1_case.pk}
    assert visible(people.worker2) == {g2_case.pk}


def test_a_resident_sees_only_their_own_and_followed_cases(org, people):
    own = submit(people)
    submit(people, actor=people.neighbour)
    assert visible(people.resident) == {own.pk}


def test_a_resident_follows_the_case_their_duplicate_was_merged_into(org, people):
    survivor = submit(people)
    duplicate = submit(people, actor=people.neighbour)
    services.case_merge(actor=people.dispatcher, case=duplicate, into=survivor)
    assert visible(people.neighbour) == {survivor.pk, duplicate.pk}


def test_community_staff_see_their_community_not_the_other(org, people):
    a = submit(people)
    submit(people, actor=people.resident_b, point=G2_POINT)
    assert visible(people.staff_a) == {a.pk}


def test_dispatcher_and_supervisor_see_the_whole_district(org, people):
    a = submit(people)
    b = submit(people, actor=people.resident_b, point=G2_POINT)
    assert visible(people.dispatcher) == {a.pk, b.pk}
    assert visible(people.supervisor) == {a.pk, b.pk}


def test_a_department_handler_sees_only_cases_given_to_the_department(org, people):
    given = bring_to(Status.DISPATCHED, org, people)
    submit(people)
    assert visible(people.handler) == {given.pk}
    assert visible(people.urban_handler) == set()


def test_a_department_keeps_seeing_a_case_it_returned(org, people):
    case = bring_to(Status.IN_PROGRESS, org, people)
    services.case_return(actor=people.handler, case=case, reason="不属于本部门")
    assert case.pk in visible(people.handler)


def test_a_unit_called_in_by_a_whistle_sees_the_case(org, people):
    case = bring_to(Status.DISPATCHED, org, people)
    assert case.pk not in visible(people.officer)
    services.case_escalate(actor=people.worker1, case=case, units=[], lead_unit=org.police)
    assert case.pk in visible(people.officer)
    assert [t.case_id for t in selectors.pending_reports(people.officer)] == [case.pk]


def test_nobody_anonymous_sees_anything(org, people):
    from django.contrib.auth.models import AnonymousUser

    submit(people)
    assert selectors.cases_visible_to(AnonymousUser()).count() == 0
    assert selectors.cases_visible_to(None).count() == 0


def test_the_inbox_lists_the_units_cases_soonest_due_first(org, people, categories):
    later = bring_to(Status.DISPATCHED, org, people, tier="normal")
    sooner = bring_to(Status.DISPATCHED, org, people, tier="hard")
    assert list(selectors.inbox(people.handler)) == [sooner, later]
    assert list(selectors.inbox(people.urban_handler)) == []


def test_the_dispatch_queue_holds_new_and_returned_cases(org, people):
    new = submit(people)
    returned = bring_to(Status.IN_PROGRESS, org, people)
    services.case_return(actor=people.handler, case=returned, reason="非本部门")
    bring_to(Status.DISPATCHED, org, people)
    assert set(selectors.dispatch_queue(people.dispatcher)) == {new, returned}
    assert list(selectors.dispatch_queue(people.handler)) == []


def test_the_reporter_is_masked_for_staff(org, people):
    case = submit(people)
    assert selectors.reporter_view(case, people.dispatcher) == {"name": "王**", "phone_masked": "138****0001"}
    assert selectors.reporter_view(case, people.resident)["name"] == "王小明"


def test_the_address_is_masked(org, people):
    assert selectors.mask_address("福州市鼓楼区东街街道桂香小区3号楼2单元501") == "福州市鼓楼区东街街道****"
    assert selectors.mask_address("") == ""


def test_allowed_actions_follow_role_and_state(org, people):
    case = submit(people)
    assert {"accept", "reject", "merge"} <= set(selectors.allowed_actions(people.dispatcher, case))
    assert "accept" not in selectors.allowed_actions(people.resident, case)
    case = bring_to(Status.DISPATCHED, org, people, case=case)
    assert {"claim", "return"} <= set(selectors.allowed_actions(people.handler, case))
    assert "claim" not in selectors.allowed_actions(people.urban_handler, case)


def test_routing_suggests_the_categorys_department_then_the_grid_and_its_worker(org, people, categories):
    case = submit(people, category_code="streetlight")
    suggestions = selectors.route_suggestions(case)
    assert [s.unit for s in suggestions] == [org.urban, org.g1, org.community_a]
    assert suggestions[1].user == people.worker1


def test_an_office_under_a_called_in_department_finds_the_whistle_in_its_list_and_may_report_in(org, people):
    from jinlin.core import services as core
    from jinlin.core.models import OrgKind, Role

    office = core.org_unit_create(
        actor=None, kind=OrgKind.DEPARTMENT, code="350102B0101", name="区住建局物业科", parent=org.district
    )
    clerk = core.user_create(
        actor=None, phone="13800000099", name="物业科干部", password=None, roles=[(Role.DEPARTMENT_HANDLER, office)]
    )
    case = bring_to(Status.DISPATCHED, org, people)
    services.case_escalate(actor=people.worker1, case=case, units=[], lead_unit=org.housing)
    # The list and the 报到 button agree (policies.pending_target): the office is under the bureau.
    assert [t.case_id for t in selectors.pending_reports(clerk)] == [case.pk]
    assert "report_in" in selectors.allowed_actions(clerk, case)
    # A unit that is a place reaches no one under it this way: the grid worker is not its member.
    assert selectors.pending_reports(people.worker1).count() == 0
