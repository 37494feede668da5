"""Who may do what in the field app (core.policy rows).

A grid worker patrols their own grid; community staff (and platform admins) edit the checklists
of their community and read the patrols and coverage of the grids under it."""

from typing import Any

from django.utils.translation import gettext_noop

from jinlin.core.models import Role, RoleAssignment
from jinlin.core.policy import Policy, register
from jinlin.core.scope import covers, reach_code

PATROL_ROLES = frozenset({Role.GRID_WORKER})
CHECKLIST_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.PLATFORM_ADMIN})
READ_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.PLATFORM_ADMIN, Role.DISPATCHER})


def reaches(assignment: RoleAssignment, obj: Any) -> bool:
    """The binding reaches the unit (or the row's scope code); any area when obj is None."""
    if obj is None:
        return reach_code(assignment) is not None
    code = getattr(obj, "scope_code", None) or getattr(obj, "code", "")
    return covers(assignment, str(code or ""))


def own_patrol(user, obj: Any) -> bool:
    return obj is not None and getattr(obj, "worker_id", None) == user.pk


register(
    Policy(
        "field.patrol.start",
        roles=PATROL_ROLES,
        bound=reaches,
        refusal=gettext_noop("Only the grid worker of this grid may patrol it."),
    ),
    Policy(
        "field.patrol.update",
        personal=own_patrol,
        refusal=gettext_noop("Only the grid worker on this patrol may change it."),
    ),
    Policy(
        "field.checklist.edit",
        roles=CHECKLIST_ROLES,
        bound=reaches,
        refusal=gettext_noop("Only community staff may change the patrol checklists."),
    ),
    Policy(
        "field.coverage.view",
        roles=READ_ROLES,
        bound=reaches,
        refusal=gettext_noop("You may not see this grid's patrols."),
    ),
)
