"""Duplicates on intake: near-identical reports of the same place are offered for merging; the
same words far away, a different problem nearby, and finished cases are not."""

import pytest

from jinlin.cases import services as cases
from jinlin.cases.machine import Status
from jinlin.cases.tests.flow import bring_to
from jinlin.triage import adapter

from .adapter_fixtures import *  # noqa: F403
from .adapter_fixtures import G1_POINT, G2_POINT

pytestmark = pytest.mark.django_db

LAMP_REPORT = ("3号楼门口路灯坏了", "桂香小区3号楼门口的路灯坏了三天，晚上很黑，老人出门容易摔倒")
LAMP_AGAIN = ("3号楼门口的路灯坏了", "桂香小区3号楼门口路灯坏了三天了，晚上很黑，老人出门容易摔倒！")


def submit(user, title, description, point):
    case, _ = cases.case_submit(actor=user, title=title, description=description, lat=point[0], lng=point[1])
    case.refresh_from_db()
    return case


def test_a_near_identical_report_in_the_same_community_is_offered_for_merging(people, categories):
    first = submit(people.resident, *LAMP_REPORT, G1_POINT)
    second = submit(people.neighbour, *LAMP_AGAIN, G1_POINT)
    assert second.suggestions["duplicates"] == [first.pk]
    assert first.suggestions["duplicates"] == []  # nothing was open before it


def test_the_same_report_without_a_point_is_matched_by_the_reporters_community(people, categories):
    first = submit(people.resident, *LAMP_REPORT, G1_POINT)
    second, _ = cases.case_submit(actor=people.neighbour, title=LAMP_AGAIN[0], description=LAMP_AGAIN[1])
    second.refresh_from_db()
    assert second.lat is None and second.community_id == first.community_id
    assert second.suggestions["duplicates"] == [first.pk]


def test_the_same_words_in_a_community_two_kilometres_away_are_not_a_duplicate(people, categories):
    submit(people.resident, *LAMP_REPORT, G1_POINT)
    far = submit(people.resident_b, *LAMP_AGAIN, G2_POINT)
    assert far.suggestions["duplicates"] == []


def test_a_point_within_500_metres_across_the_community_border_counts_as_near(people, categories, org):
    first = submit(people.resident, *LAMP_REPORT, (26.085, 119.3098))  # east edge of grid 1
    # ~120 m east, in no grid: the case is placed by its reporter's home in the other community,
    # so only the distance brings the two together.
    near = submit(people.resident_b, *LAMP_AGAIN, (26.085, 119.3110))
    assert near.community_id != first.community_id
    assert near.suggestions["duplicates"] == [first.pk]


def test_a_different_problem_in_the_same_place_is_not_a_duplicate(people, categories):
    submit(people.resident, *LAMP_REPORT, G1_POINT)
    other = submit(people.neighbour, "楼上漏水", "楼上卫生间漏水，我家天花板一直滴水，墙皮都泡掉了", G1_POINT)
    assert other.suggestions["duplicates"] == []


def test_a_finished_case_is_not_offered(people, categories, org):
    first = submit(people.resident, *LAMP_REPORT, G1_POINT)
    bring_to(Status.CLOSED, org, people, case=first)
    second = submit(people.neighbour, *LAMP_AGAIN, G1_POINT)
    assert second.suggestions["duplicates"] == []


def test_the_dispatcher_sees_the_number_and_a_resident_only_title_and_status(people, categories):
    first = submit(people.resident, *LAMP_REPORT, G1_POINT)
    second = submit(people.neighbour, *LAMP_AGAIN, G1_POINT)
    [for_dispatcher] = adapter.duplicate_cards(second, people.dispatcher)
    assert for_dispatcher["id"] == first.pk and for_dispatcher["number"] == first.number
    [for_neighbour] = adapter.duplicate_cards(second, people.neighbour)
    assert for_neighbour == {
        "id": None,
        "number": None,
        "title": first.title,
        "status": Status.SUBMITTED,
        "status_label": str(Status.SUBMITTED.label),
    }
