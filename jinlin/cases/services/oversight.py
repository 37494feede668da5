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
from .common import _deny, _lock, _now, _text, _write


@transaction.atomic
def case_urge(*, actor: User | None, case: Case, note: str = "", at: datetime | None = None) -> Case:
    """中心催单 by hand (the sweeper urges automatically before the limit)."""
    at = _now(at)
    case = _lock(case)
    unit = None
    if actor is not None:
        grant = rules.covering(actor, case, Role.DISPATCHER, Role.DISCIPLINE_SUPERVISOR, Role.COMMUNITY_STAFF)
        if grant is None:
            _deny(_("Only the command centre, supervisors and community staff may urge."))
        unit = grant.org
    return _write(case, action="urge", actor=actor, unit=unit, at=at, note=_text(note, "note"))


@transaction.atomic
def case_supervise(*, actor: User | None, case: Case, note: str = "", at: datetime | None = None) -> Case:
    """纪委督单: the discipline supervisor puts the case under supervision, on the record."""
    at = _now(at)
    case = _lock(case)
    grant = rules.covering(actor, case, Role.DISCIPLINE_SUPERVISOR)
    if grant is None:
        _deny(_("Only discipline supervisors may supervise."))
    return _write(case, action="supervise", actor=actor, unit=grant.org, at=at, note=_text(note, "note"))


@transaction.atomic
def case_comment(*, actor: User | None, case: Case, note: str, at: datetime | None = None) -> Case:
    at = _now(at)
    case = _lock(case)
    from ..selectors import cases_visible_to

    if not cases_visible_to(actor).filter(pk=case.pk).exists():
        _deny()
    note = _text(note, "note", required=True, max_length=2000)
    grant = next((a for a in active_assignments(actor) if a.role not in {Role.RESIDENT, Role.VOLUNTEER}), None)
    unit = grant.org if grant and not rules.is_follower(actor, case) else None
    return _write(case, action="comment", actor=actor, unit=unit, at=at, note=note)


@transaction.atomic
def case_publish(*, actor: User | None, case: Case, note: str = "", at: datetime | None = None) -> Case:
    """晒单: a closed case goes on the public board (personal data is removed there, not here)."""
    at = _now(at)
    case = _lock(case)
    grant = rules.covering(actor, case, Role.COMMUNITY_STAFF, Role.DISPATCHER)
    if grant is None:
        _deny(_("Only community staff and dispatchers of this place may publish cases."))
    if case.published_at is not None:
        raise ValidationError(_("This case is already published."))
    return _write(
        case,
        action="publish",
        actor=actor,
        unit=grant.org,
        at=at,
        note=_text(note, "note"),
        fields={"published_at": at},
    )
