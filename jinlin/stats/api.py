"""GET /api/metrics/cases: the dashboard's figures as JSON. Thin: the dashboard's form parses the
parameters (same rules, same messages), the selector computes, the schema shapes the answer."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from . import selectors
from .forms import MetricsFilterForm

router = Router(tags=["metrics"])


class ErrorOut(Schema):
    detail: str | list


class OrgOut(Schema):
    id: int
    code: str
    name: str
    kind: str


class MetricsRowOut(Schema):
    key: str
    label: str
    intake: int
    merged: int
    repeats: int
    followers: int
    accepted: int
    accepted_resolved: int
    response_due: int
    responded_in_time: int
    due: int
    on_time: int
    resolved: int
    reopened: int
    rated: int
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    response_rate: float | None
    on_time_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    rework_rate: float | None
    repeat_rate: float | None
    avg_hours: float | None
    avg_working_hours: float | None


class MetricsOut(Schema):
    org: OrgOut | None
    date_from: date
    date_to: date
    group_by: str
    rows: list[MetricsRowOut]
    total: MetricsRowOut
    # When the metrics' tables were last refreshed (null: never; the figures are then all 0).
    as_of: datetime | None


@router.get(
    "/metrics/cases",
    response={200: MetricsOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Case metrics by group",
)
def metrics_cases(
    request,
    org: str | None = None,
    date_from: str | None = Query(None, alias="from"),
    to: str | None = None,
    group_by: str | None = None,
):
    """Counts and rates (响应率, 按期办结率, 办结率, 满意率, 返工率, 平均办理时长, 重复投诉率) per
    grid, community, street, department (handling unit), category or month, over the cases of
    the caller's area (for a unit that is not a place: the cases it owns), as of `as_of` (the
    last refresh of the metrics, every minute). `org` is an org unit's code or id (a place:
    cases there; another unit: cases it handles); `from`/`to` are dates (YYYY-MM-DD, default:
    the last twelve months). Rates are fractions 0–1, null when nothing was due. Definitions:
    docs/metrics.md."""
    if not selectors.can_view_metrics(request.user):
        raise PermissionDenied(_("Metrics are for staff."))
    data = {"org": org or "", "from": date_from or "", "to": to or "", "group_by": group_by or ""}
    form = MetricsFilterForm(data, user=request.user)
    if not form.is_valid():
        if form.out_of_scope:
            raise Http404
        raise ValidationError({field: errors for field, errors in form.errors.as_data().items() if field != "rank_by"})
    result = selectors.case_metrics(request.user, **form.params())
    unit = result.org
    return {
        "org": {"id": unit.pk, "code": unit.code, "name": unit.name, "kind": unit.kind} if unit else None,
        "date_from": result.date_from,
        "date_to": result.date_to,
        "group_by": result.group_by,
        "rows": [row.as_dict() for row in result.rows],
        "total": result.total.as_dict(),
        "as_of": result.as_of,
    }
