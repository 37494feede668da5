"""REST API of the neighbourhood centre (the contract of issue 14). Thin: a schema in, a service
or selector, a dict out. The catalogue (centres and their services) is public; everything else
needs a bearer token. An overlapping booking answers 409 with the slot in the way; bad input 422;
an action not allowed 403; what the caller may not see 404.
"""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status as Reply

from . import errands, selectors, services
from .models import Activity, Centre, GovItem, RegistrationStatus, Room

router = Router(tags=["centre"])


class ErrorOut(Schema):
    detail: str | list


class ConflictOut(Schema):
    detail: str
    slot: dict | None


class CentreOut(Schema):
    id: int
    name: str
    unit_id: int
    address: str
    lat: float | None
    lng: float | None


class ServiceOut(Schema):
    id: int
    name: str
    domain: str
    tier: str
    price: Decimal
    provider: str | None


class RoomOut(Schema):
    id: int
    centre_id: int
    name: str
    kind: str
    capacity: int
    buffer_minutes: int
    max_minutes: int
    requires_approval: bool


class BookingIn(Schema):
    room_id: int
    start: datetime
    end: datetime
    purpose: str


class BookingOut(Schema):
    id: int
    status: str


class ActivityIn(Schema):
    centre_id: int
    title: str
    kind: str
    start: datetime
    end: datetime
    capacity: int
    room_id: int | None = None
    audience: str = "all"
    description: str = ""


class MineOut(Schema):
    status: str
    position: int | None
    code: str


class ActivityOut(Schema):
    id: int
    title: str
    capacity: int
    registered: int
    waitlisted: int
    mine: MineOut | None


class ActivityListOut(Schema):
    id: int
    centre_id: int
    title: str
    kind: str
    domain: str
    start: datetime
    end: datetime
    capacity: int
    registered: int
    waitlisted: int
    audience: str


class RegistrationOut(Schema):
    registration_id: int
    status: str
    position: int | None


class CheckInIn(Schema):
    code: str


class CheckInOut(Schema):
    registration_id: int
    status: str
    participant: str
    checked_in_at: datetime


class GovItemOut(Schema):
    id: int
    code: str
    name: str
    category: str
    department: str
    steps: list
    materials: list
    promised_days: int
    window: str
    can_proxy: bool
    can_home_visit: bool
    can_off_hours: bool


class ErrandIn(Schema):
    item_id: int
    note: str = ""
    home_visit: bool = False
    centre_id: int | None = None
    address: str = ""


class ErrandOut(Schema):
    id: int
    status: str
    due_at: datetime


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _centre(centre_id: int) -> Centre:
    return get_object_or_404(Centre, pk=centre_id, is_active=True)


def _activity_out(activity: Activity, user) -> dict:
    counts = services.activity_counts(activity)
    mine = selectors.my_registration(user, activity)
    return {
        "id": activity.pk,
        "title": activity.title,
        "capacity": activity.capacity,
        "registered": counts.registered,
        "waitlisted": counts.waitlisted,
        "mine": {"status": mine.status, "position": mine.position, "code": mine.code} if mine else None,
    }


def _registration_out(registration) -> dict:
    return {"registration_id": registration.pk, "status": registration.status, "position": registration.position}


# ---------------------------------------------------------------- public catalogue


@router.get("/centres", response=list[CentreOut], auth=None)
def centre_list(request, q: str = "", domain: str = ""):
    return [
        {"id": c.pk, "name": c.name, "unit_id": c.unit_id, "address": c.address, "lat": c.lat, "lng": c.lng}
        for c in selectors.centre_search(q=q, domain=domain)
    ]


@router.get("/centres/{centre_id}/services", response=list[ServiceOut], auth=None)
def centre_services(request, centre_id: int, domain: str = ""):
    centre = _centre(centre_id)
    return [
        {
            "id": s.pk,
            "name": s.name,
            "domain": s.domain,
            "tier": s.tier,
            "price": s.price,
            "provider": s.provider.name if s.provider else None,
        }
        for s in selectors.service_search(centre=centre, domain=domain)
    ]


# ---------------------------------------------------------------- rooms and bookings


@router.get("/rooms", response=list[RoomOut])
def room_list(request, centre: int):
    return list(selectors.rooms_of(_centre(centre)))


