"""Side actions on the record: urging, supervision, comments, publishing (晒单)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jinlin.core.models import Role
from jinlin.core.scope import active_assignments

from .. import rules
from ..models import (
    Case,
)
from .common import _acting_unit, _granted, _lock, _now, _text, _write


@transaction.atomic
def case_urge(*, actor, case, note: str = "", at=None) -> Case:
    """中心催单 by hand (the sweeper urges automatically before the limit)."""
    at = _now(at)
    case = _lock(case)
    unit = _acting_unit(actor, "urge", case, platform=True)
    return _write(case, action="urge", actor=actor, unit=unit, at=at, note=_text(note, "note"))


@transaction.atomic
def case_supervise(*, actor, case, note: str = "", at=None) -> Case:
    """纪委督单: the discipline supervisor puts the case under supervision, on the record."""
    at = _now(at)
    case = _lock(case)
    unit = _acting_unit(actor, "supervise", case)
    return _write(case, action="supervise", actor=actor, unit=unit, at=at, note=_text(note, "note"))


@transaction.atomic
def case_comment(*, actor, case, note: str, at=None) -> Case:
    at = _now(at)
    case = _lock(case)
    _granted(actor, "comment", case)
    note = _text(note, "note", required=True, max_length=2000)
    grant = next((a for a in active_assignments(actor) if a.role not in {Role.RESIDENT, Role.VOLUNTEER}), None)
    unit = grant.org if grant and not rules.is_follower(actor, case) else None
    return _write(case, action="comment", actor=actor, unit=unit, at=at, note=note)


@transaction.atomic
def case_publish(*, actor, case, note: str = "", at=None) -> Case:
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
