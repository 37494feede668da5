"""The people app's district (tiny district + buildings + the demo registry) with grid boundaries
and a case dispatched to grid G1, for the field app's tests."""

import pytest

from jinlin.cases import services as cases
from jinlin.cases.models import Category
from jinlin.core.models import Grid
from jinlin.people.tests import conftest as people_conftest
from jinlin.people.tests.conftest import Api

G1, G2 = "350102001001001", "350102001002001"
RESIDENT, WORKER, STAFF, DISPATCHER, WORKER_G2 = (
    "13900000001",
    "13900000002",
    "13900000003",
    "13900000004",
    "13900000008",
)

# The people app's district fixture, used here as it is.
district = people_conftest.district


def rect(lng0, lat0, lng1, lat1) -> dict:
    return {"type": "Polygon", "coordinates": [[[lng0, lat0], [lng1, lat0], [lng1, lat1], [lng0, lat1], [lng0, lat0]]]}


@pytest.fixture
def field(district, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    units = district.units
    # G1 is about 1 km × 1.1 km.
    Grid.objects.create(unit=units[G1], boundary=rect(119.300, 26.080, 119.310, 26.090))
    Grid.objects.create(unit=units[G2], boundary=rect(119.310, 26.080, 119.320, 26.090))
    Category.objects.create(code="streetlight", name="路灯照明", department=units["350102B01"])
    return district


def dispatched_case(district, title="楼道灯坏了", lat=26.085, lng=119.305):
    people = district.people
    case, _ = cases.case_submit(actor=people[RESIDENT], title=title, lat=lat, lng=lng)
    cases.case_accept(actor=people[DISPATCHER], case=case)
    cases.case_dispatch(actor=people[DISPATCHER], case=case, unit=district.units[G1])
    case.refresh_from_db()
    return case


@pytest.fixture
def as_(field):
    return lambda phone, **kw: Api(field.people[phone], **kw)
