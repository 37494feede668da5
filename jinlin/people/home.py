"""The registry's figures on the home cards (core.home): visit coverage, overdue visits, buildings not
confirmed this month, open emergencies — for the roles who look after households."""

from django.urls import reverse
from django.utils.translation import gettext as _

from jinlin.core import policy
from jinlin.core.home import Figure, capped_count, figures
from jinlin.core.models import Role, RoleAssignment, User

from . import selectors


@figures(Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.POLICE_OFFICER, Role.BUILDING_HEAD)
def registry_figures(user: User, assignment: RoleAssignment) -> list[Figure]:
    out = []
    cover = selectors.coverage(user)
    if cover["pairings"]:
        out.append(
            Figure("visit_coverage", _("Visits on time (%)"), round(100 * cover["rate"]), reverse("people:visits"))
        )
        out.append(Figure("visits_overdue", _("Visits overdue"), cover["overdue"], reverse("people:visits"), "alert"))
    if assignment.role in (Role.BUILDING_HEAD, Role.COMMUNITY_STAFF, Role.GRID_WORKER):
        stale = len(selectors.stale_buildings(user))
        out.append(Figure("stale_buildings", _("Buildings to confirm this month"), stale, reverse("people:households")))
    if policy.allows(user, "people.emergency.manage"):
        from .emergency import emergencies_for

        out.append(
            Figure(
                "emergencies",
                _("Open emergencies"),
                capped_count(emergencies_for(user)),
                reverse("people:emergencies"),
                "alert",
            )
        )
    return out
