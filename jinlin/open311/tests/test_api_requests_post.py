from datetime import datetime
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from jinlin.cases.machine import Status
from jinlin.cases.models import Case, Channel, TimelineEntry
from jinlin.core.models import AuditEntry
from jinlin.core.services import api_token_issue
from jinlin.open311 import services
from jinlin.open311.models import Submission

from .conftest import BASE, POINT

URL = BASE + "requests.json"


def good_form(district, **changes) -> dict:
    form = {"api_key": district.key, "service_code": "streetlight", "description": "3号楼前的路灯不亮了", **POINT}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_a_good_post_files_a_case_that_the_rest_api_shows_with_channel_open311(client, district, file_request):
    body = file_request(description="3号楼前的路灯不亮了\n晚上很黑")
    assert set(body) == {"service_request_id", "token", "service_notice", "account_id"}
    case = Case.objects.get(number=body["service_request_id"])
    assert case.channel == Channel.OPEN311
    assert case.status == Status.SUBMITTED
    assert case.category == district.lamp
    assert case.title == "3号楼前的路灯不亮了"
    assert case.grid == district.tree.grid_a

    key, _token = api_token_issue(user=district.people.dispatcher)
    rest = client.get(f"/api/cases/{case.pk}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert rest.status_code == 200
    assert rest.json()["channel"] == "open311"
    assert rest.json()["number"] == body["service_request_id"]

    detail = client.get(f"{BASE}requests/{body['service_request_id']}.json").json()[0]
    # Open311 gives whole seconds; the REST API keeps the deadline's microseconds (a deadline inside
    # working hours is now + the limit, so it has them; one after hours falls on a whole minute).
    due = datetime.fromisoformat(rest.json()["due_at"])
    assert datetime.fromisoformat(detail["expected_datetime"]) == due.replace(microsecond=0)
    assert detail["expected_datetime"].endswith("+08:00")


def test_a_post_goes_through_the_case_intake_timeline_and_audit(client, district, file_request):
    body = file_request()
    case = Case.objects.get(number=body["service_request_id"])
    submit = TimelineEntry.objects.get(case=case, action="submit")
    assert submit.data["channel"] == "open311"
    assert submit.actor is None
    actions = set(AuditEntry.objects.filter(object_id=str(case.pk)).values_list("action", flat=True))
    assert {"case.submit", "open311.request_submit"} <= actions


def test_post_answers_200_with_an_xml_service_requests_list(client, district):
    response = client.post(BASE + "requests.xml", good_form(district))
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert [child.tag for child in request] == ["service_request_id", "token", "service_notice", "account_id"]
    assert Case.objects.filter(number=request.findtext("service_request_id")).exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_without_api_key_is_403_with_errors_and_files_nothing(client, district, fmt):
    response = client.post(f"{BASE}requests.{fmt}", good_form(district, api_key=None))
    assert response.status_code == 403
    if fmt == "json":
        assert response.json()[0]["code"] == 403
    else:
        assert ET.fromstring(response.content).find("error").findtext("code") == "403"
    assert not Case.objects.exists()


def test_post_with_a_wrong_key_is_403(client, district):
    response = client.post(URL, good_form(district, api_key="jinlin-demo-open312"))
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_a_deactivated_key_can_no_longer_file(client, district):
    api_key = services.api_key_authenticate(district.key)
    services.api_key_deactivate(actor=district.people.admin, api_key=api_key)
    assert client.post(URL, good_form(district)).status_code == 403


def test_the_key_may_also_come_in_the_query_string(client, district):
    response = client.post(f"{URL}?api_key={district.key}", good_form(district, api_key=None))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"service_code": "nonsense"}, "service_code"),
        ({"service_code": None}, "service_code"),
        ({"service_code": "retired"}, "service_code"),
        ({"description": "   "}, "description"),
        ({"lat": None, "long": None}, "lat"),
        ({"long": None}, "lat"),
        ({"lat": "200"}, "lat"),
        ({"long": "east"}, "long"),
        ({"lat": "nan"}, "lat"),
        ({"description": "长" * 5001}, "description"),
        ({"phone": "555-5555"}, "phone"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter_and_file_nothing(client, district, changes, field):
    response = client.post(URL, good_form(district, **changes))
    assert response.status_code == 400
    errors = response.json()
    assert errors[0]["code"] == 400
    assert any(e["description"].startswith(f"{field}:") for e in errors), errors
    assert not Case.objects.exists()


def test_an_address_without_a_point_is_enough(client, district):
    response = client.post(URL, good_form(district, lat=None, long=None, address_string="清溪区东街12号"))
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.address == "清溪区东街12号"


def test_jurisdiction_id_is_accepted_if_it_is_ours_and_refused_otherwise(client, district):
    assert client.post(URL, good_form(district, jurisdiction_id="350102")).status_code == 200
    assert client.post(URL, good_form(district, jurisdiction_id="elsewhere.gov")).status_code == 404
    assert Case.objects.count() == 1


def test_a_retry_with_the_same_idempotency_key_returns_the_first_request(client, district):
    first = client.post(URL, good_form(district), HTTP_IDEMPOTENCY_KEY="retry-1")
    again = client.post(URL, good_form(district), HTTP_IDEMPOTENCY_KEY="retry-1")
    other = client.post(URL, good_form(district), HTTP_IDEMPOTENCY_KEY="retry-2")
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert other.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]
    assert Case.objects.count() == 2


