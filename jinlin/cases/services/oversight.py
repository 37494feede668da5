"""Side actions on the record: urging, supervision, comments, publishing (晒单)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jinlin.core.models import Role, User
from jinlin.core.scope import active_assignments

from .. import rules
from ..models import (
    Case,
)
from .common import _acting_unit, _granted, _lock, _now, _text, _write


@transaction.atomic
def case_urge(*, actor: User | None, case: Case, note: str = "", at: datetime | None = None) -> Case:
    """中心催单 by hand (the sweeper urges automatically before the limit)."""
    at = _now(at)
    case = _lock(case)
    unit = _acting_unit(actor, "urge", case, platform=True)
    return _write(case, action="urge", actor=actor, unit=unit, at=at, note=_text(note, "note"))


@transaction.atomic
def case_supervise(*, actor: User | None, case: Case, note: str = "", at: datetime | None = None) -> Case:
    """纪委督单: the discipline supervisor puts the case under supervision, on the record."""
    at = _now(at)
    case = _lock(case)
    unit = _acting_unit(actor, "supervise", case)
    return _write(case, action="supervise", actor=actor, unit=unit, at=at, note=_text(note, "note"))


@transaction.atomic
def case_comment(*, actor: User | None, case: Case, note: str, reply: bool = False, at: datetime | None = None) -> Case:
    """A note on the case. A staff note is internal (staff only) unless `reply` says it answers
    the reporter; a resident's own note is shown to them. Reporter and public views filter by it
    (selectors.case_timeline_for)."""
    at = _now(at)
    case = _lock(case)
    _granted(actor, "comment", case)
    note = _text(note, "note", required=True, max_length=2000)
    grant = next((a for a in active_assignments(actor) if a.role not in {Role.RESIDENT, Role.VOLUNTEER}), None)
    unit = grant.org if grant and not rules.is_follower(actor, case) else None
    data = {"reply": True} if reply and unit is not None else {}
    return _write(case, action="comment", actor=actor, unit=unit, at=at, note=note, data=data)


@transaction.atomic
def case_publish(*, actor: User | None, case: Case, note: str = "", at: datetime | None = None) -> Case:
    """晒单: a closed case goes on the public board (personal data is removed there, not here)."""
    at = _now(at)
    case = _lock(case)
    unit = _acting_unit(actor, "publish", case)
    if case.published_at is not None:
        raise ValidationError(_("This case is already published."))
    return _write(
        case,
        action="publish",
        actor=actor,
        unit=unit,
        at=at,
        note=_text(note, "note"),
        fields={"published_at": at},
    )
