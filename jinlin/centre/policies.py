"""Who may do what at a neighbourhood centre (one row per action, read by services and pages).

Staff are community staff (and platform admins) whose unit covers the centre's scope code: the
demo community's staff manage their community's station; a street's staff manage the street's
centre and every station under it. Residents act personally on what is theirs.
"""

from typing import Any

from django.utils.translation import gettext_noop

from jinlin.core.models import Role, RoleAssignment, User
from jinlin.core.policy import Policy, register
from jinlin.core.scope import covers

from .models import (
    LIVE_BOOKING,
    Activity,
    BookingStatus,
    ErrandAgent,
    ErrandStatus,
    RegistrationStatus,
)

STAFF_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.PLATFORM_ADMIN})


def _scope_code(obj: Any) -> str:
    return getattr(obj, "scope_code", "") or ""


def in_scope(assignment: RoleAssignment, obj: Any) -> bool:
    return covers(assignment, _scope_code(obj))


def _anyone(user: User, obj: Any) -> bool:
    return True


def _own(user: User, obj: Any) -> bool:
    return getattr(obj, "user_id", None) == user.pk


def _user_of(user: User, obj: Any) -> bool:
    """The person who used the thing: a registration's participant, an errand's requester …"""
    return user.pk in (getattr(obj, "user_id", None), getattr(obj, "requester_id", None))


def _is_agent(user: User, errand: Any) -> bool:
    return ErrandAgent.objects.filter(centre_id=errand.centre_id, user=user, is_active=True).exists()


def _own_agent(user: User, errand: Any) -> bool:
    return errand.agent_id == user.pk


def _activity_open(activity: Activity) -> bool:
    from django.utils import timezone

    return not activity.is_cancelled and activity.end > timezone.now()


register(
    Policy("centre.manage", STAFF_ROLES, in_scope, refusal=gettext_noop("Only the centre's staff may manage it.")),
    Policy(
        "centre.room.book",
        STAFF_ROLES,
        lambda a, room: covers(a, room.centre.scope_code),
        personal=_anyone,
        state=lambda room: room.is_active and room.centre.is_active,
        refusal=gettext_noop("This room cannot be booked."),
    ),
    Policy(
        "centre.booking.cancel",
        STAFF_ROLES,
        in_scope,
        personal=_own,
        state=lambda b: b.status in LIVE_BOOKING,
        refusal=gettext_noop("Only the person who booked, or the centre's staff, may cancel a live booking."),
    ),
    Policy(
        "centre.booking.decide",
        STAFF_ROLES,
        in_scope,
        state=lambda b: b.status == BookingStatus.PENDING,
        refusal=gettext_noop("Only the centre's staff may approve or reject a booking awaiting approval."),
    ),
    Policy(
        "centre.activity.create",
        STAFF_ROLES,
        in_scope,
        refusal=gettext_noop("Only the centre's staff may add activities."),
    ),
    Policy(
        "centre.activity.register",
        personal=_anyone,
        state=_activity_open,
        refusal=gettext_noop("This activity is closed for registration."),
    ),
    Policy(
        "centre.registration.cancel",
        STAFF_ROLES,
        in_scope,
        personal=_own,
        state=lambda r: r.status != RegistrationStatus.CANCELLED,
        refusal=gettext_noop("Only the participant may cancel this registration."),
    ),
    Policy(
        "centre.activity.check_in",
        STAFF_ROLES,
        in_scope,
        state=lambda a: not a.is_cancelled,
        refusal=gettext_noop("Only the centre's staff check people in."),
    ),
    Policy(
        "centre.errand.request",
        personal=_anyone,
        state=lambda item: item.is_active and (item.can_proxy or item.can_home_visit or item.is_home_care),
        refusal=gettext_noop("This item cannot be handled by proxy."),
    ),
    Policy(
        "centre.errand.accept",
        STAFF_ROLES,
        in_scope,
        personal=_is_agent,
        state=lambda e: e.status == ErrandStatus.REQUESTED,
        refusal=gettext_noop("Only a 代办员 of this centre may take this errand."),
    ),
    Policy(
        "centre.errand.start",
        STAFF_ROLES,
        in_scope,
        personal=_own_agent,
        state=lambda e: e.status == ErrandStatus.ACCEPTED,
        refusal=gettext_noop("Only the errand's 代办员 may start it."),
    ),
    Policy(
        "centre.errand.finish",
        STAFF_ROLES,
        in_scope,
        personal=_own_agent,
        state=lambda e: e.status in (ErrandStatus.ACCEPTED, ErrandStatus.IN_PROGRESS),
        refusal=gettext_noop("Only the errand's 代办员 may finish it."),
    ),
    Policy(
        "centre.errand.return",
        STAFF_ROLES,
        in_scope,
        personal=_own_agent,
        state=lambda e: e.status in (ErrandStatus.REQUESTED, ErrandStatus.ACCEPTED, ErrandStatus.IN_PROGRESS),
        refusal=gettext_noop("Only the errand's 代办员 or the centre's staff may return it."),
    ),
    Policy("centre.meal.order", personal=_anyone, refusal=gettext_noop("Log in to order.")),
    Policy(
        "centre.meal.cancel",
        STAFF_ROLES,
        in_scope,
        personal=_own,
        state=lambda o: o.status == "placed",
        refusal=gettext_noop("Only the person who ordered may cancel."),
    ),
    Policy(
        "centre.meal.serve", STAFF_ROLES, in_scope, refusal=gettext_noop("Only the centre's staff mark meals served.")
    ),
    Policy("centre.rate", personal=_user_of, refusal=gettext_noop("You may rate only what you used yourself.")),
)
