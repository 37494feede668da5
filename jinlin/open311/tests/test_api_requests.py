from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jinlin.cases import services as cases
from jinlin.cases.models import Case, Channel, Rating
from jinlin.core import services as core
from jinlin.core.models import OrgKind
from jinlin.open311 import views

from .conftest import BASE

REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def get(client, path="requests.json", headers=None, **params):
    response = client.get(BASE + path, params, headers=headers)
    assert response.status_code == 200, response.content
    return response.json()


def numbers(records) -> set[str]:
    return {r["service_request_id"] for r in records}


def submit(district, *, days_ago=0, channel=Channel.OPEN311, code="streetlight", **fields):
    fields.setdefault("title", "路灯不亮")
    case, _created = cases.case_submit(
        actor=None,
        category_code=code,
        lat=26.08512,
        lng=119.30567,
        channel=channel,
        at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )
    return case


def resolve(district, case, result="已更换灯泡"):
    people = district.people
    cases.case_accept(actor=people.dispatcher, case=case)
    cases.case_dispatch(actor=people.dispatcher, case=case, unit=district.tree.department)
    cases.case_claim(actor=people.handler, case=case)
    return cases.case_resolve(actor=people.handler, case=case, result=result)


def test_the_list_has_the_spec_fields_in_order_in_json(client, district, file_request):
    number = file_request()["service_request_id"]
    (record,) = get(client)
    assert list(record) == REQUEST_FIELDS
    assert record["service_request_id"] == number
    assert record["status"] == "open"
    assert record["service_code"] == "streetlight"
    assert record["service_name"] == "路灯"
    assert record["agency_responsible"] == "区指挥中心"
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert record[field].endswith("+08:00"), field
        assert datetime.fromisoformat(record[field]).tzinfo is not None


def test_the_list_in_xml_parses_with_the_spec_element_names(client, district, file_request):
    file_request()
    file_request(service_code="road.pothole", description="路面有坑")
    response = client.get(BASE + "requests.xml")
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    assert [child.tag for child in root] == ["request", "request"]
    for request in root:
        assert [child.tag for child in request] == REQUEST_FIELDS
    assert {r.findtext("service_code") for r in root} == {"streetlight", "road.pothole"}


def test_text_that_xml_cannot_carry_is_dropped_so_the_document_still_parses(client, district, file_request):
    file_request(description="路灯\x07不亮\x1b了")
    root = ET.fromstring(client.get(BASE + "requests.xml").content)
    assert root.find("request").findtext("description") == "路灯不亮了"


def test_status_filter_maps_our_states_to_open_and_closed(client, district):
    waiting = submit(district)
    resolved = resolve(district, submit(district))
    reopened = resolve(district, submit(district))
    cases.case_reopen(actor=district.people.dispatcher, case=reopened, note="核查未通过")
    rejected = submit(district)
    cases.case_reject(actor=district.people.dispatcher, case=rejected, reason="不属于本平台受理范围")

    assert numbers(get(client, status="open")) == {waiting.number, reopened.number}
    assert numbers(get(client, status="closed")) == {resolved.number, rejected.number}
    everything = {waiting.number, resolved.number, reopened.number, rejected.number}
    assert numbers(get(client, status="open,closed")) == everything


def test_status_notes_give_the_result_the_reason_or_our_finer_state(client, district):
    resolved = resolve(district, submit(district), result="已更换灯泡，恢复照明")
    rejected = submit(district)
    cases.case_reject(actor=district.people.dispatcher, case=rejected, reason="不属于本平台受理范围")
    waiting = submit(district)
    into = submit(district)
    merged = submit(district)
    cases.case_merge(actor=district.people.dispatcher, case=merged, into=into)
    notes = {r["service_request_id"]: r for r in get(client, headers={"Accept-Language": "en"})}
    assert notes[resolved.number]["status_notes"] == "已更换灯泡，恢复照明"
    assert notes[resolved.number]["service_notice"] is None
    assert notes[rejected.number]["status_notes"] == "不属于本平台受理范围"
    assert notes[waiting.number]["status_notes"] == "Submitted (已上报)"
    assert notes[merged.number]["status"] == "closed"
    assert notes[merged.number]["status_notes"] == f"Merged into request {into.number}."


