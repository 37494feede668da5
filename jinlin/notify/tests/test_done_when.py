"""Issue 13's "done when", through the API only, on the demo accounts: a new phone signs up with
the code read from `jinlin notify outbox --to PHONE --json`, files a case, the dispatcher
13900000004 dispatches it to 住建局 and the handler 13900000005 has an unread `case.dispatched`;
after resolve the new resident has an unread `case.resolved`; an internal comment never appears
in the resident's view. The case events come from the cases services themselves."""

import json
import re

import pytest
from django.core.management import call_command
from django.test import Client

from jinlin.core.demo_accounts import DEMO_PASSWORD
from jinlin.notify.delivery import deliver_due

pytestmark = pytest.mark.django_db
NEW_PHONE = "13766660001"


def api(client, method, path, body=None, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if method == "get":
        return client.get(path, **headers)
    return getattr(client, method)(path, json.dumps(body or {}), content_type="application/json", **headers)


def token_of(client, phone):
    return api(client, "post", "/api/auth/token", {"phone": phone, "password": DEMO_PASSWORD}).json()["token"]


def unread_kinds(client, token):
    page = api(client, "get", "/api/notifications?unread=1", token=token).json()
    return [item["kind"] for item in page["items"]]


def test_sign_up_report_dispatch_resolve_and_internal_notes_on_the_demo_accounts(tiny_district, capsys):
    client = Client()
    units = tiny_district.units
    assert api(client, "post", "/api/auth/register/code", {"phone": NEW_PHONE}).status_code == 202
    deliver_due()
    capsys.readouterr()
    call_command("notify", "outbox", "--to", NEW_PHONE, "--json")
    code = re.search(r"\d{6}", json.loads(capsys.readouterr().out)[0]["text"]).group(0)
    signed = api(
        client,
        "post",
        "/api/auth/register",
        {"phone": NEW_PHONE, "code": code, "password": "Qingxi-2026!", "name": "新居民"},
    )
    assert signed.status_code == 201
    me = signed.json()["token"]

    filed = api(
        client,
        "post",
        "/api/cases",
        {"title": "楼道灯坏了", "description": "3号楼楼道灯不亮", "lat": 26.083, "lng": 119.303},
        token=me,
    )
    assert filed.status_code == 201, filed.content
    case_id = filed.json()["id"]

    dispatcher = token_of(client, "13900000004")
    api(client, "post", f"/api/cases/{case_id}/accept", token=dispatcher)
    dispatched = api(
        client, "post", f"/api/cases/{case_id}/dispatch", {"unit_id": units["350102B01"].pk}, token=dispatcher
    )
    assert dispatched.status_code == 200, dispatched.content
    handler = token_of(client, "13900000005")
    assert "case.dispatched" in unread_kinds(client, handler)

    assert (
        api(client, "post", f"/api/cases/{case_id}/comment", {"note": "内部：物业推诿"}, token=handler).status_code
        == 200
    )
    api(client, "post", f"/api/cases/{case_id}/claim", token=handler)
    assert (
        api(client, "post", f"/api/cases/{case_id}/resolve", {"result": "已更换灯具"}, token=handler).status_code == 200
    )
    assert "case.resolved" in unread_kinds(client, me)

    view = api(client, "get", f"/api/cases/{case_id}", token=me).json()
    assert "物业推诿" not in json.dumps(view, ensure_ascii=False)
