"""Any sequence of registrations and cancellations keeps the waitlist honest: never more than
`capacity` registered, nobody waiting while a place is free, positions exactly 1..n in the order
people joined, and each freed place goes to whoever waited longest."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jinlin.centre import services
from jinlin.centre.models import Activity, Registration, RegistrationStatus

from .conftest import make_residents

pytestmark = pytest.mark.django_db

PEOPLE = 8


@pytest.fixture
def crowd(station):
    return make_residents(station.district, PEOPLE)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    capacity=st.integers(min_value=1, max_value=4),
    steps=st.lists(
        st.tuples(st.sampled_from(["register", "cancel"]), st.integers(0, PEOPLE - 1)), min_size=1, max_size=30
    ),
)
def test_the_waitlist_stays_ordered_and_full_places_first(station, crowd, capacity, steps):
    with transaction.atomic():
        now = timezone.now()
        activity = Activity.objects.create(
            centre=station.centre,
            title="课",
            kind="class",
            domain="culture",
            start=now + timedelta(days=1),
            end=now + timedelta(days=1, hours=1),
            capacity=capacity,
        )
        queue: list[int] = []  # the model: user ids in joining order, live only
        for op, who in steps:
            person = crowd[who]
            if op == "register":
                services.activity_register(actor=person, activity=activity)
                if person.pk not in queue:
                    queue.append(person.pk)
            elif person.pk in queue:
                services.activity_registration_cancel(actor=person, activity=activity)
                queue.remove(person.pk)
            live = Registration.objects.filter(activity=activity).exclude(status=RegistrationStatus.CANCELLED)
            registered = set(live.filter(status=RegistrationStatus.REGISTERED).values_list("user_id", flat=True))
            waiting = list(
                live.filter(status=RegistrationStatus.WAITLISTED)
                .order_by("position")
                .values_list("user_id", "position")
            )
            assert len(registered) == min(capacity, len(queue))
            assert [p for _, p in waiting] == list(range(1, len(waiting) + 1))
            # Those waiting are the latest joiners, in joining order (a freed place goes to the longest waiting).
            assert [u for u, _ in waiting] == [u for u in queue if u not in registered]
            assert len(registered) + len(waiting) == len(queue)
        transaction.set_rollback(True)
