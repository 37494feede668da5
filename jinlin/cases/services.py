"""Every write to a case. One function per action of the state machine (machine.py):

    permission (role + scope, rules.py) → lock the row → state check (TransitionNotAllowed) →
    write → timeline entry → audit entry

all in one transaction, so the resident page, the staff pages, the REST API, Open311 and the CLI
behave identically. `actor=None` is the platform itself (the SLA sweeper, imports, the demo seed).
`at` is the moment the action happened; it defaults to now and exists so that imports of a
hotline's history and the demo seed can replay the past through the same rules.
"""

import io
import uuid
from collections import defaultdict
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from jinlin.core.audit import audit_record
from jinlin.core.events import emit
from jinlin.core.models import OrgKind, OrgUnit, Role, User
from jinlin.core.phones import normalize_mobile
from jinlin.core.scope import active_assignments, has_role

from . import rules, sla
from .cache import TableCache
from .machine import ACTIVE, OPEN, Status, check
from .models import (
    STAFF_CHANNELS,
    Case,
    CaseKind,
    CaseNumberSequence,
    CasePhoto,
    CaseReporter,
    Category,
    Channel,
    EscalationRole,
    EscalationTarget,
    PhotoKind,
    Rating,
    ResolvedLevel,
    Tier,
    TimelineEntry,
)

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_ADDRESS = 200
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS_PER_KIND = 9
# Larger than any phone camera; refuses decompression bombs before they are decoded.
MAX_PHOTO_PIXELS = 60_000_000
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}

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
ESCALATION_KINDS = DISPATCH_KINDS - {OrgKind.GRID, OrgKind.COMMAND_CENTRE}


