"""The one builder of timeline entries: every action's entry, whoever writes it.

The services (`services.common._write`), intake, the set-based SLA sweeper and the scale seed's
replay (jinlin.ops.scale) all build their entries here, so an entry's `to_status` always comes
from the state machine (`machine.check`) and its fields are the same whoever wrote it.
`timeline_row` gives the plain values in TIMELINE_COLUMNS order (the scale seed writes millions
of them around the ORM); `timeline_entry` gives the unsaved model instance.
"""

from datetime import datetime
from typing import Any

from django.db import models

from .machine import Status, check
from .models import TimelineEntry

# The event (jinlin.core.events, named case.<event>) each action announces after commit. Actions
# not listed (attach, absorb, raise_tier) announce nothing of their own.
ACTION_EVENTS = {
    "submit": "submitted",
    "accept": "accepted",
    "reject": "rejected",
    "dispatch": "dispatched",
    "transfer": "transferred",
    "claim": "claimed",
    "return": "returned",
    "resolve": "resolved",
    "evaluate": "rated",
    "visit": "rated",
    "reopen": "reopened",
    "expire": "closed",
    "merge": "merged",
    "urge": "urged",
    "overdue": "overdue",
    "supervise": "supervised",
    "escalate": "escalated",
    "report_in": "reported_in",
    "publish": "published",
    "comment": "commented",
}
# A rating that closes or reopens the case is announced as that too (after `rated`).
STATUS_EVENTS = {Status.CLOSED: "closed", Status.REOPENED: "reopened"}


def event_names(action: str, from_status: str, to_status: str) -> list[str]:
    """The case events an entry announces, in order: its action's, then the state it reached."""
    names = [ACTION_EVENTS[action]] if action in ACTION_EVENTS else []
    reached = STATUS_EVENTS.get(to_status) if to_status != from_status else None  # type: ignore[call-overload]
    if reached is not None and reached not in names:
        names.append(reached)
    return names


TIMELINE_COLUMNS = (
    "case_id",
    "action",
    "from_status",
    "to_status",
    "actor_id",
    "actor_unit_id",
    "owner_unit_id",
    "at",
    "note",
    "data",
)


def timeline_row(
    case_id: int,
    action: str,
    from_status: str,
    *,
    to: str | None = None,
    actor_id: int | None = None,
    actor_unit_id: int | None = None,
    owner_unit_id: int | None = None,
    at: Any,
    note: str = "",
    data: dict | None = None,
) -> tuple:
    """The values of one entry in TIMELINE_COLUMNS order; raises TransitionNotAllowed when the
    machine forbids `action` from `from_status` (`to` picks among several targets)."""
    to_status = check(action, from_status, to)
    return (case_id, action, from_status, to_status, actor_id, actor_unit_id, owner_unit_id, at, note, data or {})


def _pk(value: models.Model | int | None) -> int | None:
    return value.pk if isinstance(value, models.Model) else value


def timeline_entry(
    case: models.Model | int,
    action: str,
    from_status: str,
    *,
    to: str | None = None,
    actor: models.Model | int | None = None,
    actor_unit: models.Model | int | None = None,
    owner_unit: models.Model | int | None = None,
    at: datetime,
    note: str = "",
    data: dict | None = None,
) -> TimelineEntry:
    """One unsaved entry. Related rows may be given as instances (kept on the entry, so a caller
    that renders it reads no row again) or as ids."""
    row = timeline_row(
        _pk(case),  # type: ignore[arg-type]
        action,
        from_status,
        to=to,
        actor_id=_pk(actor),
        actor_unit_id=_pk(actor_unit),
        owner_unit_id=_pk(owner_unit),
        at=at,
        note=note,
        data=data,
    )
    entry = TimelineEntry(**dict(zip(TIMELINE_COLUMNS, row, strict=True)))
    for name, value in (("case", case), ("actor", actor), ("actor_unit", actor_unit), ("owner_unit", owner_unit)):
        if isinstance(value, models.Model):
            setattr(entry, name, value)
    return entry
