"""Events of the domain apps reach the people they name: a waitlist promotion, an overdue visit."""

import pytest
from django.db import transaction

from jinlin.core import events
from jinlin.core.models import User
from jinlin.notify.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def _person(phone: str) -> User:
    return User.objects.create_user(phone=phone, password="x-Pass-2026!", name="居民")


def test_the_promoted_resident_is_told_in_the_inbox_with_a_link_to_the_activity():
    resident = _person("13711110001")
    with transaction.atomic():
        events.emit("centre.promoted", registration_id=1, activity_id=42, user_id=resident.pk, actor_id=None)
    (row,) = Notification.objects.filter(recipient=resident, kind="centre.promoted")
    assert row.link.endswith("/activities/42/") and row.read_at is None


def test_the_carer_of_an_overdue_pairing_is_told_and_nobody_else():
    carer, other = _person("13711110002"), _person("13711110003")
    with transaction.atomic():
        events.emit(
            "people.visit_overdue", pairing_id=7, household_id=9, carer_id=carer.pk, due_at="2026-12-01T09:00:00+08:00"
        )
    assert Notification.objects.filter(recipient=carer, kind="people.visit_overdue").count() == 1
    assert not Notification.objects.filter(recipient=other).exists()