# ---------------------------------------------------------------- helpers


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def _text(value: str | None, field: str, *, required: bool = False, max_length: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field cannot be empty.")})
    if len(value) > max_length:
        raise ValidationError(
            {field: _("At most %(max)d characters, please (now %(n)d).") % {"max": max_length, "n": len(value)}}
        )
    return value


def _deny(message: str | None = None):
    raise PermissionDenied(message or _("You may not do this to this case."))


def _lock(case: Case) -> Case:
    """The case re-read under a row lock: every state check looks at the committed state."""
    return Case.objects.select_for_update().get(pk=case.pk)


def _write(
    case: Case,
    *,
    action: str,
    actor: User | None,
    unit: OrgUnit | None,
    at: datetime,
    to: str | None = None,
    note: str = "",
    data: dict | None = None,
    fields: dict | None = None,
) -> Case:
    """Apply one action of the machine: state check, field changes, timeline and audit entries."""
    from_status = case.status
    to_status = check(action, from_status, to)
    changes = dict(fields or {})
    if to_status != from_status:
        changes["status"] = to_status
    if changes:
        for name, value in changes.items():
            setattr(case, name, value)
        case.save(update_fields=[*changes, "updated_at"])
    TimelineEntry.objects.create(
        case=case,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        actor_unit=unit,
        owner_unit_id=case.owner_unit_id,
        at=at,
        note=note,
        data=data or {},
    )
    audit_record(
        actor=actor,
        action=f"case.{action}",
        obj=case,
        before={"status": from_status},
        after={"status": to_status, **{k: _jsonable(v) for k, v in changes.items() if k not in _PRIVATE_FIELDS}},
    )
    return case


_PRIVATE_FIELDS = {"address", "contact_phone", "rating_comment"}


def _jsonable(value):
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _grid_at(lat: float, lng: float) -> OrgUnit | None:
    # core.grids (point-in-grid over the grid polygons) is written alongside this app; until it
    # exists a point simply yields no grid and the case is placed by the reporter's home.
    try:
        from jinlin.core.grids import grid_at
    except ImportError:
        return None
    return grid_at(lat, lng)


def _load_centres() -> tuple[list[OrgUnit], OrgUnit | None]:
    centres = list(OrgUnit.objects.filter(kind=OrgKind.COMMAND_CENTRE, is_active=True).order_by("code"))
    # A tree without a command centre still needs an owner for new cases: its district.
    district = None
    if not centres:
        district = OrgUnit.objects.filter(kind=OrgKind.DISTRICT, is_active=True).order_by("code").first()
    return centres, district


# Every intake asks for its command centre; the org tree changes rarely (dropped on any unit's save).
_centres = TableCache("command_centres", _load_centres, OrgUnit)


def command_centre_for(scope_code: str) -> OrgUnit:
    """The unit that owns unassigned cases of a place: the nearest command centre above it."""
    centres, district = _centres.get()
    matching = [c for c in centres if scope_code and scope_code.startswith(rules.area_code(c))]
    if matching:
        return max(matching, key=lambda c: len(rules.area_code(c)))
    if centres:
        return centres[0]
    if district is None:
        raise ValidationError(_("The organisation tree is empty: an administrator must set it up first."))
    return district


def _load_categories() -> dict[str, Category]:
    active = Category.objects.filter(is_active=True).select_related("department", "parent")
    return {c.code: c for c in active.order_by("sort_order", "code")}


# Active categories by code, in display order (intake, triage); dropped when a category or unit changes.
_categories = TableCache("categories", _load_categories, Category, OrgUnit)


def active_categories() -> dict[str, Category]:
    """Active categories by code, in display order, with department and parent (cached per process)."""
    return _categories.get()


def _ancestor(unit: OrgUnit | None, kind: str) -> OrgUnit | None:
    if unit is None:
        return None
    if unit.kind == kind:
        return unit
    return unit.ancestors().filter(kind=kind).last()


def _home_of(user: User | None, role: str) -> OrgUnit | None:
    for assignment in active_assignments(user):
        if assignment.role == role:
            return assignment.org
    return None


# Grid, community and estate already derived for a (grid, home) pair: every intake from the same
# home or grid asks the same question of the org tree (dropped when any unit is saved).
_places = TableCache("places", dict, OrgUnit)
MAX_PLACES = 50_000


def _units_of(grid: OrgUnit | None, home: OrgUnit | None) -> tuple:
    """(grid, community, estate) of a point's grid or, without one, of a home unit."""
    memo = _places.get()
    key = (grid.pk if grid is not None else None, home.pk if home is not None else None)
    found = memo.get(key)
    if found is None:
        if grid is None and home is not None:
            from jinlin.core.selectors import grid_of

            grid = grid_of(home)
        community = _ancestor(grid, OrgKind.COMMUNITY) or _ancestor(home, OrgKind.COMMUNITY)
        found = (grid, community, _ancestor(home, OrgKind.ESTATE))
        if len(memo) >= MAX_PLACES:
            memo.clear()
        memo[key] = found
    return found


def _place(*, lat, lng, reporter: User | None, actor: User | None, channel: str) -> dict:
    """Grid, community, public place label and scope code of a new case (属地)."""
    grid = _grid_at(lat, lng) if lat is not None else None
    home = None
    if grid is None:
        if channel == Channel.GRID_PATROL:
            home = _home_of(actor, Role.GRID_WORKER)
        home = home or _home_of(reporter, Role.RESIDENT)
        if home is None and channel in STAFF_CHANNELS:
            # A call taken by community staff is about their place unless a point says otherwise.
            home = next(
                (a.org for a in active_assignments(actor) if a.org.is_place() and a.role in rules.RECORDING_ROLES), None
            )
    grid, community, estate = _units_of(grid, home)
    place_label = (estate or community).name if (estate or community) else ""
    scope_unit = grid or community or (home if home is not None and home.is_place() else None)
    return {
        "grid": grid,
        "community": community,
        "place_label": place_label,
        "scope_code": scope_unit.code if scope_unit else "",
    }


def _next_number(at: datetime) -> str:
    """2026112300001: the day, then a per-day sequence (no duplicates, no gaps).

    One statement takes the number and the day's row lock, held until the transaction ends: the
    row serialises every intake of the platform, so call this as late as possible before commit.
    """
    day = timezone.localdate(at)
    table = connection.ops.quote_name(CaseNumberSequence._meta.db_table)
    # The table name is the model's own, quoted; the day is a parameter.
    sql = f"INSERT INTO {table} (day, last) VALUES (%s, 1) ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql + " RETURNING last", [connection.ops.adapt_datefield_value(day)])
        (last,) = cursor.fetchone()
    return f"{day:%Y%m%d}{last:05d}"


def _validate_point(lat, lng) -> None:
    if (lat is None) != (lng is None):
        raise ValidationError({"lat": _("Give both latitude and longitude, or neither.")})
    if lat is not None and not -90 <= lat <= 90:
        raise ValidationError({"lat": _("Latitude must be between -90 and 90.")})
    if lng is not None and not -180 <= lng <= 180:
        raise ValidationError({"lng": _("Longitude must be between -180 and 180.")})


def _category(code: str | None) -> Category | None:
    if not code:
        return None
    category = active_categories().get(code)
    if category is None:
        raise ValidationError({"category_code": _("Unknown category %(code)s.") % {"code": code}})
    return category


def _tier(value: str | None, default: str) -> str:
    if not value:
        return default
    if value not in Tier.values:
        raise ValidationError({"tier": _("Unknown tier %(tier)s.") % {"tier": value}})
    return value


# ---------------------------------------------------------------- intake (点单)


def case_submit(
    *,
    actor: User | None,
    title: str,
    description: str = "",
    category_code: str | None = None,
    tier: str | None = None,
    kind: str | None = None,
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    channel: str | None = None,
    on_behalf_of_phone: str | None = None,
    contact_name: str = "",
    idempotency_key: str = "",
    at: datetime | None = None,
) -> tuple[Case, bool]:
    """Take in a request or event from any channel. Returns (case, created).

    A retry with the same Idempotency-Key from the same account returns the case created the
    first time (created=False) instead of a duplicate: weak mobile signal makes retries common.

    A new case is announced as `case.submitted` (with `live`: False when `at` replays the past)
    after commit; triage listens (jinlin.triage.subscribers): suggestions and duplicate
    candidates are stored on it, and a confident model may have the platform dispatch it. A
    subscriber never makes intake fail; replays of the past get no automatic dispatch.
    """
    live = at is None
    at = _now(at)
    idempotency_key = _text(idempotency_key, "idempotency_key", max_length=80)
    if idempotency_key and actor is not None:
        existing = Case.objects.filter(submitted_by=actor, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    intake = _intake(
        actor=actor,
        title=title,
        description=description,
        category_code=category_code,
        tier=tier,
        kind=kind,
        lat=lat,
        lng=lng,
        address=address,
        channel=channel,
        on_behalf_of_phone=on_behalf_of_phone,
        contact_name=contact_name,
        idempotency_key=idempotency_key,
        at=at,
    )
    try:
        with transaction.atomic():
            case = _intake_write(intake, actor=actor, at=at)
            emit(
                "case.submitted",
                case_id=case.pk,
                actor_id=actor.pk if actor is not None else None,
                entry_id=case.intake_entry.pk,
                live=live,
            )
    except IntegrityError:
        # Two retries raced: the other one committed first; answer with its case.
        existing = Case.objects.filter(submitted_by=actor, idempotency_key=idempotency_key).first()
        if not idempotency_key or actor is None or existing is None:
            raise
        return existing, False
    # Subscribers of case.submitted (triage) have run if the write committed; what they stored
    # shows on the case returned (the API's 201 tells an auto-dispatched case by it).
    case.suggestions = Case.objects.filter(pk=case.pk).values_list("suggestions", flat=True).first() or {}
    return case, True


def _intake(
    *,
    actor,
    title,
    description,
    category_code,
    tier,
    kind,
    lat,
    lng,
    address,
    channel,
    on_behalf_of_phone,
    contact_name,
    idempotency_key,
    at,
) -> dict:
    """Everything intake decides before it writes: validation, permission, place, owner, deadlines.

    Reads only, outside the transaction: on SQLite the write transaction holds the database's one
    write lock (BEGIN IMMEDIATE), so it must contain the inserts and nothing else.
    """
    title = _text(title, "title", required=True, max_length=MAX_TITLE)
    description = _text(description, "description")
    address = _text(address, "address", max_length=MAX_ADDRESS)
    contact_name = _text(contact_name, "contact_name", max_length=60)
    _validate_point(lat, lng)
    channel = channel or (Channel.OPEN311 if actor is None else Channel.RESIDENT_APP)
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel %(channel)s.") % {"channel": channel}})
    if kind and kind not in CaseKind.values:
        raise ValidationError({"kind": _("Unknown kind %(kind)s.") % {"kind": kind}})
    category = _category(category_code)
    tier = _tier(tier, category.default_tier if category else Tier.NORMAL)

    # actor None is the platform itself (Open311 without an account, imports): no role to check.
    staff = actor is None or has_role(actor, *rules.RECORDING_ROLES)
    if channel in STAFF_CHANNELS and not staff:
        _deny(_("Only staff may record a case from this channel."))
    if channel == Channel.GRID_PATROL and actor is not None and not has_role(actor, Role.GRID_WORKER):
        _deny(_("Only grid workers report from patrol."))
    if on_behalf_of_phone and not staff:
        _deny(_("Only staff may record a case on someone else's behalf."))

    contact_phone = ""
    if on_behalf_of_phone:
        try:
            contact_phone = normalize_mobile(on_behalf_of_phone)
        except ValidationError as exc:
            raise ValidationError({"on_behalf_of_phone": exc.messages}) from exc
        reporter = User.objects.filter(phone_digest=User.digest_phone(contact_phone), is_active=True).first()
    elif channel in STAFF_CHANNELS:
        reporter = None
    else:
        reporter = actor

    place = _place(lat=lat, lng=lng, reporter=reporter, actor=actor, channel=channel)
    centre = command_centre_for(place["scope_code"])
    if not place["scope_code"]:
        place["scope_code"] = rules.area_code(centre)
    due_at, urge_at = sla.deadlines(at, sla.limit_for(category.pk if category else None, tier))
    check("submit", "")
    recorder_unit = None
    if actor is not None and reporter != actor:
        grant = next((a for a in active_assignments(actor) if a.role in rules.RECORDING_ROLES), None)
        recorder_unit = grant.org if grant else None
    fields = dict(
        kind=kind or (CaseKind.EVENT if channel == Channel.GRID_PATROL else CaseKind.REQUEST),
        title=title,
        description=description,
        category=category,
        tier=tier,
        status=Status.SUBMITTED,
        channel=channel,
        reporter=reporter,
        submitted_by=actor,
        contact_name=contact_name,
        contact_phone=contact_phone,
        lat=lat,
        lng=lng,
        address=address,
        owner_unit=centre,
        due_at=due_at,
        urge_at=urge_at,
        idempotency_key=idempotency_key,
        created_at=at,
        **place,
    )
    return {"fields": fields, "recorder_unit": recorder_unit}


def _intake_write(intake: dict, *, actor, at) -> Case:
    """The inserts of intake, in one transaction; the day's case number last (see _next_number)."""
    fields = intake["fields"]
    # A unique stand-in until the number is taken just before commit (numbers are at most 13 chars).
    case = Case.objects.create(number=f"~{uuid.uuid4().hex[:19]}", **fields)
    reporter = fields["reporter"]
    if reporter is not None:
        CaseReporter.objects.create(case=case, user=reporter, added_at=at)
    entry = TimelineEntry.objects.create(
        case=case,
        action="submit",
        from_status="",
        to_status=Status.SUBMITTED,
        actor=actor,
        actor_unit=intake["recorder_unit"],
        owner_unit=fields["owner_unit"],
        at=at,
        data={"channel": fields["channel"], "on_behalf": bool(actor is not None and reporter != actor)},
    )
    case.number = _next_number(at)
    Case.objects.filter(pk=case.pk).update(number=case.number)
    audit_record(
        actor=actor,
        action="case.submit",
        obj=case,
        after={
            "status": case.status,
            "channel": fields["channel"],
            "category": fields["category"].code if fields["category"] else None,
        },
    )
    # The one timeline entry of a new case, for callers that answer with it (the API's 201).
    case.intake_entry = entry
    return case


# ---------------------------------------------------------------- dispatcher (平台派单)


def _dispatcher(actor, case):
    if actor is None:
        return None
    grant = rules.covering(actor, case, Role.DISPATCHER)
    if grant is None:
        _deny(_("Only the command centre covering this place may do this."))
    return grant.org


@transaction.atomic
def case_accept(
    *,
    actor,
    case,
    category_code: str | None = None,
    tier: str | None = None,
    note: str = "",
    at=None,
    data: dict | None = None,
) -> Case:
    """受理. The dispatcher may fix the category and tier; the time limit is then recomputed from intake.
    `data` goes on the timeline entry (the platform records its triage probability there)."""
    return _accept(actor, _lock(case), category_code=category_code, tier=tier, note=note, at=_now(at), data=data)


def _accept(actor, case, *, category_code, tier, note, at, data) -> Case:
    """case_accept on a case already locked by the caller."""
    unit = _dispatcher(actor, case)
    note = _text(note, "note")
    fields = {}
    # By id: the locked row has no related category loaded, and most accepts keep it.
    category = _category(category_code) if category_code else None
    tier = _tier(tier, case.tier)
    if (category is not None and category.pk != case.category_id) or tier != case.tier:
        category = category or case.category
        due_at, urge_at = sla.deadlines(case.created_at, sla.limit_for(category.pk if category else None, tier))
        fields.update(category=category, tier=tier, due_at=due_at, urge_at=urge_at)
    return _write(case, action="accept", actor=actor, unit=unit, at=at, note=note, data=data, fields=fields)


@transaction.atomic
def case_reject(*, actor, case, reason: str, at=None) -> Case:
    """不予受理, with the reason the resident will read."""
    at = _now(at)
    case = _lock(case)
    unit = _dispatcher(actor, case)
    reason = _text(reason, "reason", required=True)
    return _write(
        case, action="reject", actor=actor, unit=unit, at=at, note=reason, fields={"result": reason, "closed_at": at}
    )


@transaction.atomic
def case_dispatch(
    *, actor, case, unit: OrgUnit, user: User | None = None, note: str = "", at=None, data: dict | None = None
) -> Case:
    """派单 to a unit (and optionally a person in it); from a dispatched case this is a transfer (转派).
    `data` is added to the timeline entry's data (the platform's triage probability)."""
    return _dispatch(actor, _lock(case), unit=unit, user=user, note=note, at=_now(at), data=data)


def _dispatch(actor, case, *, unit: OrgUnit, user: User | None, note: str, at, data: dict | None) -> Case:
    """case_dispatch on a case already locked by the caller."""
    acting_unit = _dispatcher(actor, case)
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
    *, case, category_code: str | None, unit: OrgUnit, note: str, data: dict, suggestions: dict, at=None
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
def case_merge(*, actor, case: Case, into: Case, note: str = "", at=None) -> Case:
    """Merge a duplicate into a surviving case; its followers follow and rate the survivor (CASE-10)."""
    at = _now(at)
    if case.pk == into.pk:
        raise ValidationError({"into_case_id": _("A case cannot be merged into itself.")})
    # Lock both rows in id order so two merges in opposite directions cannot deadlock.
    locked = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=[case.pk, into.pk]).order_by("pk")}
    case, into = locked[case.pk], locked[into.pk]
    unit = _dispatcher(actor, case)
    if actor is not None and rules.covering(actor, into, Role.DISPATCHER) is None:
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


