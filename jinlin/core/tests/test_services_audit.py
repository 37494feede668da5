import pytest
from django.db import DatabaseError, connection, transaction

from jinlin.core import services
from jinlin.core.models import AuditEntry, OrgKind, Role

from .factories import make_tree, make_user

pytestmark = pytest.mark.django_db


def test_every_core_service_call_writes_an_audit_entry():
    tree = make_tree()
    admin = make_user("13700000007", Role.PLATFORM_ADMIN, tree.district, name="管理员")
    before = AuditEntry.objects.count()

    unit = services.org_unit_create(
        actor=admin, kind=OrgKind.GRID, code="350102001001002", name="二网格", parent=tree.community_a
    )
    user = services.user_create(actor=admin, phone="13700000010", name="李四", password="a-long-password")
    assignment = services.role_assign(actor=admin, user=user, role=Role.GRID_WORKER, org=unit)
    services.role_revoke(actor=admin, assignment=assignment)
    services.user_set_preferences(actor=user, large_text=True)

    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True)[before:])
    assert actions == ["org.create", "user.create", "role.assign", "role.revoke", "user.preferences"]
    entry = AuditEntry.objects.get(action="user.create", object_id=str(user.pk))
    assert entry.actor == admin
    assert entry.after["phone"] == "137****0010"


def test_audit_entries_refuse_save_and_delete_through_the_orm():
    make_tree()
    entry = AuditEntry.objects.first()
    entry.action = "tampered"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().update(action="tampered")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


def test_database_refuses_raw_update_and_delete_of_audit_rows():
    make_tree()
    for sql in ("UPDATE core_auditentry SET action = 'tampered'", "DELETE FROM core_auditentry"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert not AuditEntry.objects.filter(action="tampered").exists()
    assert AuditEntry.objects.count() > 0


def test_a_failed_service_call_leaves_neither_row_nor_audit_entry():
    tree = make_tree()
    before = AuditEntry.objects.count()
    with pytest.raises(Exception):  # noqa: B017 — the point is that nothing is written
        services.org_unit_create(actor=None, kind=OrgKind.BUILDING, code="999", name="错位楼", parent=tree.street_a)
    assert AuditEntry.objects.count() == before


def test_non_admin_cannot_create_accounts():
    tree = make_tree()
    worker = make_user("13700000002", Role.GRID_WORKER, tree.grid_a)
    with pytest.raises(services.PermissionDenied):
        services.user_create(actor=worker, phone="13700000011", name="越权")
