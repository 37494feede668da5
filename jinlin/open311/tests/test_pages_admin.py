import re

import pytest
from django.test import Client
from django.utils import timezone

from jinlin.core.models import AuditEntry, User
from jinlin.open311 import services
from jinlin.open311.models import ApiKey

ADMIN_ADD = "/admin/open311/apikey/add/"


@pytest.fixture
def admin_client(district):
    User.objects.filter(pk=district.people.admin.pk).update(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(User.objects.get(pk=district.people.admin.pk))
    return client


def test_admin_creates_a_key_shows_it_once_and_the_key_works(admin_client, district):
    response = admin_client.post(
        ADMIN_ADD,
        {
            "name": "12345 热线对接",
            "organisation": "市12345",
            "channel": "hotline_12345",
            "services": [district.lamp.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    shown = " ".join(str(m) for m in response.context["messages"])
    (raw,) = re.findall(r"o311_[A-Za-z0-9_-]{30,}", shown)
    api_key = ApiKey.objects.get(name="12345 热线对接")
    assert api_key.channel == "hotline_12345"
    assert list(api_key.services.all()) == [district.lamp]
    assert services.api_key_authenticate(raw) == api_key
    # Shown once: the change page and the list do not carry it.
    assert raw not in admin_client.get(f"/admin/open311/apikey/{api_key.pk}/change/").content.decode()
    assert raw not in admin_client.get("/admin/open311/apikey/").content.decode()


def test_admin_deactivates_keys_with_the_action_and_cannot_delete_them(admin_client, district):
    api_key = ApiKey.objects.get()
    response = admin_client.post(
        "/admin/open311/apikey/", {"action": "deactivate", "_selected_action": [api_key.pk]}, follow=True
    )
    assert response.status_code == 200
    api_key.refresh_from_db()
    assert not api_key.is_active
    assert admin_client.get(f"/admin/open311/apikey/{api_key.pk}/delete/").status_code == 403
    assert ApiKey.objects.filter(pk=api_key.pk).exists()


def test_admin_changes_are_audited_including_the_services(admin_client, district):
    api_key = ApiKey.objects.get()
    response = admin_client.post(
        f"/admin/open311/apikey/{api_key.pk}/change/",
        {"name": api_key.name, "organisation": "新单位", "channel": "open311", "services": [district.pothole.pk]},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="admin.change", object_id=str(api_key.pk)).latest("at")
    assert entry.after == {"organisation": "新单位", "services": [district.pothole.pk]}
    assert entry.at <= timezone.now()
