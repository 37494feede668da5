"""The household API: scoped lists, masked details, audited reveals, profile counts, per-role policy."""

import pytest

from jinlin.core import policy
from jinlin.core.models import AuditEntry, Role, RoleAssignment
from jinlin.people.models import Household, Resident, ResidentTag

GRID_WORKER_G1, STAFF_G1, GRID_WORKER_G2, POLICE, RESIDENT, DISPATCHER = (
    "13900000002",
    "13900000003",
    "13900000008",
    "13900000009",
    "13900000001",
    "13900000004",
)


def test_the_grid_worker_lists_only_g1_households_with_size_and_tags(as_, district):
    body = as_(GRID_WORKER_G1).get("/api/households").json()
    assert body["count"] == Household.objects.filter(scope_code="350102001001001").count() > 0
    item = body["items"][0]
    assert set(item) == {"id", "address", "unit_id", "size", "tags"}
    assert item["size"] >= 1


def test_a_grid_worker_of_another_community_sees_none_of_g1s_households(as_, district):
    api = as_(GRID_WORKER_G2)
    body = api.get("/api/households").json()
    g1 = set(Household.objects.filter(scope_code="350102001001001").values_list("pk", flat=True))
    assert not g1 & {i["id"] for i in body["items"]}
    assert body["count"] == Household.objects.filter(scope_code="350102001002001").count()
    for pk in g1:
        assert api.get(f"/api/households/{pk}").status_code == 404
    g1_unit = district.units["350102001001001"].pk
    assert api.get("/api/households", unit_id=g1_unit).status_code == 404


def test_filters_by_tag_query_and_unit(as_, district):
    api = as_(STAFF_G1)
    elder = Resident.objects.get(name="林阿婆")
    assert elder.household_id in {i["id"] for i in api.get("/api/households", tag="独居").json()["items"]}
    assert [i["id"] for i in api.get("/api/households", q="林阿婆").json()["items"]] == [elder.household_id]
    body = api.get("/api/households", unit_id=district.units["350102001001E01B01U02"].pk).json()
    assert body["count"] == Household.objects.filter(unit_code="350102001001E01B01U02").count()
    assert api.get("/api/households", tag="不存在").json()["count"] == 0


def test_the_detail_masks_id_numbers_and_phones(as_, district):
    elder = Resident.objects.get(name="林阿婆")
    body = as_(GRID_WORKER_G1).get(f"/api/households/{elder.household_id}").json()
    (resident,) = body["residents"]
    assert resident["id_number"] == elder.id_number[:4] + "*" * 10 + elder.id_number[-4:]
    assert resident["phone"] == "139****0012"
    assert set(resident["tags"]) >= {"独居", "高龄"}
    assert resident["relation"] == "户主"


def test_a_reveal_needs_a_reason_returns_the_full_values_and_is_audited(as_, district):
    elder = Resident.objects.get(name="林阿婆")
    api = as_(GRID_WORKER_G1)
    assert api.post(f"/api/residents/{elder.pk}/reveal", {"reason": ""}).status_code == 422
    response = api.post(f"/api/residents/{elder.pk}/reveal", {"reason": "上门走访前电话联系"})
    assert response.status_code == 200
    assert response.json()["phone"] == "13900000012"
    assert response.json()["id_number"] == elder.id_number
    entry = AuditEntry.objects.get(action="people.reveal", object_id=str(elder.pk))
    assert entry.after["reason"] == "上门走访前电话联系"
    assert elder.id_number not in str(entry.after) + entry.object_repr


def test_reveal_is_refused_to_a_dispatcher_and_hidden_from_another_grid(as_, district):
    elder = Resident.objects.get(name="林阿婆")
    assert as_(DISPATCHER).post(f"/api/residents/{elder.pk}/reveal", {"reason": "想看看"}).status_code == 403
    assert as_(GRID_WORKER_G2).post(f"/api/residents/{elder.pk}/reveal", {"reason": "想看看"}).status_code == 404
    assert as_(RESIDENT).post(f"/api/residents/{elder.pk}/reveal", {"reason": "想看看"}).status_code == 404
    assert not AuditEntry.objects.filter(action="people.reveal").exists()


