"""The audit-log page: for platform admins and discipline supervisors, filterable, read-only."""

import re

import pytest

from jinlin.core import services
from jinlin.core.audit import audit_record
from jinlin.core.models import AuditEntry
from jinlin.core.views import AUDIT_PAGE_SIZE

pytestmark = pytest.mark.django_db

RESIDENT, GRID_WORKER, SUPERVISOR, ADMIN = "13900000001", "13900000002", "13900000006", "13900000007"


def rows(response) -> list[str]:
    """The action code of every row on the page."""
    return re.findall(r'<td><a class="code" href="[^"]*" title="[^"]*">([^<]+)</a></td>', response.content.decode())


@pytest.mark.parametrize("phone", [RESIDENT, GRID_WORKER, "13900000003", "13900000004", "13900000005"])
def test_roles_other_than_admin_and_supervisor_get_a_403_page(client, tiny_district, phone):
    client.force_login(tiny_district.people[phone])
    response = client.get("/audit/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_visitor_is_sent_to_the_login_page(client):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/audit/"


@pytest.mark.parametrize("phone", [ADMIN, SUPERVISOR])
def test_admin_and_supervisor_see_the_log_newest_first(client, tiny_district, phone):
    client.force_login(tiny_district.people[phone])
    audit_record(actor=None, action="test.latest")
    response = client.get("/audit/")
    assert response.status_code == 200
    assert rows(response)[0] == "test.latest"
    assert f"共 {AuditEntry.objects.count()} 条" in response.content.decode()


def test_filter_by_action_prefix(client, tiny_district):
    client.force_login(tiny_district.people[ADMIN])
    actions = rows(client.get("/audit/", {"action": "role."}))
    assert actions
    assert set(actions) == {"role.assign"}


def test_filter_by_object_type(client, tiny_district):
    client.force_login(tiny_district.people[ADMIN])
    response = client.get("/audit/", {"object_type": "core.orgunit"})
    assert set(rows(response)) == {"org.create"}
    assert f"共 {AuditEntry.objects.filter(object_type='core.orgunit').count()} 条" in response.content.decode()


def test_filter_by_actor(client, tiny_district):
    admin = tiny_district.people[ADMIN]
    resident = tiny_district.people[RESIDENT]
    services.user_set_preferences(actor=resident, large_text=True)
    client.force_login(admin)
    response = client.get("/audit/", {"actor": resident.pk})
    assert rows(response) == ["user.preferences"]


def test_a_malformed_filter_shows_an_error_and_not_a_500(client, tiny_district):
    client.force_login(tiny_district.people[ADMIN])
    response = client.get("/audit/", {"actor": "abc", "page": "x"})
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert rows(response)


def test_pages_hold_fifty_entries_and_keep_the_filter(client, tiny_district):
    for number in range(AUDIT_PAGE_SIZE + 5):
        audit_record(actor=None, action=f"test.bulk{number}")
    client.force_login(tiny_district.people[ADMIN])
    first = client.get("/audit/", {"action": "test."})
    assert len(rows(first)) == AUDIT_PAGE_SIZE
    assert 'href="?action=test.&amp;page=2"' in first.content.decode()
    second = client.get("/audit/", {"action": "test.", "page": 2})
    assert len(rows(second)) == 5
    # A page number beyond the end shows the last page rather than an error.
    assert rows(client.get("/audit/", {"action": "test.", "page": 99})) == rows(second)


def test_before_and_after_are_shown_as_json(client, tiny_district):
    client.force_login(tiny_district.people[ADMIN])
    body = client.get("/audit/", {"action": "role.assign"}).content.decode()
    assert "&quot;org&quot;: &quot;350102&quot;" in body


def test_the_page_only_reads(client, tiny_district):
    client.force_login(tiny_district.people[ADMIN])
    assert client.post("/audit/", {"action": "x"}).status_code == 405
