"""The registry in Chromium: community staff import a file with errors shown per row and then a
good one; a grid worker logs a visit on a 390 px phone; the population profile draws its charts.

Screenshots go to test-artifacts/screenshots/people-*.png; the chosen ones are copied to docs/screenshots/.
"""

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from jinlin.people.idcard import make_id_number
from jinlin.people.importer import COLUMNS
from jinlin.people.models import Resident, Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF, GRID_WORKER = "13900000003", "13900000002"
PHONE = {"width": 390, "height": 844}


def workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(COLUMNS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rows():
    from datetime import date

    return [
        ["350102001001E01B01", "2", f"60{i}", f"新住户{i}", make_id_number("350102", date(1990, 5, i + 1), 11 + 2 * i),
         f"1360000100{i}", "户主" if i == 0 else "配偶", "常住", "残疾" if i == 1 else ""]
        for i in range(3)
    ]  # fmt: skip


def test_import_shows_each_error_with_its_row_then_imports_the_corrected_file(page, login_as, screenshot, district):
    login_as(page, STAFF)
    page.goto("/people/import/")
    bad = rows()
    bad[0][4] = bad[0][4][:-1] + ("0" if bad[0][4][-1] != "0" else "1")  # a wrong check digit
    bad[1][5] = "12345"  # not a mobile number
    bad[2][0] = "350102009999E09B09"  # no such building
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "住户.xlsx", "mimeType": "application/octet-stream", "buffer": workbook(bad)}],
    )
    page.click("[data-import-form] button[type=submit]")
    errors = page.locator("[data-import-errors]")
    expect(errors).to_be_visible()
    expect(errors.locator("tbody tr")).to_have_count(3)
    expect(errors.locator("[data-error-row='2']")).to_contain_text("身份证号")
    expect(errors.locator("[data-error-row='3']")).to_contain_text("手机号")
    expect(errors.locator("[data-error-row='4']")).to_contain_text("楼栋编码")
    assert not Resident.objects.filter(name__startswith="新住户").exists()
    screenshot(page, "people-import-errors")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "住户.xlsx", "mimeType": "application/octet-stream", "buffer": workbook(rows())}],
    )
    page.click("[data-import-form] button[type=submit]")
    expect(page.locator("[data-import-result]")).to_be_visible()
    assert Resident.objects.filter(name__startswith="新住户").count() == 3
    assert not page.console_errors


def test_a_grid_worker_logs_a_visit_on_a_phone(page, login_as, screenshot, district):
    page.set_viewport_size(PHONE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 26.085, "longitude": 119.305})
    login_as(page, GRID_WORKER)
    page.goto("/people/visits/")
    elder = Resident.objects.get(name="林阿婆")
    link = page.locator(f"[data-mine] a[href='/people/{elder.household_id}/']")
    expect(link).to_be_visible()
    screenshot(page, "people-visits-phone")
    link.click()
    expect(page.locator("[data-residents]")).to_contain_text("林阿婆")
    expect(page.locator("[data-residents]")).to_contain_text("139****0012")
    page.select_option("select[name=kind]", "反诈")
    page.select_option("select[name=anti_fraud_app]", "yes")
    page.fill("textarea[name=note]", "上门讲解防范电信诈骗，已帮助安装国家反诈中心App。")
    page.wait_for_function("document.querySelector('[data-lat]').value !== ''")
    page.click("[data-visit-form] button[type=submit]")
    expect(page.locator("[data-visits]")).to_contain_text("安装国家反诈中心")
    visit = Visit.objects.get(household_id=elder.household_id, kind="反诈")
    assert visit.anti_fraud_app is True and visit.lat == pytest.approx(26.085)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "people-visit-phone")
    assert not page.console_errors


def test_the_profile_draws_its_charts(page, login_as, screenshot, district):
    login_as(page, STAFF)
    page.goto("/people/profile/")
    page.wait_for_selector("body[data-charts-ready='1']")
    expect(page.locator("[data-chart='age'] canvas")).to_have_count(1)
    expect(page.locator("[data-chart='sex'] canvas")).to_have_count(1)
    expect(page.locator("[data-chart='tags'] canvas")).to_have_count(1)
    screenshot(page, "people-profile")
    assert not page.console_errors


def test_components_show_on_the_map(page, login_as, screenshot, district):
    from jinlin.core.grids import grid_index_invalidate
    from jinlin.core.models import Grid
    from jinlin.people.services_more import component_create

    boundary = {
        "type": "Polygon",
        "coordinates": [[[119.30, 26.08], [119.31, 26.08], [119.31, 26.09], [119.30, 26.09], [119.30, 26.08]]],
    }
    Grid.objects.create(unit=district.units["350102001001001"], boundary=boundary)
    grid_index_invalidate()
    for i, kind in enumerate(["井盖", "路灯", "充电桩", "摄像头", "消防栓", "凉亭"]):
        component_create(
            actor=None,
            kind=kind,
            code=f"BJ-G1-{i:03d}",
            lat=26.081 + 0.0013 * i,
            lng=119.302 + 0.001 * i,
            name=f"{kind}{i}",
        )
    login_as(page, STAFF)
    page.goto("/people/components/")
    page.wait_for_selector("[data-components-map][data-ready='1']")
    expect(page.locator(".leaflet-interactive")).to_have_count(6)
    expect(page.locator("[data-components] tbody tr")).to_have_count(6)
    screenshot(page, "people-components-map")
    assert not page.console_errors
