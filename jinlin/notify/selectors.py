"""Reads of notify: the bell, the inbox, who a broadcast reaches, what a sender may address."""

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from jinlin.core.models import OrgKind, OrgUnit, Role, RoleAssignment, User
from jinlin.core.scope import active_assignments, prefix_q

from .models import Broadcast, Delivery, Notification, UnitChannel

BROADCAST_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.POLICE_OFFICER})
BROADCAST_UNIT_KINDS = (OrgKind.COMMUNITY, OrgKind.GRID, OrgKind.ESTATE, OrgKind.BUILDING)


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def shell_notifications(request) -> dict:
    """The bell on every page: one count over the partial index of unread rows."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notify_signup_url": reverse("notify:signup"), "notify_reset_url": reverse("notify:reset")}
    return {"notify_unread": unread_count(user), "notify_inbox_url": reverse("notify:inbox")}


def inbox(user: User, *, unread: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def _place_codes_in_grid(grid: OrgUnit) -> list[str]:
    """Grids are a layer across the tree: the places that lie in a grid are found by reference."""
    return list(OrgUnit.objects.filter(grid=grid).values_list("code", flat=True))


def broadcast_recipients(unit: OrgUnit) -> QuerySet[User]:
    """Every active person bound as a resident (or building head) at or under `unit`."""
    codes = _place_codes_in_grid(unit) if unit.kind == OrgKind.GRID else [unit.code]
    bindings = RoleAssignment.objects.filter(
        prefix_q("org__code", codes), role__in=[Role.RESIDENT, Role.BUILDING_HEAD], is_active=True
    )
    return User.objects.filter(is_active=True, pk__in=bindings.values("user_id"))


def group_channels_for(unit: OrgUnit) -> QuerySet[UnitChannel]:
    return UnitChannel.objects.filter(unit=unit, is_active=True)


def reaches(assignment: RoleAssignment, unit: OrgUnit) -> bool:
    """Whether a sender's binding reaches `unit`: its area by code, or for a grid worker the
    places that lie in their grid."""
    from jinlin.core.scope import covers

    if unit.kind not in BROADCAST_UNIT_KINDS:
        return False
    if covers(assignment, unit.code):
        return True
    if assignment.org.kind == OrgKind.GRID:
        if unit.pk == assignment.org_id or unit.grid_id == assignment.org_id:
            return True
        parent = unit.parent
        return parent is not None and parent.grid_id == assignment.org_id
    return False


def broadcast_targets(user: User) -> QuerySet[OrgUnit]:
    """The units `user` may send a notice to, for the broadcast form."""
    q = Q(pk__in=[])
    for a in active_assignments(user):
        if a.role not in BROADCAST_ROLES:
            continue
        from jinlin.core.scope import reach_code

        code = reach_code(a)
        if code:
            q |= Q(code__startswith=code)
        if a.org.kind == OrgKind.GRID:
            q |= Q(pk=a.org_id) | Q(grid_id=a.org_id) | Q(parent__grid_id=a.org_id)
    return OrgUnit.objects.filter(q, kind__in=BROADCAST_UNIT_KINDS, is_active=True).order_by("code")


def broadcasts_sent(user: User) -> QuerySet[Broadcast]:
    """What `user` sent, with how many received and read each notice."""
    return (
        Broadcast.objects.filter(sender=user)
        .select_related("unit")
        .annotate(read=Count("notices", filter=Q(notices__read_at__isnull=False)))
        .order_by("-created_at", "-id")
    )


def deliveries_for_admin(*, status: str = "") -> QuerySet[Delivery]:
    qs = Delivery.objects.select_related("group__unit").order_by("-created_at", "-id")
    return qs.filter(status=status) if status else qs
