"""Grids: importing boundaries from GeoJSON with validation, and finding the grid a point lies in.

Geometry is GeoJSON in WGS-84, positions in (longitude, latitude) order as RFC 7946 prescribes;
the functions here take (lat, lng) the way people say it and turn it round at the edge.

Areas in square metres use a local equirectangular projection: around the latitude φ₀ of a
shape's centroid, one degree of latitude is R·π/180 metres and one degree of longitude
R·π/180·cos φ₀. The map is linear, so a shape's area in m² is its area in square degrees times
(R·π/180)²·cos φ₀. For a grid a few kilometres across the scale error is below 0.1 %, which is
plenty for overlap tolerances and statistics; it keeps us free of a projection library (pyproj
is not installed) and gives the same number on every machine.
"""

import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.db import transaction
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

from .audit import audit_record
from .models import Grid, OrgKind, OrgUnit, User
from .services import org_unit_create, require_admin

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180

# Mainland China with Hainan and the South China Sea islands, generously rounded: a grid outside
# this box is almost always a file with latitude and longitude swapped or in another datum/unit.
CHINA_BBOX = (73.0, 3.0, 136.0, 54.0)  # min lng, min lat, max lng, max lat

# Two neighbouring grids digitised separately rarely share a border to the centimetre; a sliver
# of up to 10 m² (a 2 cm strip along 500 m) is noise. The 1 % bound keeps the tolerance
# proportionate for very small grids. An overlap beyond the smaller of the two is an error.
OVERLAP_TOLERANCE_M2 = 10.0
OVERLAP_TOLERANCE_SHARE = 0.01

GRID_SUFFIX = re.compile(r"\d{3}")
POLYGON_TYPES = {"Polygon", "MultiPolygon"}
NAME_MAX_LENGTH: int = OrgUnit._meta.get_field("name").max_length or 0


def area_m2(geom: Any) -> float:
    """Area of a lng/lat geometry in square metres (local equirectangular scaling, see above)."""
    if geom.is_empty:
        return 0.0
    return geom.area * METRES_PER_DEGREE**2 * math.cos(math.radians(geom.centroid.y))


def overlap_tolerance_m2(area_a: float, area_b: float) -> float:
    return min(OVERLAP_TOLERANCE_M2, OVERLAP_TOLERANCE_SHARE * min(area_a, area_b))


# ---------------------------------------------------------------------------------------------
# The import report
# ---------------------------------------------------------------------------------------------


@dataclass
class Problem:
    index: int | None  # 0-based position of the feature in the file; None for the whole file
    code: str
    message: str

    def __str__(self) -> str:
        if self.index is None:
            return self.message
        where = _("Feature %(number)d") % {"number": self.index + 1}
        if self.code:
            where = f"{where} ({self.code})"
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    feature_count: int = 0
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, index: int | None, code: str, message: str) -> None:
        self.problems.append(Problem(index, code, message))

    def lines(self) -> list[str]:
        out = [_("%(count)d feature(s) read.") % {"count": self.feature_count}]
        if self.problems:
            out.append(_("%(count)d problem(s) found; nothing was written:") % {"count": len(self.problems)})
            # File-wide problems first, then feature by feature in file order.
            out.extend(f"  - {p}" for p in sorted(self.problems, key=lambda p: -1 if p.index is None else p.index))
            return out
        if self.dry_run:
            out.append(_("Dry run: nothing was written."))
            created, updated = _("Would create: %(codes)s"), _("Would update: %(codes)s")
        else:
            created, updated = _("Created: %(codes)s"), _("Updated: %(codes)s")
        if self.created:
            out.append(created % {"codes": ", ".join(self.created)})
        if self.updated:
            out.append(updated % {"codes": ", ".join(self.updated)})
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


# ---------------------------------------------------------------------------------------------
# Geometry checks on the raw GeoJSON (before shapely, which would silently close rings)
# ---------------------------------------------------------------------------------------------


