from xml.etree import ElementTree as ET

import pytest

from .conftest import BASE

SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]


def test_service_list_in_json_has_every_active_category_with_the_spec_fields(client, district):
    response = client.get(BASE + "services.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    services = response.json()
    assert {s["service_code"] for s in services} == {"roads", "streetlight", "road.pothole"}
    lamp = next(s for s in services if s["service_code"] == "streetlight")
    assert list(lamp) == SERVICE_FIELDS
    assert lamp["service_name"] == "路灯"
    assert lamp["metadata"] is False
    assert lamp["type"] == "realtime"
    assert lamp["group"] == "道路"


def test_service_list_in_xml_parses_with_the_spec_element_names(client, district):
    response = client.get(BASE + "services.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(response.content)
    assert root.tag == "services"
    services = root.findall("service")
    assert len(services) == 3
    assert all(child.tag == "service" for child in root)
    lamp = next(s for s in services if s.findtext("service_code") == "streetlight")
    assert [child.tag for child in lamp] == SERVICE_FIELDS
    assert lamp.findtext("service_name") == "路灯"
    assert lamp.findtext("metadata") == "false"


def test_a_switched_off_category_is_not_offered(client, district):
    codes = [s["service_code"] for s in client.get(BASE + "services.json").json()]
    assert "retired" not in codes
    assert client.get(BASE + "services/retired.json").status_code == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition_has_the_code_and_no_attributes(client, district, fmt):
    response = client.get(f"{BASE}services/road.pothole.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        assert response.json() == {"service_code": "road.pothole", "attributes": []}
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "service_definition"
        assert root.findtext("service_code") == "road.pothole"
        assert list(root.find("attributes")) == []


def test_unknown_service_is_404_in_the_spec_error_format(client, district):
    response = client.get(BASE + "services/nonsense.xml")
    assert response.status_code == 404
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    assert root.find("error").findtext("code") == "404"
    assert "nonsense" in root.find("error").findtext("description")


@pytest.mark.parametrize("path", ["services.csv", "services.html", "requests.yaml", "requests/1.pdf", "tokens/x.txt"])
def test_unknown_format_extension_is_404(client, district, path):
    response = client.get(BASE + path)
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404


@pytest.mark.parametrize("path", ["", "services", "discovery", "requests/", "a/b/c.json"])
def test_paths_that_are_no_endpoint_answer_404_as_errors_not_as_a_page(client, district, path):
    response = client.get(BASE + path)
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404


def test_jurisdiction_id_of_our_district_is_accepted_and_any_other_is_404(client, district):
    assert client.get(BASE + "services.json", {"jurisdiction_id": "350102"}).status_code == 200
    response = client.get(BASE + "services.json", {"jurisdiction_id": "sfgov.org"})
    assert response.status_code == 404
    assert "jurisdiction_id" in response.json()[0]["description"]


def test_posting_to_the_service_list_is_405_with_errors(client, district):
    response = client.post(BASE + "services.json", {})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()[0]["code"] == 405


def test_public_reads_allow_any_origin(client, district):
    assert client.get(BASE + "services.json")["Access-Control-Allow-Origin"] == "*"


def test_service_names_follow_the_language_of_the_request(client, district):
    chinese = client.get(BASE + "services.json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    english = client.get(BASE + "services.json", HTTP_ACCEPT_LANGUAGE="en").json()
    lamp_zh = next(s for s in chinese if s["service_code"] == "streetlight")
    lamp_en = next(s for s in english if s["service_code"] == "streetlight")
    assert lamp_en["description"] == "Handled by 区住房和城乡建设局."
    assert lamp_zh["description"] == "由区住房和城乡建设局办理。"


def test_head_answers_like_get_without_a_body(client, district):
    response = client.head(BASE + "services.json")
    assert response.status_code == 200
    assert response.content == b""


def test_a_fault_of_ours_is_a_500_in_the_spec_error_format_not_a_page(client, district, monkeypatch):
    from jinlin.open311 import selectors

    def broken():
        raise RuntimeError("database went away")

    monkeypatch.setattr(selectors, "services_active", broken)
    response = client.get(BASE + "services.xml")
    assert response.status_code == 500
    error = ET.fromstring(response.content).find("error")
    assert error.findtext("code") == "500"
    assert "database" not in error.findtext("description")
