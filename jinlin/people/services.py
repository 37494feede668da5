"""Writes of the registry: each checks its policy row, writes and audits in one transaction.

Reveals and exports of personal data are audited with their reason (PIPL Art. 28, purpose-bound);
audit entries hold masked values only, never a full ID number or phone.
"""

import logging
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.events import emit
from jinlin.core.models import Role, User
from jinlin.core.scope import active_assignments

from .models import CarerKind, Household, Pairing, Resident, Visit, VisitKind, VisitPhoto

logger = logging.getLogger(__name__)

MAX_REASON = 200
MAX_NOTE = 2000
MAX_PHOTOS = 9
MAX_EVERY_DAYS = 366


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if len(text) < 2:
        raise ValidationError({"reason": _("Say why you need the full values (at least 2 characters).")})
    if len(text) > MAX_REASON:
        raise ValidationError({"reason": _("The reason may be at most %(n)d characters.") % {"n": MAX_REASON}})
    return text


@transaction.atomic
def resident_reveal(*, actor: User, resident: Resident, reason: str) -> dict:
    """The full ID number and phone of one resident, for a stated purpose; always audited."""
    policy.require(actor, "people.resident.reveal", resident)
    text = _reason(reason)
    audit_record(
        actor=actor,
        action="people.reveal",
        obj=resident,
        object_repr=f"{resident.name} ({resident.id_number_masked})",
        after={"reason": text, "fields": ["id_number", "phone"], "household_id": resident.household_id},
    )
    return {"id": resident.pk, "name": resident.name, "id_number": resident.id_number, "phone": resident.phone}


# ---------------------------------------------------------------- pairings and visits

CARER_KIND_BY_ROLE = {
    Role.GRID_WORKER: CarerKind.GRID_WORKER,
    Role.BUILDING_HEAD: CarerKind.BUILDING_HEAD,
    Role.PARTY_ADMIN: CarerKind.PARTY_MEMBER,
    Role.VOLUNTEER: CarerKind.VOLUNTEER,
    Role.POLICE_OFFICER: CarerKind.POLICE,
    Role.COMMUNITY_STAFF: CarerKind.STAFF,
}


def _community_code(household: Household) -> str:
    # The grid code (15 digits) and the building's code both begin with the community's 12.
    return household.scope_code[:12]


def carer_kind_of(carer: User, household: Household) -> str | None:
    """How the carer relates to the household's community, or None if they do not belong to it."""
    community = _community_code(household)
    for assignment in active_assignments(carer):
        kind = CARER_KIND_BY_ROLE.get(assignment.role)
        code = assignment.org.code
        if kind is None:
            continue
        # Bound in the community (its grid, estate, building, party group) or above it (staff, police).
        if code.startswith(community) or (assignment.org.is_place() and community.startswith(code)):
            return kind
    return None


@transaction.atomic
def pairing_create(
    *, actor: User, household: Household, carer: User, every_days: int, at: datetime | None = None
) -> Pairing:
    """Pair a carer with a household (结对): the first visit is due `every_days` from now."""
    policy.require(actor, "people.pairing.create", household)
    at = at or timezone.now()
    if not isinstance(every_days, int) or not 1 <= every_days <= MAX_EVERY_DAYS:
        raise ValidationError({"every_days": _("Visit every 1 to %(n)d days.") % {"n": MAX_EVERY_DAYS}})
    if not carer.is_active:
        raise ValidationError({"carer_id": _("This account is not active.")})
    kind = carer_kind_of(carer, household)
    if kind is None:
        raise ValidationError(
            {"carer_id": _("The carer must be a grid worker, building head, party member, volunteer or staff here.")}
        )
    if Pairing.objects.filter(household=household, carer=carer, ended_at=None).exists():
        raise ValidationError({"carer_id": _("This carer already looks after this household.")})
    last = household.visits.order_by("-at").values_list("at", flat=True).first()
    pairing = Pairing.objects.create(
        household=household,
        carer=carer,
        carer_kind=kind,
        every_days=every_days,
        scope_code=household.scope_code,
        unit_code=household.unit_code,
        created_at=at,
        created_by=actor,
        last_visit_at=last,
        due_at=(last or at) + timedelta(days=every_days),
    )
    audit_record(
        actor=actor,
        action="people.pairing_create",
        obj=pairing,
        object_repr=str(household)[:200],
        after={"household_id": household.pk, "carer_id": carer.pk, "carer_kind": kind, "every_days": every_days},
    )
    emit(
        "people.pairing_created", pairing_id=pairing.pk, household_id=household.pk, carer_id=carer.pk, actor_id=actor.pk
    )
    return pairing


@transaction.atomic
def pairing_end(*, actor: User, pairing: Pairing, at: datetime | None = None) -> Pairing:
    policy.require(actor, "people.pairing.create", pairing.household)
    if pairing.ended_at is None:
        pairing.ended_at = at or timezone.now()
        pairing.save(update_fields=["ended_at"])
        audit_record(actor=actor, action="people.pairing_end", obj=pairing, object_repr=str(pairing.household)[:200])
    return pairing