# ---------------------------------------------------------------- handling unit (部门接单)


def _handler(actor, case):
    if actor is None:
        return None
    grant = rules.member_of(actor, case.owner_unit)
    if grant is None:
        _deny(_("Only the unit this case is assigned to may do this."))
    return grant.org


@transaction.atomic
def case_claim(*, actor, case, at=None) -> Case:
    """接单: the handler takes the case; if two claim at once the second finds it in progress (409)."""
    at = _now(at)
    case = _lock(case)
    unit = _handler(actor, case)
    return _write(case, action="claim", actor=actor, unit=unit, at=at, fields={"owner_user": actor})


@transaction.atomic
def case_return(*, actor, case, reason: str, at=None) -> Case:
    """退单: not ours; back to the dispatcher's queue, owned by the command centre meanwhile."""
    at = _now(at)
    case = _lock(case)
    unit = _handler(actor, case)
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
def case_resolve(*, actor, case, result: str, level: str | None = None, at=None) -> Case:
    """办结 with the result the resident will rate; the 7-day rating window opens."""
    at = _now(at)
    case = _lock(case)
    unit = _handler(actor, case)
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


# ---------------------------------------------------------------- rating (群众评单)


def _rate(*, actor, case, rating, comment, action, unit, at) -> Case:
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
    return {"due_at": due_at, "urge_at": urge_at, "resolved_at": None, "rating_deadline": None}


