"""The field app's figures on the home cards: the share of the grid walked this week."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core.home import Figure, figures
from jinlin.core.models import OrgKind, Role, RoleAssignment, User

from .selectors import coverage_of, week_start


@figures(Role.GRID_WORKER, Role.COMMUNITY_STAFF)
def walked_this_week(user: User, assignment: RoleAssignment) -> list[Figure]:
    week = week_start(timezone.localdate())
    org = assignment.org
    if org.kind == OrgKind.GRID:
        grids = [org]
    elif org.kind == OrgKind.COMMUNITY:
        from jinlin.core.models import OrgUnit

        grids = list(OrgUnit.objects.filter(code__startswith=org.code, kind=OrgKind.GRID)[:20])
    else:
        return []
    found = [coverage_of(grid, week) for grid in grids]
    cells = sum(c.cells for c in found)
    if not cells:
        return []
    percent = round(100 * sum(c.walked for c in found) / cells)
    return [Figure("walked", _("Grid walked this week (%)"), percent, reverse("field:coverage"))]
