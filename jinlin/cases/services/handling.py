"""The handling unit's actions (部门接单): claim, return, resolve."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jinlin.core.models import OrgUnit, User

from .. import rules, sla
from ..models import (
    Case,
    ResolvedLevel,
)
from .common import _acting_unit, _lock, _now, _text, _write
from .reference import command_centre_for


def _handler(actor: User | None, case: Case, action: str) -> OrgUnit | None:
    """The unit the handler acts for (policy rows case.claim, case.return, case.resolve)."""
    return _acting_unit(actor, action, case, platform=True)


@transaction.atomic
def case_claim(*, actor: User | None, case: Case, at: datetime | None = None) -> Case:
    """接单: the handler takes the case; if two claim at once the second finds it in progress (409)."""
    at = _now(at)
    case = _lock(case)
    unit = _handler(actor, case, "claim")
    return _write(case, action="claim", actor=actor, unit=unit, at=at, fields={"owner_user": actor})


@transaction.atomic
def case_return(*, actor: User | None, case: Case, reason: str, at: datetime | None = None) -> Case:
    """退单: not ours; back to the dispatcher's queue, owned by the command centre meanwhile."""
    at = _now(at)
    case = _lock(case)
    unit = _handler(actor, case, "return")
    reason = _text(reason, "reason", required=True)
    centre = command_centre_for(case.scope_code)
    return _write(
        case,
        action="return",
        actor=actor,
        unit=unit,
        at=at,
        note=reason,
        data={"from_unit": case.owner_unit_id},
        fields={"owner_unit": centre, "owner_user": None},
    )


@transaction.atomic
def case_resolve(
    *, actor: User | None, case: Case, result: str, level: str | None = None, at: datetime | None = None
) -> Case:
    """办结 with the result the resident will rate; the 7-day rating window opens."""
    at = _now(at)
    case = _lock(case)
    unit = _handler(actor, case, "resolve")
    result = _text(result, "result", required=True)
    if level and level not in ResolvedLevel.values:
        raise ValidationError({"level": _("Unknown level %(level)s.") % {"level": level}})
    return _write(
        case,
        action="resolve",
        actor=actor,
        unit=unit,
        at=at,
        note=result,
        fields={
            "result": result,
            "resolved_at": at,
            "rating_deadline": at + sla.RATING_WINDOW,
            "resolved_level": level or rules.resolved_level_of(case.owner_unit),
            "overdue_since": None,
        },
    )