@transaction.atomic
def case_evaluate(*, actor, case, rating: str, comment: str = "", at=None) -> Case:
    """评单 by the reporter or anyone following the case; 不满意 reopens it (返工)."""
    at = _now(at)
    case = _lock(case)
    if not rules.is_follower(actor, case):
        _deny(_("Only the people who reported this case may rate it."))
    return _rate(actor=actor, case=case, rating=rating, comment=comment, action="evaluate", unit=None, at=at)


@transaction.atomic
def case_visit(*, actor, case, rating: str, comment: str = "", at=None) -> Case:
    """回访: staff record the rating of a resident who cannot rate online."""
    at = _now(at)
    case = _lock(case)
    grant = rules.covering(actor, case, Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.DISPATCHER)
    if grant is None:
        _deny(_("Only community staff, grid workers and dispatchers of this place record follow-up visits."))
    return _rate(actor=actor, case=case, rating=rating, comment=comment, action="visit", unit=grant.org, at=at)


@transaction.atomic
def case_reopen(*, actor, case, note: str = "", at=None) -> Case:
    """返工 without a rating: the reporter, or a dispatcher or supervisor whose check failed (核查)."""
    at = _now(at)
    case = _lock(case)
    grant = rules.covering(actor, case, Role.DISPATCHER, Role.DISCIPLINE_SUPERVISOR)
    if grant is None and not rules.is_follower(actor, case):
        _deny()
    note = _text(note, "note")
    return _write(
        case,
        action="reopen",
        actor=actor,
        unit=grant.org if grant else None,
        at=at,
        note=note,
        fields=_rework_fields(case, at),
    )


