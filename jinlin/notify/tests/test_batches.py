"""A sweeper chunk announces many case events at once: notify tells exactly whom it tells one
event at a time, with a fixed number of queries for the whole batch."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jinlin.cases.models import CaseFollow, TimelineEntry
from jinlin.cases.tests.flow import bring_to
from jinlin.core.events import Event, deliver, deliver_all
from jinlin.notify.models import Delivery, Notification

pytestmark = pytest.mark.django_db


def _events(cases, name):
    out = []
    for case in cases:
        entry = TimelineEntry.objects.filter(case=case).order_by("-at", "-pk").first()
        out.append(Event(f"case.{name}", {"case_id": case.pk, "actor_id": None, "entry_id": entry.pk}))
    return out


def _clear():
    Delivery.objects.all().delete()
    Notification.objects.all().delete()


def _told():
    notes = Notification.objects.values_list("recipient_id", "kind", "data", "link", "title")
    return sorted(notes, key=str), sorted(Delivery.objects.values_list("address", "kind", "text"), key=str)


@pytest.mark.parametrize("name", ["urged", "overdue", "closed"])
def test_a_batch_tells_the_same_people_the_same_things_as_one_event_at_a_time(org, people, categories, name):
    cases = [bring_to("dispatched", org, people) for _ in range(3)]
    CaseFollow.objects.create(case=cases[0], user=people.neighbour)
    _clear()
    for event in _events(cases, name):
        deliver(event)
    one_by_one = _told()
    assert one_by_one  # the owner's handlers and the supervisor, or the reporter and the follower
    _clear()
    deliver_all(_events(cases, name))
    assert _told() == one_by_one


def test_a_batch_of_urges_costs_the_same_queries_for_ten_cases_as_for_two(org, people, categories):
    few = [bring_to("dispatched", org, people) for _ in range(2)]
    many = [bring_to("dispatched", org, people) for _ in range(10)]
    counts = []
    for cases in (few, many):
        events = _events(cases, "urged")
        with CaptureQueriesContext(connection) as ctx:
            deliver_all(events)
        counts.append(len(ctx.captured_queries))
    assert Notification.objects.filter(kind="case.urged").count() >= 12
    assert counts[0] == counts[1]
