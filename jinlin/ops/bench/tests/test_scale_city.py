"""The city scale seed uses the city level: one city above its districts, whose command centre
and administration reach every district (core.scope), instead of one person holding a role in
each district."""

import pytest
from django.db.models import Count

from jinlin.cases.selectors import cases_visible_to
from jinlin.core.models import OrgKind, OrgUnit, Role, RoleAssignment
from jinlin.core.scope import area_codes
from jinlin.ops.scale import ScaleSpec, seed_scale

from .conftest import UNTIL

TWO_DISTRICTS = ScaleSpec("two", districts=2, streets=1, communities=1, residents=120, cases=200, history_days=60)


@pytest.fixture
def city(db):
    return seed_scale(TWO_DISTRICTS, seed=3, until=UNTIL)


def test_the_districts_hang_under_one_city_with_its_own_centre_and_discipline_office(city):
    town = OrgUnit.objects.get(kind=OrgKind.CITY)
    districts = OrgUnit.objects.filter(kind=OrgKind.DISTRICT)
    assert districts.count() == 2 and set(districts.values_list("parent_id", flat=True)) == {town.pk}
    assert set(town.children.exclude(kind=OrgKind.DISTRICT).values_list("kind", flat=True)) == {
        OrgKind.COMMAND_CENTRE,
        OrgKind.DISCIPLINE,
    }


def test_no_one_holds_a_role_in_each_district_and_the_city_staff_reach_the_whole_city(city):
    several = RoleAssignment.objects.values("user").annotate(n=Count("id")).filter(n__gt=1, role=Role.PLATFORM_ADMIN)
    assert not several.exists()
    city_units = {"3501", "3501C01", "3501J01"}
    for role in (Role.PLATFORM_ADMIN, Role.DISPATCHER, Role.DISCIPLINE_SUPERVISOR):
        binding = RoleAssignment.objects.filter(role=role, org__code__in=city_units).first()
        assert binding is not None and area_codes(binding.user) == ["3501"], role
    dispatcher = RoleAssignment.objects.filter(role=Role.DISPATCHER, org__code="3501C01").first().user
    seen = {code[:6] for code in cases_visible_to(dispatcher).values_list("scope_code", flat=True)}
    assert seen == set(OrgUnit.objects.filter(kind=OrgKind.DISTRICT).values_list("code", flat=True))
