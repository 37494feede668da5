"""Point-in-grid on the demo district's 60 grids, loaded through the GeoJSON import."""

import pytest
from django.utils import timezone
from shapely.geometry import shape

from jinlin.core import grids, services
from jinlin.core.demo import G1_CODE, G2_CODE, demo_plan
from jinlin.core.grids import grid_at, grid_index_invalidate, grids_import, grids_of_points
from jinlin.core.models import Grid, OrgKind, OrgUnit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_index():
    # The index outlives a test's rolled-back transaction; later tests must not see these grids.
    yield
    grid_index_invalidate()


@pytest.fixture
def demo_grids():
    """The demo plan's district, streets and communities, and its grids imported from GeoJSON."""
    plan = demo_plan()
    units = {}
    for spec in plan.units:
        if spec.kind in (OrgKind.DISTRICT, OrgKind.STREET, OrgKind.COMMUNITY):
            units[spec.code] = services.org_unit_create(
                actor=None, kind=spec.kind, code=spec.code, name=spec.name, parent=units.get(spec.parent)
            )
    names = {spec.code: spec.name for spec in plan.units}
    report = grids_import(
        actor=None,
        geojson={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": code, "name": names[code], "community_code": code[:12]},
                    "geometry": boundary,
                }
                for code, boundary in plan.boundaries.items()
            ],
        },
    )
    assert report.ok, str(report)
    return {code: shape(boundary) for code, boundary in plan.boundaries.items()}


def test_the_centre_of_each_demo_grid_maps_back_to_that_grid(demo_grids):
    # The demo city: 12 communities in the first district and 4 in the second, 5 grids each.
    assert len(demo_grids) == 80
    for code, geom in demo_grids.items():
        point = geom.representative_point()
        assert grid_at(point.y, point.x).code == code


def test_a_point_outside_all_grids_has_no_grid(demo_grids):
    west = min(g.bounds[0] for g in demo_grids.values())
    north = max(g.bounds[3] for g in demo_grids.values())

    assert grid_at(north + 0.001, west + 0.001) is None  # just north of the district
    assert grid_at(26.5, 119.30) is None  # tens of kilometres away
    assert grid_at(0, 0) is None


def test_a_point_on_a_border_shared_by_two_grids_goes_to_the_grid_with_the_smaller_code(demo_grids):
    first, second = demo_grids[G1_CODE], demo_grids[G1_CODE[:-1] + "2"]
    border = first.intersection(second)
    assert border.geom_type == "LineString"  # the two grids touch along an edge
    mid = border.interpolate(0.5, normalized=True)

    for _ in range(3):
        assert grid_at(mid.y, mid.x).code == G1_CODE


def test_the_batch_lookup_answers_each_point_in_order_and_tolerates_missing_coordinates(demo_grids):
    g1, g2 = (demo_grids[c].representative_point() for c in (G1_CODE, G2_CODE))

    found = grids_of_points([(g2.y, g2.x), (None, None), (g1.y, g1.x), (0.0, 0.0)])

    assert [u.code if u else None for u in found] == [G2_CODE, None, G1_CODE, None]
    assert grids_of_points([]) == []


def test_the_index_sees_a_newly_imported_grid_at_once(demo_grids):
    west = min(g.bounds[0] for g in demo_grids.values())
    south = min(g.bounds[1] for g in demo_grids.values())
    assert grid_at(south - 0.001, west + 0.001) is None  # builds the index without the new grid

    report = grids_import(
        actor=None,
        geojson={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": G1_CODE[:-1] + "9", "name": "新网格", "community_code": G1_CODE[:12]},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [
                            [[west, south - 0.002], [west + 0.002, south - 0.002], [west + 0.002, south], [west, south]]
                            + [[west, south - 0.002]]
                        ],
                    },
                }
            ],
        },
    )

    assert report.ok, str(report)
    assert grid_at(south - 0.001, west + 0.001).code == G1_CODE[:-1] + "9"


def test_a_change_made_by_another_process_is_seen_once_the_index_is_rechecked(demo_grids, monkeypatch):
    point = demo_grids[G2_CODE].representative_point()
    assert grid_at(point.y, point.x).code == G2_CODE
    # A queryset update sends no signal, as if another process had changed the grid.
    far_away = {"type": "Polygon", "coordinates": [[[100, 30], [100.01, 30], [100.01, 30.01], [100, 30.01], [100, 30]]]}
    Grid.objects.filter(unit__code=G2_CODE).update(boundary=far_away, updated_at=timezone.now())
    assert grid_at(point.y, point.x).code == G2_CODE  # still cached

    monkeypatch.setattr(grids, "GRID_INDEX_RECHECK_SECONDS", 0)

    assert grid_at(point.y, point.x) is None
    assert grid_at(30.005, 100.005).code == G2_CODE


def test_a_deactivated_grid_no_longer_receives_points(demo_grids):
    point = demo_grids[G1_CODE].representative_point()
    unit = OrgUnit.objects.get(code=G1_CODE)
    unit.is_active = False
    unit.save(update_fields=["is_active"])

    assert grid_at(point.y, point.x) is None
