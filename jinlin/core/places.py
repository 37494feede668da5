"""The places a map draws without a tile server: grid polygons, estates and buildings with their
names, inside a box (WGS-84 lng/lat as GeoJSON prescribes).

This is geography, the same for every signed-in person: the names on the signs at the gate (网格,
小区, 楼栋), never addresses, people or cases. What keeps it small enough for a phone:

- a box of at most MAX_SPAN_DEG on either side (≈ 10 km) is answered, a larger one refused;
- buildings only when the box spans at most BUILDINGS_SPAN_DEG (≈ 3 km, a street's worth);
- each kind capped (LIMITS), `truncated` says when something was left out;
- grid outlines simplified (≈ 2 m) and rounded to 5 decimals (≈ 1 m), computed once per process
  per grid version beside the point-in-grid index (core.grids), so a request costs two queries.

core.grids loads shapely; it is imported inside the function, so web workers start without it.
"""

import math
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from .models import OrgKind, OrgUnit

MAX_SPAN_DEG = 0.1
BUILDINGS_SPAN_DEG = 0.03
LIMITS: dict[str, int] = {OrgKind.GRID: 300, OrgKind.ESTATE: 300, OrgKind.BUILDING: 800}
DECIMALS = 5


class BBox(NamedTuple):
    min_lng: float
    min_lat: float
    max_lng: float
    max_lat: float

    @property
    def span(self) -> float:
        return max(self.max_lng - self.min_lng, self.max_lat - self.min_lat)


def bbox_parse(text: str) -> BBox:
    """`min_lng,min_lat,max_lng,max_lat` (the order of GeoJSON's bbox); ValueError with a message
    for the person when it is not four numbers, not a box on the earth, or too large."""
    parts = (text or "").split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise ValueError(_("bbox must be four numbers: west,south,east,north."))
    box = BBox(*numbers)
    if not (-180 <= box.min_lng < box.max_lng <= 180 and -90 <= box.min_lat < box.max_lat <= 90):
        raise ValueError(_("bbox must be west,south,east,north in degrees, west of east and south of north."))
    if box.span > MAX_SPAN_DEG:
        raise ValueError(_("The area asked for is too large; zoom in."))
    return box


def _point(lat: float | None, lng: float | None) -> dict:
    assert lat is not None and lng is not None  # the query asks for points inside the box
    return {"type": "Point", "coordinates": [round(lng, DECIMALS), round(lat, DECIMALS)]}


def _short_building_name(name: str, estate_name: str | None) -> str:
    """ "银杏家园3号楼" inside 银杏家园 is labelled "3号楼" on the map (the estate has its own label)."""
    if estate_name and name.startswith(estate_name) and len(name) > len(estate_name):
        return name[len(estate_name) :]
    return name


def _points(queryset: Any, kind: str) -> tuple[list[dict], bool]:
    limit = LIMITS[kind]
    rows = list(
        queryset.filter(kind=kind, is_active=True, lat__isnull=False, lng__isnull=False)
        .order_by("code")
        .values("id", "name", "lat", "lng", "grid_id", "parent__kind", "parent__name")[: limit + 1]
    )
    features = []
    for row in rows[:limit]:
        props: dict[str, Any] = {"kind": kind, "id": row["id"], "name": row["name"], "grid": row["grid_id"]}
        if kind == OrgKind.BUILDING:
            estate = row["parent__name"] if row["parent__kind"] == OrgKind.ESTATE else None
            props["label"] = _short_building_name(row["name"], estate)
        features.append({"type": "Feature", "geometry": _point(row["lat"], row["lng"]), "properties": props})
    return features, len(rows) > limit


def _points_in(kind: str, box: BBox) -> tuple[list[dict], bool]:
    inside = OrgUnit.objects.filter(
        lat__gte=box.min_lat, lat__lte=box.max_lat, lng__gte=box.min_lng, lng__lte=box.max_lng
    )
    return _points(inside, kind)


def places_of_grid(grid_id: int) -> list[dict]:
    """The estates and buildings placed in one grid, as point features like places_in_bbox's (the
    field app's map of the worker's grid, carried offline)."""
    in_grid = OrgUnit.objects.filter(grid_id=grid_id)
    return _points(in_grid, OrgKind.ESTATE)[0] + _points(in_grid, OrgKind.BUILDING)[0]


def places_in_bbox(box: BBox) -> dict:
    """A GeoJSON FeatureCollection of the grids, estates and (when zoomed in) buildings in `box`.

    Every feature's properties carry `kind` (grid, estate, building), `id` and `name`; buildings
    add `label` (the name without their estate's); estates and buildings `grid` (the grid's id).
    """
    from .grids import grids_in_bbox  # shapely: loaded on the first map request, not at start-up

    limit = LIMITS[OrgKind.GRID]
    grids = grids_in_bbox((box.min_lng, box.min_lat, box.max_lng, box.max_lat), limit + 1)
    truncated = len(grids) > limit
    grids = grids[:limit]
    names = dict(OrgUnit.objects.filter(pk__in=[unit_id for unit_id, _geometry in grids]).values_list("id", "name"))
    features = [
        {"type": "Feature", "geometry": geometry, "properties": {"kind": "grid", "id": unit_id, "name": names[unit_id]}}
        for unit_id, geometry in grids
        if unit_id in names
    ]
    estates, more = _points_in(OrgKind.ESTATE, box)
    features += estates
    truncated = truncated or more
    with_buildings = box.span <= BUILDINGS_SPAN_DEG
    if with_buildings:
        buildings, more = _points_in(OrgKind.BUILDING, box)
        features += buildings
        truncated = truncated or more
    return {
        "type": "FeatureCollection",
        "bbox": list(box),
        "buildings": with_buildings,
        "truncated": truncated,
        "features": features,
    }
