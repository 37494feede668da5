"""The field pages, the manifest and the service worker as served, and the JS + CSS budget."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from jinlin.core.demo_accounts import DEMO_PASSWORD
from jinlin.field import views

from .conftest import G1, STAFF, WORKER, dispatched_case

pytestmark = pytest.mark.django_db

# What a field page may make the phone download in scripts and styles (uncompressed; the
# production server sends them gzip/brotli, about a third of this).
JS_CSS_BUDGET_BYTES = 60 * 1024
FIELD_PAGES = ["/field/", "/field/patrol/", "/field/visits/", "/field/coverage/"]


def logged_in(client, phone):
    assert client.login(phone=phone, password=DEMO_PASSWORD)
    return client


def assets(html: str) -> list[str]:
    found = re.findall(r'<script src="([^"]+)"', html) + re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    return [url.removeprefix("/static/") for url in found]


def test_every_field_page_stays_within_the_js_and_css_budget(client, field):
    logged_in(client, WORKER)
    case = dispatched_case(field)
    for url in [*FIELD_PAGES, f"/field/cases/{case.pk}/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        files = assets(response.content.decode())
        assert files, url
        total = sum(Path(finders.find(name)).stat().st_size for name in files)
        assert total <= JS_CSS_BUDGET_BYTES, (url, total, files)
        # No framework on the phone: none of the console's heavy scripts.
        assert not any("htmx" in f or "alpine" in f or "echarts" in f or "leaflet" in f for f in files), files


def test_the_manifest_names_the_app_and_its_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    body = json.loads(response.content)
    assert body["name"] == "近邻·网格通" and body["display"] == "standalone" and body["start_url"].startswith("/field/")
    for icon in body["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon


def test_the_service_worker_is_served_from_the_root_with_its_version_and_shell(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache" and response["Content-Type"].startswith("text/javascript")
    config = json.loads(re.match(r"self\.JINLIN_SW = (.*?);\n", response.content.decode()).group(1))
    assert config["version"] == views.shell_version()
    assert "/field/" in config["shell"] and "/static/vendor/idb-keyval.js" in config["shell"]


def test_the_shell_version_changes_when_a_shell_file_changes(tmp_path, monkeypatch):
    before = views.shell_version()
    copy = tmp_path / "field.js"
    copy.write_text(Path(finders.find("field/field.js")).read_text(encoding="utf-8") + "\n// changed", encoding="utf-8")
    real = finders.find
    monkeypatch.setattr(views.finders, "find", lambda name: str(copy) if name == "field/field.js" else real(name))
    views.shell_version.cache_clear()
    try:
        assert views.shell_version() != before
    finally:
        monkeypatch.undo()
        views.shell_version.cache_clear()


def test_the_home_page_shows_the_grid_its_cases_and_the_week(client, field):
    case = dispatched_case(field, title="路灯不亮")
    html = logged_in(client, WORKER).get("/field/").content.decode()
    assert "桂香社区第一网格" in html and "路灯不亮" in html and f"/field/cases/{case.pk}/" in html
    assert "data-coverage" in html


def test_a_case_the_worker_may_claim_offers_claim_and_resolve_for_offline_use(client, field):
    case = dispatched_case(field)
    html = logged_in(client, WORKER).get(f"/field/cases/{case.pk}/").content.decode()
    assert f'data-url="/api/cases/{case.pk}/claim"' in html and f'data-url="/api/cases/{case.pk}/resolve"' in html


def test_staff_edit_the_checklists_and_workers_may_not(client, field):
    staff = logged_in(client, STAFF)
    lists = {"safety": "楼道堆物\n飞线充电", "sanitation": "垃圾清运", "population": "新搬入"}
    response = staff.post("/field/checklists/", {**lists, "key_groups": "独居老人", "emergency": "积水"})
    assert response.status_code == 302
    assert "楼道堆物" in staff.get("/field/checklists/").content.decode()
    client.logout()
    assert logged_in(client, WORKER).get("/field/checklists/").status_code == 403
    assert "楼道堆物" in client.get("/field/patrol/").content.decode()


def test_the_home_card_of_the_grid_worker_shows_the_share_walked(client, field):
    html = logged_in(client, WORKER).get("/").content.decode()
    assert "/field/" in html
    from jinlin.core.home import figures_for

    worker = field.people[WORKER]
    found = figures_for(worker, worker.role_assignments.get(org__code=G1))
    assert [f.key for f in found if f.key == "walked"] == ["walked"]
