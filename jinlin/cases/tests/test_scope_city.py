"""The one scope rule (core.scope) per role, across the apps, on a city with two districts:
cases (lists, reads, the dispatch queue, the map), metrics (stats), Open311 and org units."""

import pytest
from django.test import Client
from django.utils import timezone

from jinlin.cases import selectors, services
from jinlin.cases.models import Case, Channel
from jinlin.core import selectors as core_selectors
from jinlin.core.models import Grid, Role
from jinlin.core.tests.factories import make_city, make_user
from jinlin.open311 import selectors as open311
from jinlin.stats import selectors as stats
from jinlin.stats.forms import default_group_by
from jinlin.stats.services import metrics_refresh

from .conftest import rect

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    c = make_city()
    Grid.objects.create(unit=c.tree.grid_a, boundary=rect(119.30, 26.08, 119.31, 26.09))
    Grid.objects.create(unit=c.grid_b, boundary=rect(119.40, 26.08, 119.41, 26.09))
    return c


@pytest.fixture
def cases(city):
    """One case in each district, filed by a resident living there."""
    resident_a = make_user("13700000001", Role.RESIDENT, city.tree.building_a)
    resident_b = make_user("13700000011", Role.RESIDENT, city.grid_b)
    a, _ = services.case_submit(actor=resident_a, title="楼道灯不亮", description="3号楼楼道灯坏了")
    b, _ = services.case_submit(actor=resident_b, title="路面坑洼", description="松风路有坑")
    return a, b


def seen(user) -> set[str]:
    return set(selectors.cases_visible_to(user).values_list("scope_code", flat=True))


def test_a_case_of_the_second_district_is_owned_by_its_own_command_centre(city, cases):
    a, b = cases
    assert a.owner_unit == city.tree.centre and b.owner_unit == city.centre_b


def test_the_city_dispatcher_and_supervisor_see_and_queue_every_district(city, cases):
    a, b = cases
    for user in (
        make_user("13700000010", Role.DISPATCHER, city.centre),
        make_user("13700000016", Role.DISCIPLINE_SUPERVISOR, city.discipline),
    ):
        assert seen(user) == {a.scope_code, b.scope_code}
    dispatcher = make_user("13700000020", Role.DISPATCHER, city.centre)
    assert set(selectors.dispatch_queue(dispatcher)) == {a, b}
    assert {g.code for g in selectors.map_grids(dispatcher)} == {city.tree.grid_a.code, city.grid_b.code}
    assert {"accept", "reject"} <= set(selectors.allowed_actions(dispatcher, b))


def test_a_district_dispatcher_sees_queues_and_maps_only_their_district(city, cases):
    a, b = cases
    dispatcher = make_user("13700000004", Role.DISPATCHER, city.tree.centre)
    assert seen(dispatcher) == {a.scope_code}
    assert list(selectors.dispatch_queue(dispatcher)) == [a]
    assert {g.code for g in selectors.map_grids(dispatcher)} == {city.tree.grid_a.code}
    assert selectors.case_get(dispatcher, b.pk) is None
    assert selectors.allowed_actions(dispatcher, b) == []


def test_a_city_department_sees_only_what_it_is_given(city, cases):
    a, b = cases
    handler = make_user("13700000005", Role.DEPARTMENT_HANDLER, city.department)
    assert seen(handler) == set()
    assert not selectors.map_grids(handler).exists()
    dispatcher = make_user("13700000010", Role.DISPATCHER, city.centre)
    services.case_accept(actor=dispatcher, case=b)
    services.case_dispatch(actor=dispatcher, case=b, unit=city.department)
    assert seen(handler) == {b.scope_code}
    assert {"claim", "return"} <= set(selectors.allowed_actions(handler, selectors.case_get(handler, b.pk)))


def test_grid_workers_and_residents_see_only_their_own(city, cases):
    a, b = cases
    assert seen(make_user("13700000002", Role.GRID_WORKER, city.tree.grid_a)) == {a.scope_code}
    assert seen(make_user("13700000012", Role.GRID_WORKER, city.grid_b)) == {b.scope_code}
    neighbour = make_user("13700000021", Role.RESIDENT, city.tree.building_a)
    assert seen(neighbour) == set()


