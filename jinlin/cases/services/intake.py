"""Intake (点单): every channel's requests and events become cases here."""

import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core.audit import audit_record
from jinlin.core.events import emit
from jinlin.core.models import Role, User
from jinlin.core.phones import normalize_mobile
from jinlin.core.scope import active_assignments, has_role

from .. import rules, sla
from ..machine import Status, check
from ..models import (
    STAFF_CHANNELS,
    Case,
    CaseKind,
    CaseNumberSequence,
    CaseReporter,
    Channel,
    Tier,
)
from ..timeline import timeline_entry
from .common import MAX_ADDRESS, MAX_TITLE, _deny, _now, _text
from .reference import _category, _place, _tier, command_centre_for


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


def _validate_point(lat: float | None, lng: float | None) -> None:
    if (lat is None) != (lng is None):
        raise ValidationError({"lat": _("Give both latitude and longitude, or neither.")})
    if lat is not None and not -90 <= lat <= 90:
        raise ValidationError({"lat": _("Latitude must be between -90 and 90.")})
    if lng is not None and not -180 <= lng <= 180:
        raise ValidationError({"lng": _("Longitude must be between -180 and 180.")})


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
        existing = _earlier(actor, idempotency_key)
        if existing is not None:
            _require_same_request(existing, title, description)
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
            event = emit(
                "case.submitted",
                case_id=case.pk,
                actor_id=actor.pk if actor is not None else None,
                entry_id=case.intake_entry.pk,  # type: ignore[attr-defined]
                live=live,
            )
            # The case as written, for the subscribers in this process (triage reads it from here).
            event.context["case"] = case
    except IntegrityError:
        # Two retries raced: the other one committed first; answer with its case.
        existing = _earlier(actor, idempotency_key) if idempotency_key and actor is not None else None
        if existing is None:
            raise
        return existing, False
    # Subscribers of case.submitted (triage) have run if the write committed; what they stored
    # shows on the case returned (the API's 201 tells an auto-dispatched case by it). A subscriber
    # that hands on the case it stored them on (Event.context "case_current": triage does)
    # spares reading them again.
    shared = event.context.get("case") if event.context.get("case_current") else None
    if isinstance(shared, Case) and shared.pk == case.pk:
        case.suggestions = shared.suggestions or {}
    else:
        case.suggestions = Case.objects.filter(pk=case.pk).values_list("suggestions", flat=True).first() or {}
    return case, True


def _earlier(actor: User, idempotency_key: str) -> Case | None:
    """The case this account already submitted with this key. The `exclude` repeats the
    condition of the unique index on (submitter, key), so the database searches that index
    instead of every case the account ever submitted (a grid worker's thousands)."""
    return Case.objects.filter(submitted_by=actor, idempotency_key=idempotency_key).exclude(idempotency_key="").first()


def _require_same_request(existing: Case, title: str, description: str) -> None:
    """A key reused for a different request is a client's bug, not a retry: answered 422
    rather than silently returning the first case."""
    if (title or "").strip() != existing.title or (description or "").strip() != existing.description:
        raise ValidationError({"Idempotency-Key": _("This Idempotency-Key was already used for a different request.")})


def _intake(
    *,
    actor: User | None,
    title: str,
    description: str,
    category_code: str | None,
    tier: str | None,
    kind: str | None,
    lat: float | None,
    lng: float | None,
    address: str,
    channel: str | None,
    on_behalf_of_phone: str | None,
    contact_name: str,
    idempotency_key: str,
    at: datetime,
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


def _intake_write(intake: dict, *, actor: User | None, at: datetime) -> Case:
    """The inserts of intake, in one transaction; the day's case number last (see _next_number),
    except on SQLite, where BEGIN IMMEDIATE has already taken the database's one write lock: there
    the number comes first, and the case is inserted with it instead of updated afterwards."""
    fields = intake["fields"]
    number_first = connection.vendor == "sqlite"
    # Elsewhere a unique stand-in until the number is taken just before commit (numbers are at most 13 chars).
    number = _next_number(at) if number_first else f"~{uuid.uuid4().hex[:19]}"
    case = Case.objects.create(number=number, **fields)
    reporter = fields["reporter"]
    if reporter is not None:
        CaseReporter.objects.create(case=case, user=reporter, added_at=at)
    entry = timeline_entry(
        case,
        "submit",
        "",
        actor=actor,
        actor_unit=intake["recorder_unit"],
        owner_unit=fields["owner_unit"],
        at=at,
        data={"channel": fields["channel"], "on_behalf": bool(actor is not None and reporter != actor)},
    )
    entry.save(force_insert=True)
    if not number_first:
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
    case.intake_entry = entry  # type: ignore[attr-defined]
    return case