def _clean_photos(uploads: list) -> list:
    from jinlin.cases.services.photos import _clean_image  # the project's image cleaning: content-checked, no EXIF/GPS

    if len(uploads) > MAX_PHOTOS:
        raise ValidationError({"photos": _("At most %(n)d photos.") % {"n": MAX_PHOTOS}})
    return [_clean_image(u).content for u in uploads]


@transaction.atomic
def visit_create(
    *,
    actor: User,
    household: Household,
    kind: str,
    note: str = "",
    lat: float | None = None,
    lng: float | None = None,
    anti_fraud_app: bool | None = None,
    photos: list | None = None,
    at: datetime | None = None,
) -> Visit:
    """Log a visit (走访, 回访, 书记敲门, 反诈): every pairing of the household is due again later."""
    policy.require(actor, "people.visit.create", household)
    at = at or timezone.now()
    if kind not in VisitKind.values:
        raise ValidationError({"kind": _("Choose 走访, 回访, 书记敲门 or 反诈.")})
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": _("The note may be at most %(n)d characters.") % {"n": MAX_NOTE}})
    if (lat is None) != (lng is None) or (
        lat is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180)  # type: ignore[operator]
    ):
        raise ValidationError({"lat": _("A point needs a valid latitude and longitude.")})
    cleaned = _clean_photos(photos or [])
    visit = Visit.objects.create(
        household=household,
        visitor=actor,
        kind=kind,
        note=note,
        lat=lat,
        lng=lng,
        anti_fraud_app=anti_fraud_app if kind == VisitKind.ANTI_FRAUD else None,
        scope_code=household.scope_code,
        unit_code=household.unit_code,
        at=at,
    )
    for content in cleaned:
        VisitPhoto.objects.create(visit=visit, image=content, created_at=at)
    for pairing in Pairing.objects.select_for_update().filter(household=household, ended_at=None):
        pairing.last_visit_at = at
        pairing.due_at = at + timedelta(days=pairing.every_days)
        pairing.overdue_since = None
        pairing.save(update_fields=["last_visit_at", "due_at", "overdue_since"])
    audit_record(
        actor=actor,
        action="people.visit_create",
        obj=visit,
        object_repr=str(household)[:200],
        after={"household_id": household.pk, "kind": kind, "photos": len(cleaned)},
    )
    emit("people.visited", visit_id=visit.pk, household_id=household.pk, actor_id=actor.pk)
    return visit


def overdue_sweep(now: datetime | None = None) -> int:
    """Mark pairings whose visit is late and tell the carer (event people.visit_overdue). Returns how many."""
    now = now or timezone.now()
    marked = 0
    while True:
        with transaction.atomic():
            chunk = list(
                Pairing.objects.select_for_update(skip_locked=True)
                .filter(ended_at=None, due_at__lt=now, overdue_since=None)
                .select_related("household")[:500]
            )
            if not chunk:
                break
            for pairing in chunk:
                pairing.overdue_since = now
            Pairing.objects.bulk_update(chunk, ["overdue_since"])
            for pairing in chunk:
                emit(
                    "people.visit_overdue",
                    pairing_id=pairing.pk,
                    household_id=pairing.household_id,
                    carer_id=pairing.carer_id,
                    community_code=_community_code(pairing.household),
                    due_at=pairing.due_at.isoformat(),
                    actor_id=None,
                )
            marked += len(chunk)
    if marked:
        logger.info("people: %d care pairings newly overdue", marked)
    return marked


def require_view(actor: User, household: Household) -> None:
    if not policy.allows(actor, "people.household.view", household):
        raise PermissionDenied(_("You may not see this household."))


# ---------------------------------------------------------------- keeping the registry current


@transaction.atomic
def building_confirm(*, actor: User, building, at: datetime | None = None) -> int:
    """A building head (or staff) confirms a building's households are current this month (一户一档 kept fresh)."""
    from .models import Household as HouseholdModel

    policy.require(actor, "people.building.confirm", building)
    at = at or timezone.now()
    count = HouseholdModel.objects.filter(unit_code__startswith=building.code).update(confirmed_at=at)
    audit_record(actor=actor, action="people.building_confirm", obj=building, after={"households": count})
    return count


@transaction.atomic
def resident_move_out(*, actor: User, resident: Resident, note: str = "", at: datetime | None = None) -> Resident:
    """The person left (moved away, died): a dated move out; the record stays for the audit, out of every list."""
    from .models import Movement, MovementKind

    policy.require(actor, "people.import", resident)
    if resident.left_at is not None:
        raise ValidationError(_("This person has already left the registry."))
    at = at or timezone.now()
    resident.left_at = at
    resident.updated_at = at
    resident.save(update_fields=["left_at", "updated_at"])
    Movement.objects.create(
        resident=resident, household_id=resident.household_id, kind=MovementKind.OUT, at=at, note=(note or "")[:200]
    )
    audit_record(
        actor=actor, action="people.move_out", obj=resident, object_repr=resident.name, after={"note": note[:200]}
    )
    return resident
