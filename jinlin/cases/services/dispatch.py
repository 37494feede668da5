"""The dispatcher's actions (平台派单): accept, reject, dispatch or transfer, merge duplicates."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jinlin.core import policy
from jinlin.core.models import OrgKind, OrgUnit, User

from .. import rules, sla
from ..machine import OPEN, Status, check
from ..models import (
    Case,
    CaseReporter,
)
from .common import _acting_unit, _lock, _now, _text, _write
from .reference import _category, _tier

# Units a case may be dispatched to, and units a whistle (吹哨) may name (警网融合: police too).
DISPATCH_KINDS = {
    OrgKind.DEPARTMENT,
    OrgKind.GRID,
    OrgKind.COMMUNITY,
    OrgKind.STREET,
    OrgKind.POLICE_STATION,
    OrgKind.PROPERTY_COMPANY,
    OrgKind.RESIDENT_UNIT,
    OrgKind.PROVIDER,
    OrgKind.COMMAND_CENTRE,
}


def _dispatcher(actor: User | None, case: Case, action: str) -> OrgUnit | None:
    """The command centre the dispatcher acts for (policy rows case.accept … case.transfer)."""
    return _acting_unit(actor, action, case, platform=True)


@transaction.atomic
def case_accept(
    *,
    actor: User | None,
    case: Case,
    category_code: str | None = None,
    tier: str | None = None,
    note: str = "",
    at: datetime | None = None,
    data: dict | None = None,
) -> Case:
    """受理. The dispatcher may fix the category and tier; the time limit is then recomputed from intake.
    `data` goes on the timeline entry (the platform records its triage probability there)."""
    return _accept(actor, _lock(case), category_code=category_code, tier=tier, note=note, at=_now(at), data=data)


def _accept(
    actor: User | None,
    case: Case,
    *,
    category_code: str | None,
    tier: str | None,
    note: str,
    at: datetime,
    data: dict | None,
) -> Case:
    """case_accept on a case already locked by the caller."""
    unit = _dispatcher(actor, case, "accept")
    note = _text(note, "note")
    fields: dict[str, object] = {}
    # By id: the locked row has no related category loaded, and most accepts keep it.
    category = _category(category_code) if category_code else None
    tier = _tier(tier, case.tier)
    if (category is not None and category.pk != case.category_id) or tier != case.tier:
        category = category or case.category
        due_at, urge_at = sla.deadlines(case.created_at, sla.limit_for(category.pk if category else None, tier))
        fields.update(category=category, tier=tier, due_at=due_at, urge_at=urge_at)
    return _write(case, action="accept", actor=actor, unit=unit, at=at, note=note, data=data, fields=fields)


@transaction.atomic
def case_reject(*, actor: User | None, case: Case, reason: str, at: datetime | None = None) -> Case:
    """不予受理, with the reason the resident will read."""
    at = _now(at)
    case = _lock(case)
    unit = _dispatcher(actor, case, "reject")
    reason = _text(reason, "reason", required=True)
    return _write(
        case, action="reject", actor=actor, unit=unit, at=at, note=reason, fields={"result": reason, "closed_at": at}
    )


@transaction.atomic
def case_dispatch(
    *,
    actor: User | None,
    case: Case,
    unit: OrgUnit,
    user: User | None = None,
    note: str = "",
    at: datetime | None = None,
    data: dict | None = None,
) -> Case:
    """派单 to a unit (and optionally a person in it); from a dispatched case this is a transfer (转派).
    `data` is added to the timeline entry's data (the platform's triage probability)."""
    return _dispatch(actor, _lock(case), unit=unit, user=user, note=note, at=_now(at), data=data)


def _dispatch(
    actor: User | None, case: Case, *, unit: OrgUnit, user: User | None, note: str, at: datetime, data: dict | None
) -> Case:
    """case_dispatch on a case already locked by the caller."""
    acting_unit = _dispatcher(actor, case, "transfer" if case.status == Status.DISPATCHED else "dispatch")
    note = _text(note, "note")
    if not unit.is_active or unit.kind not in DISPATCH_KINDS:
        raise ValidationError({"unit_id": _("Cases cannot be dispatched to %(unit)s.") % {"unit": unit.name}})
    if acting_unit is not None and not unit.code.startswith(rules.area_code(acting_unit)):
        raise ValidationError({"unit_id": _("%(unit)s is outside your area.") % {"unit": unit.name}})
    if user is not None and rules.member_of(user, unit) is None:
        raise ValidationError(
            {"user_id": _("%(name)s does not work for %(unit)s.") % {"name": user.name, "unit": unit.name}}
        )
    action = "transfer" if case.status == Status.DISPATCHED else "dispatch"
    return _write(
        case,
        action=action,
        actor=actor,
        unit=acting_unit,
        at=at,
        note=note,
        data={**(data or {}), "unit": unit.pk, "user": user.pk if user else None, "from_unit": case.owner_unit_id},
        fields={"owner_unit": unit, "owner_user": user},
    )


@transaction.atomic
def case_auto_dispatch(
    *,
    case: Case,
    category_code: str | None,
    unit: OrgUnit,
    note: str,
    data: dict,
    suggestions: dict,
    at: datetime | None = None,
) -> Case:
    """受理 then 派单 by the platform (actor None) right after intake, when triage is confident,
    storing triage's `suggestions` with them: the same two actions, timeline and audit entries
    as case_accept + case_dispatch, under one row lock in one transaction (intake would
    otherwise pay for two locks and three transactions or savepoints)."""
    at = _now(at)
    case = _accept(None, _lock(case), category_code=category_code, tier=None, note=note, at=at, data=data)
    case = _dispatch(None, case, unit=unit, user=None, note=note, at=at, data=data)
    Case.objects.filter(pk=case.pk).update(suggestions=suggestions)
    case.suggestions = suggestions
    return case


@transaction.atomic
def case_merge(*, actor: User | None, case: Case, into: Case, note: str = "", at: datetime | None = None) -> Case:
    """Merge a duplicate into a surviving case; its followers follow and rate the survivor (CASE-10)."""
    at = _now(at)
    if case.pk == into.pk:
        raise ValidationError({"into_case_id": _("A case cannot be merged into itself.")})
    # Lock both rows in id order so two merges in opposite directions cannot deadlock.
    locked = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=[case.pk, into.pk]).order_by("pk")}
    case, into = locked[case.pk], locked[into.pk]
    unit = _dispatcher(actor, case, "merge")
    if actor is not None and policy.grant(actor, "case.merge", into, state=False) is None:
        raise ValidationError({"into_case_id": _("The surviving case is outside your area.")})
    if into.status not in OPEN:
        raise ValidationError(
            {"into_case_id": _("The surviving case %(number)s is already finished.") % {"number": into.number}}
        )
    note = _text(note, "note")
    check("merge", case.status)
    check("absorb", into.status)
    followers = set(CaseReporter.objects.filter(case=case).values_list("user_id", flat=True))
    already = set(CaseReporter.objects.filter(case=into).values_list("user_id", flat=True))
    CaseReporter.objects.bulk_create(
        [CaseReporter(case=into, user_id=uid, via_case=case, added_at=at) for uid in sorted(followers - already)]
    )
    _write(
        case,
        action="merge",
        actor=actor,
        unit=unit,
        at=at,
        note=note,
        data={"into": into.pk},
        fields={"merged_into": into, "closed_at": at},
    )
    _write(
        into, action="absorb", actor=actor, unit=unit, at=at, note=note, data={"case": case.pk, "number": case.number}
    )
    return case