def _fmt(position: Any) -> str:
    return "(" + ", ".join(f"{v:g}" for v in position[:2]) + ")"


def _polygons_of(geometry: dict) -> list:
    coords = geometry.get("coordinates")
    if not isinstance(coords, list):
        raise ValueError(_("“coordinates” is not a list"))
    return [coords] if geometry["type"] == "Polygon" else coords


def _check_positions(geometry: dict) -> list[str]:
    """Ring structure, closure, WGS-84 range and China's box, read from the raw coordinates."""
    problems = []
    try:
        polygons = _polygons_of(geometry)
    except ValueError as exc:
        return [_("The coordinates are malformed: %(detail)s.") % {"detail": exc}]
    out_of_range = outside_china = None
    for p, rings in enumerate(polygons, start=1):
        if not isinstance(rings, list) or not rings:
            problems.append(_("Polygon %(polygon)d has no rings.") % {"polygon": p})
            continue
        for r, ring in enumerate(rings, start=1):
            if not isinstance(ring, list) or not all(
                isinstance(pos, list)
                and len(pos) >= 2
                and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in pos)
                for pos in ring
            ):
                problems.append(
                    _(
                        "Ring %(ring)d of polygon %(polygon)d is malformed: "
                        "every position must be [longitude, latitude]."
                    )
                    % {"ring": r, "polygon": p}
                )
                continue
            if len(ring) < 4:
                problems.append(
                    _("Ring %(ring)d of polygon %(polygon)d has %(count)d positions; a closed ring needs at least 4.")
                    % {"ring": r, "polygon": p, "count": len(ring)}
                )
            elif ring[0][:2] != ring[-1][:2]:
                problems.append(
                    _(
                        "Ring %(ring)d of polygon %(polygon)d is not closed: its first position %(first)s differs "
                        "from its last %(last)s; GeoJSON requires them to be identical."
                    )
                    % {"ring": r, "polygon": p, "first": _fmt(ring[0]), "last": _fmt(ring[-1])}
                )
            for pos in ring:
                lng, lat = pos[0], pos[1]
                if not (-180 <= lng <= 180 and -90 <= lat <= 90):
                    out_of_range = out_of_range or pos
                elif not (CHINA_BBOX[0] <= lng <= CHINA_BBOX[2] and CHINA_BBOX[1] <= lat <= CHINA_BBOX[3]):
                    outside_china = outside_china or pos
    # One message per kind of range problem: a swapped file would otherwise give hundreds.
    if out_of_range:
        problems.append(
            _(
                "Position %(position)s is outside the WGS-84 range (longitude −180…180, latitude −90…90); "
                "GeoJSON positions are [longitude, latitude] — are they swapped?"
            )
            % {"position": _fmt(out_of_range)}
        )
    if outside_china:
        problems.append(
            _("Position %(position)s lies outside China (longitude 73…136, latitude 3…54).")
            % {"position": _fmt(outside_china)}
        )
    return problems


def _parse_polygon(geometry: Any, report: ImportReport, index: int, code: str) -> Any:
    """The shapely geometry of a feature, or None after reporting why it cannot be used."""
    if not isinstance(geometry, dict) or not geometry.get("type"):
        report.add(index, code, _("The feature has no geometry."))
        return None
    if geometry["type"] not in POLYGON_TYPES:
        report.add(
            index,
            code,
            _("The geometry is a %(type)s; only Polygon and MultiPolygon are accepted.") % {"type": geometry["type"]},
        )
        return None
    problems = _check_positions(geometry)
    for message in problems:
        report.add(index, code, message)
    if problems:
        return None
    try:
        geom = shapely.force_2d(shape(geometry))
    except (ValueError, TypeError, shapely.errors.GEOSException) as exc:
        report.add(index, code, _("The geometry cannot be read: %(detail)s.") % {"detail": exc})
        return None
    # Never repaired with make_valid: a silently rewritten boundary would route cases to the
    # wrong grid. The operator fixes the file, helped by GEOS's explanation and location.
    if not geom.is_valid:
        report.add(index, code, _("The polygon is not valid: %(reason)s.") % {"reason": explain_validity(geom)})
        return None
    if area_m2(geom) <= 0:
        report.add(index, code, _("The polygon has no area."))
        return None
    return geom


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


