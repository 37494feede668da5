"""Grid import: every kind of bad file is refused with a readable report and nothing written;
a good file is written with its audit entries."""

import json
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from shapely.geometry import shape

from jinlin.core import services
from jinlin.core.grids import area_m2, grid_index_invalidate, grids_import
from jinlin.core.models import AuditEntry, Grid, OrgKind, OrgUnit, Role

pytestmark = pytest.mark.django_db

COMMUNITY = "350102001001"
OTHER_COMMUNITY = "350102001002"
LAT, LNG = 26.08, 119.30
# 0.002° × 0.002° at 26.08° N: 222.4 m north–south × 199.8 m east–west (1° of latitude is
# 111.195 km on the mean-radius sphere, 1° of longitude 111.195 km × cos 26.08°).
CELL = 0.002
CELL_M2 = 222.39 * 199.78


@pytest.fixture(autouse=True)
def english_and_a_fresh_grid_index():
    with translation.override("en"):
        yield
    # The grid index outlives a test's rolled-back transaction; later tests must not see it.
    grid_index_invalidate()


@pytest.fixture
def communities():
    create = services.org_unit_create
    district = create(actor=None, kind=OrgKind.DISTRICT, code="350102", name="清溪区")
    street = create(actor=None, kind=OrgKind.STREET, code="350102001", name="清溪街道", parent=district)
    return (
        create(actor=None, kind=OrgKind.COMMUNITY, code=COMMUNITY, name="桂香社区", parent=street),
        create(actor=None, kind=OrgKind.COMMUNITY, code=OTHER_COMMUNITY, name="溪畔社区", parent=street),
    )


def ring(x0, y0, x1, y1):
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def polygon(*rings):
    return {"type": "Polygon", "coordinates": list(rings)}


def cell(col=0, row=0, size=CELL):
    """A square cell on a lattice east/north of (LNG, LAT); neighbouring cells share a border."""
    return polygon(ring(LNG + col * size, LAT + row * size, LNG + (col + 1) * size, LAT + (row + 1) * size))


def feature(code, geometry, name="测试网格", community=COMMUNITY, **props):
    properties = {"code": code, "name": name, **props}
    if community:
        properties["community_code"] = community
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def grid_import_audits():
    return AuditEntry.objects.filter(action="grid.import").count()


def assert_refused(report, *fragments):
    """The report is not ok, says each fragment (the feature it names, the problem), and nothing
    was written."""
    text = str(report)
    assert not report.ok
    for fragment in fragments:
        assert fragment in text, text
    assert "nothing was written" in text
    assert not OrgUnit.objects.filter(kind=OrgKind.GRID).exists()
    assert not Grid.objects.exists()
    assert grid_import_audits() == 0


def test_a_valid_file_creates_grids_with_boundaries_areas_and_audit_entries(communities):
    report = grids_import(
        actor=None,
        geojson=collection(
            feature("350102001001001", cell(0), name="桂香第一网格"),
            feature("350102001001002", cell(1), name="桂香第二网格"),  # shares a border with the first
        ),
    )

    assert report.ok, str(report)
    assert report.created == ["350102001001001", "350102001001002"]
    first = OrgUnit.objects.get(code="350102001001001")
    assert first.kind == OrgKind.GRID and first.parent == communities[0] and first.name == "桂香第一网格"
    assert shape(first.grid_boundary.boundary).equals(shape(cell(0)))
    assert first.grid_boundary.area_m2 == pytest.approx(CELL_M2, rel=0.002)
    assert shape(first.grid_boundary.boundary).contains(shape({"type": "Point", "coordinates": [first.lng, first.lat]}))
    audits = AuditEntry.objects.filter(action="grid.import", object_id=str(first.pk))
    assert audits.count() == 1
    assert audits.get().after["area_m2"] == pytest.approx(CELL_M2, rel=0.002)
    assert AuditEntry.objects.filter(action="org.create", object_id=str(first.pk)).exists()
    assert "Created: 350102001001001, 350102001001002" in str(report)


def test_importing_again_updates_name_and_boundary_and_audits_the_change(communities):
    grids_import(actor=None, geojson=collection(feature("350102001001001", cell(0), name="旧名")))

    report = grids_import(
        actor=None, geojson=json.dumps(collection(feature("350102001001001", cell(0, size=2 * CELL), name="新名")))
    )

    assert report.ok and report.updated == ["350102001001001"] and report.created == []
    unit = OrgUnit.objects.get(code="350102001001001")
    assert unit.name == "新名"
    assert unit.grid_boundary.area_m2 == pytest.approx(4 * CELL_M2, rel=0.005)
    change = AuditEntry.objects.filter(action="grid.import").order_by("-id").first()
    assert change.before["name"] == "旧名" and change.after["name"] == "新名"