def test_a_closed_requests_updated_time_is_when_it_was_resolved(client, district):
    case = resolve(district, submit(district))
    (record,) = get(client, service_request_id=case.number)
    assert datetime.fromisoformat(record["updated_datetime"]) == case.resolved_at.replace(microsecond=0)


def test_unknown_status_is_400(client, district):
    response = client.get(BASE + "requests.json", {"status": "pending"})
    assert response.status_code == 400
    assert response.json()[0]["description"].startswith("status:")


def test_service_code_filter_takes_a_comma_list(client, district):
    lamp = submit(district, code="streetlight")
    pothole = submit(district, code="road.pothole")
    submit(district, code="roads")
    assert numbers(get(client, service_code="streetlight")) == {lamp.number}
    assert numbers(get(client, service_code="streetlight,road.pothole")) == {lamp.number, pothole.number}
    assert get(client, service_code="nonsense") == []


def test_without_dates_the_list_covers_the_last_90_days(client, district):
    old = submit(district, days_ago=100)
    recent = submit(district, days_ago=10)
    listed = numbers(get(client))
    assert recent.number in listed
    assert old.number not in listed


def test_start_and_end_date_select_by_the_requested_time(client, district):
    old = submit(district, days_ago=100)
    recent = submit(district, days_ago=10)
    now = timezone.localtime()
    start = (now - timedelta(days=120)).isoformat(timespec="seconds")
    end = (now - timedelta(days=50)).isoformat(timespec="seconds")
    assert numbers(get(client, start_date=start, end_date=end)) == {old.number}
    assert numbers(get(client, start_date=start)) == {old.number, recent.number}
    utc_end = (timezone.now() - timedelta(days=50)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert numbers(get(client, start_date=start, end_date=utc_end)) == {old.number}
    day = (now - timedelta(days=11)).date().isoformat()
    assert numbers(get(client, start_date=day)) == {recent.number}


def test_an_unencoded_plus_in_the_zone_is_understood(client, district):
    recent = submit(district, days_ago=10)
    start = (timezone.localtime() - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    response = client.get(f"{BASE}requests.json?start_date={start}")
    assert numbers(response.json()) == {recent.number}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-13-45"}, "end_date"),
        ({"start_date": "2026-03-10", "end_date": "2026-03-01"}, "start_date"),
    ],
)
def test_bad_dates_are_400(client, district, params, field):
    response = client.get(BASE + "requests.json", params)
    assert response.status_code == 400
    assert response.json()[0]["description"].startswith(f"{field}:")


def test_ids_select_by_case_number_or_database_id_and_override_other_filters(client, district):
    a, b, c = submit(district), submit(district, days_ago=200), submit(district)
    assert numbers(get(client, service_request_id=f"{a.number},{b.number}", status="closed")) == {a.number, b.number}
    assert numbers(get(client, service_request_id=f"{c.pk}, {a.number}")) == {a.number, c.number}
    assert get(client, service_request_id="99999999999999") == []


def test_the_list_stops_at_the_maximum(client, district, monkeypatch):
    for _ in range(3):
        submit(district)
    monkeypatch.setattr(views, "MAX_RESULTS", 2)
    assert len(get(client)) == 2


def test_jurisdiction_id_limits_the_list_to_that_district(client, district, file_request):
    number = file_request()["service_request_id"]
    core.org_unit_create(actor=None, kind=OrgKind.DISTRICT, code="350103", name="台江区")
    assert numbers(get(client, jurisdiction_id="350102")) == {number}
    assert get(client, jurisdiction_id="350103") == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_one_request_by_number_or_id(client, district, file_request, fmt):
    number = file_request()["service_request_id"]
    case = Case.objects.get(number=number)
    for request_id in (number, str(case.pk)):
        response = client.get(f"{BASE}requests/{request_id}.{fmt}")
        assert response.status_code == 200
        if fmt == "json":
            assert [r["service_request_id"] for r in response.json()] == [number]
        else:
            root = ET.fromstring(response.content)
            assert root.tag == "service_requests"
            assert [r.findtext("service_request_id") for r in root.findall("request")] == [number]


