"""Reads with rules for the core app. Views and API functions call these, never the ORM directly."""

from django.db.models import Q, QuerySet

from .models import AuditEntry, OrgKind, OrgUnit, Role, RoleAssignment, User
from .scope import active_assignments, has_role, org_reach_q, prefix_q

# A figure over a list (the keyset pages' "more than 1,000 cases") or on a home card ("1000+")
# counts no further than this: a plain figure without a COUNT over a city's backlog per request.
COUNT_CAP = 1000


def capped_count(queryset: QuerySet) -> int:
    """The number of rows, counted no further than one past COUNT_CAP (more means "over the cap")."""
    return queryset.order_by()[: COUNT_CAP + 1].count()


def org_units_visible_to(user: User) -> QuerySet[OrgUnit]:
    """The units of the areas the viewer reaches, and the units they work for (core.scope)."""
    return OrgUnit.objects.filter(org_reach_q(user))


# The most units one org-tree read returns (a city has tens of thousands; narrow with kind,
# parent, under or q).
ORG_UNITS_MAX = 2000


def org_units_search(
    user: User,
    *,
    kind: str = "",
    parent_id: int | None = None,
    under: OrgUnit | None = None,
    q: str = "",
) -> QuerySet[OrgUnit]:
    """The units `user` may see, narrowed by kind, parent, subtree (`under`, itself included) and
    words of the name or the beginning of the code; in tree (code) order."""
    qs = org_units_visible_to(user).filter(is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    if under is not None:
        qs = qs.filter(prefix_q("code", [under.code]))
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return qs.order_by("code")


def org_unit_get(user: User, unit_id: int) -> OrgUnit | None:
    """The unit if `user` may see it (core.scope), else None."""
    return org_units_visible_to(user).filter(pk=unit_id).first()


def users_visible_to(user: User) -> QuerySet[User]:
    """People whose roles sit in the viewer's area or units, and the viewer themself."""
    roles_in_scope = RoleAssignment.objects.filter(org_reach_q(user, "org__code"))
    return (User.objects.filter(pk__in=roles_in_scope.values("user_id")) | User.objects.filter(pk=user.pk)).distinct()


def audit_entries_visible_to(
    user: User, *, action: str = "", object_type: str = "", actor_id: int | None = None
) -> QuerySet:
    """The audit log is for platform admins and discipline supervisors only."""
    if not has_role(user, Role.PLATFORM_ADMIN, Role.DISCIPLINE_SUPERVISOR) and not user.is_superuser:
        return AuditEntry.objects.none()
    qs = AuditEntry.objects.select_related("actor")
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    return qs


def user_profile(user: User) -> dict:
    """What /api/me and the home page say about the logged-in person."""
    return {
        "id": user.pk,
        "name": user.name,
        "phone_masked": user.phone_masked,
        "roles": [
            {
                "role": a.role,
                "role_label": str(Role(a.role).label),
                "org": {"id": a.org.pk, "code": a.org.code, "name": a.org.name, "level": a.org.kind},
            }
            for a in active_assignments(user)
        ],
    }


def grid_of(unit: OrgUnit) -> OrgUnit | None:
    """The grid a place lies in: itself if it is a grid, else its own or its nearest ancestor's."""
    if unit.kind == OrgKind.GRID:
        return unit
    if unit.grid_id:
        return unit.grid
    for ancestor in reversed(list(unit.ancestors().select_related("grid"))):
        if ancestor.kind == OrgKind.GRID:
            return ancestor
        if ancestor.grid_id:
            return ancestor.grid
    return None


def grids_with_boundaries() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(kind=OrgKind.GRID, grid_boundary__isnull=False).select_related("grid_boundary")
