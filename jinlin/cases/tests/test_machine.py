"""The state machine table on its own: what it allows, what it refuses."""

import pytest

from jinlin.cases.machine import ACTIVE, MACHINE, OPEN, TERMINAL, Status, TransitionNotAllowed, check


def test_every_state_is_reachable_from_submitted():
    reached = {Status.SUBMITTED}
    changed = True
    while changed:
        changed = False
        for rule in MACHINE.values():
            if rule.sources & reached:
                new = set(rule.targets) - reached
                if new:
                    reached |= new
                    changed = True
    assert reached == set(Status)


def test_terminal_states_have_no_way_out_except_comment_and_publish():
    for action, rule in MACHINE.items():
        if rule.sources & TERMINAL:
            assert rule.is_side, action
            assert action in {"comment", "publish"}


def test_dispatch_is_allowed_from_accepted_and_reopened_and_transfer_from_dispatched():
    assert check("dispatch", Status.ACCEPTED) == Status.DISPATCHED
    assert check("dispatch", Status.REOPENED) == Status.DISPATCHED
    assert check("transfer", Status.DISPATCHED) == Status.DISPATCHED
    with pytest.raises(TransitionNotAllowed):
        check("dispatch", Status.SUBMITTED)


def test_return_goes_back_to_the_dispatcher_as_accepted():
    assert check("return", Status.IN_PROGRESS) == Status.ACCEPTED
    assert check("return", Status.DISPATCHED) == Status.ACCEPTED


def test_a_rating_closes_or_reopens_and_nothing_else():
    assert check("evaluate", Status.RESOLVED, Status.CLOSED) == Status.CLOSED
    assert check("evaluate", Status.RESOLVED, Status.REOPENED) == Status.REOPENED
    with pytest.raises(TransitionNotAllowed):
        check("evaluate", Status.RESOLVED, Status.DISPATCHED)
    with pytest.raises(TransitionNotAllowed):
        check("evaluate", Status.IN_PROGRESS, Status.CLOSED)


def test_any_open_case_can_be_merged_but_not_a_finished_one():
    for status in OPEN:
        assert check("merge", status) == Status.MERGED
    for status in TERMINAL:
        with pytest.raises(TransitionNotAllowed):
            check("merge", status)


def test_the_sla_clock_does_not_run_on_resolved_cases():
    assert Status.RESOLVED not in ACTIVE
    with pytest.raises(TransitionNotAllowed):
        check("urge", Status.RESOLVED)


def test_refusal_message_names_the_action_and_the_state():
    with pytest.raises(TransitionNotAllowed) as info:
        check("claim", Status.CLOSED)
    assert info.value.action == "claim"
    assert info.value.status == Status.CLOSED
    assert str(info.value)
