"""The admin site: phone login through the same lockout, read-only audit log, no deletes."""

import re

import pytest
from django.test import Client

from jinlin.core.models import AuditEntry, OrgUnit, User

pytestmark = pytest.mark.django_db

PASSWORD = "jinlin2026"
RESIDENT, ADMIN = "13900000001", "13900000007"


def admin_login(client: Client, phone: str, password: str = PASSWORD):
    return client.post("/admin/login/?next=/admin/", {"username": phone, "password": password})


@pytest.fixture
def admin_client(client, tiny_district):
    client.force_login(tiny_district.people[ADMIN])
    return client


def test_admin_login_form_asks_for_the_mobile_phone(client):
    body = client.get("/admin/login/").content.decode()
    assert re.search(r'<label for="id_username"[^>]*>手机号', body)


def test_platform_admin_logs_in_to_the_admin_site_with_phone_and_password(client, tiny_district):
    response = admin_login(client, ADMIN)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "刘洋" in index.content.decode()


def test_account_without_admin_access_is_refused_with_a_clear_message(client, tiny_district):
    response = admin_login(client, RESIDENT)
    assert response.status_code == 200
    assert "该账号无权使用管理后台。" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_password_on_the_admin_site_counts_toward_the_throttle(client, tiny_district):
    for _ in range(5):
        response = admin_login(client, ADMIN, "wrong-password")
    assert "登录失败次数过多" in response.content.decode()
    assert User.objects.get(pk=tiny_district.people[ADMIN].pk).failed_logins == 4


def test_malformed_phone_on_the_admin_site_is_a_form_error(client, tiny_district):
    response = admin_login(client, "abc")
    assert response.status_code == 200
    assert "“abc”不是电话号码。" in response.content.decode()


def test_audit_log_in_admin_can_be_read_but_not_added_changed_or_deleted(admin_client):
    entry = AuditEntry.objects.first()
    assert admin_client.get("/admin/core/auditentry/").status_code == 200
    change_url = f"/admin/core/auditentry/{entry.pk}/change/"
    page = admin_client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(change_url, {"action": "tampered"}).status_code == 403
    assert admin_client.get("/admin/core/auditentry/add/").status_code == 403
    assert admin_client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == entry.action


def test_no_admin_page_offers_bulk_delete(admin_client):
    for model in ("auditentry", "user", "orgunit", "roleassignment", "apitoken", "grid"):
        body = admin_client.get(f"/admin/core/{model}/").content.decode()
        assert "delete_selected" not in body


def test_user_admin_shows_the_phone_masked_and_no_password(admin_client, tiny_district):
    resident = tiny_district.people[RESIDENT]
    listing = admin_client.get("/admin/core/user/").content.decode()
    assert "139****0001" in listing
    assert "13900000001" not in listing
    form = admin_client.get(f"/admin/core/user/{resident.pk}/change/").content.decode()
    assert "139****0001" in form
    assert 'name="password"' not in form
    assert resident.password not in form
    assert admin_client.get("/admin/core/user/add/").status_code == 403


def test_user_admin_finds_an_account_by_its_full_phone(admin_client):
    body = admin_client.get("/admin/core/user/", {"q": "13900000001"}).content.decode()
    assert "林秀英" in body
    assert "刘洋" not in body.split('id="result_list"')[1]


def test_a_change_made_in_admin_is_audited(admin_client, tiny_district):
    resident = tiny_district.people[RESIDENT]
    response = admin_client.post(
        f"/admin/core/user/{resident.pk}/change/",
        {
            "name": "林秀英（改）",
            "is_active": "on",
            "language": "",
            "role_assignments-TOTAL_FORMS": "1",
            "role_assignments-INITIAL_FORMS": "1",
            "role_assignments-MIN_NUM_FORMS": "0",
            "role_assignments-MAX_NUM_FORMS": "1000",
            "role_assignments-0-id": str(resident.role_assignments.get().pk),
            "role_assignments-0-user": str(resident.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.filter(action="admin.change", object_id=str(resident.pk)).get()
    assert entry.before == {"name": "林秀英"}
    assert entry.after == {"name": "林秀英（改）"}
    assert entry.actor == tiny_district.people[ADMIN]


def test_an_org_units_code_and_parent_cannot_be_changed_in_admin(admin_client, tiny_district):
    unit = tiny_district.units["350102001001"]
    body = admin_client.get(f"/admin/core/orgunit/{unit.pk}/change/").content.decode()
    assert 'name="code"' not in body
    assert 'name="parent"' not in body
    assert OrgUnit.objects.get(pk=unit.pk).code == "350102001001"


def test_the_admin_audit_log_shows_whether_the_hash_chain_is_intact(admin_client):
    from django.db import connection

    from jinlin.core.db import audit_purge_allowed

    body = admin_client.get("/admin/core/auditentry/").content.decode()
    assert "审计链完整" in body
    victim = AuditEntry.objects.order_by("seq").first()
    with audit_purge_allowed(connection), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET action = 'tampered' WHERE id = %s", [victim.id])
    body = admin_client.get("/admin/core/auditentry/").content.decode()
    assert "审计链已损坏" in body and f"entry id {victim.id} " in body
