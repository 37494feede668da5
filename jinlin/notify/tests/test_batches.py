"""A sweeper chunk announces many case events at once: notify tells exactly whom it tells one
event at a time, with a fixed number of queries for the whole batch."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jinlin.cases.models import CaseFollow, TimelineEntry
from jinlin.cases.tests.flow import bring_to
from jinlin.core.events import Event, deliver, deliver_all
from jinlin.notify.digest import DIGEST_AFTER
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
    # Two urges: a notice per case; ten: one notice with the count for each person (digest).
    assert Notification.objects.filter(kind="case.urged", data__digest=True).count() >= 2
    assert Notification.objects.filter(kind="case.urged", data__has_key="case_id").count() >= 4
    assert counts[0] == counts[1]


def test_more_than_five_notices_of_a_kind_for_one_person_in_a_batch_become_one_with_the_count(org, people, categories):
    cases = [bring_to("dispatched", org, people) for _ in range(DIGEST_AFTER + 2)]
    _clear()
    deliver_all(_events(cases, "overdue"))
    for person, listing in ((people.supervisor, "/cases/overdue/"), (people.handler, "/cases/inbox/")):
        note = Notification.objects.get(recipient=person, kind="case.overdue")
        assert note.data["count"] == DIGEST_AFTER + 2
        assert sorted(note.data["case_ids"]) == sorted(c.pk for c in cases)
        assert note.link == listing
        assert note.title == f"{DIGEST_AFTER + 2} 件诉求已超期"
        assert cases[0].number in note.body and "另有 2 件" in note.body


def test_up_to_five_notices_of_a_kind_stay_one_per_case(org, people, categories):
    cases = [bring_to("dispatched", org, people) for _ in range(DIGEST_AFTER)]
    _clear()
    deliver_all(_events(cases, "overdue"))
    told = Notification.objects.filter(recipient=people.supervisor, kind="case.overdue")
    assert sorted(n.data["case_id"] for n in told) == sorted(c.pk for c in cases)
    assert all(n.link.startswith("/cases/") and n.link.rstrip("/").split("/")[-1].isdigit() for n in told)


@pytest.mark.parametrize("name", ["overdue", "closed"])
def test_a_batch_reads_the_owner_units_and_their_handlers_once_for_all_its_cases(org, people, categories, name):
    from jinlin.cases.models import Case
    from jinlin.cases.selectors import _units

    cases = [bring_to("dispatched", org, people) for _ in range(4)]
    Case.objects.filter(pk__in=[c.pk for c in cases[2:]]).update(owner_unit=org.urban)
    _units.clear()
    _clear()
    with CaptureQueriesContext(connection) as ctx:
        deliver_all(_events(cases, name))
    statements = [q["sql"] for q in ctx.captured_queries]
    assert sum('FROM "core_orgunit"' in s for s in statements) <= 1
    # The units' handlers (the cached dispatchers and supervisors are another, once per process).
    assert sum('"core_roleassignment"."org_id" IN' in s for s in statements) <= 1
    assert Notification.objects.exists()
