"""No double booking and an orderly waitlist under real concurrent transactions, on whichever
database the suite runs (SQLite: IMMEDIATE transactions serialise the check-and-insert;
PostgreSQL: the exclusion constraint and the activity row lock)."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from jinlin.centre import services
from jinlin.centre.models import Activity, Booking, BookingStatus, Registration, RegistrationStatus
from jinlin.core.events import subscribe, unsubscribe

from .conftest import make_residents, tomorrow_at

pytestmark = pytest.mark.django_db(transaction=True)


def run_at_once(n, work):
    barrier = threading.Barrier(n)
    outcomes = [None] * n

    def body(i):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = work(i)
        except Exception as exc:  # reported by the assertions
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def test_thirty_simultaneous_overlapping_bookings_exactly_one_succeeds(station):
    people = make_residents(station.district, 30)
    base = tomorrow_at(10)

    def book(i):
        start = base + timedelta(minutes=2 * i)
        return services.booking_create(
            actor=people[i], room=station.room, start=start, end=start + timedelta(hours=1), purpose=f"聚会{i}"
        )

    outcomes = run_at_once(30, book)
    won = [o for o in outcomes if isinstance(o, Booking)]
    refused = [o for o in outcomes if isinstance(o, services.Conflict)]
    assert len(won) == 1, outcomes
    assert len(refused) == 29, outcomes
    assert all(o.slot["booking_id"] == won[0].pk for o in refused)
    assert Booking.objects.filter(room=station.room, status__in=["pending", "confirmed"]).count() == 1


def test_three_times_capacity_simultaneous_registrations_fill_places_then_an_ordered_waitlist(station):
    capacity = 5
    people = make_residents(station.district, 3 * capacity)
    activity = Activity.objects.create(
        centre=station.centre,
        title="书法班",
        kind="class",
        domain="culture",
        start=tomorrow_at(15),
        end=tomorrow_at(16),
        capacity=capacity,
    )
    outcomes = run_at_once(len(people), lambda i: services.activity_register(actor=people[i], activity=activity))
    assert all(isinstance(o, Registration) for o in outcomes), outcomes
    rows = Registration.objects.filter(activity=activity)
    assert rows.filter(status=RegistrationStatus.REGISTERED).count() == capacity
    waiting = rows.filter(status=RegistrationStatus.WAITLISTED).order_by("position")
    assert [r.position for r in waiting] == list(range(1, 2 * capacity + 1))
    # The order of the waitlist is the order people joined it.
    assert [r.pk for r in waiting] == [r.pk for r in waiting.order_by("created_at", "id")]

    told = []

    def listener(event):
        told.append(event)

    subscribe("centre.promoted")(listener)
    try:
        first_waiting = waiting.first()
        leaver = rows.filter(status=RegistrationStatus.REGISTERED).first()
        services.registration_cancel(actor=leaver.user, registration=leaver)
    finally:
        unsubscribe("centre.promoted", listener)
    first_waiting.refresh_from_db()
    assert first_waiting.status == RegistrationStatus.REGISTERED and first_waiting.position is None
    assert rows.filter(status=RegistrationStatus.REGISTERED).count() == capacity
    positions = list(
        rows.filter(status=RegistrationStatus.WAITLISTED).order_by("position").values_list("position", flat=True)
    )
    assert positions == list(range(1, 2 * capacity))
    assert [e["registration_id"] for e in told] == [first_waiting.pk]
    assert told[0]["user_id"] == first_waiting.user_id


def test_simultaneous_cancellations_promote_each_waiting_person_once(station):
    people = make_residents(station.district, 6)
    activity = Activity.objects.create(
        centre=station.centre,
        title="太极",
        kind="class",
        domain="culture",
        start=tomorrow_at(9),
        end=tomorrow_at(10),
        capacity=3,
    )
    regs = [services.activity_register(actor=p, activity=activity) for p in people]
    leavers = regs[:3]
    run_at_once(3, lambda i: services.registration_cancel(actor=leavers[i].user, registration=leavers[i]))
    rows = Registration.objects.filter(activity=activity)
    assert sorted(rows.filter(status="registered").values_list("pk", flat=True)) == [r.pk for r in regs[3:]]
    assert not rows.filter(status="waitlisted").exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_database_itself_refuses_an_overlapping_live_booking_on_postgresql(station):
    start = tomorrow_at(10)
    Booking.objects.create(
        room=station.room,
        user=station.resident,
        start=start,
        end=start + timedelta(hours=1),
        busy_until=start + timedelta(hours=1, minutes=15),
        purpose="a",
        status=BookingStatus.CONFIRMED,
    )
    later = start + timedelta(hours=1, minutes=10)  # inside the first booking's buffer
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            room=station.room,
            user=station.staff,
            start=later,
            end=later + timedelta(hours=1),
            busy_until=later + timedelta(hours=1),
            purpose="b",
            status=BookingStatus.PENDING,
        )
    # A cancelled booking holds nothing.
    Booking.objects.create(
        room=station.room,
        user=station.staff,
        start=later,
        end=later + timedelta(hours=1),
        busy_until=later + timedelta(hours=1),
        purpose="c",
        status=BookingStatus.CANCELLED,
    )


def test_thirty_bookings_of_one_person_never_pass_the_per_person_limit(station):
    person = station.resident
    base = tomorrow_at(8)

    def book(i):
        start = base + timedelta(hours=i % 12, minutes=0)
        return services.booking_create(
            actor=person, room=station.room, start=start, end=start + timedelta(minutes=30), purpose="练歌"
        )

    outcomes = run_at_once(12, book)
    won = [o for o in outcomes if isinstance(o, Booking)]
    assert len(won) == station.room.max_active_per_person, outcomes
    assert all(isinstance(o, (Booking, ValidationError, services.Conflict)) for o in outcomes), outcomes