def test_an_unknown_request_is_404_with_errors(client, district):
    response = client.get(BASE + "requests/2026010100001.xml")
    assert response.status_code == 404
    assert ET.fromstring(response.content).find("error").findtext("code") == "404"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_token_resolves_to_the_request_id(client, district, file_request, fmt):
    body = file_request()
    response = client.get(f"{BASE}tokens/{body['token']}.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        assert response.json() == [{"service_request_id": body["service_request_id"], "token": body["token"]}]
    else:
        request = ET.fromstring(response.content).find("request")
        assert request.findtext("service_request_id") == body["service_request_id"]
        assert request.findtext("token") == body["token"]


def test_an_unknown_token_is_404(client, district):
    assert client.get(BASE + "tokens/not-a-token.json").status_code == 404


# ---------------------------------------------------------------- privacy


def test_cases_from_other_channels_are_not_public_until_published(client, district):
    private = submit(district, channel=Channel.RESIDENT_APP, title="楼上漏水", description="楼上漏水，家里天花板湿了")
    assert numbers(get(client)) == set()
    assert client.get(f"{BASE}requests/{private.number}.json").status_code == 404
    assert client.get(f"{BASE}requests/{private.pk}.json").status_code == 404
    assert get(client, service_request_id=private.number) == []

    resolve(district, private)
    cases.case_visit(actor=district.people.dispatcher, case=private, rating=Rating.SATISFIED)
    cases.case_publish(actor=district.people.dispatcher, case=private)
    (record,) = get(client)
    assert record["service_request_id"] == private.number
    assert record["status"] == "closed"
    # The board shows the title, not the resident's own words.
    assert record["description"] == "楼上漏水"


def test_no_name_phone_or_exact_address_of_the_reporter_is_shown(client, district, file_request):
    file_request(
        description="路灯坏了，联系我13700000001，身份证350102199001011234，座机0591-87654321",
        first_name="秀英",
        last_name="林",
        phone="13700000001",
        address_string="清溪区东街桂香小区1号楼502室",
    )
    for fmt in ("json", "xml"):
        text = client.get(f"{BASE}requests.{fmt}").content.decode()
        for secret in ("林秀英", "秀英", "13700000001", "350102199001011234", "87654321", "502室", "1号楼"):
            assert secret not in text, (fmt, secret)
    (record,) = get(client)
    # None of the digits is published, not even the first three and last four.
    assert "联系我***********" in record["description"]
    assert "身份证******************" in record["description"]
    assert record["address"] == "桂香社区"
    assert record["lat"] == 26.085
    assert record["long"] == 119.306


def test_listing_takes_the_same_number_of_queries_for_few_or_many_requests(client, district):
    for _ in range(2):
        resolve(district, submit(district))
    with CaptureQueriesContext(connection) as few:
        get(client)
    for _ in range(5):
        resolve(district, submit(district))
    with CaptureQueriesContext(connection) as many:
        assert len(get(client)) == 7
    assert len(many.captured_queries) == len(few.captured_queries)


NOTATIONS = [
    "139.1234.5678",
    "139-1234-5678",
    "139 1234 5678",
    "１３９１２３４５６７８",
    "+86 139 1234 5678",
    "0591-87654321",
    "350102 19800101 1234",
    "35010219800101123X",
]


@pytest.mark.parametrize("number", NOTATIONS)
def test_no_digit_of_a_phone_or_id_in_any_notation_is_published(client, district, file_request, number):
    case = submit(district, description=f"路灯坏了，请回电{number}")
    resolve(district, case, result=f"已修复，师傅电话{number}")
    for fmt in ("json", "xml"):
        text = client.get(f"{BASE}requests.{fmt}").content.decode()
        text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        for secret in ("1391234", "12345678", "5678", "87654321", "19800101", "123X"):
            assert secret not in text, (fmt, secret)
    (record,) = get(client)
    assert record["description"].startswith("路灯坏了，请回电") and record["status_notes"].startswith("已修复")