@dataclass
class _Feature:
    index: int
    code: str
    name: str
    community: OrgUnit | None
    geom: Any = None
    area: float = 0.0
    existing: OrgUnit | None = None


def _load(geojson: dict | str, report: ImportReport) -> list | None:
    if isinstance(geojson, str | bytes):
        try:
            geojson = json.loads(geojson)
        except ValueError as exc:
            report.add(None, "", _("The file is not valid JSON: %(detail)s.") % {"detail": exc})
            return None
    if not isinstance(geojson, dict) or geojson.get("type") != "FeatureCollection":
        report.add(None, "", _("The file is not a GeoJSON FeatureCollection."))
        return None
    features = geojson.get("features")
    if not isinstance(features, list) or not features:
        report.add(None, "", _("The file contains no features."))
        return None
    report.feature_count = len(features)
    return features


def _label(feature: _Feature) -> str:
    return _("feature %(number)d (%(code)s)") % {"number": feature.index + 1, "code": feature.code}


def grids_import(
    *, actor: User | None, geojson: dict | str, community: OrgUnit | None = None, dry_run: bool = False
) -> ImportReport:
    """Validate a GeoJSON FeatureCollection of grid boundaries and, if all is well, write it.

    Each grid feature carries properties `code`, `name` and `community_code` (or the caller
    passes `community`); its code must be the community's code followed by 3 digits. A feature
    with `"kind": "community"` gives a community's outline: it is not stored (communities have no
    boundary column), but every grid of that community in the file must lie inside it. Without
    an outline, containment cannot be checked and only validity and overlaps are.

    Nothing is written unless every feature passes (one transaction); each grid written gets an
    audit entry ("grid.import", with org.create from the service for new grids).
    """
    require_admin(actor)
    report = ImportReport(dry_run=dry_run)
    raw_features = _load(geojson, report)
    if raw_features is None:
        return report

    grids: list[_Feature] = []
    outlines: dict[str, object] = {}
    seen_codes: dict[str, int] = {}
    communities = {u.code: u for u in OrgUnit.objects.filter(kind=OrgKind.COMMUNITY)}

    for index, raw in enumerate(raw_features):
        if not isinstance(raw, dict) or raw.get("type") != "Feature":
            report.add(index, "", _("This is not a GeoJSON Feature."))
            continue
        props = raw.get("properties") or {}
        if not isinstance(props, dict):
            props = {}
        code = str(props.get("code") or "").strip()
        kind = str(props.get("kind") or "grid").strip()
        if not code:
            report.add(index, "", _("The property “code” is missing."))
        if kind == "community":
            if code and code not in communities:
                report.add(index, code, _("There is no community with the code %(code)s.") % {"code": code})
            geom = _parse_polygon(raw.get("geometry"), report, index, code)
            if code in outlines:
                report.add(index, code, _("The outline of community %(code)s is given twice.") % {"code": code})
            elif geom is not None and code in communities:
                outlines[code] = geom
            continue
        if kind != "grid":
            report.add(index, code, _("Unknown kind “%(kind)s”: use “grid” or “community”.") % {"kind": kind})
            continue

        name = str(props.get("name") or "").strip()
        if not name:
            report.add(index, code, _("The property “name” is missing."))
        elif len(name) > NAME_MAX_LENGTH:
            report.add(index, code, _("The name is longer than %(max)d characters.") % {"max": NAME_MAX_LENGTH})
        owner = _community_of(props, community, communities, report, index, code)
        if code:
            if code in seen_codes:
                report.add(
                    index,
                    code,
                    _("The code %(code)s appears more than once in the file (also feature %(number)d).")
                    % {"code": code, "number": seen_codes[code] + 1},
                )
            seen_codes.setdefault(code, index)
            if owner and not (code.startswith(owner.code) and GRID_SUFFIX.fullmatch(code[len(owner.code) :])):
                report.add(
                    index,
                    code,
                    _("The code %(code)s must be the community code %(community)s followed by 3 digits.")
                    % {"code": code, "community": owner.code},
                )
        feature = _Feature(index, code, name, owner)
        feature.geom = _parse_polygon(raw.get("geometry"), report, index, code)
        if feature.geom is not None:
            feature.area = area_m2(feature.geom)
        grids.append(feature)

    _check_existing(grids, report)
    _check_overlaps(grids, report)
    _check_inside_outlines(grids, outlines, communities, report)

    if report.ok and dry_run:
        for feature in grids:
            (report.updated if feature.existing else report.created).append(feature.code)
    elif report.ok:
        _write(actor, grids, report)
    return report


