"""Notify's pages answer every role sensibly: no 500, refusals for those who may not."""

import pytest
from django.test import Client

from jinlin.notify import services
from jinlin.notify.models import Delivery, NotifyProfile

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_page_shows_the_bell_with_the_unread_count(org, people):
    services.notify([people.resident], "case.accepted", title="您的诉求已受理")
    html = logged_in(people.resident).get("/").content.decode()
    assert "data-bell-count" in html and ">1<" in html


def test_preferences_save_channels_and_quiet_hours(org, people):
    client = logged_in(people.resident)
    assert client.get("/notify/preferences/").status_code == 200
    response = client.post(
        "/notify/preferences/",
        {"quiet_start": "21:00", "quiet_end": "08:00", "email": "", "case.resolved__sms": "on"},
    )
    assert response.status_code == 302
    profile = NotifyProfile.objects.get(user=people.resident)
    assert profile.channels["case.resolved"] == ["sms"] and profile.channels["case.accepted"] == []
    assert str(profile.quiet_start) == "21:00:00"


def test_email_without_an_address_is_refused_with_a_message(org, people):
    response = logged_in(people.resident).post(
        "/notify/preferences/",
        {"quiet_start": "22:00", "quiet_end": "07:00", "email": "", "case.resolved__email": "on"},
    )
    assert response.status_code == 400


def test_the_delivery_log_is_for_admins_only(org, people):
    services.notify([people.resident], "case.resolved", title="t")
    assert Delivery.objects.count() == 1
    assert logged_in(people.resident).get("/notify/deliveries/").status_code == 403
    from jinlin.core.models import User

    User.objects.filter(pk=people.dispatcher.pk).update(is_superuser=True)
    people.dispatcher.refresh_from_db()
    html = logged_in(people.dispatcher).get("/notify/deliveries/?status=pending").content.decode()
    assert people.resident.phone not in html


def test_residents_may_not_open_the_broadcast_or_homes_pages(org, people):
    client = logged_in(people.resident)
    assert client.get("/notify/broadcast/").status_code == 403
    assert client.get("/notify/homes/").status_code == 403
    assert logged_in(people.worker1).get("/notify/broadcast/").status_code == 200
    assert logged_in(people.worker1).get("/notify/homes/").status_code == 200


def test_the_inbox_opens_a_notification_and_marks_it_read(org, people):
    [note] = services.notify([people.resident], "case.accepted", title="t", link="/cases/")
    client = logged_in(people.resident)
    assert client.get("/notify/").status_code == 200
    response = client.post(f"/notify/{note.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/cases/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert logged_in(people.neighbour).post(f"/notify/{note.pk}/read/").status_code == 404


def test_the_account_page_deletes_only_when_confirmed(org, people):
    client = logged_in(people.neighbour)
    assert client.get("/notify/account/").status_code == 200
    client.post("/notify/account/", {"step": "delete"})
    people.neighbour.refresh_from_db()
    assert people.neighbour.is_active
    client.post("/notify/account/", {"step": "delete", "confirm": "yes"})
    people.neighbour.refresh_from_db()
    assert not people.neighbour.is_active