# ---------------------------------------------------------------- side actions


@transaction.atomic
def case_urge(*, actor, case, note: str = "", at=None) -> Case:
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
def case_supervise(*, actor, case, note: str = "", at=None) -> Case:
    """纪委督单: the discipline supervisor puts the case under supervision, on the record."""
    at = _now(at)
    case = _lock(case)
    grant = rules.covering(actor, case, Role.DISCIPLINE_SUPERVISOR)
    if grant is None:
        _deny(_("Only discipline supervisors may supervise."))
    return _write(case, action="supervise", actor=actor, unit=grant.org, at=at, note=_text(note, "note"))


@transaction.atomic
def case_escalate(
    *, actor, case, units: list[OrgUnit], lead_unit: OrgUnit | None = None, note: str = "", at=None
) -> list[EscalationTarget]:
    """吹哨: a grid or community names units (one lead, the rest helpers) who must report in (报到).

    The case stays with its owner: 街乡吹哨、部门报到 means the place keeps the lead of the work
    and the named units come to it; they see the case and must report within the limit.
    """
    at = _now(at)
    case = _lock(case)
    grant = rules.covering(actor, case, Role.GRID_WORKER, Role.COMMUNITY_STAFF)
    if grant is None:
        _deny(_("Only grid workers and community staff of this place may blow the whistle."))
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
        unit=grant.org,
        at=at,
        note=note,
        data={
            "units": [u.pk for u in units],
            "lead": lead_unit.pk if lead_unit else None,
            "report_by": due_at.isoformat(),
        },
    )
    return targets