def _community_of(props: dict, community: Any, communities: Any, report: Any, index: int, code: str) -> OrgUnit | None:
    given = str(props.get("community_code") or "").strip()
    if community is not None:
        if given and given != community.code:
            report.add(
                index,
                code,
                _("The feature says community %(given)s but the import is for community %(community)s.")
                % {"given": given, "community": community.code},
            )
            return None
        return community
    if not given:
        report.add(index, code, _("No community: set the property “community_code” or choose a community."))
        return None
    if given not in communities:
        report.add(index, code, _("There is no community with the code %(code)s.") % {"code": given})
        return None
    return communities[given]


def _check_existing(grids: list[_Feature], report: ImportReport) -> None:
    existing = {u.code: u for u in OrgUnit.objects.filter(code__in=[f.code for f in grids if f.code])}
    for feature in grids:
        unit = existing.get(feature.code)
        if unit is None:
            continue
        if unit.kind != OrgKind.GRID:
            report.add(
                feature.index,
                feature.code,
                _("The code %(code)s already belongs to “%(name)s”, which is not a grid.")
                % {"code": feature.code, "name": unit.name},
            )
        elif feature.community and unit.parent_id != feature.community.pk:
            report.add(
                feature.index,
                feature.code,
                _("Grid %(code)s already exists under another community.") % {"code": feature.code},
            )
        else:
            feature.existing = unit


def _overlap_problem(area: float, other: str, tolerance: float) -> str:
    return _("Overlaps %(other)s by %(area).1f m², more than the tolerance of %(tolerance).1f m².") % {
        "other": other,
        "area": area,
        "tolerance": tolerance,
    }


def _check_overlaps(grids: list[_Feature], report: ImportReport) -> None:
    """Overlaps between grids in the file, and with grids already stored (except those the file
    replaces), within the tolerance defined at the top of the module."""
    usable = [f for f in grids if f.geom is not None]
    if not usable:
        return
    tree = shapely.STRtree([f.geom for f in usable])
    pairs = tree.query([f.geom for f in usable], predicate="intersects")
    for i, j in zip(*pairs, strict=True):
        if i >= j:
            continue
        a, b = usable[i], usable[j]
        shared = area_m2(a.geom.intersection(b.geom))
        tolerance = overlap_tolerance_m2(a.area, b.area)
        if shared > tolerance:
            report.add(a.index, a.code, _overlap_problem(shared, _label(b), tolerance))
            report.add(b.index, b.code, _overlap_problem(shared, _label(a), tolerance))

    # An import must compare against the stored grids as they are now, not as cached a few
    # seconds ago (another process may have imported, or a transaction rolled back).
    index = _grid_index(recheck_after=0)
    replaced = {f.code for f in grids}
    for feature in usable:
        for k in index.tree.query(feature.geom, predicate="intersects"):
            if index.codes[k] in replaced:
                continue
            stored = index.geoms[k]
            shared = area_m2(feature.geom.intersection(stored))
            tolerance = overlap_tolerance_m2(feature.area, area_m2(stored))
            if shared > tolerance:
                other = _("the existing grid %(code)s") % {"code": index.codes[k]}
                report.add(feature.index, feature.code, _overlap_problem(shared, other, tolerance))


