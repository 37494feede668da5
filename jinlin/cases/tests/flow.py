"""Drive a case along the loop with the conftest people, so each test starts from the state it needs."""

from jinlin.cases import services
from jinlin.cases.machine import MACHINE, TERMINAL, Status
from jinlin.cases.models import TimelineEntry

from .conftest import G1_POINT


def submit(people, *, actor=None, point=G1_POINT, **fields):
    fields.setdefault("title", "楼道灯不亮")
    fields.setdefault("description", "3号楼2单元楼道灯坏了一周")
    lat, lng = point if point else (None, None)
    case, _ = services.case_submit(actor=actor or people.resident, lat=lat, lng=lng, **fields)
    return case


def bring_to(status, org, people, case=None, **submit_fields):
    """A case of the resident in grid G1, dispatched to the housing department, moved to `status`."""
    case = case or submit(people, **submit_fields)
    steps = {
        Status.ACCEPTED: lambda c: services.case_accept(actor=people.dispatcher, case=c),
        Status.DISPATCHED: lambda c: services.case_dispatch(actor=people.dispatcher, case=c, unit=org.housing),
        Status.IN_PROGRESS: lambda c: services.case_claim(actor=people.handler, case=c),
        Status.RESOLVED: lambda c: services.case_resolve(actor=people.handler, case=c, result="已更换灯具"),
        Status.CLOSED: lambda c: services.case_evaluate(actor=people.resident, case=c, rating="satisfied"),
    }
    order = [Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED]
    for step in order[: order.index(status) + 1] if status in order else []:
        case = steps[step](case)
    case.refresh_from_db()
    return case


def assert_invariants(case):
    """The invariants of DESIGN.md for one case: owner, due time, a complete timeline within the machine."""
    case.refresh_from_db()
    assert case.due_at is not None
    if case.status not in TERMINAL:
        assert case.owner_unit_id is not None
    entries = list(TimelineEntry.objects.filter(case=case).order_by("pk"))
    assert entries[0].action == "submit" and entries[0].from_status == ""
    state = ""
    for entry in entries:
        rule = MACHINE[entry.action]
        # Every entry starts where the previous one ended: no state change goes unrecorded.
        assert entry.from_status == state, (entry.action, entry.from_status, state)
        assert entry.from_status in rule.sources, (entry.action, entry.from_status)
        if rule.is_side:
            assert entry.to_status == entry.from_status
        else:
            assert entry.to_status in rule.targets, (entry.action, entry.to_status)
        state = entry.to_status
    assert state == case.status
