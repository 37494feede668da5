"""GET /api/org-units and /api/org-units/{id}: the org tree, read through the one scope rule."""

import pytest
from django.test import Client

from jinlin.core.models import OrgUnit, Role
from jinlin.core.services import api_token_issue

from .factories import make_city, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


def api(user):
    key, _token = api_token_issue(user=user)
    client = Client()

    def get(path, **params):
        return client.get(path, params, headers={"Authorization": f"Bearer {key}"})

    return get


def codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()}


def test_the_city_dispatcher_lists_the_city_and_both_districts(city):
    get = api(make_user("13700000010", Role.DISPATCHER, city.centre))
    assert codes(get("/api/org-units", kind="city")) == {"3501"}
    assert codes(get("/api/org-units", kind="district")) == {"350102", "350103"}
    row = get("/api/org-units", kind="district", q="松岭").json()[0]
    assert row == {
        "id": city.district_b.pk,
        "code": "350103",
        "name": "松岭区",
        "kind": "district",
        "parent_id": city.city.pk,
    }


def test_a_district_dispatcher_sees_only_their_own_district(city):
    get = api(make_user("13700000004", Role.DISPATCHER, city.tree.centre))
    assert codes(get("/api/org-units", kind="district")) == {"350102"}
    assert codes(get("/api/org-units", kind="city")) == set()
    assert get(f"/api/org-units/{city.district_b.pk}").status_code == 404
    assert get(f"/api/org-units/{city.city.pk}").status_code == 404
    assert get(f"/api/org-units/{city.tree.grid_b.pk}").json()["code"] == city.tree.grid_b.code


def test_parent_under_and_q_narrow_the_list(city):
    get = api(make_user("13700000010", Role.DISPATCHER, city.centre))
    assert codes(get("/api/org-units", parent=city.city.pk)) == {"3501C01", "3501J01", "3501B01", "350102", "350103"}
    under = codes(get("/api/org-units", under=city.district_b.pk))
    assert under == {"350103", "350103001", "350103001001", "350103001001001", "350103C01"}
    assert codes(get("/api/org-units", under=city.district_b.pk, kind="grid")) == {"350103001001001"}
    assert codes(get("/api/org-units", q="东街")) == {"350102001"}
    assert codes(get("/api/org-units", q="350103001")) == {"350103001", "350103001001", "350103001001001"}


def test_an_unknown_kind_is_422_and_an_unseen_subtree_404(city):
    get = api(make_user("13700000004", Role.DISPATCHER, city.tree.centre))
    assert get("/api/org-units", kind="castle").status_code == 422
    assert get("/api/org-units", under=city.district_b.pk).status_code == 404
    assert get("/api/org-units/999999").status_code == 404


def test_a_department_handler_sees_their_own_department_and_a_resident_no_unit(city):
    handler = api(make_user("13700000005", Role.DEPARTMENT_HANDLER, city.tree.department))
    assert codes(handler("/api/org-units")) == {city.tree.department.code}
    resident = api(make_user("13700000001", Role.RESIDENT, city.tree.building_a))
    assert codes(resident("/api/org-units")) == set()
    assert resident(f"/api/org-units/{city.tree.building_a.pk}").status_code == 404


def test_a_grid_worker_sees_their_grid_and_community_staff_their_community(city):
    worker = api(make_user("13700000002", Role.GRID_WORKER, city.tree.grid_a))
    assert codes(worker("/api/org-units")) == {city.tree.grid_a.code}
    staff = api(make_user("13700000003", Role.COMMUNITY_STAFF, city.tree.community_a))
    expected = set(OrgUnit.objects.filter(code__startswith=city.tree.community_a.code).values_list("code", flat=True))
    assert codes(staff("/api/org-units")) == expected


def test_the_list_needs_a_token():
    assert Client().get("/api/org-units").status_code == 401
