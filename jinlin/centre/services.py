"""Writes of the neighbourhood centre: bookings, activities, registrations and check-in.

Each function checks the policy, writes and audits in one transaction. Two guarantees matter:

* **No double booking, ever.** A booking holds its room from `start` to `busy_until` (end plus
  the room's buffer). On PostgreSQL an exclusion constraint (migration 0002) refuses a second live
  booking whose span overlaps, whatever code path inserts it; the service checks first so it can
  name the conflicting slot, and turns the constraint's error into the same Conflict when two
  transactions race. On SQLite every write transaction begins IMMEDIATE (settings), so the
  check-and-insert below runs one transaction at a time.
* **A waitlist in order.** Registrations for one activity are decided with the activity row
  locked (SELECT … FOR UPDATE on PostgreSQL; the IMMEDIATE transaction on SQLite): the first
  `capacity` are registered, the rest wait at positions 1..n; a cancellation moves position 1 up
  and closes the gap, and the promoted person is told (event `centre.promoted`).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core import http as core_http
from jinlin.core import policy
from jinlin.core.audit import audit_record, snapshot
from jinlin.core.events import emit
from jinlin.core.models import User
from jinlin.core.workcalendar import is_working_day

from .models import (
    KIND_DOMAIN,
    LIVE_BOOKING,
    Activity,
    ActivitySeries,
    Audience,
    Booking,
    BookingStatus,
    Centre,
    MemberProfile,
    Registration,
    RegistrationStatus,
    Room,
)

SERIES_HORIZON_DAYS = 56
CHECK_IN_OPENS_BEFORE = timedelta(hours=1)
ELDER_AGE = 60
CHILD_AGE = 15


class Conflict(core_http.Conflict):
    """The slot is taken (HTTP 409); `slot` names the booking in the way."""

    def __init__(self, message: str, slot: dict | None = None):
        super().__init__(message)
        self.slot = slot

    def details(self) -> dict[str, Any]:
        return {"slot": self.slot}


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def _for_update(queryset):
    # SQLite has no row locks; its IMMEDIATE transactions already run one at a time.
    return queryset.select_for_update() if connection.vendor == "postgresql" else queryset


# ---------------------------------------------------------------- opening hours


def centre_open_on(centre: Centre, day: date) -> bool:
    if str(day.isoweekday()) not in centre.open_weekdays:
        return False
    return not (centre.closed_on_holidays and day.weekday() < 5 and not is_working_day(day))


def _check_opening_hours(centre: Centre, start: datetime, end: datetime) -> None:
    ls, le = _local(start), _local(end)
    if ls.date() != le.date() and not (le.time() == time(0) and le.date() == ls.date() + timedelta(days=1)):
        raise ValidationError({"end": _("A booking must start and end on the same day.")})
    if not centre_open_on(centre, ls.date()):
        raise ValidationError({"start": _("The centre is closed on %(day)s.") % {"day": ls.date().isoformat()}})
    if ls.time() < centre.opens_at or (le.time() > centre.closes_at or le.date() != ls.date()):
        raise ValidationError(
            {
                "start": _("The centre is open %(opens)s–%(closes)s.")
                % {"opens": centre.opens_at.strftime("%H:%M"), "closes": centre.closes_at.strftime("%H:%M")}
            }
        )


# ---------------------------------------------------------------- bookings


def slot_out(booking: Booking) -> dict:
    return {
        "booking_id": booking.pk,
        "start": _local(booking.start).isoformat(),
        "end": _local(booking.end).isoformat(),
        "busy_until": _local(booking.busy_until).isoformat(),
        "status": booking.status,
    }


def _overlapping(room: Room, start: datetime, busy_until: datetime):
    return Booking.objects.filter(
        room=room, status__in=LIVE_BOOKING, start__lt=busy_until, busy_until__gt=start
    ).order_by("start")


def booking_create(*, actor: User, room: Room, start: datetime, end: datetime, purpose: str) -> Booking:
    """Book `room` from `start` to `end`; Conflict if any live booking (with buffers) overlaps."""
    grant = policy.require(actor, "centre.room.book", room)
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": _("Say what the room is for.")})
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError({"start": _("Give times with a time zone.")})
    if end <= start:
        raise ValidationError({"end": _("The end must be after the start.")})
    now = timezone.now()
    if start < now:
        raise ValidationError({"start": _("The start has already passed.")})
    if start > now + timedelta(days=room.advance_days):
        raise ValidationError(
            {"start": _("This room can be booked at most %(days)s days ahead.") % {"days": room.advance_days}}
        )
    if end - start > timedelta(minutes=room.max_minutes):
        raise ValidationError(
            {"end": _("A booking of this room lasts at most %(minutes)s minutes.") % {"minutes": room.max_minutes}}
        )
    centre = room.centre
    _check_opening_hours(centre, start, end)
    busy_until = end + timedelta(minutes=room.buffer_minutes)
    staff = grant.assignment is not None
    with transaction.atomic():
        if not staff:
            # The per-person limit is counted with the person's row locked, so two of their own
            # requests at once cannot both slip under it.
            list(_for_update(User.objects.filter(pk=actor.pk)).values_list("pk", flat=True))
            upcoming = Booking.objects.filter(
                user=actor, room__centre=centre, status__in=LIVE_BOOKING, end__gt=now
            ).count()
            if upcoming >= room.max_active_per_person:
                raise ValidationError(
                    {
                        "start": _("You already have %(n)s upcoming bookings at this centre, the most allowed.")
                        % {"n": upcoming}
                    }
                )
        clash = _overlapping(room, start, busy_until).first()
        if clash is not None:
            raise Conflict(_("The room is already booked at that time."), slot_out(clash))
        status = BookingStatus.PENDING if room.requires_approval and not staff else BookingStatus.CONFIRMED
        try:
            with transaction.atomic():
                booking = Booking.objects.create(
                    room=room,
                    user=actor,
                    start=start,
                    end=end,
                    busy_until=busy_until,
                    purpose=purpose[:200],
                    status=status,
                    scope_code=centre.scope_code,
                )
        except IntegrityError as exc:
            # PostgreSQL's exclusion constraint: another transaction took the slot meanwhile.
            clash = _overlapping(room, start, busy_until).first()
            if clash is None:
                raise exc
            raise Conflict(_("The room is already booked at that time."), slot_out(clash)) from None
        audit_record(
            actor=actor,
            action="centre.booking.create",
            obj=booking,
            after=snapshot(booking, ["start", "end", "status"]),
        )
        emit("centre.booking_created", booking_id=booking.pk, actor_id=actor.pk)
    return booking


def booking_cancel(*, actor: User, booking: Booking, reason: str = "") -> Booking:
    with transaction.atomic():
        booking = _for_update(Booking.objects.filter(pk=booking.pk)).select_related("room__centre").get()
        policy.require(actor, "centre.booking.cancel", booking)
        before = snapshot(booking, ["status"])
        booking.status = BookingStatus.CANCELLED
        booking.reason = (reason or "")[:200]
        booking.decided_by = actor
        booking.decided_at = timezone.now()
        booking.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        audit_record(
            actor=actor, action="centre.booking.cancel", obj=booking, before=before, after={"status": "cancelled"}
        )
        emit("centre.booking_cancelled", booking_id=booking.pk, actor_id=actor.pk)
    return booking


def booking_decide(*, actor: User, booking: Booking, approve: bool, reason: str = "") -> Booking:
    with transaction.atomic():
        booking = _for_update(Booking.objects.filter(pk=booking.pk)).get()
        policy.require(actor, "centre.booking.decide", booking)
        if not approve and not reason.strip():
            raise ValidationError({"reason": _("Say why the booking is rejected.")})
        booking.status = BookingStatus.CONFIRMED if approve else BookingStatus.REJECTED
        booking.reason = reason.strip()[:200]
        booking.decided_by = actor
        booking.decided_at = timezone.now()
        booking.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        audit_record(actor=actor, action="centre.booking.decide", obj=booking, after={"status": booking.status})
        emit("centre.booking_decided", booking_id=booking.pk, actor_id=actor.pk, status=booking.status)
    return booking


# ---------------------------------------------------------------- activities


def activity_create(
    *,
    actor: User,
    centre: Centre,
    title: str,
    kind: str,
    start: datetime,
    end: datetime,
    capacity: int,
    room: Room | None = None,
    audience: str = Audience.ALL,
    description: str = "",
    domain: str | None = None,
    series: ActivitySeries | None = None,
) -> Activity:
    policy.require(actor, "centre.activity.create", centre)
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the activity a title.")
    if kind not in KIND_DOMAIN:
        errors["kind"] = _("Choose a kind of activity.")
    if end <= start:
        errors["end"] = _("The end must be after the start.")
    if capacity < 1:
        errors["capacity"] = _("At least one place.")
    if room is not None and room.centre_id != centre.pk:
        errors["room"] = _("The room belongs to another centre.")
    if audience not in Audience.values:
        errors["audience"] = _("Choose who may join.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        activity = Activity.objects.create(
            centre=centre,
            room=room,
            series=series,
            title=title[:120],
            kind=kind,
            domain=domain or KIND_DOMAIN[kind],
            description=description,
            start=start,
            end=end,
            capacity=capacity,
            audience=audience,
            created_by=actor,
        )
        audit_record(actor=actor, action="centre.activity.create", obj=activity)
    return activity


def series_create(
    *,
    actor: User,
    centre: Centre,
    title: str,
    kind: str,
    weekday: int,
    start_time: time,
    duration_minutes: int,
    capacity: int,
    first_date: date,
    until: date | None = None,
    room: Room | None = None,
    audience: str = Audience.ALL,
    description: str = "",
    horizon_days: int = SERIES_HORIZON_DAYS,
) -> ActivitySeries:
    """A weekly activity (every Wednesday 16:30): the rule, and its occurrences for the horizon."""
    policy.require(actor, "centre.activity.create", centre)
    if not 1 <= weekday <= 7:
        raise ValidationError({"weekday": _("Choose a weekday.")})
    if duration_minutes < 10:
        raise ValidationError({"duration_minutes": _("At least ten minutes.")})
    if until is not None and until < first_date:
        raise ValidationError({"until": _("The last date must not be before the first.")})
    with transaction.atomic():
        series = ActivitySeries.objects.create(
            centre=centre,
            room=room,
            title=title.strip()[:120],
            kind=kind,
            description=description,
            weekday=weekday,
            start_time=start_time,
            duration_minutes=duration_minutes,
            capacity=capacity,
            audience=audience,
            first_date=first_date,
            until=until,
            created_by=actor,
        )
        audit_record(actor=actor, action="centre.series.create", obj=series)
        series_extend(series, horizon_days=horizon_days, actor=actor)
    return series


def series_extend(
    series: ActivitySeries, *, horizon_days: int = SERIES_HORIZON_DAYS, actor: User | None = None, today=None
) -> int:
    """Generate the occurrences up to `horizon_days` ahead; returns how many were added.

    Idempotent: an occurrence is unique per (series, start), and generation resumes after
    `generated_until`. Days the centre is closed are skipped.
    """
    today = today or timezone.localdate()
    horizon = today + timedelta(days=horizon_days)
    if series.until is not None:
        horizon = min(horizon, series.until)
    day = max(
        series.first_date, (series.generated_until + timedelta(days=1)) if series.generated_until else series.first_date
    )
    day += timedelta(days=(series.weekday - day.isoweekday()) % 7)
    tz = timezone.get_default_timezone()
    added = 0
    with transaction.atomic():
        while day <= horizon:
            if centre_open_on(series.centre, day):
                start = datetime.combine(day, series.start_time, tzinfo=tz)
                _, created = Activity.objects.get_or_create(
                    series=series,
                    start=start,
                    defaults={
                        "centre": series.centre,
                        "room": series.room,
                        "title": series.title,
                        "kind": series.kind,
                        "domain": KIND_DOMAIN.get(series.kind, "extra"),
                        "description": series.description,
                        "end": start + timedelta(minutes=series.duration_minutes),
                        "capacity": series.capacity,
                        "audience": series.audience,
                        "created_by": actor or series.created_by,
                    },
                )
                added += int(created)
            day += timedelta(days=7)
        if horizon > (series.generated_until or date.min):
            series.generated_until = horizon
            series.save(update_fields=["generated_until"])
    return added


def series_extend_all(*, horizon_days: int = SERIES_HORIZON_DAYS) -> int:
    return sum(
        series_extend(s, horizon_days=horizon_days)
        for s in ActivitySeries.objects.filter(is_active=True).select_related("centre")
    )


def _age(user: User, on: date) -> int | None:
    profile = MemberProfile.objects.filter(user=user).first()
    if profile is None or profile.birth_year is None:
        return None
    return on.year - profile.birth_year


def _check_audience(actor: User, activity: Activity) -> None:
    if activity.audience == Audience.ALL:
        return
    age = _age(actor, _local(activity.start).date())
    if age is None:
        raise ValidationError(
            _("This activity is for %(who)s: ask the centre's staff to record your year of birth.")
            % {"who": activity.get_audience_display()}
        )
    if activity.audience == Audience.ELDERS and age < ELDER_AGE:
        raise ValidationError(_("This activity is for elders (60 and over)."))
    if activity.audience == Audience.CHILDREN and age >= CHILD_AGE:
        raise ValidationError(_("This activity is for children under 15."))


@dataclass
class Counts:
    registered: int
    waitlisted: int


def activity_counts(activity: Activity) -> Counts:
    rows = Registration.objects.filter(activity=activity).exclude(status=RegistrationStatus.CANCELLED)
    registered = rows.filter(status=RegistrationStatus.REGISTERED).count()
    return Counts(registered, rows.count() - registered)


def activity_register(*, actor: User, activity: Activity) -> Registration:
    """Register `actor`; a place if one is free, else the end of the waitlist. Registering twice
    returns the registration already held."""
    policy.require(actor, "centre.activity.register", activity)
    _check_audience(actor, activity)
    with transaction.atomic():
        activity = _for_update(Activity.objects.filter(pk=activity.pk)).get()
        existing = (
            Registration.objects.filter(activity=activity, user=actor)
            .exclude(status=RegistrationStatus.CANCELLED)
            .first()
        )
        if existing is not None:
            return existing
        counts = activity_counts(activity)
        if counts.registered < activity.capacity:
            status, position = RegistrationStatus.REGISTERED, None
        else:
            status, position = RegistrationStatus.WAITLISTED, counts.waitlisted + 1
        registration = Registration.objects.create(activity=activity, user=actor, status=status, position=position)
        audit_record(
            actor=actor,
            action="centre.activity.register",
            obj=registration,
            after={"status": status, "position": position},
        )
        emit("centre.registered", registration_id=registration.pk, activity_id=activity.pk, actor_id=actor.pk)
    return registration


def registration_cancel(*, actor: User, registration: Registration) -> Registration:
    """Cancel; a freed place goes to waitlist position 1, who is told (event centre.promoted)."""
    with transaction.atomic():
        activity = _for_update(Activity.objects.filter(pk=registration.activity_id)).get()
        registration = Registration.objects.get(pk=registration.pk)
        policy.require(actor, "centre.registration.cancel", registration)
        was, position = registration.status, registration.position
        now = timezone.now()
        registration.status = RegistrationStatus.CANCELLED
        registration.position = None
        registration.cancelled_at = now
        registration.save(update_fields=["status", "position", "cancelled_at"])
        waiting = Registration.objects.filter(activity=activity, status=RegistrationStatus.WAITLISTED)
        promoted = None
        if was == RegistrationStatus.REGISTERED and activity.end > now and not activity.is_cancelled:
            promoted = waiting.order_by("position").first()
            if promoted is not None:
                promoted.status = RegistrationStatus.REGISTERED
                promoted.position = None
                promoted.promoted_at = now
                promoted.save(update_fields=["status", "position", "promoted_at"])
                position = 1
        if position is not None:
            # Close the gap one row at a time, in order, so positions stay 1..n.
            for row in waiting.filter(position__gt=position).order_by("position"):
                row.position -= 1
                row.save(update_fields=["position"])
        audit_record(actor=actor, action="centre.registration.cancel", obj=registration, before={"status": was})
        if promoted is not None:
            audit_record(actor=None, action="centre.registration.promote", obj=promoted, after={"status": "registered"})
            emit(
                "centre.promoted",
                registration_id=promoted.pk,
                activity_id=activity.pk,
                user_id=promoted.user_id,
                actor_id=actor.pk,
            )
    return registration


def activity_registration_cancel(*, actor: User, activity: Activity) -> Registration:
    """Cancel the caller's own live registration for `activity`."""
    registration = (
        Registration.objects.filter(activity=activity, user=actor).exclude(status=RegistrationStatus.CANCELLED).first()
    )
    if registration is None:
        raise ValidationError(_("You are not registered for this activity."))
    return registration_cancel(actor=actor, registration=registration)


