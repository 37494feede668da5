"""The dispatch box: units in groups with the suggested ones first, and a person list that follows
the chosen unit (htmx), including for a unit that was not suggested."""

import re

import pytest
from django.urls import reverse

from jinlin.cases.machine import Status

from .flow import bring_to

pytestmark = pytest.mark.django_db


def as_user(client, user):
    client.force_login(user)
    return client


def groups(page: str) -> list[str]:
    return re.findall(r'<optgroup label="([^"]+)">', page)


def test_the_units_come_in_groups_with_the_suggested_ones_first(client, org, people, categories):
    case = bring_to(Status.ACCEPTED, org, people, category_code="streetlight")
    page = as_user(client, people.dispatcher).get(reverse("cases:detail", args=[case.pk])).text
    found = groups(page)
    assert found[0] == "本案建议" and "职能部门" in found and "派出所" in found
    suggested = page.split('<optgroup label="本案建议">')[1].split("</optgroup>")[0]
    assert org.urban.name in suggested and org.g1.name in suggested  # 属事 (lamps) and 属地
    assert "data-unit-search" in page and "data-unit-picker" in page


def test_the_person_list_follows_the_chosen_unit(client, org, people, categories):
    case = bring_to(Status.ACCEPTED, org, people)
    url = reverse("cases:dispatch_people", args=[case.pk])
    as_user(client, people.dispatcher)
    housing = client.get(url, {"unit": org.housing.pk}).text
    assert people.handler.name in housing and people.handler2.name in housing
    assert people.urban_handler.name not in housing
    urban = client.get(url, {"unit": org.urban.pk}).text
    assert people.urban_handler.name in urban and people.handler.name not in urban
    assert "option" in client.get(url, {"unit": "x"}).text  # a bad id is an empty list, not an error


def test_only_who_may_dispatch_gets_the_person_list(client, org, people, categories):
    case = bring_to(Status.ACCEPTED, org, people)
    url = reverse("cases:dispatch_people", args=[case.pk])
    assert as_user(client, people.worker1).get(url, {"unit": org.housing.pk}).status_code == 403
    assert as_user(client, people.worker2).get(url, {"unit": org.housing.pk}).status_code == 404
    dispatched = bring_to(Status.RESOLVED, org, people)
    url = reverse("cases:dispatch_people", args=[dispatched.pk])
    assert as_user(client, people.dispatcher).get(url, {"unit": org.housing.pk}).status_code == 403


def test_a_person_of_a_unit_that_was_not_suggested_can_be_named(client, org, people, categories):
    case = bring_to(Status.ACCEPTED, org, people, category_code="streetlight")  # suggests the urban department
    as_user(client, people.dispatcher)
    response = client.post(
        reverse("cases:act", args=[case.pk, "dispatch"]), {"unit": org.housing.pk, "user": people.handler2.pk}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.owner_unit == org.housing and case.owner_user == people.handler2