@pytest.fixture
def restricted(district):
    elder = Resident.objects.get(name="林阿婆")
    ResidentTag.objects.create(resident=elder, tag="社区矫正", restricted=True)
    return elder


@pytest.mark.parametrize(
    ("phone", "sees"),
    [(POLICE, True), (STAFF_G1, False), (GRID_WORKER_G1, False), (DISPATCHER, False), ("13900000007", False)],
)
def test_restricted_tags_are_shown_only_to_roles_granted_them(as_, restricted, phone, sees):
    api = as_(phone)
    detail = api.get(f"/api/households/{restricted.household_id}").json()
    assert ("社区矫正" in detail["residents"][0]["tags"]) is sees
    listed = api.get("/api/households", tag="社区矫正").json()
    assert (restricted.household_id in {i["id"] for i in listed["items"]}) is sees
    assert (listed["count"] > 0) is sees
    assert ("社区矫正" in api.get("/api/people/profile").json()["tags"]) is sees


def test_the_policy_table_per_role(district):
    household = Resident.objects.get(name="林阿婆").household
    expected = {
        "people.household.view": {GRID_WORKER_G1, STAFF_G1, POLICE, DISPATCHER, "13900000007"},
        "people.resident.reveal": {GRID_WORKER_G1, STAFF_G1, POLICE},
        "people.export": {STAFF_G1, "13900000007"},
        "people.export.reveal": {STAFF_G1},
        "people.tag.restricted": {POLICE},
        "people.pairing.create": {GRID_WORKER_G1, STAFF_G1, "13900000007"},
        "people.visit.create": {GRID_WORKER_G1, STAFF_G1, POLICE},
    }
    for action, phones in expected.items():
        allowed = {
            p for p in district.people if p.startswith("1390") and policy.allows(district.people[p], action, household)
        }
        assert allowed == phones, action


def test_a_building_head_sees_their_building_only(as_, district):
    head = district.people["13800000004"]  # lives in G2's building
    RoleAssignment.objects.create(user=head, role=Role.BUILDING_HEAD, org=district.units["350102001002E01B01"])
    body = as_("13800000004").get("/api/households").json()
    assert body["count"] == Household.objects.filter(unit_code__startswith="350102001002E01B01").count()


def test_the_profile_counts_age_bands_sex_and_tags(as_, district):
    body = as_(STAFF_G1).get("/api/people/profile").json()
    in_area = Resident.objects.filter(scope_code__startswith="350102001001").count()
    assert body["total"] == in_area == sum(b["count"] for b in body["age_bands"])
    assert body["sex"]["M"] + body["sex"]["F"] == in_area
    assert body["tags"]["独居"] >= 1 and body["tags"]["高龄"] >= 1
    g1 = as_(STAFF_G1).get("/api/people/profile", unit_id=district.units["350102001001001"].pk).json()
    assert g1["total"] == Resident.objects.filter(scope_code="350102001001001").count()
    assert (
        as_(GRID_WORKER_G2).get("/api/people/profile", unit_id=district.units["350102001001001"].pk).status_code == 404
    )
    assert as_(RESIDENT).get("/api/people/profile").status_code == 404


def test_the_contract_paths_are_in_the_openapi_description(district):
    from django.test import Client

    paths = Client().get("/api/openapi.json").json()["paths"]
    for path in [
        "/api/people/import/template",
        "/api/people/import",
        "/api/households",
        "/api/households/{household_id}",
        "/api/residents/{resident_id}/reveal",
        "/api/people/profile",
        "/api/pairings",
        "/api/visits",
        "/api/visits/overdue",
    ]:
        assert path in paths, path
    assert "file" in str(paths["/api/people/import"]["post"]["requestBody"])
