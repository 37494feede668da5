"""Who may do what to a case: role + scope, decided once here for services, selectors and pages.

Place-bound roles (grid worker, community staff, street staff, community police) cover the cases
whose scope code begins with their unit's code — the rule of core.scope. Command-centre
dispatchers, discipline supervisors and platform admins are bound to units that are not places
(区指挥中心 350102C01); they cover the place their unit hangs under (350102). Department
handlers, police stations and property companies see what they are given: cases they own, are
escalated to, or handled before (selectors.cases_visible_to).

Each predicate returns the RoleAssignment that grants the right (its org is recorded on the
timeline as the acting unit), or None.
"""

import re
from collections.abc import Collection

from jinlin.core.models import OrgKind, OrgUnit, Role, RoleAssignment, User
from jinlin.core.scope import PERSONAL_ROLES, active_assignments

from .models import Case, CaseReporter, ResolvedLevel

# Roles bound to a non-place unit that still see their whole district/street.
AREA_WIDE_ROLES = {Role.DISPATCHER, Role.DISCIPLINE_SUPERVISOR, Role.PLATFORM_ADMIN}
# Roles whose members handle cases owned by their unit (接单, 办结, 退单).
HANDLER_ROLES = {
    Role.DEPARTMENT_HANDLER,
    Role.GRID_WORKER,
    Role.COMMUNITY_STAFF,
    Role.POLICE_OFFICER,
    Role.PROPERTY_REP,
}
# Staff who may record a case on a resident's behalf (phone, 12345, WeChat group, reception day).
RECORDING_ROLES = {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.DISPATCHER, Role.BUILDING_HEAD}


def area_code(org: OrgUnit) -> str:
    """The place a unit covers: a place covers itself; a non-place unit (350102B01) its parent place."""
    if org.is_place():
        return org.code
    match = re.match(r"\d+", org.code)
    return match.group(0) if match else org.code


def covers(assignment: RoleAssignment, scope_code: str) -> bool:
    if assignment.role in PERSONAL_ROLES:
        return False
    if assignment.org.is_place() or assignment.role in AREA_WIDE_ROLES:
        return scope_code.startswith(area_code(assignment.org))
    return False


def covering(user: User | None, case: Case, *roles: str) -> RoleAssignment | None:
    """The first of `user`'s roles (among `roles`) whose area includes the case."""
    for assignment in active_assignments(user):
        if assignment.role in roles and covers(assignment, case.scope_code):
            return assignment
    return None


def member_of(user: User | None, unit: OrgUnit | None, roles: Collection[str] = HANDLER_ROLES) -> RoleAssignment | None:
    """The user's handling role at `unit` or at a unit above it (community staff cover their grids)."""
    if unit is None:
        return None
    for assignment in active_assignments(user):
        if assignment.role in roles and unit.code.startswith(assignment.org.code):
            return assignment
    return None


def is_follower(user: User | None, case: Case) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if case.reporter_id == user.pk:
        return True
    # Asked by the actions and again by the page about the same case in one request.
    checked = case.__dict__.setdefault("_jinlin_followers", {})
    if user.pk not in checked:
        checked[user.pk] = CaseReporter.objects.filter(case=case, user=user).exists()
    return checked[user.pk]


def units_user_handles(user: User) -> list[OrgUnit]:
    return [a.org for a in active_assignments(user) if a.role in HANDLER_ROLES]


def resolved_level_of(unit: OrgUnit | None) -> str:
    """小事不出小区、大事不出社区: the level of the unit that solved the case."""
    if unit is None:  # never for a case in progress, which always has an owner
        return ResolvedLevel.DISTRICT
    if unit.kind in {
        OrgKind.ESTATE,
        OrgKind.BUILDING,
        OrgKind.ENTRANCE,
        OrgKind.PROPERTY_COMPANY,
        OrgKind.OWNERS_COMMITTEE,
    }:
        return ResolvedLevel.ESTATE
    if unit.kind in {OrgKind.GRID, OrgKind.COMMUNITY}:
        return ResolvedLevel.COMMUNITY
    place = unit if unit.is_place() else unit.parent
    if place is not None and place.kind == OrgKind.STREET:
        return ResolvedLevel.STREET
    if place is not None and place.kind in {OrgKind.COMMUNITY, OrgKind.ESTATE}:
        return ResolvedLevel.COMMUNITY if place.kind == OrgKind.COMMUNITY else ResolvedLevel.ESTATE
    return ResolvedLevel.DISTRICT
