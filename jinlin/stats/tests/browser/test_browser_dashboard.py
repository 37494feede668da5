"""The dashboard in a real browser (Debian's Chromium): ECharts draws both charts under the strict
CSP with no console error, in Chinese and in English; a resident is refused."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUERY = "?group_by=community&from=2026-02-01&to=2026-03-31"


def test_a_dispatcher_sees_the_tiles_charts_and_ranking(page, login_as, screenshot, story):
    login_as(page, "13900000004")
    page.goto("/stats/" + QUERY)
    expect(page.locator("h1")).to_have_text("办理指标")
    expect(page.locator(".kpi-tile[data-metric=on_time_rate] .kpi-value")).to_have_text("50.0%")
    # ECharts draws into a <canvas> inside each chart box once its script has run.
    expect(page.locator("#chart-trend canvas")).to_have_count(1)
    expect(page.locator("#chart-ranking canvas")).to_have_count(1)
    expect(page.locator("#metrics-table tbody tr")).to_have_count(4)  # three communities and the total
    screenshot(page, "stats-dashboard-zh")
    assert page.console_errors == []

    with page.expect_navigation():
        page.click("button[data-language=en]")
    expect(page.locator("h1")).to_have_text("Case metrics")
    expect(page.locator("#chart-trend canvas")).to_have_count(1)
    screenshot(page, "stats-dashboard-en")
    assert page.console_errors == []


def test_the_export_link_downloads_the_csv(page, login_as, story):
    login_as(page, "13900000007")
    page.goto("/stats/" + QUERY)
    with page.expect_download() as download:
        page.click("text=下载 CSV")
    assert download.value.suggested_filename == "jinlin-metrics-community-20260201-20260331.csv"


def test_a_resident_is_refused(page, login_as, tiny_district):
    login_as(page, "13900000001")
    response = page.goto("/stats/")
    assert response.status == 403
