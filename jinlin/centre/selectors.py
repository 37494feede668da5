"""Reads of the neighbourhood centre, with their rules.

The public catalogue (centres, services, activities, government items) is open to everyone, as
a centre's noticeboard is. What is personal (bookings, registrations, errands, meal orders) is
read by its owner and by staff whose scope covers the centre, through core.scope.
"""

import math
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from jinlin.core.models import OrgUnit, Role, User
from jinlin.core.scope import active_assignments, scope_q

from .models import (
    LIVE_BOOKING,
    Activity,
    Booking,
    Centre,
    Errand,
    GovItem,
    MemberProfile,
    Registration,
    RegistrationStatus,
    Room,
    Service,
)
from .policies import STAFF_ROLES


def centres_public() -> QuerySet[Centre]:
    return Centre.objects.filter(is_active=True).select_related("unit").order_by("scope_code", "id")


def centre_search(*, q: str = "", domain: str = "") -> QuerySet[Centre]:
    """Centres offering a service of `domain` and matching `q` in their name, address or services."""
    centres = centres_public()
    if domain:
        centres = centres.filter(services__domain=domain, services__is_active=True)
    if q:
        centres = centres.filter(
            Q(name__icontains=q)
            | Q(address__icontains=q)
            | Q(services__name__icontains=q, services__is_active=True)
            | Q(unit__name__icontains=q)
        )
    return centres.distinct()


def service_search(*, q: str = "", domain: str = "", centre: Centre | None = None) -> QuerySet[Service]:
    services = Service.objects.filter(is_active=True, centre__is_active=True).select_related("centre", "provider")
    if centre is not None:
        services = services.filter(centre=centre)
    if domain:
        services = services.filter(domain=domain)
    if q:
        services = services.filter(Q(name__icontains=q) | Q(description__icontains=q) | Q(provider__name__icontains=q))
    return services.order_by("centre__scope_code", "domain", "name")


def _distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def home_unit(user: User) -> OrgUnit | None:
    """Where a person lives: the unit of their resident role (an estate, building or community)."""
    for assignment in active_assignments(user):
        if assignment.role == Role.RESIDENT:
            return assignment.org
    return None


def _point(unit: OrgUnit) -> tuple[float, float] | None:
    for place in reversed(list(unit.ancestors())):
        if place.lat is not None and place.lng is not None:
            return place.lat, place.lng
    return None


def nearest_centres(user: User, limit: int = 3) -> list[tuple[Centre, int | None]]:
    """The centres nearest the person's home, with the distance in metres (None if unknown).

    A home centre recorded on the profile comes first; then by distance from the home's map
    point; without a point, the centres of the places the home lies in, the most local first.
    """
    out: list[tuple[Centre, int | None]] = []
    profile = MemberProfile.objects.filter(user=user).select_related("home_centre").first()
    unit = home_unit(user)
    point = _point(unit) if unit is not None else None
    centres = list(centres_public())
    if point is not None:
        located = [c for c in centres if c.lat is not None and c.lng is not None]
        ranked = sorted(located, key=lambda c: _distance_m(point[0], point[1], c.lat, c.lng))  # type: ignore[arg-type]  # located: lat and lng set
        out = [(c, round(_distance_m(point[0], point[1], c.lat, c.lng))) for c in ranked[:limit]]  # type: ignore[arg-type]  # located: lat and lng set
    elif unit is not None:
        mine = [c for c in centres if unit.code.startswith(c.scope_code)]
        out = [(c, None) for c in sorted(mine, key=lambda c: -len(c.scope_code))[:limit]]
    if profile is not None and profile.home_centre_id:
        out = [(profile.home_centre, None)] + [row for row in out if row[0].pk != profile.home_centre_id]  # type: ignore[assignment]
    return out[:limit]


def nearest_centre(user: User) -> Centre | None:
    found = nearest_centres(user, limit=1)
    return found[0][0] if found else None


def centres_managed_by(user: User) -> QuerySet[Centre]:
    return centres_public().filter(scope_q(user, code_field="scope_code", roles=STAFF_ROLES))


def is_centre_staff(user: User) -> bool:
    return centres_managed_by(user).exists() if user.is_authenticated else False


def rooms_of(centre: Centre) -> QuerySet[Room]:
    return Room.objects.filter(centre=centre, is_active=True).order_by("name")


def room_schedule(room: Room, day_start: datetime, days: int = 7) -> QuerySet[Booking]:
    return Booking.objects.filter(
        room=room, status__in=LIVE_BOOKING, start__lt=day_start + timedelta(days=days), busy_until__gt=day_start
    ).order_by("start")


def upcoming_activities(*, centre: Centre | None = None, days: int = 31, kind: str = "", q: str = "") -> QuerySet:
    now = timezone.now()
    rows = Activity.objects.filter(is_cancelled=False, end__gt=now, start__lt=now + timedelta(days=days))
    if centre is not None:
        rows = rows.filter(centre=centre)
    if kind:
        rows = rows.filter(kind=kind)
    if q:
        rows = rows.filter(Q(title__icontains=q) | Q(description__icontains=q))
    return rows.select_related("centre", "room").annotate(
        n_registered=Count("registrations", filter=Q(registrations__status=RegistrationStatus.REGISTERED)),
        n_waitlisted=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)),
    )


def my_registration(user: User, activity: Activity) -> Registration | None:
    if not user.is_authenticated:
        return None
    return (
        Registration.objects.filter(activity=activity, user=user).exclude(status=RegistrationStatus.CANCELLED).first()
    )


def my_registrations(user: User) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(user=user, activity__end__gt=timezone.now() - timedelta(days=30))
        .exclude(status=RegistrationStatus.CANCELLED)
        .select_related("activity__centre")
        .order_by("activity__start")
    )


def my_bookings(user: User) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(user=user, end__gt=timezone.now() - timedelta(days=30))
        .select_related("room__centre")
        .order_by("start")
    )


def my_errands(user: User) -> QuerySet[Errand]:
    return Errand.objects.filter(requester=user).select_related("item", "centre").order_by("-created_at")


def gov_items(*, q: str = "", category: str = "") -> QuerySet[GovItem]:
    rows = GovItem.objects.filter(is_active=True)
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(department__icontains=q) | Q(category__icontains=q))
    if category:
        rows = rows.filter(category=category)
    return rows.order_by("category", "code")


def bookings_visible_to(user: User) -> QuerySet[Booking]:
    return Booking.objects.filter(
        scope_q(user, code_field="scope_code", owner_field="user", roles=STAFF_ROLES)
    ).select_related("room__centre", "user")


def errands_visible_to(user: User) -> QuerySet[Errand]:
    from .models import ErrandAgent

    agent_centres = ErrandAgent.objects.filter(user=user, is_active=True).values("centre_id")
    q = scope_q(user, code_field="scope_code", owner_field="requester", roles=STAFF_ROLES)
    q |= Q(centre_id__in=agent_centres) | Q(agent=user)
    return Errand.objects.filter(q).select_related("item", "centre", "requester", "agent")


def activities_visible_to_staff(user: User) -> QuerySet[Activity]:
    return Activity.objects.filter(scope_q(user, code_field="scope_code", roles=STAFF_ROLES))
