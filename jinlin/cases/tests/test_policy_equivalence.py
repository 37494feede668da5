"""The buttons and the services read one policy table (cases/policies.py): for every demo role, in
every case state, `allowed_actions` offers an action exactly when the service accepts it.

Each service is called for real, inside a savepoint that is rolled back, so every role tries
every action on the same case. Two kinds of case: one assigned to a department with a whistle
naming G1's community and the police station, one assigned to the grid G1 with no whistle.
"""

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from jinlin.cases import selectors, services
from jinlin.cases.machine import Status, TransitionNotAllowed
from jinlin.cases.models import EscalationTarget
from jinlin.core import services as core
from jinlin.core.demo_accounts import DEMO_ACCOUNTS
from jinlin.core.models import Grid, OrgKind, Role

from .conftest import G1_POINT, G2_POINT, PASSWORD, rect

pytestmark = pytest.mark.django_db

# The demo's units by the codes of core/demo.py, under a city as in the city demo.
UNITS = [
    (OrgKind.CITY, "3501", "近邻市", None),
    (OrgKind.COMMAND_CENTRE, "3501C01", "市社会治理综合指挥中心", "3501"),
    (OrgKind.DISTRICT, "350102", "清溪区", "3501"),
    (OrgKind.COMMAND_CENTRE, "350102C01", "清溪区社会治理综合指挥中心", "350102"),
    (OrgKind.DISCIPLINE, "350102J01", "清溪区纪委监委", "350102"),
    (OrgKind.DEPARTMENT, "350102B01", "区住房和城乡建设局", "350102"),
    (OrgKind.DEPARTMENT, "350102B02", "区城市管理局", "350102"),
    (OrgKind.STREET, "350102001", "东街街道", "350102"),
    (OrgKind.POLICE_STATION, "350102001S01", "东街派出所", "350102001"),
    (OrgKind.COMMUNITY, "350102001001", "桂香社区", "350102001"),
    (OrgKind.COMMUNITY, "350102001002", "溪畔社区", "350102001"),
    (OrgKind.GRID, "350102001001001", "桂香第一网格", "350102001001"),
    (OrgKind.GRID, "350102001002001", "溪畔第一网格", "350102001002"),
    (OrgKind.ESTATE, "350102001001E01", "丹桂花园", "350102001001"),
    (OrgKind.BUILDING, "350102001001E01B01", "丹桂花园1号楼", "350102001001E01"),
]
BOUNDARIES = {
    "350102001001001": rect(119.30, 26.08, 119.31, 26.09),
    "350102001002001": rect(119.32, 26.08, 119.33, 26.09),
}
# Every demo account's role, bound as core/demo.py binds it, and the city dispatcher.
BINDINGS = {
    "13900000001": "350102001001E01B01",
    "13900000002": "350102001001001",
    "13900000003": "350102001001",
    "13900000004": "350102",
    "13900000005": "350102B01",
    "13900000006": "350102",
    "13900000007": "350102",
    "13900000008": "350102001002001",
    "13900000009": "350102001001",
    "13900000010": "3501C01",
    "13900000101": "350102001001E01B01",
}
ROLES = {**DEMO_ACCOUNTS, "13900000010": Role.DISPATCHER, "13900000101": Role.RESIDENT}
STATES = list(Status)


def build():
    units = {}
    for kind, code, name, parent in UNITS:
        grid = units.get("350102001001001") if kind in {OrgKind.ESTATE, OrgKind.BUILDING} else None
        units[code] = core.org_unit_create(
            actor=None, kind=kind, code=code, name=name, parent=units.get(parent), grid=grid
        )
    for code, boundary in BOUNDARIES.items():
        Grid.objects.create(unit=units[code], boundary=boundary)
    people = {
        phone: core.user_create(
            actor=None, phone=phone, name="演示", password=PASSWORD, roles=[(ROLES[phone], units[BINDINGS[phone]])]
        )
        for phone in BINDINGS
    }
    return SimpleNamespace(units=units, people=people)


def submit(world, point=G1_POINT):
    case, _ = services.case_submit(
        actor=world.people["13900000001"],
        title="楼道灯不亮",
        description="3号楼2单元楼道灯坏了",
        lat=point[0],
        lng=point[1],
    )
    return case


def bring_to(world, status: str, kind: str):
    """A case in `status`; `kind` "department": assigned to the housing department, with a whistle
    (when the state allows one) naming G1's community (lead) and the police station; "grid":
    assigned to the grid G1, no whistle."""
    u, p = world.units, world.people
    dispatcher, resident = p["13900000004"], p["13900000001"]
    case = submit(world)
    if status == Status.SUBMITTED:
        return case
    if status == Status.REJECTED:
        return services.case_reject(actor=dispatcher, case=case, reason="重复反映")
    if status == Status.MERGED:
        other = submit(world)
        return services.case_merge(actor=dispatcher, case=case, into=other)
    case = services.case_accept(actor=dispatcher, case=case)
    owner = u["350102B01"] if kind == "department" else u["350102001001001"]
    handler = p["13900000005"] if kind == "department" else p["13900000002"]
    if status != Status.ACCEPTED:
        case = services.case_dispatch(actor=dispatcher, case=case, unit=owner)
    if kind == "department" and status in {Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.REOPENED}:
        services.case_escalate(
            actor=p["13900000002"],
            case=case,
            units=[u["350102001S01"]],
            lead_unit=u["350102001001"],
        )
    if status in {Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED, Status.REOPENED}:
        case = services.case_claim(actor=handler, case=case)
    if status in {Status.RESOLVED, Status.CLOSED, Status.REOPENED}:
        case = services.case_resolve(actor=handler, case=case, result="已更换灯具")
    if status == Status.CLOSED:
        case = services.case_evaluate(actor=resident, case=case, rating="satisfied")
    if status == Status.REOPENED:
        case = services.case_evaluate(actor=resident, case=case, rating="unsatisfied")
    case.refresh_from_db()
    assert case.status == status
    return case


