"""Account management (账号管理): platform admins manage every staff account; community staff
only those inside their community and only the community's own roles; one-time passwords force a
change at the next login; unlock and deactivate; every step audited."""

import pytest
from django.test import Client

from jinlin.core import services as core
from jinlin.core.models import AuditEntry, OrgKind, Role, User

pytestmark = pytest.mark.django_db
PASSWORD = "Demo-pass-2026"


@pytest.fixture
def place(db):
    create = core.org_unit_create
    district = create(actor=None, kind=OrgKind.DISTRICT, code="350102", name="清溪区")
    street = create(actor=None, kind=OrgKind.STREET, code="350102001", name="东街街道", parent=district)
    mine = create(actor=None, kind=OrgKind.COMMUNITY, code="350102001001", name="桂香社区", parent=street)
    other = create(actor=None, kind=OrgKind.COMMUNITY, code="350102001002", name="湖滨社区", parent=street)
    grid = create(actor=None, kind=OrgKind.GRID, code="350102001001001", name="桂香一网格", parent=mine)
    other_grid = create(actor=None, kind=OrgKind.GRID, code="350102001002001", name="湖滨一网格", parent=other)
    centre = create(actor=None, kind=OrgKind.COMMAND_CENTRE, code="350102C01", name="区指挥中心", parent=district)

    def person(phone, name, role, unit):
        return core.user_create(actor=None, phone=phone, name=name, password=PASSWORD, roles=[(role, unit)])

    return {
        "admin": person("13800000100", "管理员", Role.PLATFORM_ADMIN, district),
        "staff": person("13800000101", "黄社工", Role.COMMUNITY_STAFF, mine),
        "worker": person("13800000102", "陈网格", Role.GRID_WORKER, grid),
        "other_worker": person("13800000103", "林网格", Role.GRID_WORKER, other_grid),
        "dispatcher": person("13800000104", "周调度", Role.DISPATCHER, centre),
        "grid": grid,
        "other_grid": other_grid,
    }


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_community_staff_add_a_grid_worker_who_must_change_the_one_time_password(place):
    page = client_for(place["staff"]).post(
        "/accounts/", {"name": "新网格员", "phone": "13800000199", "role": Role.GRID_WORKER, "unit": place["grid"].code}
    )
    assert page.status_code == 200 and "data-one-time-password" in page.text
    user = User.objects.get_by_phone("13800000199")
    assert user.must_change_password and user.role_assignments.get().org == place["grid"]
    entry = AuditEntry.objects.get(action="account.create")
    assert entry.actor == place["staff"] and "13800000199" not in str(entry.after)
    # The password shown once works, and the person is sent to change it.
    password = page.text.split("data-one-time-password>")[1].split("<")[0]
    fresh = Client()
    assert fresh.post("/login/", {"phone": "13800000199", "password": password}).status_code == 302
    assert fresh.get("/cases/inbox/").status_code == 302


def test_community_staff_may_not_grant_outside_their_community_or_a_desk_role(place):
    staff = client_for(place["staff"])
    outside = staff.post(
        "/accounts/", {"name": "甲", "phone": "13800000198", "role": Role.GRID_WORKER, "unit": place["other_grid"].code}
    )
    assert outside.status_code == 422
    admin_role = staff.post(
        "/accounts/", {"name": "乙", "phone": "13800000197", "role": Role.PLATFORM_ADMIN, "unit": place["grid"].code}
    )
    assert admin_role.status_code == 422
    assert not User.objects.filter(name__in=["甲", "乙"]).exists()


def test_community_staff_see_and_manage_only_their_communitys_accounts(place):
    staff = client_for(place["staff"])
    listing = staff.get("/accounts/").text
    assert "陈网格" in listing and "林网格" not in listing and "周调度" not in listing
    assert staff.get(f"/accounts/{place['other_worker'].pk}/").status_code == 404
    assert staff.post(f"/accounts/{place['dispatcher'].pk}/", {"do": "reset"}).status_code == 404


def test_a_reset_gives_a_one_time_password_and_ends_the_old_one(place):
    worker = place["worker"]
    page = client_for(place["staff"]).post(f"/accounts/{worker.pk}/", {"do": "reset"})
    assert "data-one-time-password" in page.text
    worker.refresh_from_db()
    assert worker.must_change_password and not worker.check_password(PASSWORD)
    assert AuditEntry.objects.filter(action="account.password_reset", object_id=str(worker.pk)).exists()


def test_unlock_lifts_a_lock_and_deactivate_needs_a_reason(place):
    from django.utils import timezone

    worker = place["worker"]
    User.objects.filter(pk=worker.pk).update(failed_logins=9, locked_until=timezone.now() + timezone.timedelta(hours=1))
    admin = client_for(place["admin"])
    assert "data-done" in admin.post(f"/accounts/{worker.pk}/", {"do": "unlock"}).text
    worker.refresh_from_db()
    assert worker.locked_until is None and worker.failed_logins == 0
    admin.post(f"/accounts/{worker.pk}/", {"do": "deactivate", "reason": ""})
    worker.refresh_from_db()
    assert worker.is_active
    admin.post(f"/accounts/{worker.pk}/", {"do": "deactivate", "reason": "调离本社区"})
    worker.refresh_from_db()
    assert not worker.is_active
    assert AuditEntry.objects.get(action="account.deactivate").after == {"reason": "调离本社区"}


def test_residents_and_dispatchers_have_no_account_management(place):
    assert client_for(place["dispatcher"]).get("/accounts/").status_code == 403