def test_metrics_roots_follow_the_scope_rule_and_a_city_groups_by_district(city, cases):
    a, b = cases
    city_dispatcher = make_user("13700000010", Role.DISPATCHER, city.centre)
    district_dispatcher = make_user("13700000004", Role.DISPATCHER, city.tree.centre)
    handler = make_user("13700000005", Role.DEPARTMENT_HANDLER, city.tree.department)
    worker = make_user("13700000002", Role.GRID_WORKER, city.tree.grid_a)
    assert stats.metric_roots(city_dispatcher) == ["3501"]
    assert stats.metric_roots(district_dispatcher) == ["350102"]
    assert stats.metric_roots(handler) == [city.tree.department.code]
    assert stats.metric_roots(worker) == [city.tree.grid_a.code]
    assert default_group_by(city_dispatcher) == "district"
    assert default_group_by(district_dispatcher) == "street"
    assert {u.code for u in stats.metric_orgs(city_dispatcher) if u.kind == "district"} == {"350102", "350103"}
    assert stats.metric_org_get(district_dispatcher, "350103") is None

    metrics_refresh()
    # The local day (Asia/Shanghai): between 16:00 and 24:00 UTC the UTC date is the day before.
    today = timezone.localdate(a.created_at)
    result = stats.case_metrics(city_dispatcher, date_from=today, date_to=today, group_by="district")
    assert {(r.key, r.label, r.intake) for r in result.rows} == {("350102", "清溪区", 1), ("350103", "松岭区", 1)}
    result = stats.case_metrics(district_dispatcher, date_from=today, date_to=today, group_by="district")
    assert [(r.key, r.intake) for r in result.rows] == [("350102", 1)]


def test_the_metrics_api_groups_a_city_by_district(city, cases):
    from jinlin.core.services import api_token_issue

    metrics_refresh()
    key, _token = api_token_issue(user=make_user("13700000010", Role.DISPATCHER, city.centre))
    response = Client().get("/api/metrics/cases", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    body = response.json()
    assert body["group_by"] == "district"
    assert {row["key"] for row in body["rows"]} == {"350102", "350103"}


def test_open311_takes_a_city_or_a_district_as_jurisdiction(city, cases):
    a, b = cases
    assert open311.jurisdiction_exists("3501") and open311.jurisdiction_exists("350103")
    assert not open311.jurisdiction_exists("350103001")
    # Cases filed through Open311 are public; a jurisdiction keeps those of its area.
    Case.objects.filter(pk__in=[a.pk, b.pk]).update(channel=Channel.OPEN311)
    assert set(open311.public_requests("3501")) == {a, b}
    assert set(open311.public_requests("350103")) == {b}
    assert set(open311.public_requests("350102")) == {a}


def test_org_units_per_role(city):
    def units(user):
        return set(core_selectors.org_units_visible_to(user).values_list("code", flat=True))

    city_units = units(make_user("13700000010", Role.DISPATCHER, city.centre))
    assert {"3501", "350102", "350103", "3501B01"} <= city_units
    district = units(make_user("13700000004", Role.DISPATCHER, city.tree.centre))
    assert "350102" in district and "350103" not in district and "3501" not in district
    assert units(make_user("13700000005", Role.DEPARTMENT_HANDLER, city.department)) == {"3501B01"}
    assert units(make_user("13700000001", Role.RESIDENT, city.tree.building_a)) == set()


def test_the_dashboard_ranks_a_citys_districts(city, cases, client):
    metrics_refresh()
    client.force_login(make_user("13700000010", Role.DISPATCHER, city.centre))
    page = client.get("/stats/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "清溪区" in html and "松岭区" in html
    assert '<option value="district" selected>' in html  # a city-level user sees districts first
    district = Client()
    district.force_login(make_user("13700000004", Role.DISPATCHER, city.tree.centre))
    assert "松岭区" not in district.get("/stats/", {"group_by": "district"}).content.decode()