@transaction.atomic
def case_report_in(*, actor, case, at=None) -> EscalationTarget:
    """报到: a member of a unit named in a whistle reports that the unit has taken it up."""
    at = _now(at)
    case = _lock(case)
    staff_roles = set(Role) - {Role.RESIDENT, Role.VOLUNTEER}
    targets = list(EscalationTarget.objects.filter(case=case).select_related("unit"))
    mine = [t for t in targets if rules.member_of(actor, t.unit, roles=staff_roles)]
    if not mine:
        _deny(_("Your unit was not called in on this case."))
    pending = [t for t in mine if t.reported_at is None]
    if not pending:
        raise ValidationError(_("Your unit has already reported in."))
    target = pending[0]
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


@transaction.atomic
def case_comment(*, actor, case, note: str, at=None) -> Case:
    at = _now(at)
    case = _lock(case)
    from .selectors import cases_visible_to

    if not cases_visible_to(actor).filter(pk=case.pk).exists():
        _deny()
    note = _text(note, "note", required=True, max_length=2000)
    grant = next((a for a in active_assignments(actor) if a.role not in {Role.RESIDENT, Role.VOLUNTEER}), None)
    unit = grant.org if grant and not rules.is_follower(actor, case) else None
    return _write(case, action="comment", actor=actor, unit=unit, at=at, note=note)


@transaction.atomic
def case_publish(*, actor, case, note: str = "", at=None) -> Case:
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


# ---------------------------------------------------------------- photos


def _clean_image(upload) -> tuple[ContentFile, str]:
    """Re-encode an uploaded photo, judged by its content (not its name), without EXIF/GPS."""
    too_big = _("Each photo may be at most 10 MB.")
    if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
        raise ValidationError({"photos": too_big})
    not_image = _("“%(name)s” is not a JPEG, PNG, WebP or GIF image.") % {"name": getattr(upload, "name", "")[:80]}
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            source_format = probe.format
            if source_format not in PHOTO_FORMATS:
                raise ValidationError({"photos": not_image})
            if probe.width * probe.height > MAX_PHOTO_PIXELS:
                raise ValidationError({"photos": _("The photo has too many pixels.")})
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            # Turn the pixels the way the camera meant, then drop every metadata block: saving
            # a new file without exif= writes no EXIF, so GPS position and device are gone.
            image = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if image.mode in {"RGBA", "LA", "P", "PA"} and source_format != "JPEG":
                image.convert("RGBA").save(out, format="PNG", optimize=True)
                ext = "png"
            else:
                image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
                ext = "jpg"
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError({"photos": not_image}) from exc
    data = out.getvalue()
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError({"photos": too_big})
    return ContentFile(data, name=f"photo.{ext}"), ext