def _check_inside_outlines(grids: Any, outlines: Any, communities: Any, report: Any) -> None:
    for feature in grids:
        if feature.geom is None or feature.community is None or feature.community.code not in outlines:
            continue
        outline = outlines[feature.community.code]
        outside = area_m2(feature.geom.difference(outline))
        tolerance = min(OVERLAP_TOLERANCE_M2, OVERLAP_TOLERANCE_SHARE * feature.area)
        if outside > tolerance:
            report.add(
                feature.index,
                feature.code,
                _("%(area).1f m² (%(share).1f%%) of the grid lies outside the outline of community %(community)s.")
                % {
                    "area": outside,
                    "share": 100 * outside / feature.area,
                    "community": feature.community.code,
                },
            )


@transaction.atomic
def _write(actor: User | None, grids: list[_Feature], report: ImportReport) -> None:
    for feature in grids:
        point = feature.geom.representative_point()
        boundary = mapping(feature.geom)
        after = {
            "code": feature.code,
            "name": feature.name,
            "community": feature.community.code,
            "area_m2": round(feature.area, 1),
        }
        unit = feature.existing
        if unit is None:
            unit = org_unit_create(
                actor=actor,
                kind=OrgKind.GRID,
                code=feature.code,
                name=feature.name,
                parent=feature.community,
                lat=point.y,
                lng=point.x,
            )
            before = None
            report.created.append(feature.code)
        else:
            old = Grid.objects.filter(unit=unit).first()
            before = {"name": unit.name, "area_m2": round(old.area_m2, 1) if old else None}
            unit.name, unit.lat, unit.lng = feature.name, point.y, point.x
            unit.save(update_fields=["name", "lat", "lng"])
            report.updated.append(feature.code)
        # JSON round trip turns shapely's tuples into the lists GeoJSON readers expect.
        Grid.objects.update_or_create(
            unit=unit, defaults={"boundary": json.loads(json.dumps(boundary)), "area_m2": feature.area}
        )
        audit_record(actor=actor, action="grid.import", obj=unit, before=before, after=after)
    grid_index_invalidate()


# ---------------------------------------------------------------------------------------------
# Point-in-grid
# ---------------------------------------------------------------------------------------------

# How long a process trusts its grid index before asking the database whether grids changed.
# Changes made in this process invalidate it at once (signals below); other processes (another
# web worker, the task worker) see them after at most this long.
GRID_INDEX_RECHECK_SECONDS = 5.0


@dataclass
class _GridIndex:
    stamp: tuple
    checked_at: float
    tree: shapely.STRtree
    geoms: list
    unit_ids: list[int]
    codes: list[str]
    # Outlines simplified for drawing (grids_in_bbox), made on first use: position → GeoJSON.
    drawn: dict[int, dict] = field(default_factory=dict)


_index: _GridIndex | None = None
_index_lock = threading.Lock()


def _grid_rows():
    return Grid.objects.filter(unit__kind=OrgKind.GRID, unit__is_active=True)


def _grid_stamp() -> tuple:
    # Count catches deletions and deactivations, the latest update catches edits and additions.
    agg = _grid_rows().aggregate(n=Count("pk"), latest=Max("updated_at"))
    return (agg["n"], agg["latest"])


def _grid_index(recheck_after: float | None = None) -> _GridIndex:
    global _index
    if recheck_after is None:
        recheck_after = GRID_INDEX_RECHECK_SECONDS
    now = time.monotonic()
    current = _index
    if current is not None and now - current.checked_at < recheck_after:
        return current
    with _index_lock:
        stamp = _grid_stamp()
        if _index is not None and _index.stamp == stamp:
            _index.checked_at = now
            return _index
        rows = list(_grid_rows().values_list("unit_id", "unit__code", "boundary").order_by("unit__code"))
        geoms = [shape(row[2]) for row in rows]
        _index = _GridIndex(
            stamp=stamp,
            checked_at=now,
            tree=shapely.STRtree(geoms),
            geoms=geoms,
            unit_ids=[r[0] for r in rows],
            codes=[r[1] for r in rows],
        )
        return _index


