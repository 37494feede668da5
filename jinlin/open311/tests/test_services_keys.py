import pytest
from django.core.exceptions import PermissionDenied

from jinlin.core.models import AuditEntry
from jinlin.open311 import services
from jinlin.open311.models import ApiKey


def test_the_demo_key_is_seeded_once_and_stored_only_as_a_digest(district):
    again = services.seed_open311_demo()
    assert ApiKey.objects.count() == 1
    assert again.key_digest == services.key_digest(services.DEMO_KEY)
    assert services.DEMO_KEY not in again.key_digest
    assert services.api_key_authenticate(services.DEMO_KEY) == again


def test_authenticating_notes_when_the_key_was_last_used(district):
    assert ApiKey.objects.get().last_used_at is None
    services.api_key_authenticate(services.DEMO_KEY)
    assert ApiKey.objects.get().last_used_at is not None


def test_unknown_empty_and_deactivated_keys_do_not_authenticate(district):
    assert services.api_key_authenticate("") is None
    assert services.api_key_authenticate(None) is None
    assert services.api_key_authenticate("jinlin-demo") is None
    api_key = services.api_key_authenticate(services.DEMO_KEY)
    services.api_key_deactivate(actor=district.people.admin, api_key=api_key)
    assert services.api_key_authenticate(services.DEMO_KEY) is None
    api_key.refresh_from_db()
    assert api_key.deactivated_at is not None
    assert AuditEntry.objects.filter(action="open311.key_deactivate", object_id=str(api_key.pk)).exists()


def test_only_a_platform_administrator_manages_keys(district):
    with pytest.raises(PermissionDenied):
        services.api_key_create(actor=district.people.dispatcher, name="偷偷接入")
    api_key = ApiKey.objects.get()
    with pytest.raises(PermissionDenied):
        services.api_key_deactivate(actor=district.people.dispatcher, api_key=api_key)
    assert ApiKey.objects.get().is_active


def test_a_new_key_is_random_and_made_known_only_to_its_creator(district):
    raw, api_key = services.api_key_create(actor=district.people.admin, name="网格通App", organisation="清溪区")
    other, _ = services.api_key_create(actor=district.people.admin, name="网格通App 2")
    assert raw != other
    assert len(raw) >= 30
    assert api_key.key_prefix == raw[:8]
    assert services.api_key_authenticate(raw) == api_key
    entry = AuditEntry.objects.get(action="open311.key_create", object_id=str(api_key.pk))
    assert raw not in str(entry.after)