@transaction.atomic
def case_photos_add(*, actor, case, kind: str, uploads: list, at=None) -> list[CasePhoto]:
    """Attach photos: intake photos by whoever reported, result photos by the handling unit."""
    at = _now(at)
    case = _lock(case)
    if kind not in PhotoKind.values:
        raise ValidationError({"kind": _("Unknown photo kind.")})
    if kind == PhotoKind.INTAKE:
        allowed = actor is None or rules.is_follower(actor, case) or case.submitted_by_id == getattr(actor, "pk", None)
    else:
        allowed = actor is None or rules.member_of(actor, case.owner_unit) is not None
    if not allowed:
        _deny()
    if not uploads:
        raise ValidationError({"photos": _("Choose at least one photo.")})
    have = CasePhoto.objects.filter(case=case, kind=kind).count()
    if have + len(uploads) > MAX_PHOTOS_PER_KIND:
        raise ValidationError({"photos": _("At most %(max)d photos per case.") % {"max": MAX_PHOTOS_PER_KIND}})
    cleaned = [_clean_image(upload) for upload in uploads]
    photos = []
    for content, _ext in cleaned:
        photo = CasePhoto(case=case, kind=kind, uploaded_by=actor, created_at=at, size=content.size)
        photo.image.save(content.name, content, save=False)
        photo.save()
        photos.append(photo)
    unit = rules.member_of(actor, case.owner_unit) if kind == PhotoKind.RESULT and actor else None
    _write(
        case,
        action="attach",
        actor=actor,
        unit=unit.org if unit else None,
        at=at,
        data={"kind": kind, "photos": [p.pk for p in photos]},
    )
    return photos


# ---------------------------------------------------------------- reveal (PIPL)


@transaction.atomic
def case_reveal_contact(*, actor, case) -> dict:
    """The exact address and phone, for those handling the case; every reveal is audited."""
    if rules.is_follower(actor, case):
        pass  # residents see their own data without an audit trail of themselves
    elif (
        rules.member_of(actor, case.owner_unit) is None
        and rules.covering(actor, case, Role.DISPATCHER, Role.GRID_WORKER, Role.COMMUNITY_STAFF) is None
    ):
        _deny(_("Only the people handling this case may see the resident's contact details."))
    else:
        audit_record(actor=actor, action="case.reveal_contact", obj=case)
    phone = case.contact_phone or (case.reporter.phone if case.reporter_id else "")
    name = case.contact_name or (case.reporter.name if case.reporter_id else "")
    return {"name": name, "phone": phone, "address": case.address}


# ---------------------------------------------------------------- SLA sweeper (中心催单, 纪委督单, 提级催办)

SWEEP_CHUNK = 1000


def _each_chunk(queryset, fields: list[str], size: int, handle) -> int:
    """Call `handle(rows)` on the rows matching `queryset`, a locked chunk per transaction.

    Each step's update makes its rows stop matching, so the loop ends (rows already handled are
    excluded as well, as a guard); SKIP LOCKED leaves rows a handler is writing right now to the
    next sweep instead of waiting on them. Returns the number of rows handled.

    No ORDER BY: the chunks need none (SKIP LOCKED and the exclusion keep them disjoint), and
    `ORDER BY id LIMIT n` makes PostgreSQL walk the primary key over every case to find the few
    (or none) that are due, seconds at city scale, where the status/due indexes answer in
    milliseconds.
    """
    done: list[int] = []
    while True:
        with transaction.atomic():
            rows = list(
                queryset.exclude(pk__in=done)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by()
                .values(*fields)[:size]
            )
            if not rows:
                return len(done)
            handle(rows)
        done.extend(r["pk"] for r in rows)


def _sweep_entries(rows, *, action, at, data_of=None, note="") -> list[TimelineEntry]:
    return [
        TimelineEntry(
            case_id=r.get("case_id", r["pk"]),
            action=action,
            from_status=r["status"],
            to_status=r["status"] if action not in {"expire"} else Status.CLOSED,
            owner_unit_id=r["owner_unit_id"],
            at=at,
            note=note,
            data=data_of(r) if data_of else {},
        )
        for r in rows
    ]


