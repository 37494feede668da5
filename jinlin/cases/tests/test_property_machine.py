"""Property: random sequences of actions by random people, at random times, never break the
invariants of DESIGN.md — an open case has exactly one owner unit, every state change is a
timeline entry with its from/to states, due_at is always set, and nothing happens outside the
table in machine.py. Refused actions (wrong state, wrong person, bad input) change nothing."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jinlin.cases import services
from jinlin.cases.machine import MACHINE, TransitionNotAllowed
from jinlin.cases.models import Case, TimelineEntry

from .flow import assert_invariants, submit

PEOPLE = [
    "resident",
    "neighbour",
    "worker1",
    "worker2",
    "staff_a",
    "dispatcher",
    "handler",
    "handler2",
    "urban_handler",
    "supervisor",
    "officer",
]
UNITS = ["housing", "urban", "g1", "police", "community_a", "g2"]
RATINGS = ["satisfied", "basically_satisfied", "unsatisfied"]
ACTIONS = [
    "accept",
    "reject",
    "dispatch",
    "claim",
    "return",
    "resolve",
    "evaluate",
    "visit",
    "reopen",
    "merge",
    "urge",
    "supervise",
    "escalate",
    "report_in",
    "comment",
    "publish",
    "sweep",
]


# Who usually does what: random people alone would almost never get a case past acceptance, so
# most steps pick the person the action belongs to ("owner" = a member of the owning unit) and
# the rest pick anyone, which exercises the refusals.
LIKELY = {
    "accept": ["dispatcher"],
    "reject": ["dispatcher"],
    "dispatch": ["dispatcher"],
    "merge": ["dispatcher"],
    "claim": ["owner"],
    "return": ["owner"],
    "resolve": ["owner"],
    "evaluate": ["resident"],
    "visit": ["staff_a", "worker1"],
    "reopen": ["resident", "dispatcher", "supervisor"],
    "urge": ["dispatcher"],
    "supervise": ["supervisor"],
    "escalate": ["worker1", "staff_a"],
    "report_in": ["officer", "handler", "urban_handler"],
    "comment": ["resident", "handler"],
    "publish": ["staff_a"],
    "sweep": ["dispatcher"],
}
OWNER_OF_UNIT = {
    "housing": "handler",
    "urban": "urban_handler",
    "g1": "worker1",
    "police": "officer",
    "community_a": "staff_a",
    "g2": "worker2",
    "centre": "dispatcher",
}


def choose_actor(action, who, case, org, people):
    likely = LIKELY[action]
    name = likely[who % len(likely)] if who < 8 else PEOPLE[who % len(PEOPLE)]
    if name == "owner":
        case.refresh_from_db()
        unit_names = {getattr(org, n).pk: n for n in OWNER_OF_UNIT}
        name = OWNER_OF_UNIT[unit_names[case.owner_unit_id]] if case.owner_unit_id in unit_names else "handler"
    return getattr(people, name)


def perform(action, actor, pick, case, other, org, now):
    unit = getattr(org, UNITS[pick % len(UNITS)])
    rating = RATINGS[pick % len(RATINGS)]
    calls = {
        "accept": lambda: services.case_accept(actor=actor, case=case),
        "reject": lambda: services.case_reject(actor=actor, case=case, reason="不属于受理范围"),
        "dispatch": lambda: services.case_dispatch(actor=actor, case=case, unit=unit),
        "claim": lambda: services.case_claim(actor=actor, case=case),
        "return": lambda: services.case_return(actor=actor, case=case, reason="非本单位职责"),
        "resolve": lambda: services.case_resolve(actor=actor, case=case, result="已处理"),
        "evaluate": lambda: services.case_evaluate(actor=actor, case=case, rating=rating),
        "visit": lambda: services.case_visit(actor=actor, case=case, rating=rating),
        "reopen": lambda: services.case_reopen(actor=actor, case=case),
        "merge": lambda: services.case_merge(actor=actor, case=case, into=other),
        "urge": lambda: services.case_urge(actor=actor, case=case),
        "supervise": lambda: services.case_supervise(actor=actor, case=case),
        "escalate": lambda: services.case_escalate(actor=actor, case=case, units=[], lead_unit=unit),
        "report_in": lambda: services.case_report_in(actor=actor, case=case),
        "comment": lambda: services.case_comment(actor=actor, case=case, note="跟进"),
        "publish": lambda: services.case_publish(actor=actor, case=case),
        "sweep": lambda: services.sla_sweep_run(now=now + timedelta(hours=37 * pick)),
    }
    calls[action]()


def snapshot(case):
    case.refresh_from_db()
    return case.status, case.owner_unit_id, TimelineEntry.objects.filter(case=case).count()


FORWARD = {"accept", "dispatch", "claim", "resolve", "evaluate", "visit"}


def choose_action(mode, index, case):
    """Mostly an action the machine allows now (so runs go deep), sometimes any (to test refusals)."""
    if mode >= 7:
        return ACTIONS[index % len(ACTIONS)]
    case.refresh_from_db()
    possible = [a for a in ACTIONS if a == "sweep" or case.status in MACHINE[a].sources]
    if case.status == "dispatched":
        possible.append("dispatch")  # a transfer
    # Moving along the loop is likelier than leaving it, so runs reach rating and rework.
    possible += [a for a in possible if a in FORWARD] * 4
    return possible[index % len(possible)]


steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=9),
        st.integers(min_value=0, max_value=50),
        st.integers(min_value=0, max_value=10),
        st.integers(min_value=0, max_value=11),
    ),
    min_size=8,
    max_size=40,
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_random_actions_by_random_people_never_break_the_invariants(org, people, categories, steps):
    case = submit(people, category_code="streetlight")
    other = submit(people, actor=people.neighbour)
    for mode, index, who, pick in steps:
        action = choose_action(mode, index, case)
        before = snapshot(case)
        actor = choose_actor(action, who, case, org, people)
        try:
            perform(action, actor, pick, case, other, org, case.created_at)
        except (TransitionNotAllowed, PermissionDenied, ValidationError):
            # A refused action leaves the case exactly as it was.
            assert snapshot(case) == before
        assert_invariants(case)
        assert_invariants(other)
    # The sweeps touched the cases of earlier examples too: they must hold as well.
    for any_case in Case.objects.all():
        assert_invariants(any_case)
