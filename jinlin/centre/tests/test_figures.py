"""The centre's figures: bookings and activities occupy rooms, held bookings count as 服务人次."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jinlin.centre.models import Activity, Booking, BookingStatus, Centre, Domain
from jinlin.centre.stats import centre_figures

pytestmark = pytest.mark.django_db


def _booking(station, start, hours: float, status=BookingStatus.CONFIRMED) -> Booking:
    end = start + timedelta(hours=hours)
    return Booking.objects.create(
        room=station.room,
        user=station.resident,
        start=start,
        end=end,
        busy_until=end,
        purpose="读书会",
        status=status,
        scope_code=station.centre.scope_code,
    )


def test_held_bookings_count_their_minutes_and_one_visit_each_and_the_others_nothing(station):
    now = timezone.now()
    _booking(station, now - timedelta(days=2), 2)  # held
    _booking(station, now - timedelta(days=1), 1.5)  # held
    _booking(station, now + timedelta(days=1), 1)  # ahead: occupies, not yet served
    _booking(station, now - timedelta(days=3), 3, status=BookingStatus.CANCELLED)
    _booking(station, now - timedelta(days=40), 3)  # before the period
    Activity.objects.create(
        centre=station.centre,
        room=station.room,
        title="书法班",
        kind="class",
        start=now - timedelta(days=5),
        end=now - timedelta(days=5) + timedelta(minutes=90),
        capacity=10,
        domain=Domain.CULTURE,
    )

    [row] = centre_figures([station.centre], since=now - timedelta(days=30), until=now + timedelta(days=2))

    assert row.booked_minutes == pytest.approx(120 + 90 + 60 + 90)
    assert row.served[Domain.CULTURE] == 2
    assert row.open_minutes > 0 and row.occupancy == pytest.approx(row.booked_minutes / row.open_minutes)


def test_a_community_row_sums_its_centres_and_a_centre_without_rooms_adds_no_open_time(station):
    now = timezone.now()
    _booking(station, now - timedelta(days=2), 2)
    centres = list(Centre.objects.filter(pk__in=[station.centre.pk, station.other.pk]))  # as the panel reads them
    rows = centre_figures(centres, since=now - timedelta(days=30), until=now, level="street")
    assert len(rows) == 1 and rows[0].centres == 2
    assert rows[0].booked_minutes == pytest.approx(120)