def sla_sweep_run(*, now: datetime | None = None, chunk: int = SWEEP_CHUNK) -> dict:
    """One pass of the SLA sweeper. Reads only the database; running it twice changes nothing.

    Set-based: each step selects the matching rows in chunks and updates them with a handful of
    UPDATE statements (one per SLA policy group), never one query per case.
    """
    now = _now(now)
    books = []  # the policy table, read only if some case ran over
    raised_total = 0

    # 1. 中心催单: urge time reached, not yet urged for this deadline, not yet overdue.
    def urge(rows):
        ids = [r["pk"] for r in rows]
        Case.objects.filter(pk__in=ids).update(urged_at=now)
        TimelineEntry.objects.bulk_create(
            _sweep_entries(
                rows, action="urge", at=now, data_of=lambda r: {"auto": True, "due_at": r["due_at"].isoformat()}
            )
        )
        audit_record(actor=None, action="case.sla_urge", object_type="cases.case", after={"cases": ids})

    urge_due = Case.objects.filter(status__in=ACTIVE, urge_at__lte=now, due_at__gt=now).filter(
        Q(urged_at__isnull=True) | Q(urged_at__lt=F("urge_at"))
    )
    urged = _each_chunk(urge_due, ["pk", "status", "owner_unit_id", "due_at"], chunk, urge)

    # 2. Overdue: mark it, put it before the supervisor (overdue_since) and give a new limit; the
    #    second time a case runs over, raise its tier (提级催办) and take that tier's limit.
    def overdue(rows):
        nonlocal raised_total
        groups = defaultdict(list)
        for r in rows:
            raise_tier = r["overdue_count"] + 1 >= 2 and r["tier"] != Tier.HARD
            r["new_tier"] = sla.next_tier(r["tier"]) if raise_tier else r["tier"]
            groups[(r["category_id"], r["tier"], r["new_tier"])].append(r)
        if not books:
            books.append(sla.policy_book())
        for (category_id, tier, new_tier), members in groups.items():
            due_at, urge_at = sla.deadlines(now, books[0].limit(category_id, new_tier))
            for r in members:
                r["next_due_at"] = due_at
            Case.objects.filter(pk__in=[r["pk"] for r in members]).update(
                overdue_count=F("overdue_count") + 1,
                overdue_marked_at=now,
                overdue_since=Coalesce("overdue_since", Value(now)),
                due_at=due_at,
                urge_at=urge_at,
                tier=new_tier,
                tier_raised=F("tier_raised") + (1 if new_tier != tier else 0),
                updated_at=now,
            )
        raised = [r for r in rows if r["new_tier"] != r["tier"]]
        entries = _sweep_entries(
            rows,
            action="overdue",
            at=now,
            data_of=lambda r: {
                "due_at": r["due_at"].isoformat(),
                "overdue_count": r["overdue_count"] + 1,
                "next_due_at": r["next_due_at"].isoformat(),
            },
        )
        entries += _sweep_entries(
            raised, action="raise_tier", at=now, data_of=lambda r: {"from": r["tier"], "to": r["new_tier"]}
        )
        TimelineEntry.objects.bulk_create(entries)
        audit_record(
            actor=None,
            action="case.sla_overdue",
            object_type="cases.case",
            after={"cases": [r["pk"] for r in rows], "raised": [r["pk"] for r in raised]},
        )
        raised_total += len(raised)

    overdue_due = Case.objects.filter(status__in=ACTIVE, due_at__lte=now).filter(
        Q(overdue_marked_at__isnull=True) | Q(overdue_marked_at__lt=F("due_at"))
    )
    fields = ["pk", "status", "owner_unit_id", "due_at", "category_id", "tier", "overdue_count"]
    overdue_count = _each_chunk(overdue_due, fields, chunk, overdue)

    # 3. Rating window over without a rating: the case closes (CASE-8).
    def expire(rows):
        ids = [r["pk"] for r in rows]
        Case.objects.filter(pk__in=ids).update(status=Status.CLOSED, closed_at=now, updated_at=now)
        TimelineEntry.objects.bulk_create(
            _sweep_entries(rows, action="expire", at=now, data_of=lambda r: {"auto": True})
        )
        audit_record(actor=None, action="case.sla_expire", object_type="cases.case", after={"cases": ids})

    expired = Case.objects.filter(status=Status.RESOLVED, rating_deadline__lte=now)
    expired_count = _each_chunk(expired, ["pk", "status", "owner_unit_id"], chunk, expire)

    # 4. Units called in by a whistle that have not reported in time: urge them, on the record.
    def urge_targets(rows):
        EscalationTarget.objects.filter(pk__in=[r["pk"] for r in rows]).update(urged_at=now)
        for r in rows:
            r["status"], r["owner_unit_id"] = r["case__status"], r["case__owner_unit_id"]
        TimelineEntry.objects.bulk_create(
            _sweep_entries(
                rows, action="urge", at=now, data_of=lambda r: {"auto": True, "escalation_unit": r["unit_id"]}
            )
        )
        audit_record(
            actor=None,
            action="case.sla_report_urge",
            object_type="cases.escalationtarget",
            after={"targets": [r["pk"] for r in rows]},
        )

    late = EscalationTarget.objects.filter(
        reported_at__isnull=True, urged_at__isnull=True, due_at__lte=now, case__status__in=ACTIVE
    )
    target_fields = ["pk", "case_id", "unit_id", "case__status", "case__owner_unit_id"]
    late_count = _each_chunk(late, target_fields, chunk, urge_targets)
    return {
        "urged": urged,
        "overdue": overdue_count,
        "raised": raised_total,
        "expired": expired_count,
        "escalations_urged": late_count,
    }
