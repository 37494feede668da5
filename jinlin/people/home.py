"""The registry's figures on the home cards (core.home): visit coverage, overdue visits, buildings not
confirmed this month, open emergencies — for the roles who look after households; and jobs (open
vacancies, seekers, hires this month) for community staff."""

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
            Figure("visit_coverage", _("Visits on time (%)"), round(100 * cover["rate"]), reverse("people:coverage"))
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


@figures(Role.COMMUNITY_STAFF)
def jobs_figures(user: User, assignment: RoleAssignment) -> list[Figure]:
    """订单式就业: open vacancies, seekers still looking, hires this month."""
    from .jobs import jobs_counts

    if not policy.allows(user, "people.jobs.manage"):
        return []
    counts = jobs_counts(user)
    if not (counts["vacancies"] or counts["seekers"] or counts["hired_this_month"]):
        return []
    return [
        Figure("job_vacancies", _("Open vacancies"), counts["vacancies"], reverse("people:vacancies")),
        Figure("job_seekers", _("Job seekers"), counts["seekers"], reverse("people:seekers")),
        Figure("job_hired", _("Hired this month"), counts["hired_this_month"], reverse("people:vacancies")),
    ]