def calls(world, case, actor):
    """Each button's service, with input the service accepts when the actor may act."""
    u = world.units
    other = submit(world)  # an open case of the same place, to merge into
    called = set(EscalationTarget.objects.filter(case=case).values_list("unit_id", flat=True))
    has_lead = bool(called)
    fresh = next(unit for unit in (u["350102B02"], u["350102001S01"], u["350102B01"]) if unit.pk not in called)
    return {
        "accept": lambda: services.case_accept(actor=actor, case=case),
        "reject": lambda: services.case_reject(actor=actor, case=case, reason="不属于受理范围"),
        "merge": lambda: services.case_merge(actor=actor, case=case, into=other),
        "dispatch": lambda: services.case_dispatch(actor=actor, case=case, unit=u["350102B02"]),
        "claim": lambda: services.case_claim(actor=actor, case=case),
        "return": lambda: services.case_return(actor=actor, case=case, reason="非本单位职责"),
        "resolve": lambda: services.case_resolve(actor=actor, case=case, result="已处理"),
        "evaluate": lambda: services.case_evaluate(actor=actor, case=case, rating="satisfied"),
        "visit": lambda: services.case_visit(actor=actor, case=case, rating="satisfied"),
        "reopen": lambda: services.case_reopen(actor=actor, case=case, note="核查未通过"),
        "urge": lambda: services.case_urge(actor=actor, case=case, note="请尽快办理"),
        "supervise": lambda: services.case_supervise(actor=actor, case=case, note="超期督办"),
        "escalate": lambda: services.case_escalate(
            actor=actor, case=case, units=[fresh], lead_unit=None if has_lead else fresh, note="联合处置"
        ),
        "report_in": lambda: services.case_report_in(actor=actor, case=case),
        "publish": lambda: services.case_publish(actor=actor, case=case),
        "comment": lambda: services.case_comment(actor=actor, case=case, note="跟进"),
    }


class RolledBack(Exception):
    pass


def accepted(call) -> bool:
    """Whether the service accepts the action; its writes are rolled back either way."""
    try:
        with transaction.atomic():
            call()
            raise RolledBack
    except RolledBack:
        return True
    except (PermissionDenied, TransitionNotAllowed, ValidationError):
        return False


@pytest.mark.parametrize("kind", ["department", "grid"])
@pytest.mark.parametrize("status", STATES)
def test_the_buttons_offer_an_action_exactly_when_the_service_accepts_it(status, kind):
    world = build()
    case = bring_to(world, status, kind)
    submit(world, point=G2_POINT)  # a case elsewhere, so area rules have something to tell apart
    mismatches = []
    for phone, actor in world.people.items():
        fresh = type(case).objects.get(pk=case.pk)
        offered = set(selectors.allowed_actions(actor, fresh))
        for action, call in calls(world, fresh, actor).items():
            if (action in offered) != accepted(call):
                mismatches.append((phone, ROLES[phone], action, "offered" if action in offered else "not offered"))
    assert not mismatches, mismatches


def test_the_table_has_one_row_for_every_case_action():
    from jinlin.core import policy

    actions = set(policy.actions("case."))
    for action in ("claim", "resolve", "return", "dispatch", "accept", "reject", "merge", "transfer", "urge"):
        assert f"case.{action}" in actions
    for action in ("supervise", "escalate", "report_in", "visit", "evaluate", "reopen", "publish", "comment"):
        assert f"case.{action}" in actions
    assert "case.reveal_contact" in actions


def test_only_members_of_a_named_unit_that_has_not_reported_in_may_report_in():
    world = build()
    p = world.people
    case = bring_to(world, Status.DISPATCHED, "department")
    # The district's dispatcher and the city's are never members of the units they cover.
    for phone in ("13900000004", "13900000010", "13900000005", "13900000002", "13900000001"):
        assert "report_in" not in selectors.allowed_actions(p[phone], case)
        with pytest.raises(PermissionDenied):
            services.case_report_in(actor=p[phone], case=case)
    # G1's community was named: its staff and its police officer are members.
    services.case_report_in(actor=p["13900000003"], case=case)
    # Reported in: no one of that unit may report again (403, not offered).
    for phone in ("13900000003", "13900000009"):
        assert "report_in" not in selectors.allowed_actions(p[phone], type(case).objects.get(pk=case.pk))
        with pytest.raises(PermissionDenied):
            services.case_report_in(actor=p[phone], case=case)


def test_the_police_officer_of_a_community_does_not_handle_its_grids_cases():
    world = build()
    officer = world.people["13900000009"]
    case = bring_to(world, Status.DISPATCHED, "grid")
    assert not {"claim", "return", "resolve"} & set(selectors.allowed_actions(officer, case))
    with pytest.raises(PermissionDenied):
        services.case_claim(actor=officer, case=case)
    with pytest.raises(PermissionDenied):
        services.case_reveal_contact(actor=officer, case=case)
    # Dispatched to the community itself (his unit), he handles it.
    services.case_dispatch(actor=world.people["13900000004"], case=case, unit=world.units["350102001001"])
    case.refresh_from_db()
    assert "claim" in selectors.allowed_actions(officer, case)
    services.case_claim(actor=officer, case=case)
