"""A small district for the Open311 tests: core's test tree, one grid with a boundary, three
services (one with a dot in its code, one switched off), the people who move a case along, and
the demo key."""

from types import SimpleNamespace

import pytest

from jinlin.cases.models import Category
from jinlin.core.models import Grid, Role
from jinlin.core.tests.factories import make_tree, make_user
from jinlin.open311.services import DEMO_KEY, seed_open311_demo

BASE = "/open311/v2/"
# Inside grid_a (桂香一网格), whose boundary is set below.
POINT = {"lat": "26.08512", "long": "119.30567"}


def rect(lng0, lat0, lng1, lat1) -> dict:
    return {"type": "Polygon", "coordinates": [[[lng0, lat0], [lng1, lat0], [lng1, lat1], [lng0, lat1], [lng0, lat0]]]}


@pytest.fixture
def district(db, settings):
    # The tests check who may do what, not the cost of PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    tree = make_tree()
    Grid.objects.create(unit=tree.grid_a, boundary=rect(119.30, 26.08, 119.31, 26.09))
    roads = Category.objects.create(code="roads", name="道路", department=tree.department)
    lamp = Category.objects.create(code="streetlight", name="路灯", department=tree.department, parent=roads)
    pothole = Category.objects.create(code="road.pothole", name="路面坑洼", department=tree.department, parent=roads)
    retired = Category.objects.create(code="retired", name="已停用", is_active=False)
    people = SimpleNamespace(
        dispatcher=make_user("13700000004", Role.DISPATCHER, tree.centre, name="张调度"),
        handler=make_user("13700000005", Role.DEPARTMENT_HANDLER, tree.department, name="郑承办"),
        admin=make_user("13700000007", Role.PLATFORM_ADMIN, tree.district, name="刘管理"),
        resident=make_user("13700000001", Role.RESIDENT, tree.building_a, name="林秀英"),
    )
    seed_open311_demo()
    return SimpleNamespace(
        tree=tree, people=people, roads=roads, lamp=lamp, pothole=pothole, retired=retired, key=DEMO_KEY
    )


@pytest.fixture
def file_request(client, district):
    """`file_request(**fields)` POSTs a request with the demo key; returns the JSON response body."""

    def _file(fmt="json", **fields):
        data = {"api_key": district.key, "service_code": "streetlight", "description": "路灯不亮了", **POINT}
        data.update(fields)
        data = {k: v for k, v in data.items() if v is not None}
        response = client.post(f"{BASE}requests.{fmt}", data)
        assert response.status_code == 200, response.content
        return response.json()[0] if fmt == "json" else response

    return _file
