"""The case state machine as one table: action → states it may start from → states it may lead to.

Every service in services.py asks `check()` before it writes, and the property test replays
random actions against this same table, so what the platform does and what this file says can
never drift apart. A side action (urge, comment, …) leads to no new state: it is recorded on the
timeline with from_status == to_status.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jinlin.core.http import Conflict


class Status(models.TextChoices):
    SUBMITTED = "submitted", gettext_lazy("Submitted (已上报)")
    ACCEPTED = "accepted", gettext_lazy("Accepted (已受理)")
    REJECTED = "rejected", gettext_lazy("Rejected (不予受理)")
    DISPATCHED = "dispatched", gettext_lazy("Dispatched (已派单)")
    IN_PROGRESS = "in_progress", gettext_lazy("In progress (办理中)")
    RESOLVED = "resolved", gettext_lazy("Resolved (已办结)")
    CLOSED = "closed", gettext_lazy("Closed (已结案)")
    REOPENED = "reopened", gettext_lazy("Reopened (返工)")
    MERGED = "merged", gettext_lazy("Merged (已合并)")


S = Status
TERMINAL = frozenset({S.REJECTED, S.CLOSED, S.MERGED})
OPEN = frozenset(set(S) - TERMINAL)
# States in which the SLA clock runs (urging, overdue). A resolved case waits for its rating.
ACTIVE = OPEN - {S.RESOLVED}
ALL = frozenset(S)


@dataclass(frozen=True)
class Rule:
    sources: frozenset
    # Empty for side actions; several when the outcome decides (a rating closes or reopens).
    targets: frozenset = frozenset()

    @property
    def is_side(self) -> bool:
        return not self.targets


def _r(sources: Iterable[str], *targets: Any) -> Rule:
    return Rule(frozenset(sources), frozenset(targets))


MACHINE: dict[str, Rule] = {
    # Intake creates the case; it has no source state.
    "submit": _r({""}, S.SUBMITTED),
    "accept": _r({S.SUBMITTED}, S.ACCEPTED),
    "reject": _r({S.SUBMITTED}, S.REJECTED),
    "dispatch": _r({S.ACCEPTED, S.REOPENED}, S.DISPATCHED),
    # Re-dispatch of a dispatched case to another unit (转派).
    "transfer": _r({S.DISPATCHED}, S.DISPATCHED),
    "claim": _r({S.DISPATCHED, S.REOPENED}, S.IN_PROGRESS),
    # 退单: the unit is not responsible; the case goes back to the dispatcher's queue.
    "return": _r({S.DISPATCHED, S.IN_PROGRESS}, S.ACCEPTED),
    "resolve": _r({S.IN_PROGRESS}, S.RESOLVED),
    "evaluate": _r({S.RESOLVED}, S.CLOSED, S.REOPENED),
    # 回访: staff record the resident's rating on their behalf; same outcomes as evaluate.
    "visit": _r({S.RESOLVED}, S.CLOSED, S.REOPENED),
    "reopen": _r({S.RESOLVED}, S.REOPENED),
    # The rating window ended without a rating (the platform closes it).
    "expire": _r({S.RESOLVED}, S.CLOSED),
    "merge": _r(OPEN, S.MERGED),
    # Side actions.
    "urge": _r(ACTIVE),
    "overdue": _r(ACTIVE),
    "raise_tier": _r(ACTIVE),
    "supervise": _r(OPEN),
    "escalate": _r({S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.REOPENED}),
    "report_in": _r(OPEN),
    "absorb": _r(OPEN),
    "comment": _r(ALL),
    "attach": _r(OPEN),
    "publish": _r({S.CLOSED}),
}

TRANSITIONS = {name for name, rule in MACHINE.items() if not rule.is_side}


class TransitionNotAllowed(Conflict):
    """The action is not allowed in the case's current state (a Conflict: the API answers 409)."""

    def __init__(self, action: str, status: str):
        self.action = action
        self.status = status
        label = Status(status).label if status in Status.values else status
        super().__init__(
            _("“%(action)s” is not possible while the case is %(status)s.")
            % {"action": action_label(action), "status": label}
        )


def check(action: str, from_status: str, to_status: str | None = None) -> str:
    """The state after `action` from `from_status`; raises TransitionNotAllowed if the table forbids it.

    `to_status` picks among several possible targets (evaluate: closed or reopened).
    """
    rule = MACHINE[action]
    if from_status not in rule.sources:
        raise TransitionNotAllowed(action, from_status)
    if rule.is_side:
        return from_status
    if to_status is None:
        if len(rule.targets) != 1:
            raise ValueError(f"{action} needs an explicit target state")
        (to_status,) = rule.targets
    if to_status not in rule.targets:
        raise TransitionNotAllowed(action, from_status)
    return to_status


def allowed(action: str, from_status: str) -> bool:
    return from_status in MACHINE[action].sources


ACTION_LABELS = {
    "submit": gettext_lazy("submit (点单)"),
    "accept": gettext_lazy("accept (受理)"),
    "reject": gettext_lazy("reject (不予受理)"),
    "dispatch": gettext_lazy("dispatch (派单)"),
    "transfer": gettext_lazy("transfer (转派)"),
    "claim": gettext_lazy("claim (接单)"),
    "return": gettext_lazy("return (退单)"),
    "resolve": gettext_lazy("resolve (办结)"),
    "evaluate": gettext_lazy("rate (评单)"),
    "visit": gettext_lazy("follow-up visit (回访)"),
    "reopen": gettext_lazy("reopen (返工)"),
    "expire": gettext_lazy("close after the rating window (到期结案)"),
    "merge": gettext_lazy("merge (合并)"),
    "urge": gettext_lazy("urge (催单)"),
    "overdue": gettext_lazy("overdue (超期)"),
    "raise_tier": gettext_lazy("raise tier (提级)"),
    "supervise": gettext_lazy("supervise (督单)"),
    "escalate": gettext_lazy("blow the whistle (吹哨)"),
    "report_in": gettext_lazy("report in (报到)"),
    "absorb": gettext_lazy("absorb a duplicate (并入)"),
    "comment": gettext_lazy("comment (备注)"),
    "attach": gettext_lazy("attach photos (上传照片)"),
    "publish": gettext_lazy("publish (晒单)"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