def grid_index_invalidate() -> None:
    """Forget the in-process index; the next lookup rebuilds it from the database."""
    global _index
    _index = None


@receiver(post_save, sender=Grid)
@receiver(post_delete, sender=Grid)
@receiver(post_save, sender=OrgUnit)
def _grids_changed(sender, instance, **kwargs):
    if sender is Grid or instance.kind == OrgKind.GRID:
        grid_index_invalidate()


def grids_of_points(points: list[tuple[float, float]]) -> list[OrgUnit | None]:
    """The grid each (lat, lng) point lies in, or None; one tree query for the whole batch.

    A point on the border shared by several grids (or in a tolerated sliver of overlap) goes to
    the grid with the smallest code, so the same point is always routed the same way.
    """
    if not points:
        return []
    index = _grid_index()
    lats = np.array([p[0] if p[0] is not None else np.nan for p in points], dtype=float)
    lngs = np.array([p[1] if p[1] is not None else np.nan for p in points], dtype=float)
    # NaN coordinates make empty points, which never match the tree.
    geoms = shapely.points(lngs, lats)
    geoms[~(np.isfinite(lats) & np.isfinite(lngs))] = None
    hits = index.tree.query(geoms, predicate="covered_by") if index.geoms else np.empty((2, 0), dtype=int)
    chosen: dict[int, int] = {}
    for point_i, tree_i in zip(hits[0].tolist(), hits[1].tolist(), strict=True):
        # The index is ordered by code, so the smallest tree position has the smallest code.
        if tree_i < chosen.get(point_i, tree_i + 1):
            chosen[point_i] = tree_i
    units = OrgUnit.objects.in_bulk([index.unit_ids[k] for k in chosen.values()])
    return [units.get(index.unit_ids[chosen[i]]) if i in chosen else None for i in range(len(points))]


def grid_at(lat: float, lng: float) -> OrgUnit | None:
    """The grid (an OrgUnit of kind grid) containing the point, or None outside every grid."""
    return grids_of_points([(lat, lng)])[0]


# Drawing a grid on a phone needs no centimetres: outlines are simplified by about 2 m (never
# changing their topology) and positions rounded to 5 decimals (about 1 m).
DRAW_TOLERANCE_DEG = 0.00002
DRAW_DECIMALS = 5


def _rounded(coords: Any) -> Any:
    if coords and isinstance(coords[0], (int, float)):
        return [round(float(c), DRAW_DECIMALS) for c in coords]
    return [_rounded(c) for c in coords]


def grids_in_bbox(bbox: tuple[float, float, float, float], limit: int) -> list[tuple[int, dict]]:
    """(grid unit id, simplified GeoJSON outline) of the active grids meeting the box
    (min lng, min lat, max lng, max lat), at most `limit`, in code order. The outlines are kept
    with the in-process index, so each grid is simplified once per version."""
    index = _grid_index()
    if not index.geoms:
        return []
    hits = sorted(index.tree.query(shapely.box(*bbox), predicate="intersects").tolist())[:limit]
    out = []
    for i in hits:
        drawn = index.drawn.get(i)
        if drawn is None:
            simple = index.geoms[i].simplify(DRAW_TOLERANCE_DEG, preserve_topology=True)
            geometry = mapping(simple)
            drawn = {"type": geometry["type"], "coordinates": _rounded(geometry["coordinates"])}
            index.drawn[i] = drawn
        out.append((index.unit_ids[i], drawn))
    return out


__all__ = [
    "ImportReport",
    "Problem",
    "area_m2",
    "grid_at",
    "grid_index_invalidate",
    "grids_import",
    "grids_in_bbox",
    "grids_of_points",
]
