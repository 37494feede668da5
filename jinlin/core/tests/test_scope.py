import pytest

from jinlin.core import selectors
from jinlin.core.models import AuditEntry, OrgUnit, Role

from .factories import make_tree, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    return make_tree()


def test_grid_worker_of_one_grid_cannot_see_another_grid(tree):
    worker_b = make_user("13700000008", Role.GRID_WORKER, tree.grid_b)
    visible = set(selectors.org_units_visible_to(worker_b).values_list("code", flat=True))
    assert visible == {tree.grid_b.code}
    assert tree.grid_a.code not in visible


def test_community_staff_see_their_whole_community_and_nothing_beside_it(tree):
    staff = make_user("13700000003", Role.COMMUNITY_STAFF, tree.community_a)
    visible = set(selectors.org_units_visible_to(staff).values_list("code", flat=True))
    assert visible == set(OrgUnit.objects.filter(code__startswith=tree.community_a.code).values_list("code", flat=True))
    assert tree.grid_a.code in visible and tree.building_a.code in visible
    assert tree.community_b.code not in visible


def test_resident_sees_no_org_area_only_their_own_account(tree):
    resident = make_user("13700000001", Role.RESIDENT, tree.building_a)
    assert not selectors.org_units_visible_to(resident).exists()
    assert list(selectors.users_visible_to(resident)) == [resident]


def test_a_person_with_two_roles_sees_the_union(tree):
    user = make_user("13700000002", Role.GRID_WORKER, tree.grid_a)
    from jinlin.core import services

    services.role_assign(actor=None, user=user, role=Role.GRID_WORKER, org=tree.grid_b)
    visible = set(selectors.org_units_visible_to(user).values_list("code", flat=True))
    assert visible == {tree.grid_a.code, tree.grid_b.code}


def test_revoked_role_grants_nothing(tree):
    from jinlin.core import services

    user = make_user("13700000002", Role.GRID_WORKER, tree.grid_a)
    services.role_revoke(actor=None, assignment=user.role_assignments.get())
    user = type(user).objects.get(pk=user.pk)
    assert not selectors.org_units_visible_to(user).exists()


def test_audit_log_is_hidden_from_everyone_but_admins_and_supervisors(tree):
    worker = make_user("13700000002", Role.GRID_WORKER, tree.grid_a)
    admin = make_user("13700000007", Role.PLATFORM_ADMIN, tree.district)
    assert not selectors.audit_entries_visible_to(worker).exists()
    assert selectors.audit_entries_visible_to(admin).count() == AuditEntry.objects.count()


def test_grid_worker_sees_people_with_roles_in_their_grid_only(tree):
    worker_a = make_user("13700000002", Role.GRID_WORKER, tree.grid_a)
    resident_a = make_user("13700000001", Role.RESIDENT, tree.building_a)
    worker_b = make_user("13700000008", Role.GRID_WORKER, tree.grid_b)
    visible = set(selectors.users_visible_to(worker_b))
    assert worker_b in visible and worker_a not in visible and resident_a not in visible


def test_prefix_q_keeps_rows_under_any_code_and_matches_nothing_for_none(tree):
    from jinlin.core.scope import prefix_q

    codes = set(
        OrgUnit.objects.filter(prefix_q("code", [tree.grid_a.code, tree.grid_b.code])).values_list("code", flat=True)
    )
    assert tree.grid_a.code in codes and tree.grid_b.code in codes and tree.community_a.code not in codes
    assert not OrgUnit.objects.filter(prefix_q("code", [])).exists()


def test_area_codes_drop_codes_a_wider_binding_already_covers(tree):
    from jinlin.core import services
    from jinlin.core.scope import area_codes

    user = make_user("13700000003", Role.COMMUNITY_STAFF, tree.community_a)
    services.role_assign(actor=None, user=user, role=Role.GRID_WORKER, org=tree.grid_a)
    user = type(user).objects.get(pk=user.pk)
    assert area_codes(user) == [tree.community_a.code]


def test_a_dispatcher_bound_to_the_command_centre_reaches_its_district_and_a_department_handler_no_area(tree):
    from jinlin.core.scope import area_codes

    dispatcher = make_user("13700000004", Role.DISPATCHER, tree.centre)
    handler = make_user("13700000005", Role.DEPARTMENT_HANDLER, tree.department)
    assert area_codes(dispatcher) == [tree.district.code]
    assert area_codes(handler) == []
