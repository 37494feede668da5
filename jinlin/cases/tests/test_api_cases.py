"""The REST contract of issue 3: paths, status codes (201/200/403/404/409/422, never 500),
Idempotency-Key, scoping, the timeline in the detail, photos."""

import io

import pytest
from django.test import Client
from PIL import Image

from jinlin.cases.machine import Status
from jinlin.cases.models import Case
from jinlin.core.services import api_token_issue

from .conftest import G1_POINT, G2_POINT, MONDAY
from .flow import bring_to, submit


class Api:
    """A test client speaking as one user, with a bearer token."""

    def __init__(self, user, language="zh-hans"):
        key, _ = api_token_issue(user=user)
        self.client = Client(raise_request_exception=False)
        self.headers = {"Authorization": f"Bearer {key}", "Accept-Language": language}

    def get(self, path, **params):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path, body=None, **headers):
        return self.client.post(
            path, body if body is not None else {}, content_type="application/json", headers={**self.headers, **headers}
        )


@pytest.fixture
def as_(org, people):
    return lambda name, **kw: Api(getattr(people, name), **kw)


def test_a_resident_submits_and_gets_201_with_number_status_due_and_owner(as_, org):
    response = as_("resident").post(
        "/api/cases", {"title": "路灯不亮", "description": "门口路灯", "lat": G1_POINT[0], "lng": G1_POINT[1]}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "submitted"
    assert len(body["number"]) == 13
    assert body["due_at"]
    assert body["owner"]["unit"]["code"] == org.centre.code
    assert body["grid"]["code"] == org.g1.code
    assert body["timeline"][0]["action"] == "submit"


def test_a_retry_with_the_same_idempotency_key_returns_the_same_case(as_):
    api = as_("resident")
    first = api.post("/api/cases", {"title": "垃圾堆积"}, **{"Idempotency-Key": "retry-1"})
    again = api.post("/api/cases", {"title": "垃圾堆积"}, **{"Idempotency-Key": "retry-1"})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1


def test_an_empty_title_is_422_with_a_chinese_message(as_):
    response = as_("resident").post("/api/cases", {"title": "  "})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["title"]
    assert "不能为空" in detail[0]["msg"]


def test_the_message_follows_the_users_language(as_):
    response = as_("resident", language="en").post("/api/cases", {"title": ""})
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "This field cannot be empty."


def test_latitude_200_is_422(as_):
    response = as_("resident").post("/api/cases", {"title": "路灯", "lat": 200, "lng": 119.3})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["lat"]


def test_a_missing_title_or_a_wrong_type_is_422_not_500(as_):
    api = as_("resident")
    assert api.post("/api/cases", {"description": "x"}).status_code == 422
    assert api.post("/api/cases", {"title": "x", "lat": "north"}).status_code == 422
    bad_json = api.client.post("/api/cases", "{not json", content_type="application/json", headers=api.headers)
    assert bad_json.status_code in {400, 422}


def test_script_in_text_comes_back_as_the_same_text(as_):
    text = "<script>alert(1)</script>"
    body = as_("resident").post("/api/cases", {"title": text, "description": text}).json()
    assert body["title"] == text and body["description"] == text


def test_without_a_token_the_api_answers_401(org):
    assert Client().get("/api/cases").status_code == 401


def test_a_case_out_of_scope_is_404(as_, people):
    case = submit(people)
    assert as_("worker2").get(f"/api/cases/{case.pk}").status_code == 404
    assert as_("worker2").post(f"/api/cases/{case.pk}/comment", {"note": "看看"}).status_code == 404
    assert as_("resident_b").get("/api/cases/999999").status_code == 404


def test_the_list_is_scoped_filtered_and_paginated(as_, people, categories):
    for _ in range(3):
        submit(people, category_code="streetlight")
    submit(people, actor=people.resident_b, point=G2_POINT)
    body = as_("worker1").get("/api/cases", page_size=2).json()
    assert body["count"] == 3 and body["pages"] == 2 and len(body["results"]) == 2
    # The last page and a page past the end count the same (the first without a COUNT query).
    for page, shown in ((2, 1), (5, 0)):
        body = as_("worker1").get("/api/cases", page_size=2, page=page).json()
        assert (body["count"], body["pages"], len(body["results"]), body["next"]) == (3, 2, shown, None)
    assert as_("dispatcher").get("/api/cases").json()["count"] == 4
    assert as_("dispatcher").get("/api/cases", category="streetlight").json()["count"] == 3
    assert as_("dispatcher").get("/api/cases", org="350102002").json()["count"] == 1
    assert as_("dispatcher").get("/api/cases", status="accepted").json()["count"] == 0
    assert as_("dispatcher").get("/api/cases", status="bogus").status_code == 422
    assert as_("dispatcher").get("/api/cases", org="nowhere").status_code == 422


def test_the_list_filters_my_cases_and_overdue_ones(as_, org, people):
    from jinlin.cases import services

    mine = bring_to(Status.IN_PROGRESS, org, people)
    services.sla_sweep_run(now=mine.due_at.replace(year=mine.due_at.year + 1))
    submit(people)
    assert [c["id"] for c in as_("handler").get("/api/cases", mine="true").json()["results"]] == [mine.pk]
    overdue = as_("supervisor").get("/api/cases", overdue="true").json()
    assert [c["id"] for c in overdue["results"]] == [mine.pk]
    assert overdue["results"][0]["overdue"] is True


def test_the_loop_over_the_api_with_a_timeline(as_, org, people):
    case = submit(people)
    url = f"/api/cases/{case.pk}"
    assert as_("dispatcher").post(f"{url}/accept").status_code == 200
    dispatched = as_("dispatcher").post(f"{url}/dispatch", {"unit_id": org.housing.pk, "user_id": people.handler.pk})
    assert dispatched.status_code == 200 and dispatched.json()["owner"]["user"]["id"] == people.handler.pk
    assert as_("handler").post(f"{url}/claim").json()["status"] == "in_progress"
    assert as_("handler").post(f"{url}/resolve", {"result": "已修复"}).json()["status"] == "resolved"
    rated = as_("resident").post(f"{url}/evaluate", {"rating": "satisfied", "comment": "很快"})
    body = rated.json()
    assert body["status"] == "closed"
    assert [(e["action"], e["from_status"], e["to_status"]) for e in body["timeline"]] == [
        ("submit", "", "submitted"),
        ("accept", "submitted", "accepted"),
        ("dispatch", "accepted", "dispatched"),
        ("claim", "dispatched", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("evaluate", "resolved", "closed"),
    ]
    assert all(e["actor"] and e["at"] for e in body["timeline"])


def test_an_action_not_allowed_in_the_state_is_409_with_a_message(as_, people):
    case = submit(people)
    response = as_("dispatcher").post(f"/api/cases/{case.pk}/resolve", {"result": "x"})
    # The dispatcher is no handler: refused by role first.
    assert response.status_code == 403
    as_("dispatcher").post(f"/api/cases/{case.pk}/accept")
    again = as_("dispatcher").post(f"/api/cases/{case.pk}/accept")
    assert again.status_code == 409
    assert again.json()["detail"]


def test_two_claims_the_second_is_409(as_, org, people):
    case = bring_to(Status.DISPATCHED, org, people)
    assert as_("handler").post(f"/api/cases/{case.pk}/claim").status_code == 200
    assert as_("handler2").post(f"/api/cases/{case.pk}/claim").status_code == 409


def test_a_resident_cannot_dispatch_their_own_case(as_, org, people):
    case = submit(people)
    assert as_("resident").post(f"/api/cases/{case.pk}/dispatch", {"unit_id": org.housing.pk}).status_code == 403


def test_bad_action_bodies_are_422(as_, org, people):
    case = bring_to(Status.RESOLVED, org, people)
    api = as_("resident")
    assert api.post(f"/api/cases/{case.pk}/evaluate", {"rating": "great"}).status_code == 422
    assert api.post(f"/api/cases/{case.pk}/evaluate", {}).status_code == 422
    accepted = bring_to(Status.ACCEPTED, org, people)
    assert as_("dispatcher").post(f"/api/cases/{accepted.pk}/dispatch", {"unit_id": 999999}).status_code == 422
    assert as_("dispatcher").post(f"/api/cases/{accepted.pk}/reject", {"reason": "x"}).status_code == 409
    fresh = submit(people)
    assert as_("dispatcher").post(f"/api/cases/{fresh.pk}/reject", {"reason": " "}).status_code == 422


def test_return_escalate_report_in_merge_over_the_api(as_, org, people):
    case = bring_to(Status.IN_PROGRESS, org, people)
    returned = as_("handler").post(f"/api/cases/{case.pk}/return", {"reason": "非本部门职责"})
    assert returned.json()["status"] == "accepted" and returned.json()["owner"]["unit"]["id"] == org.centre.pk
    as_("dispatcher").post(f"/api/cases/{case.pk}/dispatch", {"unit_id": org.g1.pk})
    escalated = as_("worker1").post(
        f"/api/cases/{case.pk}/escalate", {"unit_ids": [org.urban.pk], "lead_unit_id": org.police.pk}
    )
    assert escalated.status_code == 200
    assert {e["role"] for e in escalated.json()["escalations"]} == {"lead", "helper"}
    assert as_("officer").post(f"/api/cases/{case.pk}/report_in").status_code == 200
    duplicate = submit(people, actor=people.neighbour)
    merged = as_("dispatcher").post(f"/api/cases/{duplicate.pk}/merge", {"into_case_id": case.pk})
    assert merged.json()["status"] == "merged" and merged.json()["merged_into"]["id"] == case.pk


def test_urge_supervise_comment_reopen_over_the_api(as_, org, people):
    case = bring_to(Status.RESOLVED, org, people)
    url = f"/api/cases/{case.pk}"
    assert as_("dispatcher").post(f"{url}/urge").status_code == 409  # the clock stops once resolved
    assert as_("supervisor").post(f"{url}/supervise", {"note": "关注"}).status_code == 200
    assert as_("resident").post(f"{url}/comment", {"note": "谢谢"}).status_code == 200
    assert as_("resident").post(f"{url}/reopen").json()["status"] == "reopened"
    assert as_("dispatcher").post(f"{url}/urge", {"note": "尽快"}).status_code == 200


def test_categories_are_listed(as_, categories, org):
    body = as_("resident").get("/api/categories").json()
    lamp = next(c for c in body if c["code"] == "streetlight")
    assert lamp["name"] == "路灯" and lamp["department"]["id"] == org.urban.pk


def test_the_reporter_phone_is_masked_and_the_contact_reveal_is_for_staff(as_, people):
    case = submit(people, address="桂香小区1号楼101")
    body = as_("dispatcher").get(f"/api/cases/{case.pk}").json()
    assert body["reporter"]["phone_masked"] == "138****0001"
    assert "101" not in body["address_masked"]
    assert as_("dispatcher").get(f"/api/cases/{case.pk}/contact").json()["address"] == "桂香小区1号楼101"
    assert as_("supervisor").get(f"/api/cases/{case.pk}/contact").status_code == 403


def _png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def test_photos_upload_and_download(as_, people, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = submit(people)
    api = as_("resident")
    response = api.client.post(
        f"/api/cases/{case.pk}/photos",
        {"photos": [SimpleUploadedFile("a.png", _png_bytes(), "image/png")], "kind": "intake"},
        headers=api.headers,
    )
    assert response.status_code == 201
    (photo,) = response.json()
    download = api.get(photo["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"
    assert as_("worker2").get(photo["url"]).status_code == 404


def test_a_pdf_renamed_jpg_is_422_over_the_api(as_, people, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = submit(people)
    api = as_("resident")
    response = api.client.post(
        f"/api/cases/{case.pk}/photos",
        {"photos": [SimpleUploadedFile("scan.jpg", b"%PDF-1.4 fake", "image/jpeg")]},
        headers=api.headers,
    )
    assert response.status_code == 422


def test_a_20_mb_photo_is_422_over_the_api(as_, people, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = submit(people)
    api = as_("resident")
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (20 * 1024 * 1024), "image/jpeg")
    response = api.client.post(f"/api/cases/{case.pk}/photos", {"photos": [big]}, headers=api.headers)
    assert response.status_code == 422
    assert "10 MB" in response.json()["detail"][0]["msg"]


def test_route_suggestions_for_the_dispatcher(as_, org, people, categories):
    case = submit(people, category_code="streetlight")
    body = as_("dispatcher").get(f"/api/cases/{case.pk}/suggestions").json()
    assert [s["unit"]["id"] for s in body] == [org.urban.pk, org.g1.pk, org.community_a.pk]


@pytest.mark.parametrize(
    "who, body",
    [
        ("resident", {"title": "路灯不亮", "description": "门口路灯", "lat": G1_POINT[0], "lng": G1_POINT[1]}),
        ("resident", {"title": "物业不修电梯", "category_code": "property", "address": "3号楼"}),
        # Staff recording a call on a resident's behalf: staff see suggestions and duplicates.
        (
            "worker1",
            {"title": "路灯不亮", "description": "门口路灯", "channel": "phone", "on_behalf_of_phone": "13800000002"},
        ),
        ("dispatcher", {"title": "井盖缺失", "channel": "hotline_12345", "lat": G2_POINT[0], "lng": G2_POINT[1]}),
    ],
)
def test_the_intake_response_is_what_get_answers_for_the_new_case(as_, categories, who, body):
    api = as_(who)
    # An earlier case at the same place, so the new one has a duplicate candidate.
    earlier = api.post("/api/cases", body)
    assert earlier.status_code == 201, earlier.json()
    created = api.post("/api/cases", body)
    assert created.status_code == 201, created.json()
    answered = created.json()
    assert answered == api.get(f"/api/cases/{answered['id']}").json()
    assert answered["number"].isdigit() and len(answered["number"]) == 13
    assert int(answered["number"]) == int(earlier.json()["number"]) + 1


def test_paging_by_cursor_walks_the_same_cases_in_the_same_order_without_counting(as_, people, categories):
    for n in range(5):
        submit(people, category_code="streetlight", title=f"路灯不亮{n}")
    for _ in range(2):  # cases taken in at the same moment share a due time: the id breaks the tie
        submit(people, category_code="streetlight", at=MONDAY)
    api = as_("dispatcher")
    everything = [c["id"] for c in api.get("/api/cases", page_size=100).json()["results"]]
    first = api.get("/api/cases", page_size=2).json()
    assert first["count"] == 7 and first["next"]
    walked, body = [c["id"] for c in first["results"]], first
    while body["next"]:
        body = api.get("/api/cases", page_size=2, after=body["next"]).json()
        assert body["count"] is None and body["pages"] is None
        walked += [c["id"] for c in body["results"]]
    assert walked == everything and len(walked) == 7
    assert api.get("/api/cases", after="not-a-cursor").status_code == 422


def test_list_detail_and_intake_answers_are_exactly_their_schemas_fields_and_types(as_, org, people, categories):
    """The answers skip ninja's validation (api._rendered), so they must already be what it
    would have produced: the schema's fields, in its order, with values it leaves unchanged."""
    from jinlin.cases import api as cases_api

    case = submit(people, category_code="streetlight")
    staff = as_("dispatcher")
    staff.post(f"/api/cases/{case.pk}/accept")
    staff.post(f"/api/cases/{case.pk}/dispatch", {"unit_id": org.housing.pk, "user_id": people.handler.pk})
    for viewer in (people.dispatcher, people.resident, people.handler):
        detail = cases_api._detail(case.pk, viewer)
        assert list(detail) == list(cases_api.CaseDetailOut.model_fields)
        assert cases_api.CaseDetailOut.model_validate(detail).model_dump() == detail
    new = submit(people, title="井盖缺失", point=G2_POINT)
    intake = cases_api._intake_detail(new, people.resident)
    assert cases_api.CaseDetailOut.model_validate(intake).model_dump() == intake
    page = staff.get("/api/cases", page_size=1).json()
    assert list(page) == list(cases_api.CasePage.model_fields) and page["results"]
    assert all(list(row) == list(cases_api.CaseOut.model_fields) for row in page["results"])
    assert cases_api.CasePage.model_validate(page).model_dump(mode="json")["results"][0]["id"] == case.pk


def test_search_finds_a_case_by_number_by_a_word_of_its_text_and_by_the_reporters_phone(as_, org, people):
    lamp = submit(people, title="门口有问题", description="银杏家园门口路灯已经坏了好几天，晚上很黑。")
    other = submit(people, title="垃圾未清运", description="垃圾桶满了两天没人清运。")
    dispatcher = as_("dispatcher")

    def found(**params):
        return [c["id"] for c in dispatcher.get("/api/cases", **params).json()["results"]]

    assert found(q="路灯") == [lamp.pk]  # a word inside the text, not the whole text
    assert found(q="路灯 坏了") == [lamp.pk]  # every word must match
    assert found(q=lamp.number) == [lamp.pk]
    assert set(found(q=people.resident.phone)) == {lamp.pk, other.pk}
    assert found(q="路灯", status="closed") == []  # with the other filters
    assert found(q="供暖") == []


def test_search_never_reaches_past_the_callers_scope(as_, org, people):
    submit(people, title="路灯不亮", description="门口路灯坏了。")
    assert as_("worker2").get("/api/cases", q="路灯").json()["results"] == []
