"""Key rotation: several field keys (the first encrypts, all decrypt), `jinlin rekey` re-encrypts
every encrypted column in batches and is idempotent, and lookup digests do not move."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from jinlin.core import crypto
from jinlin.core.management.commands.rekey import encrypted_columns
from jinlin.core.models import AuditEntry, User

from .factories import make_user

pytestmark = pytest.mark.django_db

NEW = "a-new-field-key-for-the-rotation-test-0123456789"


def _raw_phones() -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, phone FROM core_user ORDER BY id")
        return dict(cursor.fetchall())


def test_rekey_finds_every_encrypted_column_of_every_app():
    found = {model._meta.label_lower: cols for model, cols in encrypted_columns()}
    assert found["core.user"] == ["phone"]
    assert set(found["people.resident"]) >= {"id_number", "phone"}
    assert "contact_phone" in found["cases.case"]


def test_with_two_keys_the_first_encrypts_and_both_decrypt(settings):
    old = settings.FIELD_ENCRYPTION_KEY
    token_old = crypto.encrypt("13800000001")
    settings.FIELD_ENCRYPTION_KEYS = [NEW, old]
    token_new = crypto.encrypt("13800000002")
    assert crypto.decrypt(token_old) == "13800000001" and crypto.decrypt(token_new) == "13800000002"
    assert crypto.is_current(token_new) and not crypto.is_current(token_old)
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(ValueError):
        crypto.decrypt(token_old)


def test_rekey_re_encrypts_every_row_in_batches_once_and_lookups_still_find_them(settings):
    users = [make_user(f"1390000000{i}", name=f"用户{i}") for i in range(5)]
    before = _raw_phones()
    settings.FIELD_ENCRYPTION_KEYS = [NEW, settings.FIELD_ENCRYPTION_KEY]
    out = io.StringIO()
    call_command("rekey", "--batch", "2", stdout=out)
    after = _raw_phones()
    assert all(after[u.pk] != before[u.pk] for u in users)
    assert "core.user: 5 rows re-encrypted" in out.getvalue()
    # The old key can go: everything reads with the new one alone.
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    assert sorted(User.objects.filter(pk__in=[u.pk for u in users]).values_list("phone", flat=True)) == [
        f"1390000000{i}" for i in range(5)
    ]
    # Digests keep their key (JINLIN_FIELD_KEY), so the lookup by phone still finds the user.
    assert User.objects.get(phone_digest=User.digest_phone("13900000003")).pk == users[3].pk
    # A second run changes nothing.
    out = io.StringIO()
    call_command("rekey", stdout=out)
    assert _raw_phones() == after
    assert "re-encrypted 0 rows" in out.getvalue()
    assert AuditEntry.objects.filter(action="keys.rekey").count() == 2


def test_deploy_check_errors_on_the_demo_key_among_the_rotation_keys(settings):
    from jinlin.core.checks import jinlin_deploy_checks

    settings.FIELD_ENCRYPTION_KEYS = [NEW, settings.DEMO_SECRET_KEY]
    assert "jinlin.E005" in {p.id for p in jinlin_deploy_checks(None)}
