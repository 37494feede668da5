"""Disputes and mediation, police–grid linkage, 部件 and jobs over the API."""

from jinlin.cases.models import Case, CaseKind
from jinlin.core.models import Grid
from jinlin.people.models import Component, Dispute, EBike, PolicePair, Resident, Seeker, Vacancy

STAFF, GRID_WORKER_G1, GRID_WORKER_G2, POLICE = "13900000003", "13900000002", "13900000008", "13900000009"


def rect(lng0, lat0, lng1, lat1) -> dict:
    return {"type": "Polygon", "coordinates": [[[lng0, lat0], [lng1, lat0], [lng1, lat1], [lng0, lat1], [lng0, lat0]]]}


def test_the_demo_has_disputes_in_mediation_as_cases_of_kind_dispute(district):
    disputes = list(Dispute.objects.select_related("case"))
    assert len(disputes) == 4
    assert sum(d.status == "mediating" for d in disputes) == 3
    assert all(d.case.kind == CaseKind.DISPUTE and d.parties.count() == 2 and d.sessions.count() == 1 for d in disputes)


def test_a_dispute_goes_through_intake_sessions_and_agreement(as_, district):
    applicant, respondent = Resident.objects.filter(scope_code="350102001001001")[:2]
    api = as_(STAFF)
    body = {
        "title": "车位被占纠纷",
        "intake_type": "纠纷化解",
        "parties": [
            {"role": "applicant", "resident_id": applicant.pk},
            {"role": "respondent", "resident_id": respondent.pk},
        ],
    }
    response = api.post("/api/disputes", body)
    assert response.status_code == 201, response.content
    dispute_id = response.json()["id"]
    assert Case.objects.get(pk=response.json()["case_id"]).kind == CaseKind.DISPUTE
    assert api.post("/api/disputes", {**body, "parties": body["parties"][:1]}).status_code == 422
    assert api.post(f"/api/disputes/{dispute_id}/mediator", {"name": "陈德明", "kind": "老党员"}).status_code == 200
    session = {
        "at": "2026-12-01T15:00:00+08:00",
        "room": "厝边解纷室",
        "attendees": "双方、调解员",
        "notes": "初步调解",
    }
    assert api.post(f"/api/disputes/{dispute_id}/sessions", session).status_code == 201
    agreed = api.post(f"/api/disputes/{dispute_id}/agree", {"agreement": "双方约定轮流使用车位。"}).json()
    assert agreed["status"] == "agreed" and len(agreed["sessions"]) == 1
    assert api.post(f"/api/disputes/{dispute_id}/refer", {"to": "法院"}).status_code == 422  # no longer in mediation
    assert as_(GRID_WORKER_G2).get(f"/api/disputes/{dispute_id}").status_code == 404


def test_a_dispute_can_be_referred_to_the_court(as_, district):
    dispute = Dispute.objects.filter(status="mediating").first()
    response = as_(STAFF).post(f"/api/disputes/{dispute.pk}/refer", {"to": "法院", "note": "一方拒绝调解"})
    assert response.json()["status"] == "referred" and response.json()["referred_to"] == "法院"


def test_a_joint_patrol_registers_ebikes(as_, district):
    pair = PolicePair.objects.get(grid=district.units["350102001001001"])  # the demo pairs them
    assert (pair.grid_worker, pair.officer) == (district.people[GRID_WORKER_G1], district.people[POLICE])
    EBike.objects.all().delete()
    body = {"pair_id": pair.pk, "findings": "楼道停放电动车", "ebikes": [{"plate": "闽A12345", "place": "1号楼楼道"}]}
    assert as_(POLICE).post("/api/patrols", body).status_code == 201
    assert as_(GRID_WORKER_G2).post("/api/patrols", body).status_code == 404
    assert EBike.objects.count() == 1
    assert as_(STAFF).get("/api/ebikes").json()["count"] == 1
    assert as_(GRID_WORKER_G2).get("/api/ebikes").json()["count"] == 0


def test_a_component_is_placed_in_its_grid_and_lists_its_cases(as_, district):
    Grid.objects.create(unit=district.units["350102001001001"], boundary=rect(119.30, 26.08, 119.31, 26.09))
    from jinlin.core.grids import grid_index_invalidate

    grid_index_invalidate()
    api = as_(STAFF)
    response = api.post("/api/components", {"kind": "井盖", "code": "JG-0001", "lat": 26.085, "lng": 119.305})
    assert response.status_code == 201, response.content
    assert response.json()["grid_id"] == district.units["350102001001001"].pk
    assert (
        api.post("/api/components", {"kind": "井盖", "code": "JG-0001", "lat": 26.085, "lng": 119.305}).status_code
        == 422
    )
    assert (
        as_(GRID_WORKER_G2)
        .post("/api/components", {"kind": "路灯", "code": "LD-9", "lat": 26.085, "lng": 119.305})
        .status_code
        == 403
    )
    component = Component.objects.get(code="JG-0001")
    case = Case.objects.filter(scope_code__startswith="350102001001").first()
    component.cases.add(case)
    detail = api.get(f"/api/components/{component.pk}").json()
    assert [c["id"] for c in detail["cases"]] == [case.pk]
    assert api.get("/api/components").json()["count"] == 1
    assert as_(GRID_WORKER_G2).get(f"/api/components/{component.pk}").status_code == 404


def test_jobs_match_by_skill_place_and_pay(as_, district):
    worker, picky = Resident.objects.filter(scope_code="350102001001001")[:2]
    Seeker.objects.all().delete()  # the demo's seekers: this test states its own
    Seeker.objects.create(
        resident=worker, skills="电工,驾驶", min_pay=3000, near_code=worker.scope_code, scope_code=worker.scope_code
    )
    Seeker.objects.create(resident=picky, skills="电工", min_pay=9000, scope_code=picky.scope_code)
    vacancy = Vacancy.objects.create(
        employer="清溪物业",
        title="水电工",
        skills="电工,维修",
        pay=4500,
        place_code="350102001001001",
        scope_code="350102001001",
    )
    items = as_(STAFF).post(f"/api/jobs/vacancies/{vacancy.pk}/match").json()["items"]
    assert [i["name"] for i in items] == [worker.name]
    assert items[0]["score"] == 0.8


def test_the_pages_of_disputes_components_and_patrols_render_for_staff_and_police(district):
    from django.test import Client

    for phone in (STAFF, POLICE, GRID_WORKER_G1):
        client = Client(raise_request_exception=False)
        client.force_login(district.people[phone])
        for path in ["/people/disputes/", "/people/components/", "/people/patrols/"]:
            response = client.get(path)
            assert response.status_code == 200, (phone, path, response.status_code)
    client = Client(raise_request_exception=False)
    client.force_login(district.people["13900000001"])
    assert client.get("/people/disputes/").status_code == 403
    assert client.get("/people/components/").status_code == 403
    assert client.get("/people/patrols/").status_code == 403