def test_dry_run_reports_what_would_happen_and_writes_nothing(communities):
    report = grids_import(actor=None, geojson=collection(feature("350102001001001", cell(0))), dry_run=True)

    assert report.ok and report.created == ["350102001001001"]
    assert "Dry run" in str(report) and "Would create: 350102001001001" in str(report)
    assert not Grid.objects.exists() and grid_import_audits() == 0


def test_grid_import_rejects_an_unclosed_ring(communities):
    open_ring = ring(LNG, LAT, LNG + CELL, LAT + CELL)[:-1]

    report = grids_import(actor=None, geojson=collection(feature("350102001001001", polygon(open_ring))))

    assert_refused(report, "Ring 1 of polygon 1 is not closed", "(119.3, 26.08)", "Feature 1 (350102001001001)")


def test_grid_import_rejects_a_self_intersecting_polygon(communities):
    bowtie = [[LNG, LAT], [LNG + CELL, LAT + CELL], [LNG + CELL, LAT], [LNG, LAT + CELL], [LNG, LAT]]

    report = grids_import(actor=None, geojson=collection(feature("350102001001001", polygon(bowtie))))

    assert_refused(report, "The polygon is not valid", "Self-intersection", "Feature 1 (350102001001001)")


def test_grid_import_rejects_grids_that_overlap_each_other(communities):
    report = grids_import(
        actor=None,
        geojson=collection(
            feature("350102001001001", cell(0)),
            feature("350102001001002", cell(0.5)),  # half of the first cell
        ),
    )

    assert_refused(report, "Overlaps feature 2 (350102001001002)", "Overlaps feature 1 (350102001001001)")
    overlap = re.search(r"by ([\d.]+) m²", str(report))
    assert float(overlap.group(1)) == pytest.approx(CELL_M2 / 2, rel=0.005)


def test_a_sliver_of_overlap_within_the_tolerance_is_accepted(communities):
    # 0.00002° (2.2 m) × 0.00002° of overlap ≈ 4.4 m², under the 10 m² tolerance.
    sliver = 0.00002
    a = polygon(ring(LNG, LAT, LNG + CELL, LAT + CELL))
    b = polygon(ring(LNG + CELL - sliver, LAT + CELL - sliver, LNG + 2 * CELL, LAT + 2 * CELL))
    assert 0 < area_m2(shape(a).intersection(shape(b))) < 10

    report = grids_import(actor=None, geojson=collection(feature("350102001001001", a), feature("350102001001002", b)))

    assert report.ok, str(report)


def test_grid_import_rejects_a_grid_overlapping_one_already_stored(communities):
    grids_import(actor=None, geojson=collection(feature("350102001001001", cell(0))))

    other = feature("350102001002001", cell(0.5), community=OTHER_COMMUNITY)
    report = grids_import(actor=None, geojson=collection(other))

    assert not report.ok
    assert "Overlaps the existing grid 350102001001001" in str(report)
    assert not OrgUnit.objects.filter(code="350102001002001").exists()


def test_grid_import_rejects_a_code_without_its_community_prefix(communities):
    report = grids_import(actor=None, geojson=collection(feature("350102001002001", cell(0))))

    assert_refused(
        report, "Feature 1 (350102001002001)", "must be the community code 350102001001 followed by 3 digits"
    )


def test_grid_import_rejects_a_code_with_the_wrong_number_of_digits(communities):
    report = grids_import(actor=None, geojson=collection(feature("3501020010010001", cell(0))))

    assert_refused(report, "followed by 3 digits")


@pytest.mark.parametrize(
    "geometry, kind",
    [
        ({"type": "Point", "coordinates": [LNG, LAT]}, "Point"),
        ({"type": "LineString", "coordinates": [[LNG, LAT], [LNG + CELL, LAT]]}, "LineString"),
    ],
)
def test_grid_import_rejects_a_geometry_that_is_not_a_polygon(communities, geometry, kind):
    report = grids_import(actor=None, geojson=collection(feature("350102001001001", geometry)))

    assert_refused(
        report, "Feature 1 (350102001001001)", f"The geometry is a {kind}; only Polygon and MultiPolygon are accepted"
    )


def test_grid_import_rejects_coordinates_outside_the_wgs84_range_and_hints_at_swapped_axes(communities):
    swapped = polygon(ring(LAT, LNG, LAT + CELL, LNG + CELL))  # (lat, lng) instead of (lng, lat)

    report = grids_import(actor=None, geojson=collection(feature("350102001001001", swapped)))

    assert_refused(report, "outside the WGS-84 range", "are they swapped?", "Feature 1 (350102001001001)")


