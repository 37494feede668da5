"""吹哨报到: a place calls in units, which report in."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jinlin.cases.models import Case
from jinlin.core.models import OrgKind, OrgUnit, User

from .. import sla
from ..machine import check
from ..models import (
    EscalationRole,
    EscalationTarget,
)
from ..policies import reporting_target
from .common import _acting_unit, _granted, _lock, _now, _text, _write
from .dispatch import DISPATCH_KINDS

ESCALATION_KINDS = DISPATCH_KINDS - {OrgKind.GRID, OrgKind.COMMAND_CENTRE}


@transaction.atomic
def case_escalate(
    *,
    actor: User | None,
    case: Case,
    units: list[OrgUnit],
    lead_unit: OrgUnit | None = None,
    note: str = "",
    at: datetime | None = None,
) -> list[EscalationTarget]:
    """吹哨: a grid or community names units (one lead, the rest helpers) who must report in (报到).

    The case stays with its owner: 街乡吹哨、部门报到 means the place keeps the lead of the work
    and the named units come to it; they see the case and must report within the limit.
    """
    at = _now(at)
    case = _lock(case)
    acting_unit = _acting_unit(actor, "escalate", case)
    note = _text(note, "note")
    units = list({u.pk: u for u in units}.values())
    if lead_unit is not None and lead_unit.pk not in {u.pk for u in units}:
        units.append(lead_unit)
    if not units:
        raise ValidationError({"unit_ids": _("Name at least one unit.")})
    for unit in units:
        if not unit.is_active or unit.kind not in ESCALATION_KINDS:
            raise ValidationError({"unit_ids": _("%(unit)s cannot be called in.") % {"unit": unit.name}})
    existing = set(EscalationTarget.objects.filter(case=case).values_list("unit_id", flat=True))
    if existing & {u.pk for u in units}:
        raise ValidationError({"unit_ids": _("Some of these units were already called in.")})
    has_lead = EscalationTarget.objects.filter(case=case, role=EscalationRole.LEAD).exists()
    if lead_unit is not None and has_lead:
        raise ValidationError({"lead_unit_id": _("This case already has a lead unit.")})
    if lead_unit is None and not has_lead:
        raise ValidationError({"lead_unit_id": _("Name the lead unit (牵头).")})
    check("escalate", case.status)
    due_at = sla.report_in_due(at)
    targets = EscalationTarget.objects.bulk_create(
        [
            EscalationTarget(
                case=case,
                unit=unit,
                role=EscalationRole.LEAD
                if lead_unit is not None and unit.pk == lead_unit.pk
                else EscalationRole.HELPER,
                due_at=due_at,
                created_at=at,
                created_by=actor,
            )
            for unit in units
        ]
    )
    _write(
        case,
        action="escalate",
        actor=actor,
        unit=acting_unit,
        at=at,
        note=note,
        data={
            "units": [u.pk for u in units],
            "lead": lead_unit.pk if lead_unit else None,
            "report_by": due_at.isoformat(),
        },
        announce={"target_unit_ids": [u.pk for u in units], "report_due_at": due_at.isoformat()},
    )
    return targets


@transaction.atomic
def case_report_in(*, actor: User | None, case: Case, at: datetime | None = None) -> EscalationTarget:
    """报到: a member of a unit named in a whistle reports that the unit has taken it up."""
    at = _now(at)
    case = _lock(case)
    # Only a member of a named unit that has not reported in yet (policy row case.report_in): 403
    # for anyone else, the district's dispatcher included, and for a unit that already has.
    grant = _granted(actor, "report_in", case)
    # The policy row has found a pending target of the actor's unit, or refused (403).
    assert grant is not None and grant.assignment is not None
    target = reporting_target(grant.assignment, case)
    assert target is not None
    check("report_in", case.status)
    target.reported_at = at
    target.reported_by = actor
    target.save(update_fields=["reported_at", "reported_by"])
    _write(
        case,
        action="report_in",
        actor=actor,
        unit=target.unit,
        at=at,
        data={"unit": target.unit_id, "late": at > target.due_at},
    )
    return target
