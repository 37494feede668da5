"""PIPL: no page, API answer, export or log line of the registry holds a full ID number or phone,
except the reveal; every reveal and export is in the audit log with its reason."""

import io
import logging

import pytest
from django.test import Client
from openpyxl import load_workbook

from jinlin.core.models import AuditEntry
from jinlin.people.models import Household, Resident

from .conftest import Api

VIEWERS = ["13900000002", "13900000003", "13900000008", "13900000009", "13900000004", "13900000007", "13900000001"]


def secrets() -> set[str]:
    values = set()
    for r in Resident.objects.all():
        values.add(r.id_number)
        if r.phone:
            values.add(r.phone)
    return values


def page_client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("phone", VIEWERS)
def test_no_page_or_api_answer_holds_a_full_id_number_or_phone(district, phone, caplog):
    caplog.set_level(logging.DEBUG)
    hidden = secrets()
    assert len(hidden) > 20
    user = district.people[phone]
    pages, api = page_client(user), Api(user)
    bodies = []
    for path in [
        "/people/",
        "/people/visits/",
        "/people/profile/",
        "/people/import/",
        "/people/?tag=独居",
        "/people/?q=林",
    ]:
        bodies.append(pages.get(path).content)
    for path in [
        "/api/households",
        "/api/people/profile",
        "/api/visits/overdue",
        "/api/households?tag=高龄",
        "/api/disputes",
        "/api/ebikes",
        "/api/components",
    ]:
        bodies.append(api.get(path).content)
    for household in Household.objects.all():
        bodies.append(pages.get(f"/people/{household.pk}/").content)
        bodies.append(api.get(f"/api/households/{household.pk}").content)
    for n in range(1, 4):
        bodies.append(api.get("/api/households", page=n).content)
    export = pages.post("/people/export/", {"reason": "月度核对"})
    if export.status_code == 200 and export["Content-Type"].startswith("application/vnd"):
        ws = load_workbook(io.BytesIO(export.content)).active
        bodies.append(" ".join(str(c) for row in ws.iter_rows(values_only=True) for c in row).encode())
    text = b"\n".join(bodies).decode() + "\n" + caplog.text
    leaked = [v for v in hidden if v in text]
    assert not leaked, f"{len(leaked)} full values leaked"


def test_the_reveal_is_the_one_place_with_full_values_and_every_reveal_and_export_is_audited(district):
    staff = district.people["13900000003"]
    elder = Resident.objects.get(name="林阿婆")
    client = page_client(staff)
    response = client.post(f"/people/{elder.household_id}/residents/{elder.pk}/reveal/", {"reason": "核实低保申请"})
    assert response.status_code == 200
    assert elder.id_number in response.content.decode() and "13900000012" in response.content.decode()
    assert client.post(f"/people/{elder.household_id}/residents/{elder.pk}/reveal/", {"reason": ""}).status_code == 422
    export = client.post("/people/export/", {"reason": "月度核对", "tag": "独居"})
    assert export.status_code == 200
    ws = load_workbook(io.BytesIO(export.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][4] == "身份证号" and len(rows) > 1
    assert all("*" in (row[4] or "") for row in rows[1:])
    reveal = AuditEntry.objects.get(action="people.reveal")
    assert reveal.actor == staff and reveal.after["reason"] == "核实低保申请"
    audit = AuditEntry.objects.get(action="people.export")
    assert audit.after["reason"] == "月度核对" and audit.after["rows"] == len(rows) - 1
    assert audit.after["filter"]["tag"] == "独居"
    assert Api(staff).get("/api/people/export", reason="").status_code == 422
    assert AuditEntry.objects.filter(action="people.export").count() == 1


def test_only_community_staff_may_export_full_values_and_then_it_says_so(district):
    staff = district.people["13900000003"]
    response = Api(staff).get("/api/people/export", reason="移交民政核对", full=True)
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    numbers = {row[4] for row in list(ws.iter_rows(values_only=True))[1:]}
    assert numbers & secrets()
    assert AuditEntry.objects.get(action="people.export").after["full"] is True
    admin = district.people["13900000007"]
    assert Api(admin).get("/api/people/export", reason="看看", full=True).status_code == 403
