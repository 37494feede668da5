"""The places layer of the maps that work without tiles (/cases/map/places.json, core.places):
grids, estates and buildings with their names inside a box; small, bounded, geography only."""

import json

import pytest
from django.urls import reverse

from jinlin.core import places
from jinlin.core.models import Grid, OrgKind, OrgUnit

pytestmark = pytest.mark.django_db

URL = reverse("cases:places_data")
AROUND_G1 = "119.295,26.075,119.315,26.095"  # 2 km around 桂香一网格, clear of 湖滨一网格 (119.32–)


@pytest.fixture
def placed(org):
    """The fixture's estate and building with points, a far-away estate and an inactive building."""
    OrgUnit.objects.filter(pk=org.estate.pk).update(lat=26.085, lng=119.305, address="福州市清溪区桂香路8号")
    OrgUnit.objects.filter(pk=org.building.pk).update(lat=26.0852, lng=119.3052)
    far = OrgUnit.objects.create(
        kind=OrgKind.ESTATE, code="350102002001E01", name="湖滨花园", parent=org.community_b, lat=26.5, lng=119.9
    )
    gone = OrgUnit.objects.create(
        kind=OrgKind.BUILDING,
        code="350102001001E01B02",
        name="桂香小区2号楼",
        parent=org.estate,
        lat=26.0853,
        lng=119.3053,
        is_active=False,
    )
    OrgUnit.objects.filter(pk=org.building.pk).update(name="桂香小区1号楼")
    return org, far, gone


def kinds(data):
    out: dict[str, set] = {}
    for f in data["features"]:
        out.setdefault(f["properties"]["kind"], set()).add(f["properties"]["name"])
    return out


def test_a_resident_gets_the_grids_estates_and_buildings_in_the_box_with_their_names(client, people, placed):
    client.force_login(people.resident)
    response = client.get(URL, {"bbox": AROUND_G1})
    assert response.status_code == 200
    assert response["Cache-Control"] == f"private, max-age={300}"
    data = response.json()
    assert data["type"] == "FeatureCollection" and data["buildings"] is True and data["truncated"] is False
    assert kinds(data) == {"grid": {"桂香一网格"}, "estate": {"桂香小区"}, "building": {"桂香小区1号楼"}}
    by_kind = {f["properties"]["kind"]: f for f in data["features"]}
    grid, estate, building = by_kind["grid"], by_kind["estate"], by_kind["building"]
    assert grid["geometry"]["type"] == "Polygon" and len(grid["geometry"]["coordinates"][0]) == 5
    assert estate["geometry"] == {"type": "Point", "coordinates": [119.305, 26.085]}
    assert building["properties"]["label"] == "1号楼"  # the estate has its own label
    assert estate["properties"]["grid"] == placed[0].g1.pk
    # Geography only: no addresses, codes of people, cases.
    text = response.content.decode()
    assert "桂香路8号" not in text and "王小明" not in text and "\\u" not in text  # readable UTF-8


def test_the_box_limits_what_comes_back(client, people, placed):
    client.force_login(people.resident)
    east = client.get(URL, {"bbox": "119.318,26.075,119.335,26.095"}).json()
    assert kinds(east) == {"grid": {"湖滨一网格"}}
    nowhere = client.get(URL, {"bbox": "118.0,25.0,118.01,25.01"}).json()
    assert nowhere["features"] == []
    # A wider box (over 3 km): grids and estates, no buildings.
    wide = client.get(URL, {"bbox": "119.28,26.06,119.34,26.11"}).json()
    assert wide["buildings"] is False
    assert kinds(wide) == {"grid": {"桂香一网格", "湖滨一网格"}, "estate": {"桂香小区"}}


@pytest.mark.parametrize(
    "bbox",
    ["", "1,2,3", "a,b,c,d", "119.31,26.08,119.30,26.09", "119,26,119.5,26.5", "nan,26,119,26.1", "0,95,1,96"],
)
def test_a_bad_or_too_large_box_is_refused_with_a_reason(client, people, bbox):
    client.force_login(people.resident)
    response = client.get(URL, {"bbox": bbox})
    assert response.status_code == 400 and response.json()["detail"]


def test_sign_in_is_required(client, org):
    response = client.get(URL, {"bbox": AROUND_G1})
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_caps_mark_the_answer_truncated(client, people, placed, monkeypatch):
    monkeypatch.setitem(places.LIMITS, OrgKind.ESTATE, 0)
    client.force_login(people.resident)
    data = client.get(URL, {"bbox": AROUND_G1}).json()
    assert data["truncated"] is True and "estate" not in kinds(data)


def test_outlines_are_simplified_rounded_and_follow_an_edit(client, people, org):
    # A wiggly edge: 200 points along the south side, a few millimetres off a straight line.
    south = [[round(119.30 + i * 0.00005, 7), 26.08 + (0.0000001 if i % 2 else 0)] for i in range(201)]
    ring = [*south, [119.31, 26.09], [119.30, 26.09], [119.30, 26.08]]
    Grid.objects.filter(unit=org.g1).update(boundary={"type": "Polygon", "coordinates": [ring]})
    from jinlin.core.grids import grid_index_invalidate

    grid_index_invalidate()
    client.force_login(people.resident)
    data = client.get(URL, {"bbox": AROUND_G1}).json()
    (grid,) = [f for f in data["features"] if f["properties"]["kind"] == "grid"]
    coords = grid["geometry"]["coordinates"][0]
    assert len(coords) <= 6
    assert all(len(json.dumps(c[0]).split(".")[1]) <= 5 for c in coords)
    # A new outline is drawn at once in this process (the index follows the save signal).
    org.g1.grid_boundary.boundary = {
        "type": "Polygon",
        "coordinates": [[[119.30, 26.08], [119.305, 26.08], [119.305, 26.09], [119.30, 26.08]]],
    }
    org.g1.grid_boundary.save()
    data = client.get(URL, {"bbox": AROUND_G1}).json()
    (grid,) = [f for f in data["features"] if f["properties"]["kind"] == "grid"]
    assert len(grid["geometry"]["coordinates"][0]) == 4


def test_the_places_layer_costs_a_bounded_number_of_queries(client, people, placed, django_assert_max_num_queries):
    client.force_login(people.resident)
    client.get(URL, {"bbox": AROUND_G1})  # warm the session and the grid index
    with django_assert_max_num_queries(6):  # session, user, grid-index check, names, estates, buildings
        assert client.get(URL, {"bbox": AROUND_G1}).status_code == 200


def test_the_places_of_one_grid_for_the_field_apps_map(placed):
    org, far, gone = placed
    features = places.places_of_grid(org.g1.pk)
    assert [(f["properties"]["kind"], f["properties"]["name"]) for f in features] == [
        ("estate", "桂香小区"),
        ("building", "桂香小区1号楼"),
    ]
    assert features[1]["properties"]["label"] == "1号楼"
    assert places.places_of_grid(org.g2.pk) == []


def test_the_report_form_carries_the_places_url_and_the_location_button(client, people, placed):
    client.force_login(people.resident)
    text = client.get(reverse("cases:report")).text
    assert f'data-places-url="{URL}"' in text and "data-locate" in text and "使用我的位置" in text
    assert "不在平台的任何网格内" in text and "没有获得定位权限" in text  # the errors, in Chinese
    assert "map_settings" not in text and "#}" not in text  # the include's note stays a template comment
