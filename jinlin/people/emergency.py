"""Emergencies of the police–grid linkage (CASE-13): 早发现、早核实、早拦截、早打击.

An emergency is a case of tier `emergency` on the cases machine (its own short time limit from the
SlaPolicy table: 2 natural hours by default, urged after 1); the four steps are recorded here, each
once and in order, with who and when — the page shows them as a checklist beside the case's timeline.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.models import User

from .models_more import EmergencyStep, EmergencyStepKind

STEPS = list(EmergencyStepKind)


@transaction.atomic
def emergency_open(
    *,
    actor: User,
    title: str,
    description: str = "",
    note: str = "",
    lat: float | None = None,
    lng: float | None = None,
):
    """Open an emergency: a case of tier `emergency` (kind event), its first step 早发现 recorded.
    Those who find it open it (grid workers, community staff, the centre); the police, who verify,
    intercept and strike, record the later steps."""
    from jinlin.cases.models import CaseKind, Channel, Tier
    from jinlin.cases.services import case_submit
    from jinlin.core.models import Role
    from jinlin.core.scope import has_role

    policy.require(actor, "people.emergency.open")
    # The cases app's channel rules: a grid worker reports from patrol, other staff record a call (the
    # case then lies in their grid or community, where the community police see it).
    channel = Channel.GRID_PATROL if has_role(actor, Role.GRID_WORKER) else Channel.PHONE
    case, _created = case_submit(
        actor=actor,
        title=title,
        description=description,
        kind=CaseKind.EVENT,
        tier=Tier.EMERGENCY,
        lat=lat,
        lng=lng,
        channel=channel,
    )
    EmergencyStep.objects.create(
        case=case, step=EmergencyStepKind.DISCOVER, note=note[:300], actor=actor, at=case.created_at
    )
    audit_record(actor=actor, action="people.emergency_open", obj=case, after={"due_at": case.due_at.isoformat()})
    return case


@transaction.atomic
def emergency_step_record(*, actor: User, case, step: str, note: str = "") -> EmergencyStep:
    """Record the next of the four steps; a step is recorded once, and only after the ones before it."""
    from jinlin.cases.models import Tier

    policy.require(actor, "people.emergency.manage", case)
    if case.tier != Tier.EMERGENCY:
        raise ValidationError({"step": _("This case is not an emergency.")})
    if step not in EmergencyStepKind.values:
        raise ValidationError({"step": _("Unknown step.")})
    done = set(EmergencyStep.objects.select_for_update().filter(case=case).values_list("step", flat=True))
    if step in done:
        raise ValidationError({"step": _("This step is already recorded.")})
    missing = [s for s in STEPS[: STEPS.index(EmergencyStepKind(step))] if s not in done]
    if missing:
        raise ValidationError({"step": _("Record %(step)s first.") % {"step": missing[0].label}})
    if len(note) > 300:
        raise ValidationError({"note": _("At most %(n)d characters.") % {"n": 300}})
    row = EmergencyStep.objects.create(case=case, step=step, note=note.strip(), actor=actor)
    audit_record(actor=actor, action="people.emergency_step", obj=case, after={"step": step})
    return row


def emergencies_for(user: User, *, open_only: bool = True) -> QuerySet:
    """The emergency cases `user` may see (the cases app's visibility rule), soonest due first."""
    from jinlin.cases.machine import ACTIVE
    from jinlin.cases.models import Tier
    from jinlin.cases.selectors import cases_visible_to

    qs = cases_visible_to(user).filter(tier=Tier.EMERGENCY)
    if open_only:
        qs = qs.filter(status__in=ACTIVE)
    return qs.prefetch_related("emergency_steps").order_by("due_at", "pk")


def checklist(case) -> list[dict]:
    """The four steps of `case`, each with its record (or None) and whether it is the next to record."""
    by_step = {s.step: s for s in case.emergency_steps.all()}
    rows, next_found = [], False
    for kind in STEPS:
        record = by_step.get(kind.value)
        is_next = record is None and not next_found
        next_found = next_found or record is None
        rows.append({"step": kind.value, "label": kind.label, "record": record, "is_next": is_next})
    return rows