def test_grid_import_rejects_coordinates_outside_china(communities):
    paris = polygon(ring(2.35, 48.85, 2.35 + CELL, 48.85 + CELL))

    report = grids_import(actor=None, geojson=collection(feature("350102001001001", paris)))

    assert_refused(report, "lies outside China")


def test_one_bad_feature_stops_the_whole_file(communities):
    report = grids_import(
        actor=None,
        geojson=collection(
            feature("350102001001001", cell(0)),
            feature("350102001001002", {"type": "Point", "coordinates": [LNG, LAT]}),
        ),
    )

    assert_refused(report, "Feature 2 (350102001001002)")
    assert "Feature 1" not in str(report)


def test_every_problem_of_a_file_is_reported_at_once(communities):
    report = grids_import(
        actor=None,
        geojson=collection(
            feature("", cell(0), name=""),
            feature("350102001001002", cell(1), community="350102009009"),
            feature("350102001001003", cell(2), community=None),
        ),
    )

    text = str(report)
    assert_refused(report)
    assert "The property “code” is missing" in text and "The property “name” is missing" in text
    assert "There is no community with the code 350102009009" in text
    assert "No community" in text


def test_a_name_too_long_for_the_register_is_reported_not_crashed_on(communities):
    report = grids_import(actor=None, geojson=collection(feature("350102001001001", cell(0), name="网" * 121)))

    assert_refused(report, "Feature 1 (350102001001001)", "longer than 120 characters")


def test_a_grid_outside_its_community_outline_is_refused_and_one_inside_accepted(communities):
    outline = feature(COMMUNITY, polygon(ring(LNG, LAT, LNG + 2 * CELL, LAT + CELL)), kind="community", community=None)

    inside = grids_import(actor=None, geojson=collection(outline, feature("350102001001001", cell(0))), dry_run=True)
    outside = grids_import(actor=None, geojson=collection(outline, feature("350102001001002", cell(0, row=1))))

    assert inside.ok, str(inside)
    assert_refused(outside, "of the grid lies outside the outline of community 350102001001", "(100.0%)")


def test_the_community_argument_applies_to_features_without_community_code(communities):
    report = grids_import(
        actor=None, geojson=collection(feature("350102001002001", cell(0), community=None)), community=communities[1]
    )

    assert report.ok, str(report)
    assert OrgUnit.objects.get(code="350102001002001").parent == communities[1]


def test_a_feature_naming_another_community_than_the_argument_is_refused(communities):
    report = grids_import(actor=None, geojson=collection(feature("350102001001001", cell(0))), community=communities[1])

    assert_refused(report, "the import is for community 350102001002")


@pytest.mark.parametrize(
    "payload, message",
    [
        ("{not json", "The file is not valid JSON"),
        (json.dumps({"type": "Feature"}), "not a GeoJSON FeatureCollection"),
        (json.dumps({"type": "FeatureCollection", "features": []}), "contains no features"),
    ],
)
def test_a_file_that_is_not_a_feature_collection_gets_a_report_not_a_crash(communities, payload, message):
    report = grids_import(actor=None, geojson=payload)

    assert not report.ok and message in str(report)


def test_the_report_reads_in_chinese_by_default(communities):
    with translation.override("zh-hans"):
        report = grids_import(actor=None, geojson=collection(feature("350102001002001", cell(0))))
        text = str(report)

    assert "350102001001" in text
    assert "3 digits" not in text, text


def test_only_a_platform_admin_may_import_grids(communities):
    roles = [(Role.GRID_WORKER, communities[0])]
    worker = services.user_create(actor=None, phone="13700000001", name="网格员", password="x-long-pass-1", roles=roles)

    with pytest.raises(PermissionDenied):
        grids_import(actor=worker, geojson=collection(feature("350102001001001", cell(0))))
    assert not Grid.objects.exists()


def test_the_grids_import_command_prints_the_report_and_fails_on_errors(communities, tmp_path, capsys):
    good, bad = tmp_path / "good.geojson", tmp_path / "bad.geojson"
    good.write_text(json.dumps(collection(feature("350102001001001", cell(0)))), encoding="utf-8")
    bad.write_text(json.dumps(collection(feature("350102001001002", cell(0.5)))), encoding="utf-8")

    call_command("grids", "import", str(good), "--dry-run")
    assert not Grid.objects.exists()
    call_command("grids", "import", str(good), "--community", COMMUNITY)
    assert "Created: 350102001001001" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("grids", "import", str(bad))
    assert "Overlaps the existing grid 350102001001001" in capsys.readouterr().out
    assert Grid.objects.count() == 1
