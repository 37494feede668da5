"""Who may do what in the registry: one policy row per action (core.policy).

Scope: a role bound to a place reaches a household whose grid (scope_code) or building/entrance
(unit_code) lies under that place, so the grid worker reaches their grid and a building head their
building. Restricted 综治 tags (GB/T 31000 special groups) are a separate row granted explicitly.
"""

from typing import Any

from jinlin.core.models import Role, RoleAssignment
from jinlin.core.policy import Policy, register
from jinlin.core.scope import covers, reach_code

# Who reads the registry at all, in their area.
VIEW_ROLES = frozenset(
    {
        Role.GRID_WORKER,
        Role.BUILDING_HEAD,
        Role.COMMUNITY_STAFF,
        Role.POLICE_OFFICER,
        Role.DISPATCHER,
        Role.PLATFORM_ADMIN,
    }
)
# Who may see a resident's full ID number and phone (purpose-bound, every time audited).
REVEAL_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.POLICE_OFFICER})
# Who keeps the registry: imports, exports, pairings.
KEEPER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.PLATFORM_ADMIN})
# Who may see and set the restricted 综治 tags: granted explicitly, nobody else.
RESTRICTED_TAG_ROLES = frozenset({Role.POLICE_OFFICER})
# Who visits households.
VISIT_ROLES = frozenset(
    {Role.GRID_WORKER, Role.BUILDING_HEAD, Role.COMMUNITY_STAFF, Role.POLICE_OFFICER, Role.PARTY_ADMIN}
)


def reaches(assignment: RoleAssignment, obj: Any) -> bool:
    """The binding reaches the row (a household, resident, pairing), or any area when obj is None."""
    if obj is None:
        return reach_code(assignment) is not None
    return covers(assignment, obj.scope_code) or covers(assignment, obj.unit_code)


def reaches_unit(assignment: RoleAssignment, unit: Any) -> bool:
    """The binding reaches an org unit (the building an import row names, a profile's area)."""
    code = reach_code(assignment)
    if code is None:
        return False
    if unit.code.startswith(code):
        return True
    grid = getattr(unit, "grid", None)
    return grid is not None and grid.code.startswith(code)


def is_carer(user, obj: Any) -> bool:
    household = getattr(obj, "household", obj)
    if household is None:
        return False
    return household.pairings.filter(carer=user, ended_at=None).exists()


register(
    Policy(
        "people.household.view",
        roles=VIEW_ROLES,
        bound=reaches,
        personal=is_carer,
        refusal="You may not see this household.",
    ),
    Policy(
        "people.resident.reveal",
        roles=REVEAL_ROLES,
        bound=reaches,
        refusal="Only grid workers, community staff and police of this area may see full ID numbers and phones.",
    ),
    Policy("people.import", roles=KEEPER_ROLES, bound=reaches, refusal="Only community staff may import households."),
    Policy("people.import.unit", roles=KEEPER_ROLES, bound=reaches_unit, refusal="This building is not in your area."),
    Policy("people.export", roles=KEEPER_ROLES, bound=reaches, refusal="Only community staff may export households."),
    Policy(
        "people.export.reveal",
        roles=frozenset({Role.COMMUNITY_STAFF}),
        bound=reaches,
        refusal="Only community staff may export full ID numbers and phones.",
    ),
    Policy(
        "people.tag.restricted",
        roles=RESTRICTED_TAG_ROLES,
        bound=reaches,
        refusal="The 综治 special-group tags are visible only to roles granted them.",
    ),
    Policy(
        "people.profile.view",
        roles=VIEW_ROLES,
        bound=lambda a, unit: reaches(a, None) if unit is None else reaches_unit(a, unit),
        refusal="You may not see this area's population profile.",
    ),
    Policy(
        "people.pairing.create",
        roles=frozenset({Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.PLATFORM_ADMIN}),
        bound=reaches,
        refusal="Only community staff and grid workers of this area may pair carers with households.",
    ),
    Policy(
        "people.visit.create",
        roles=VISIT_ROLES,
        bound=reaches,
        personal=is_carer,
        refusal="Only those who look after this household may log a visit.",
    ),
)


def reaches_row(assignment: RoleAssignment, obj: Any) -> bool:
    """For rows with a scope code only (disputes, 部件, grids as units)."""
    if obj is None:
        return reach_code(assignment) is not None
    code = getattr(obj, "scope_code", None) or getattr(obj, "code", "") or ""
    return covers(assignment, code)


register(
    # 综治中心 / community mediation: staff and grid workers open and run disputes in their area.
    Policy(
        "people.dispute.manage",
        roles=frozenset({Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.DISPATCHER, Role.PLATFORM_ADMIN}),
        bound=reaches_row,
        refusal="Only community staff and grid workers of this area may handle disputes.",
    ),
    Policy(
        "people.dispute.view",
        roles=frozenset(
            {Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.DISPATCHER, Role.PLATFORM_ADMIN, Role.POLICE_OFFICER}
        ),
        bound=reaches_row,
        refusal="You may not see this dispute.",
    ),
    Policy(
        "people.police.pair",
        roles=frozenset({Role.COMMUNITY_STAFF, Role.POLICE_OFFICER, Role.PLATFORM_ADMIN}),
        bound=reaches_row,
        refusal="Only community staff and police of this area may pair police with grid workers.",
    ),
    Policy(
        "people.component.manage",
        roles=frozenset({Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.DISPATCHER, Role.PLATFORM_ADMIN}),
        bound=reaches_row,
        refusal="Only staff of this area may register 部件.",
    ),
    Policy(
        "people.jobs.manage",
        roles=frozenset({Role.COMMUNITY_STAFF, Role.PLATFORM_ADMIN}),
        bound=reaches_row,
        refusal="Only community staff may match jobs.",
    ),
)


register(
    # 早发现、早核实、早拦截、早打击: grid workers and staff find and open emergencies; the police join to
    # verify, intercept and strike (the steps).
    Policy(
        "people.emergency.open",
        roles=frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.DISPATCHER, Role.PLATFORM_ADMIN}),
        bound=reaches_row,
        refusal="Only grid workers and staff of this area may open an emergency.",
    ),
    Policy(
        "people.emergency.manage",
        roles=frozenset(
            {Role.GRID_WORKER, Role.POLICE_OFFICER, Role.COMMUNITY_STAFF, Role.DISPATCHER, Role.PLATFORM_ADMIN}
        ),
        bound=reaches_row,
        refusal="Only grid workers, police and staff of this area may handle emergencies.",
    ),
)


register(
    # 楼栋长 confirm their building monthly; staff may confirm for them.
    Policy(
        "people.building.confirm",
        roles=frozenset({Role.BUILDING_HEAD, Role.COMMUNITY_STAFF, Role.GRID_WORKER}),
        bound=reaches_unit,
        refusal="Only the building head or staff of this area may confirm this building.",
    ),
)
