"""The registry's bench pieces: bulk seeding, the in-process import, and a household list whose
query count does not grow with the registry."""

from jinlin.people.bench import measure_import, seed_registry
from jinlin.people.models import Resident

from .conftest import Api


def test_seed_registry_adds_residents_over_every_building(district):
    before = Resident.objects.count()
    out = seed_registry(300)
    assert out["residents"] == 300 and Resident.objects.count() == before + 300
    assert Resident.objects.filter(unit_code__startswith="350102001002E01B01").exists()


def test_the_import_is_measured_in_process(district):
    out = measure_import(rows=200)
    assert out["created"] == 200 and out["seconds"] > 0


def test_the_household_list_costs_the_same_queries_with_a_bigger_registry(district, django_assert_max_num_queries):
    api = Api(district.people["13900000003"])
    with django_assert_max_num_queries(12):
        assert api.get("/api/households").status_code == 200
    seed_registry(2000)
    with django_assert_max_num_queries(12):
        assert api.get("/api/households").json()["count"] > 100
