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

from .machine import check
from .models import TimelineEntry

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
