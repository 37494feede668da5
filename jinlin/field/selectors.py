"""Reads of the field app: checklists, the day log, the cases and households a worker carries
offline, and the weekly coverage of a grid (which parts of it were walked).

Coverage: the grid polygon is laid with square cells of CELL_M metres; a cell counts as walked
when its centre lies within REACH_M metres of the week's track (any patrol of the grid). Shapes
are projected to local metres around the grid's centroid (the equirectangular scaling of
core.grids), so distances are in metres without a projection library."""

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from jinlin.cases.machine import ACTIVE
from jinlin.cases.models import Case
from jinlin.core import policy
from jinlin.core.models import Grid, OrgKind, OrgUnit, User
from jinlin.core.places import places_of_grid
from jinlin.core.scope import area_codes, prefix_q

from .checklists import DEFAULT_ITEMS
from .models import Checklist, Patrol, PatrolType

CELL_M = 50
REACH_M = 50


def community_of(unit: OrgUnit | None) -> OrgUnit | None:
    while unit is not None and unit.kind != OrgKind.COMMUNITY:
        unit = unit.parent
    return unit


def checklists_for(community: OrgUnit | None) -> dict[str, dict]:
    """{type: {"label", "items"}} for every patrol type: the community's own, else the defaults."""
    own = {}
    if community is not None:
        own = {c.patrol_type: c.items for c in Checklist.objects.filter(community=community)}
    return {
        value: {"label": str(label), "items": own.get(value) or list(DEFAULT_ITEMS[value])}
        for value, label in PatrolType.choices
    }


def day_log(user: User, day: date) -> list[Patrol]:
    """The worker's patrols that started on this (local) day, earliest first, with their findings."""
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    return list(
        Patrol.objects.filter(worker=user, started_at__gte=start, started_at__lt=start + timedelta(days=1))
        .prefetch_related("findings__case")
        .order_by("started_at")
    )


def worker_cases(user: User, grid: OrgUnit | None, limit: int = 30) -> QuerySet[Case]:
    """The active cases of the worker's grid (owned by the grid, or lying in it), soonest due first."""
    if grid is None:
        return Case.objects.none()
    return (
        Case.objects.filter(Q(owner_unit=grid) | Q(grid=grid), status__in=ACTIVE)
        .order_by("due_at", "pk")
        .select_related("category")[:limit]
    )


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class Coverage:
    grid: OrgUnit
    week: date
    cells: int
    walked: int
    patrols: int
    km: float

    @property
    def percent(self) -> int:
        return round(100 * self.walked / self.cells) if self.cells else 0


def _to_metres(lng0: float, lat0: float):
    from jinlin.core.grids import METRES_PER_DEGREE  # core.grids loads shapely: web workers start without it

    kx = METRES_PER_DEGREE * math.cos(math.radians(lat0))
    return lambda lng, lat: ((lng - lng0) * kx, (lat - lat0) * METRES_PER_DEGREE)


def _tracks(patrols: list[Patrol]) -> list[list[tuple[float, float]]]:
    return [[(p[2], p[1]) for p in patrol.track if p[1] is not None] for patrol in patrols]


def coverage_of(grid: OrgUnit, week: date) -> Coverage:
    """Share of the grid's cells walked in the week beginning on `week` (a Monday)."""
    import numpy as np
    import shapely
    from shapely.geometry import LineString, Point, shape

    start = timezone.make_aware(datetime.combine(week, datetime.min.time()))
    patrols = list(Patrol.objects.filter(grid=grid, started_at__gte=start, started_at__lt=start + timedelta(days=7)))
    boundary = Grid.objects.filter(unit=grid).values_list("boundary", flat=True).first()
    if not boundary:
        return Coverage(grid, week, 0, 0, len(patrols), 0.0)
    polygon = shape(boundary)
    project = _to_metres(polygon.centroid.x, polygon.centroid.y)
    local = shapely.transform(polygon, lambda xy: np.column_stack(project(xy[:, 0], xy[:, 1])))
    minx, miny, maxx, maxy = local.bounds
    mesh_x, mesh_y = np.meshgrid(np.arange(minx + CELL_M / 2, maxx, CELL_M), np.arange(miny + CELL_M / 2, maxy, CELL_M))
    xs, ys = mesh_x.ravel(), mesh_y.ravel()
    inside = shapely.contains_xy(local, xs, ys)
    xs, ys = xs[inside], ys[inside]
    lines = []
    km = 0.0
    for track in _tracks(patrols):
        pts = [project(lng, lat) for lng, lat in track]
        if len(pts) == 1:
            lines.append(Point(pts[0]))
        elif pts:
            line = LineString(pts)
            km += line.length / 1000
            lines.append(line)
    walked = 0
    if lines and len(xs):
        reach = shapely.union_all([g.buffer(REACH_M) for g in lines])
        walked = int(shapely.contains_xy(reach, xs, ys).sum())
    return Coverage(grid, week, int(len(xs)), walked, len(patrols), round(km, 2))


def grids_visible(user: User) -> QuerySet[OrgUnit]:
    """The grids whose coverage the user may read (their area, by the policy's roles)."""
    from .policies import READ_ROLES

    codes = area_codes(user, READ_ROLES)
    return OrgUnit.objects.filter(prefix_q("code", codes), kind=OrgKind.GRID).order_by("code")


def coverage_for(user: User, week: date) -> list[Coverage]:
    return [coverage_of(grid, week) for grid in grids_visible(user) if policy.allows(user, "field.coverage.view", grid)]


def map_data(grid: OrgUnit | None, cases: list[Case]) -> dict:
    """The grid's boundary and its active cases as GeoJSON, for the map the worker carries offline."""
    features = []
    if grid is not None:
        boundary = Grid.objects.filter(unit=grid).values_list("boundary", flat=True).first()
        if boundary:
            features.append(
                {"type": "Feature", "geometry": boundary, "properties": {"kind": "grid", "name": grid.name}}
            )
        features += places_of_grid(grid.pk)  # estates and buildings with their names (core.places)
    for case in cases:
        if case.lat is not None and case.lng is not None:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [case.lng, case.lat]},
                    "properties": {"kind": "case", "id": case.pk, "number": case.number, "title": case.title},
                }
            )
    return {"type": "FeatureCollection", "features": features}
