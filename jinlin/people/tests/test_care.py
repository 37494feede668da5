"""Care pairings and visits: who may pair and visit, the overdue sweep and its event, coverage."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jinlin.core.events import subscribe, unsubscribe
from jinlin.people import services
from jinlin.people.models import Household, Pairing, Resident, Visit

GRID_WORKER_G1, STAFF_G1, GRID_WORKER_G2 = "13900000002", "13900000003", "13900000008"


@pytest.fixture
def household(district):
    return Household.objects.filter(scope_code="350102001001001").exclude(pairings__isnull=False).first()


def test_staff_pair_a_grid_worker_weekly_and_a_visit_moves_the_due_date(as_, district, household):
    worker = district.people[GRID_WORKER_G1]
    response = as_(STAFF_G1).post(
        "/api/pairings", {"household_id": household.pk, "carer_id": worker.pk, "every_days": 7}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["carer_kind"] == "grid_worker" and body["every_days"] == 7
    again = as_(STAFF_G1).post("/api/pairings", {"household_id": household.pk, "carer_id": worker.pk, "every_days": 7})
    assert again.status_code == 422
    visit = as_(GRID_WORKER_G1).post("/api/visits", {"household_id": household.pk, "kind": "走访", "note": "血压正常"})
    assert visit.status_code == 201, visit.content
    pairing = Pairing.objects.get(pk=body["id"])
    assert pairing.last_visit_at == Visit.objects.get(pk=visit.json()["id"]).at
    assert pairing.due_at == pairing.last_visit_at + timedelta(days=7)


def test_a_carer_from_another_community_or_a_bad_frequency_is_422(as_, district, household):
    other = district.people[GRID_WORKER_G2]
    body = {"household_id": household.pk, "carer_id": other.pk, "every_days": 7}
    assert as_(STAFF_G1).post("/api/pairings", body).status_code == 422
    body = {"household_id": household.pk, "carer_id": district.people[GRID_WORKER_G1].pk, "every_days": 0}
    assert as_(STAFF_G1).post("/api/pairings", body).status_code == 422


def test_the_g2_grid_worker_can_neither_pair_nor_visit_g1(as_, district, household):
    worker = district.people[GRID_WORKER_G2]
    body = {"household_id": household.pk, "carer_id": worker.pk, "every_days": 7}
    assert as_(GRID_WORKER_G2).post("/api/pairings", body).status_code == 404
    body = {"household_id": household.pk, "kind": "走访"}
    assert as_(GRID_WORKER_G2).post("/api/visits", body).status_code == 404
    assert as_(GRID_WORKER_G1).post("/api/visits", {**body, "kind": "闲聊"}).status_code == 422


def test_a_volunteer_carer_sees_and_visits_only_the_household_they_look_after(as_, district, household):
    from jinlin.core.models import Role, RoleAssignment

    volunteer = district.people["13800000001"]
    RoleAssignment.objects.create(user=volunteer, role=Role.VOLUNTEER, org=district.units["350102001001"])
    services.pairing_create(actor=district.people[STAFF_G1], household=household, carer=volunteer, every_days=14)
    api = as_("13800000001")
    assert [i["id"] for i in api.get("/api/households").json()["items"]] == [household.pk]
    assert api.post("/api/visits", {"household_id": household.pk, "kind": "回访"}).status_code == 201


def test_the_sweep_marks_late_pairings_once_and_tells_the_carer(
    district, household, django_capture_on_commit_callbacks
):
    worker = district.people[GRID_WORKER_G1]
    start = timezone.now() - timedelta(days=10)
    pairing = services.pairing_create(
        actor=district.people[STAFF_G1], household=household, carer=worker, every_days=7, at=start
    )
    heard = []

    def listener(event):
        heard.append(event)

    subscribe("people.visit_overdue")(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert services.overdue_sweep() >= 1
        with django_capture_on_commit_callbacks(execute=True):
            assert services.overdue_sweep() == 0
    finally:
        unsubscribe("people.visit_overdue", listener)
    mine = [e for e in heard if e["pairing_id"] == pairing.pk]
    assert len(mine) == 1 and mine[0]["carer_id"] == worker.pk and mine[0]["community_code"] == "350102001001"
    pairing.refresh_from_db()
    assert pairing.overdue_since is not None


def test_the_overdue_list_is_scoped_and_carries_coverage(as_, district, household):
    worker = district.people[GRID_WORKER_G1]
    start = timezone.now() - timedelta(days=10)
    services.pairing_create(actor=district.people[STAFF_G1], household=household, carer=worker, every_days=7, at=start)
    mine = as_(GRID_WORKER_G1).get("/api/visits/overdue").json()
    assert household.pk in {i["household_id"] for i in mine["items"]}
    assert mine["coverage"]["pairings"] >= 1 and mine["coverage"]["overdue"] >= 1
    assert household.pk not in {
        i["household_id"] for i in as_(GRID_WORKER_G2).get("/api/visits/overdue").json()["items"]
    }


def test_the_elder_is_visited_weekly_by_the_g1_grid_worker(as_, district):
    elder = Resident.objects.get(name="林阿婆")
    response = as_(GRID_WORKER_G1).post(
        "/api/visits",
        {"household_id": elder.household_id, "kind": "反诈", "note": "讲解电信诈骗", "anti_fraud_app": True},
    )
    assert response.status_code == 201
    assert Visit.objects.get(pk=response.json()["id"]).anti_fraud_app is True


def test_the_sweep_command_marks_and_schedules_itself(district, household):
    from io import StringIO

    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    out = StringIO()
    call_command("people_sweep", "--schedule", stdout=out)
    assert "overdue=" in out.getvalue()
    assert DBTaskResult.objects.filter(task_path="jinlin.people.tasks.people_overdue_sweep").count() == 1


def test_a_building_head_confirms_the_building_and_it_leaves_the_staleness_list(as_, district):
    from jinlin.core.models import Role, RoleAssignment

    Household.objects.update(confirmed_at=None)
    building = district.units["350102001001E01B01"]
    head = district.people["13800000002"]
    RoleAssignment.objects.create(user=head, role=Role.BUILDING_HEAD, org=building)
    stale = as_(STAFF_G1).get("/api/people/stale-buildings").json()
    assert building.code in {r["code"] for r in stale["items"]}
    assert as_(GRID_WORKER_G2).post(f"/api/buildings/{building.pk}/confirm").status_code == 403
    response = as_("13800000002").post(f"/api/buildings/{building.pk}/confirm")
    assert response.status_code == 200 and response.json()["households"] >= 4
    assert building.code not in {r["code"] for r in as_(STAFF_G1).get("/api/people/stale-buildings").json()["items"]}
    assert building.code not in {
        r["code"] for r in as_(GRID_WORKER_G2).get("/api/people/stale-buildings").json()["items"]
    }


def test_a_move_out_is_dated_and_the_person_leaves_every_list(as_, district):
    from jinlin.people.models import Movement

    elder = Resident.objects.get(name="林阿婆")
    api = as_(STAFF_G1)
    assert as_(GRID_WORKER_G1).post(f"/api/residents/{elder.pk}/move-out", {"note": "搬去女儿家"}).status_code == 403
    assert api.post(f"/api/residents/{elder.pk}/move-out", {"note": "搬去女儿家"}).status_code == 200
    assert api.post(f"/api/residents/{elder.pk}/move-out", {}).status_code == 422
    assert Movement.objects.filter(resident=elder, kind="out").count() == 1
    detail = api.get(f"/api/households/{elder.household_id}").json()
    assert detail["residents"] == [] and detail["size"] == 0
    assert api.get("/api/households", q="林阿婆").json()["count"] == 0


def test_a_visit_keeps_photos_without_their_location_data(district, household, settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, format="JPEG")
    photo = SimpleUploadedFile("door.jpg", buffer.getvalue(), "image/jpeg")
    visit = services.visit_create(
        actor=district.people[GRID_WORKER_G1], household=household, kind="走访", photos=[photo]
    )
    assert visit.photos.count() == 1
    bad = SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg")
    with pytest.raises(ValidationError):
        services.visit_create(actor=district.people[GRID_WORKER_G1], household=household, kind="走访", photos=[bad])
