"""The platform administrator's page of the periodic background tasks (the same figures as
`jinlin status --json`): last run, next run, lag and a state per task."""

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from . import periodic
from .models import Role
from .scope import has_role

# A next run this many seconds late counts as late (a worker is slow or down).
LATE_SECONDS = 120

STATES = {
    "running": _("running"),
    "ok": _("on time"),
    "late": _("late"),
    "stopped": _("not scheduled"),
}


def _state(row: dict) -> str:
    if row["running_since"]:
        return "running"
    if row["next_run_at"] is None:
        return "stopped"
    if (row["lag_seconds"] or 0) > LATE_SECONDS:
        return "late"
    return "ok"


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@require_safe
@login_required
def periodic_tasks(request):
    user = request.user
    if not (user.is_superuser or has_role(user, Role.PLATFORM_ADMIN)):
        raise PermissionDenied
    rows = []
    for row in periodic.status():
        state = _state(row)
        rows.append(
            {
                **row,
                "last": _parse(row["last_finished_at"]),
                "next": _parse(row["next_run_at"]),
                "running": _parse(row["running_since"]),
                "state": state,
                "state_label": STATES[state],
            }
        )
    return render(request, "core/periodic_tasks.html", {"rows": rows})