@router.post("/bookings", response={201: BookingOut, 403: ErrorOut, 404: ErrorOut, 409: ConflictOut, 422: ErrorOut})
def booking_create(request, payload: BookingIn):
    room = get_object_or_404(Room.objects.select_related("centre"), pk=payload.room_id, is_active=True)
    # A taken slot is services.Conflict: 409 with the slot in the way (jinlin/api.py).
    booking = services.booking_create(
        actor=request.user,
        room=room,
        start=_aware(payload.start),
        end=_aware(payload.end),
        purpose=payload.purpose,
    )
    return Reply(201, {"id": booking.pk, "status": booking.status})


@router.post("/bookings/{booking_id}/cancel", response={200: BookingOut, 403: ErrorOut, 404: ErrorOut})
def booking_cancel(request, booking_id: int):
    booking = get_object_or_404(selectors.bookings_visible_to(request.user), pk=booking_id)
    booking = services.booking_cancel(actor=request.user, booking=booking)
    return {"id": booking.pk, "status": booking.status}


# ---------------------------------------------------------------- activities


@router.post("/activities", response={201: ActivityOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def activity_create(request, payload: ActivityIn):
    centre = _centre(payload.centre_id)
    room = None
    if payload.room_id is not None:
        room = get_object_or_404(Room, pk=payload.room_id, centre=centre)
    activity = services.activity_create(
        actor=request.user,
        centre=centre,
        title=payload.title,
        kind=payload.kind,
        start=_aware(payload.start),
        end=_aware(payload.end),
        capacity=payload.capacity,
        room=room,
        audience=payload.audience,
        description=payload.description,
    )
    return Reply(201, _activity_out(activity, request.user))


@router.get("/activities", response=list[ActivityListOut])
def activity_list(request, centre: int, kind: str = "", days: int = 31):
    rows = selectors.upcoming_activities(centre=_centre(centre), kind=kind, days=max(1, min(days, 120)))
    return [
        {
            "id": a.pk,
            "centre_id": a.centre_id,
            "title": a.title,
            "kind": a.kind,
            "domain": a.domain,
            "start": a.start,
            "end": a.end,
            "capacity": a.capacity,
            "registered": a.n_registered,
            "waitlisted": a.n_waitlisted,
            "audience": a.audience,
        }
        for a in rows[:200]
    ]


@router.get("/activities/{activity_id}", response={200: ActivityOut, 404: ErrorOut})
def activity_detail(request, activity_id: int):
    return _activity_out(get_object_or_404(Activity, pk=activity_id), request.user)


@router.post(
    "/activities/{activity_id}/register", response={200: RegistrationOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
)
def activity_register(request, activity_id: int):
    activity = get_object_or_404(Activity, pk=activity_id)
    return _registration_out(services.activity_register(actor=request.user, activity=activity))


@router.post(
    "/activities/{activity_id}/cancel", response={200: RegistrationOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
)
def activity_cancel(request, activity_id: int):
    activity = get_object_or_404(Activity, pk=activity_id)
    return _registration_out(services.activity_registration_cancel(actor=request.user, activity=activity))


@router.post(
    "/activities/{activity_id}/check-in", response={200: CheckInOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
)
def activity_check_in(request, activity_id: int, payload: CheckInIn):
    activity = get_object_or_404(Activity, pk=activity_id)
    registration = services.activity_check_in(actor=request.user, activity=activity, code=payload.code)
    return {
        "registration_id": registration.pk,
        "status": "attended" if registration.status == RegistrationStatus.REGISTERED else registration.status,
        "participant": registration.user.name[:1] + "*" * (len(registration.user.name) - 1),
        "checked_in_at": registration.checked_in_at,
    }


# ---------------------------------------------------------------- government items and 代办


@router.get("/gov-items", response=list[GovItemOut])
def gov_item_list(request, q: str = "", category: str = ""):
    return list(selectors.gov_items(q=q.strip(), category=category)[:200])


@router.post("/errands", response={201: ErrandOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def errand_create(request, payload: ErrandIn):
    item = get_object_or_404(GovItem, pk=payload.item_id, is_active=True)
    centre: Centre | None
    if payload.centre_id is not None:
        centre = _centre(payload.centre_id)
    else:
        centre = selectors.nearest_centre(request.user)
        if centre is None:
            raise ValidationError({"centre_id": _("Choose the centre that should handle this.")})
    errand = errands.errand_request(
        actor=request.user,
        item=item,
        centre=centre,
        note=payload.note,
        home_visit=payload.home_visit,
        address=payload.address,
    )
    return Reply(201, {"id": errand.pk, "status": errand.status, "due_at": errand.due_at})
