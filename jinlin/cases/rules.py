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

from collections.abc import Collection

from jinlin.core.models import OrgKind, OrgUnit, Role, RoleAssignment, User

# The scope rule lives in core.scope; re-exported here for the callers that read it with the rest.
from jinlin.core.scope import AREA_WIDE_ROLES as AREA_WIDE_ROLES
from jinlin.core.scope import active_assignments
from jinlin.core.scope import area_code as area_code
from jinlin.core.scope import covers as covers

from .models import Case, CaseReporter, ResolvedLevel

# Roles whose members handle cases owned by their unit (接单, 办结, 退单).
HANDLER_ROLES = {
    Role.DEPARTMENT_HANDLER,
    Role.GRID_WORKER,
    Role.COMMUNITY_STAFF,
    Role.POLICE_OFFICER,
    Role.PROPERTY_REP,
}
# Roles that handle only what is given to their own unit, never what a unit under it owns: a
# community police officer is bound to the community but does not handle its grids' cases.
EXACT_UNIT_ROLES = {Role.POLICE_OFFICER}
# Staff who may record a case on a resident's behalf (phone, 12345, WeChat group, reception day).
RECORDING_ROLES = {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.DISPATCHER, Role.BUILDING_HEAD}


def covering(user: User | None, case: Case, *roles: str) -> RoleAssignment | None:
    """The first of `user`'s roles (among `roles`) whose area includes the case."""
    for assignment in active_assignments(user):
        if assignment.role in roles and covers(assignment, case.scope_code):
            return assignment
    return None


def acts_for(assignment: RoleAssignment, unit: OrgUnit | None) -> bool:
    """Whether this role binding acts for `unit`: bound to it, or to a unit above it (community
    staff cover their grids) — police officers only for their own unit."""
    if unit is None:
        return False
    if assignment.role in EXACT_UNIT_ROLES:
        return assignment.org_id == unit.pk
    return unit.code.startswith(assignment.org.code)


def member_of(user: User | None, unit: OrgUnit | None, roles: Collection[str] = HANDLER_ROLES) -> RoleAssignment | None:
    """The user's handling role at `unit` or at a unit above it (see acts_for)."""
    if unit is None:
        return None
    for assignment in active_assignments(user):
        if assignment.role in roles and acts_for(assignment, unit):
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