def activity_check_in(*, actor: User, activity: Activity, code: str) -> Registration:
    """Check in the holder of `code` at the door (from an hour before the start to the end)."""
    policy.require(actor, "centre.activity.check_in", activity)
    code = (code or "").strip().upper().replace(" ", "")
    now = timezone.now()
    if now < activity.start - CHECK_IN_OPENS_BEFORE:
        raise ValidationError(_("Check-in opens an hour before the start."))
    with transaction.atomic():
        registration = _for_update(Registration.objects.filter(activity=activity, code=code)).first()
        if registration is None:
            raise ValidationError(_("No registration for this activity has the code %(code)s.") % {"code": code})
        if registration.status == RegistrationStatus.CANCELLED:
            raise ValidationError(_("This registration was cancelled."))
        if registration.status == RegistrationStatus.WAITLISTED:
            raise ValidationError(
                _("This person is on the waitlist (position %(n)s), not registered.") % {"n": registration.position}
            )
        if registration.checked_in_at is None:
            registration.checked_in_at = now
            registration.checked_in_by = actor
            registration.save(update_fields=["checked_in_at", "checked_in_by"])
            audit_record(actor=actor, action="centre.activity.check_in", obj=registration)
            emit("centre.checked_in", registration_id=registration.pk, activity_id=activity.pk, actor_id=actor.pk)
    return registration


def activity_cancel(*, actor: User, activity: Activity, reason: str) -> Activity:
    policy.require(actor, "centre.activity.create", activity.centre)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the activity is cancelled.")})
    with transaction.atomic():
        activity.is_cancelled = True
        activity.save(update_fields=["is_cancelled"])
        audit_record(actor=actor, action="centre.activity.cancel", obj=activity, after={"reason": reason[:200]})
        emit("centre.activity_cancelled", activity_id=activity.pk, actor_id=actor.pk)
    return activity
