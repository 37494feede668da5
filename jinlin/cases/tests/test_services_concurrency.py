"""Two handlers claim the same case at the same moment, in real concurrent transactions:
one wins, the other is refused (409 in the API), and nothing is lost or written twice.

On PostgreSQL the row lock (SELECT … FOR UPDATE) makes the second claim wait and then see the
case already in progress; on SQLite the IMMEDIATE transaction serialises the two writers the
same way. Both databases run this test."""

import threading

import pytest
from django.db import connection

from jinlin.cases import services
from jinlin.cases.machine import Status, TransitionNotAllowed
from jinlin.cases.models import Case, TimelineEntry

from .flow import bring_to


@pytest.mark.django_db(transaction=True)
def test_two_handlers_claiming_at_once_one_wins_the_other_is_refused(org, people):
    case = bring_to(Status.DISPATCHED, org, people)
    barrier = threading.Barrier(2)
    outcomes = {}

    def claim(handler):
        try:
            barrier.wait(timeout=10)
            services.case_claim(actor=handler, case=Case.objects.get(pk=case.pk))
            outcomes[handler.pk] = "won"
        except TransitionNotAllowed:
            outcomes[handler.pk] = "refused"
        except Exception as exc:  # anything else is a failure, reported below
            outcomes[handler.pk] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(h,)) for h in (people.handler, people.handler2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) == ["refused", "won"], outcomes
    winner = next(pk for pk, outcome in outcomes.items() if outcome == "won")
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS and case.owner_user_id == winner
    claims = TimelineEntry.objects.filter(case=case, action="claim")
    assert [c.actor_id for c in claims] == [winner]
