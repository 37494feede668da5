"""Rating (群众评单): the resident's rating or the staff's follow-up visit, and rework (返工)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jinlin.core.models import OrgUnit, User

from .. import sla
from ..machine import Status
from ..models import (
    Case,
    CaseReporter,
    Rating,
)
from .common import _acting_unit, _granted, _lock, _now, _text, _write


def _rate(
    *, actor: User | None, case: Case, rating: str, comment: str, action: str, unit: OrgUnit | None, at: datetime
) -> Case:
    if rating not in Rating.values:
        raise ValidationError({"rating": _("Choose satisfied, basically satisfied or unsatisfied.")})
    comment = _text(comment, "comment")
    to = Status.REOPENED if rating == Rating.UNSATISFIED else Status.CLOSED
    fields = {"rating": rating, "rating_comment": comment, "rated_at": at}
    if to == Status.CLOSED:
        fields["closed_at"] = at
    else:
        fields.update(_rework_fields(case, at))
    if action == "evaluate" and actor is not None:
        CaseReporter.objects.filter(case=case, user=actor).update(rating=rating, rating_comment=comment, rated_at=at)
    return _write(
        case, action=action, actor=actor, unit=unit, at=at, to=to, note=comment, data={"rating": rating}, fields=fields
    )


def _rework_fields(case: Case, at: datetime) -> dict:
    """返工: a new time limit from now, the same owner unit, the rating window closed."""
    due_at, urge_at = sla.deadlines(at, sla.limit_for(case.category_id, case.tier))
    return {
        "due_at": due_at,
        "urge_at": urge_at,
        "supervision_due_at": None,
        "overdue_since": None,
        "resolved_at": None,
        "rating_deadline": None,
    }


@transaction.atomic
def case_evaluate(
    *, actor: User | None, case: Case, rating: str, comment: str = "", at: datetime | None = None
) -> Case:
    """评单 by the reporter or anyone following the case; 不满意 reopens it (返工)."""
    at = _now(at)
    case = _lock(case)
    _granted(actor, "evaluate", case)
    return _rate(actor=actor, case=case, rating=rating, comment=comment, action="evaluate", unit=None, at=at)


@transaction.atomic
def case_visit(*, actor: User | None, case: Case, rating: str, comment: str = "", at: datetime | None = None) -> Case:
    """回访: staff record the rating of a resident who cannot rate online."""
    at = _now(at)
    case = _lock(case)
    unit = _acting_unit(actor, "visit", case)
    return _rate(actor=actor, case=case, rating=rating, comment=comment, action="visit", unit=unit, at=at)


@transaction.atomic
def case_reopen(*, actor: User | None, case: Case, note: str = "", at: datetime | None = None) -> Case:
    """返工 without a rating: the reporter, or a dispatcher or supervisor whose check failed (核查)."""
    at = _now(at)
    case = _lock(case)
    unit = _acting_unit(actor, "reopen", case)
    note = _text(note, "note")
    return _write(
        case,
        action="reopen",
        actor=actor,
        unit=unit,
        at=at,
        note=note,
        fields=_rework_fields(case, at),
    )
