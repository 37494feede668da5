"""The demo city through the API, as issue 10 checks it from outside: the city dispatcher logs in
and lists the city and its districts; the district dispatcher sees only their own district, and
still every case of it."""

import pytest
from django.db import transaction
from django.test import Client

from jinlin.cases.models import Case
from jinlin.core.demo_accounts import DEMO_PASSWORD, DEMO_RESIDENTS
from jinlin.core.grids import grid_index_invalidate
from jinlin.core.models import OrgKind, RoleAssignment, User
from jinlin.ops.demo import seed_demo_all


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The whole demo (city, districts, accounts, cases), seeded once for the module inside a
    transaction rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo_all()
        yield
        transaction.set_rollback(True)
    grid_index_invalidate()


def login(phone: str) -> Client:
    client = Client()
    response = client.post(
        "/api/auth/token", {"phone": phone, "password": DEMO_PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {response.json()['token']}"
    return client


def kinds(client: Client, kind: str) -> list[dict]:
    response = client.get("/api/org-units", {"kind": kind})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
class TestTheDemoCity:
    def test_the_city_dispatcher_logs_in_and_lists_the_city_and_its_districts(self):
        client = login("13900000010")
        cities = kinds(client, "city")
        assert [c["code"] for c in cities] == ["3501"] and cities[0]["parent_id"] is None
        districts = kinds(client, "district")
        assert len(districts) >= 2
        assert {d["parent_id"] for d in districts} == {cities[0]["id"]}
        assert client.get(f"/api/org-units/{cities[0]['id']}").json()["name"] == "近邻市"

    def test_the_district_dispatcher_sees_only_their_own_district(self):
        client = login("13900000004")
        assert [d["code"] for d in kinds(client, "district")] == ["350102"]
        assert kinds(client, "city") == []
        other = [d for d in kinds(login("13900000010"), "district") if d["code"] != "350102"][0]
        assert client.get(f"/api/org-units/{other['id']}").status_code == 404

    def test_the_district_dispatcher_still_sees_every_case_of_their_district(self):
        client = login("13900000004")
        seen, after = set(), None
        while True:
            params = {"page_size": 100, **({"after": after} if after else {})}
            body = client.get("/api/cases", params).json()
            seen |= {row["id"] for row in body["results"]}
            after = body["next"]
            if after is None:
                break
        district = set(Case.objects.filter(scope_code__startswith="350102").values_list("pk", flat=True))
        assert district and seen == district
        assert Case.objects.exclude(scope_code__startswith="350102").exists()  # the second district has cases

    def test_the_thirty_demo_residents_live_in_g1s_community_and_log_in(self):
        g1_community = "350102001001"
        for phone in DEMO_RESIDENTS:
            user = User.objects.get_by_phone(phone)
            home = RoleAssignment.objects.select_related("org").get(user=user).org
            assert home.code.startswith(g1_community) and home.kind == OrgKind.ENTRANCE
        login(DEMO_RESIDENTS[0])
        login(DEMO_RESIDENTS[-1])
