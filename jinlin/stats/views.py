"""The metrics dashboard (/stats/) and its CSV and Excel exports, for staff roles only."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from jinlin.core import ratelimit

from . import selectors
from .forms import RANK_CHOICES, MetricsFilterForm
from .table import COLUMNS, build_table, display, ranked_rows, table_csv, table_xlsx, value_of

# The ranking chart shows the best this many rows; the table below it shows them all.
CHART_ROWS = 20
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form(request) -> MetricsFilterForm:
    user = request.user
    if not selectors.can_view_metrics(user):
        raise PermissionDenied(_("The dashboard is for staff."))
    # Codes and names only: a city administrator's thousand units as model instances cost a
    # noticeable share of the page (docs/performance.md §8).
    units = selectors.metric_orgs(user).values_list("code", "name")
    return MetricsFilterForm(request.GET, user=user, org_choices=list(units))


def _percent(value):
    return None if value is None else round(value * 100, 1)


def _tiles(total) -> list[dict]:
    tiles = []
    for column in COLUMNS:
        if column.kind != "rate":
            continue
        tiles.append(
            {
                "name": column.name,
                "label": column.header,
                "value": display(column, getattr(total, column.name)),
                "numerator": value_of(total, column.numerator),
                "denominator": value_of(total, column.denominator),
            }
        )
    return tiles


def _charts(result, trend, table_rows, rank_by: str) -> dict:
    rank_label = str(dict(RANK_CHOICES)[rank_by])
    is_rate = rank_by != "intake"
    ranked = [r for r in table_rows if getattr(r, rank_by) is not None][:CHART_ROWS]
    series = ("response_rate", "on_time_rate", "resolution_rate", "satisfaction_rate")
    return {
        "trend": {
            "months": [r.key for r in trend.rows],
            "intake": [r.intake for r in trend.rows],
            "rates": {name: [_percent(getattr(r, name)) for r in trend.rows] for name in series},
        },
        "ranking": {
            "labels": [r.label for r in ranked],
            "values": [_percent(getattr(r, rank_by)) if is_rate else getattr(r, rank_by) for r in ranked],
            "name": rank_label,
            "percent": is_rate,
        },
        "text": {
            "intake": _("Intake"),
            "cases": _("Cases"),
            "rate": _("Rate (%)"),
            **{c.name: str(c.header) for c in COLUMNS if c.name in series},
        },
    }


@login_required
def dashboard(request):
    form = _form(request)
    context = {"form": form}
    if not form.is_valid():
        return render(request, "stats/dashboard.html", context, status=400)
    params = form.params()
    rank_by = form.cleaned_data["rank_by"]
    # The grouped figures and the month trend come from the same queries.
    result, trend = selectors.case_metrics_with_trend(request.user, **params)
    table = build_table(result, rank_by)
    context.update(
        result=result,
        table=table,
        tiles=_tiles(result.total),
        total=result.total,
        charts=_charts(result, trend, ranked_rows(result, rank_by), rank_by),
        query=form.data.urlencode(),
    )
    return render(request, "stats/dashboard.html", context)


@login_required
def export(request, fmt: str):
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    ratelimit.check("report", user=request.user)
    form = _form(request)
    if not form.is_valid():
        return render(request, "stats/dashboard.html", {"form": form}, status=400)
    params = form.params()
    result = selectors.case_metrics(request.user, **params)
    table = build_table(result, form.cleaned_data["rank_by"])
    name = f"jinlin-metrics-{result.group_by}-{result.date_from:%Y%m%d}-{result.date_to:%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(table_xlsx(table, title=_("Case metrics")), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


HOTSPOT_PERIODS = (30, 60, 90)


@login_required
def hotspots(request):
    """每月一题 candidates: recent cases the viewer may see, clustered by text within a community,
    ranked by size and growth (jinlin.triage.adapter.hotspots_for), each with its cases on a map."""
    from jinlin.cases.selectors import map_center
    from jinlin.triage.adapter import hotspots_for

    if not selectors.can_view_metrics(request.user):
        raise PermissionDenied(_("The dashboard is for staff."))
    try:
        days = int(request.GET.get("days", 60))
    except ValueError:
        days = 60
    if days not in HOTSPOT_PERIODS:
        days = 60
    spots = hotspots_for(request.user, days=days)
    points = []
    for index, spot in enumerate(spots):
        spot["index"] = index
        points.append(
            [
                {
                    "lat": c.lat,
                    "lng": c.lng,
                    "title": c.title,
                    "number": c.number,
                    "url": reverse("cases:detail", args=[c.pk]),
                }
                for c in spot["cases"]
                if c.lat is not None and c.lng is not None
            ]
        )
        spot["mapped"] = len(points[-1])
    center = map_center(request.user)
    return render(
        request,
        "stats/hotspots.html",
        {
            "spots": spots,
            "points": points,
            "days": days,
            "periods": HOTSPOT_PERIODS,
            "half": days // 2,
            "map": {
                "tile_url": getattr(settings, "JINLIN_MAP_TILE_URL", ""),
                "tile_crs": getattr(settings, "JINLIN_MAP_TILE_CRS", "wgs84"),
                "center": f"{center[0]:.6f},{center[1]:.6f}" if center else "",
            },
        },
    )
