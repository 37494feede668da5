"""Third-party GeoReport v2 clients from PyPI against our endpoint, over real HTTP (live_server).

- `georeport` 0.3.1 ("Python wrapper for the Open311 GeoReport v2 API", requests + xmltodict)
  reads: service list, service definition, requests, one request — in JSON and in XML. It has
  no way to file a request.
- `civicbot` 0.4.0 (its `civicbot.open311.Open311Client`, stdlib urllib) files requests: a
  form-encoded POST with api_key, after checking the service against our service list, and
  resolves tokens. Its POST is dry-run unless told dry_run=False and confirm="SEND".

So a request is filed by one client and read back by the other, neither of them ours.
"""

import json
from datetime import datetime

import pytest
import requests
from civicbot.http import HttpError, HttpTransport, RateLimiter
from civicbot.open311 import Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport

from jinlin.cases.models import Case, Channel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def root(live_server, district):
    return live_server.url + "/open311/v2"


@pytest.fixture
def filer(root):
    endpoint = Endpoint(id="jinlin-test", name="Jinlin test district", base_url=root, write=True)
    # The client is polite to city servers (one call per half second per host); not needed here.
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0))
    return Open311Client(endpoint, transport=transport, jurisdiction_id="350102")


def file_lamp(filer, district, **fields):
    prepared = filer.create_request(
        "streetlight",
        dry_run=False,
        confirm="SEND",
        api_key=district.key,
        validate_remote=True,
        lat=26.08512,
        lng=119.30567,
        description=fields.pop("description", "桂香小区门口路灯不亮"),
        **fields,
    )
    return prepared.response


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_lists_our_services_and_reads_a_definition(root, district, fmt):
    client = GeoReport(root, jurisdiction="350102", output_format=fmt)
    services = client.get_service_list()
    assert {s["service_code"] for s in services} == {"roads", "streetlight", "road.pothole"}
    lamp = next(s for s in services if s["service_code"] == "streetlight")
    assert lamp["service_name"] == "路灯"
    assert lamp["type"] == "realtime"
    definition = client.get_service_definition("road.pothole")
    assert definition["service_code"] == "road.pothole"


def test_civicbot_files_a_request_and_the_georeport_client_reads_it_back(root, filer, district):
    response = file_lamp(filer, district, first_name="秀英", last_name="林", address_string="桂香小区东门")
    (created,) = response
    number = created["service_request_id"]
    case = Case.objects.get(number=number)
    assert case.channel == Channel.OPEN311
    assert case.category.code == "streetlight"

    for fmt in ("json", "xml"):
        reader = GeoReport(root, jurisdiction="350102", output_format=fmt)
        request = reader.get_service_request(number)
        assert request["service_request_id"] == number
        assert request["status"] == "open"
        assert request["service_code"] == "streetlight"
        assert request["description"] == "桂香小区门口路灯不亮"
        assert datetime.fromisoformat(request["expected_datetime"]) == case.due_at.replace(microsecond=0)
        assert "秀英" not in json.dumps(request, ensure_ascii=False)
        listed = reader.get_service_requests(service_request_id=number)
        # xmltodict gives a lone <request> as a mapping, several as a list: the client passes that on.
        listed = listed if isinstance(listed, list) else [listed]
        assert [r["service_request_id"] for r in listed] == [number]

    assert filer.get_request(number)["service_request_id"] == number
    assert filer.get_token(created["token"]) == [{"service_request_id": number, "token": created["token"]}]


def test_georeport_client_filters_by_status_and_service(root, filer, district):
    lamp = file_lamp(filer, district)[0]["service_request_id"]
    reader = GeoReport(root, output_format="json")
    assert [r["service_request_id"] for r in reader.get_service_requests(status="open")] == [lamp]
    assert reader.get_service_requests(status="closed") == []
    assert reader.get_service_requests(service_code="road.pothole") == []
    start = "2020-01-01T00:00:00Z"
    assert [r["service_request_id"] for r in reader.get_service_requests(start_date=start)] == [lamp]


def test_clients_see_the_spec_errors(root, filer, district):
    with pytest.raises(HttpError) as refused:
        filer.create_request("streetlight", dry_run=False, confirm="SEND", api_key="wrong", lat=26.085, lng=119.305)
    assert refused.value.status == 403
    assert json.loads(refused.value.body)[0]["code"] == 403

    with pytest.raises(HttpError) as unknown:
        filer.create_request("nonsense", dry_run=False, confirm="SEND", api_key=district.key, lat=26.085, lng=119.305)
    assert unknown.value.status == 400

    reader = GeoReport(root, output_format="xml")
    with pytest.raises(requests.HTTPError) as missing:
        reader.get_service_request("2026010199999")
    assert missing.value.response.status_code == 404
    assert b"<errors><error><code>404</code>" in missing.value.response.content
    assert not Case.objects.exists()