def test_a_key_limited_to_some_services_cannot_file_others(client, district):
    raw, api_key = services.api_key_create(actor=district.people.admin, name="路灯巡检", services=[district.lamp])
    assert client.post(URL, good_form(district, api_key=raw)).status_code == 200
    response = client.post(URL, good_form(district, api_key=raw, service_code="road.pothole"))
    assert response.status_code == 403
    assert Case.objects.count() == 1


def test_a_key_of_a_hotline_bridge_files_cases_on_its_channel(client, district):
    raw, _api_key = services.api_key_create(actor=None, name="12345 对接", channel=Channel.HOTLINE_12345)
    body = client.post(URL, good_form(district, api_key=raw)).json()[0]
    assert Case.objects.get(number=body["service_request_id"]).channel == Channel.HOTLINE_12345


def test_a_resident_named_by_phone_follows_the_case_like_a_call_recorded_by_staff(client, district):
    body = client.post(URL, good_form(district, phone="137-0000-0001", first_name="秀英", last_name="林")).json()[0]
    case = Case.objects.get(number=body["service_request_id"])
    assert case.reporter == district.people.resident
    assert case.contact_name == "秀英 林"


def test_more_posts_per_minute_than_allowed_are_429(client, district, settings):
    settings.OPEN311_POSTS_PER_MINUTE = 2
    assert client.post(URL, good_form(district)).status_code == 200
    assert client.post(URL, good_form(district)).status_code == 200
    response = client.post(URL, good_form(district))
    assert response.status_code == 429
    assert response.json()[0]["code"] == 429
    assert Case.objects.count() == 2


def test_a_body_larger_than_the_limit_is_400_before_it_is_read(client, district):
    response = client.post(URL, good_form(district, description="x" * 200_000))
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_posting_needs_no_csrf_token_because_the_key_authenticates(district):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(URL, good_form(district)).status_code == 200


def test_other_endpoints_do_not_accept_posts(client, district, file_request):
    number = file_request()["service_request_id"]
    assert client.post(f"{BASE}requests/{number}.json", good_form(district)).status_code == 405
    assert Submission.objects.count() == 1


def test_a_form_with_too_many_fields_is_400(client, district, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    form = good_form(district, **{f"attribute[a{i}]": "x" for i in range(20)})
    response = client.post(URL, form)
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_a_broken_multipart_body_is_400(client, district):
    response = client.generic("POST", URL, b"--oops\r\nnot really multipart", content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400
    assert not Case.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_parallel_posts_never_exceed_the_per_key_limit(district, settings):
    """Counted atomically: 12 parallel posts against a limit of 5 file exactly 5."""
    import threading

    from django.db import connection
    from django.test import Client

    settings.OPEN311_POSTS_PER_MINUTE = 5
    codes, barrier = [], threading.Barrier(6)

    def post():
        try:
            barrier.wait(timeout=10)
            for _ in range(2):
                data = {"api_key": district.key, "service_code": "streetlight", "description": "路灯不亮了", **POINT}
                codes.append(Client().post(f"{BASE}requests.json", data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(codes) == [200] * 5 + [429] * 7, codes
