"""The case loop's figures on each role's home card (core.home): what waits for this person now."""

from datetime import datetime, time

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core.home import Figure, capped_count, figures
from jinlin.core.models import Role, RoleAssignment, User

from . import selectors
from .machine import ACTIVE, Status


def _today_start() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


@figures(Role.DISPATCHER)
def dispatcher_figures(user: User, assignment: RoleAssignment) -> list[Figure]:
    queue = selectors.dispatch_queue(user)
    visible = selectors.cases_visible_to(user)
    return [
        Figure("queue", _("Waiting for dispatch"), capped_count(queue), reverse("cases:queue"), "alert"),
        Figure("overdue", _("Overdue"), capped_count(selectors.overdue_cases(user)), reverse("cases:overdue"), "alert"),
        Figure("today", _("New today"), capped_count(visible.filter(created_at__gte=_today_start()))),
    ]


@figures(Role.DEPARTMENT_HANDLER, Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.POLICE_OFFICER, Role.PROPERTY_REP)
def handler_figures(user: User, assignment: RoleAssignment) -> list[Figure]:
    inbox = selectors.inbox(user)
    now = timezone.now()
    return [
        Figure("inbox", _("To do"), capped_count(inbox), reverse("cases:inbox")),
        Figure(
            "overdue",
            _("Overdue"),
            capped_count(inbox.filter(status__in=ACTIVE, due_at__lte=now)),
            reverse("cases:inbox"),
            "alert",
        ),  # fmt: skip
        Figure(
            "whistles",
            _("Waiting for you to report in"),
            capped_count(selectors.pending_reports(user)),
            reverse("cases:whistles"),
            "alert",
        ),  # fmt: skip
    ]


@figures(Role.DISCIPLINE_SUPERVISOR)
def supervisor_figures(user: User, assignment: RoleAssignment) -> list[Figure]:
    return [
        Figure("overdue", _("Overdue"), capped_count(selectors.overdue_cases(user)), reverse("cases:overdue"), "alert")
    ]


@figures(Role.RESIDENT)
def resident_figures(user: User, assignment: RoleAssignment) -> list[Figure]:
    mine = selectors.my_cases(user)
    return [
        Figure(
            "open",
            _("Being handled"),
            capped_count(mine.exclude(status__in=[Status.CLOSED, Status.REJECTED, Status.MERGED])),
            reverse("cases:mine"),
        ),  # fmt: skip
        Figure(
            "to_rate",
            _("Waiting for your rating"),
            capped_count(mine.filter(status=Status.RESOLVED)),
            reverse("cases:mine") + "?to_rate=1",
            "alert",
        ),  # fmt: skip
    ]
