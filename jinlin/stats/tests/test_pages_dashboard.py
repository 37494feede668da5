"""The dashboard page (/stats/) and its exports: staff only, the filters, KPI tiles, charts'
data, the ranking table, and CSV/Excel files that hold exactly the table shown."""

import csv
import io
import json
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from jinlin.core.models import OrgUnit
from jinlin.core.workcalendar import calendar_cache_clear
from jinlin.stats.services import metrics_refresh

from .conftest import resolved_case

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


class TableParser(HTMLParser):
    """The text of each cell of <table id="metrics-table">, row by row."""

    def __init__(self):
        super().__init__()
        self.rows, self.inside, self.cell = [], False, None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("id", "metrics-table") in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in {"td", "th"}:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in {"td", "th"}:
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def table_of(response) -> list[list[str]]:
    parser = TableParser()
    parser.feed(response.content.decode())
    return parser.rows


@pytest.fixture
def page(client):
    def _page(user, path="/stats/", **params):
        client.force_login(user)
        return client.get(path, params)

    return _page


@pytest.mark.parametrize("who", ["staff_a", "dispatcher", "handler", "supervisor", "admin", "worker_a"])
def test_the_dashboard_opens_for_staff(district, page, who):
    response = page(getattr(district, who))
    assert response.status_code == 200
    assert "办理指标" in response.content.decode()


def test_residents_get_403(district, page):
    assert page(district.resident).status_code == 403
    assert page(district.resident, "/stats/export.csv").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, district):
    response = client.get("/stats/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_table_shows_the_ranked_communities_and_a_total(story, district, page):
    response = page(district.admin, group_by="community", rank_by="on_time_rate", **MARCH)
    rows = table_of(response)
    assert rows[0][:4] == ["排名", "分组", "受理量", "响应率"]
    # Ranked by on-time rate: B 100%, A 33.3%, C 0%.
    assert [r[:2] for r in rows[1:4]] == [["1", "溪畔社区"], ["2", "桂香社区"], ["3", "湖滨社区"]]
    assert rows[2][2:5] == ["4", "33.3%", "33.3%"]  # 桂香社区: intake, response, on time
    assert rows[-1][:5] == ["", "合计", "7", "60.0%", "40.0%"]
    assert rows[3][6] == "—"  # 湖滨社区 has no rating: no satisfaction rate


def test_kpi_tiles_show_the_totals_with_their_fractions(story, district, page):
    html = page(district.admin, group_by="community", **MARCH).content.decode()
    assert 'data-metric="on_time_rate"' in html
    assert "40.0%" in html and "2 / 5" in html  # 按期办结率
    assert "75.0%" in html and "3 / 4" in html  # 满意率


def test_the_charts_get_their_data_through_json_script_not_inline_code(story, district, page):
    response = page(district.admin, group_by="community", **MARCH)
    html = response.content.decode()
    start = html.index('<script id="metrics-data" type="application/json">') + len(
        '<script id="metrics-data" type="application/json">'
    )
    data = json.loads(html[start : html.index("</script>", start)])
    # The trend covers every month of the period (here one) whatever the grouping.
    assert data["trend"]["months"] == ["2026-03"]
    assert data["trend"]["rates"]["on_time_rate"] == [40.0]
    assert data["ranking"]["labels"] == ["溪畔社区", "桂香社区", "湖滨社区"]
    assert data["ranking"]["values"] == [100.0, 33.3, 0.0]
    assert "vendor/echarts.min.js" in html and "stats/dashboard.js" in html


def test_the_csv_export_holds_exactly_the_table_shown(story, district, page):
    params = {"group_by": "community", "rank_by": "satisfaction_rate", **MARCH}
    shown = table_of(page(district.admin, **params))
    response = page(district.admin, "/stats/export.csv", **params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="jinlin-metrics-community-20260301-20260331.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == shown


def test_the_excel_export_holds_exactly_the_table_shown(story, district, page):
    params = {"group_by": "month", "from": "2026-02-01", "to": "2026-03-31"}
    shown = table_of(page(district.admin, **params))
    response = page(district.admin, "/stats/export.xlsx", **params)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active

    def as_shown(cell):
        if cell.value is None:
            return ""
        if cell.number_format == "0.0%":
            return f"{cell.value * 100:.1f}%"
        if cell.number_format == "0.0":
            return f"{cell.value:.1f}"
        return str(cell.value)

    assert [[as_shown(c) for c in row] for row in sheet.iter_rows()] == shown
    # Rates are numbers in Excel, not text: 2026-03's on-time rate is 2 / 5.
    assert sheet.cell(row=3, column=4).value == 0.4


def test_grouped_by_month_the_table_is_in_time_order_without_ranks(story, district, page):
    rows = table_of(page(district.admin, group_by="month", **{"from": "2026-02-01", "to": "2026-03-31"}))
    assert rows[0][0] == "分组"
    assert [r[0] for r in rows[1:]] == ["2026-02", "2026-03", "合计"]


def test_an_empty_period_shows_the_empty_state(story, district, page):
    html = page(district.admin, **{"from": "2025-01-01", "to": "2025-01-31"}).content.decode()
    assert "这段时间没有案件" in html
    assert 'id="metrics-table"' not in html
    assert "echarts" not in html


def test_bad_parameters_show_the_form_with_an_error(district, page):
    response = page(district.admin, **{"from": "2026-03-31", "to": "2026-03-01"})
    assert response.status_code == 400
    assert "结束日期不能早于开始日期。" in response.content.decode()


def test_the_org_choices_are_only_units_in_the_users_area(district, page):
    html = page(district.staff_a).content.decode()
    assert 'value="350102001001"' in html
    assert 'value="350102001002"' not in html
    assert page(district.staff_a, org="350102001002").status_code == 400


def test_the_page_reads_in_english_too(story, district, page, client):
    client.cookies["jinlin_language"] = "en"
    response = page(district.admin, group_by="community", **MARCH)
    rows = table_of(response)
    assert rows[0][:4] == ["Rank", "Group", "Intake", "Response rate"]
    assert rows[-1][1] == "Total"
    assert "Case metrics" in response.content.decode()


def test_a_unit_name_that_looks_like_a_formula_stays_text_in_the_exports(story, district, page):
    OrgUnit.objects.filter(code="350102001001").update(name="=HYPERLINK(1)")
    params = {"group_by": "community", **MARCH}
    text = page(district.admin, "/stats/export.csv", **params).content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text
    sheet = load_workbook(io.BytesIO(page(district.admin, "/stats/export.xlsx", **params).content)).active
    labels = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert "=HYPERLINK(1)" in labels
    assert all(row[1].data_type == "s" for row in sheet.iter_rows(min_row=2))


def test_the_dashboard_costs_the_same_number_of_queries_with_more_cases(story, district, client):
    client.force_login(district.admin)

    def queries():
        calendar_cache_clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/stats/", {"group_by": "grid", **MARCH}).status_code == 200
        return len(ctx.captured_queries)

    queries()  # the session's first request also stamps its activity (idle timeout)
    before = queries()
    for day in range(11, 16):
        resolved_case(district, day)
    metrics_refresh()
    assert queries() == before


def test_the_page_says_when_the_figures_were_computed(story, district, page):
    html = page(district.admin, group_by="community", **MARCH).content.decode()
    assert "数据更新于" in html and "data-as-of" in html


def test_before_the_first_refresh_the_page_says_so_instead_of_showing_zeros(district, page):
    html = page(district.admin, group_by="community", **MARCH).content.decode()
    assert "指标尚未计算" in html
    assert "这段时间没有案件" not in html and 'id="metrics-table"' not in html


def test_the_unit_filter_renders_the_same_select_as_django_s_widget():
    from django import forms
    from django.test.html import parse_html

    from jinlin.stats.forms import PlainSelect

    choices = [("", "全部"), ("350102001", "清溪街道 <b>"), ("350102001001", "桂香社区")]
    attrs = {"id": "id_org", "aria-describedby": "id_org_helptext"}
    ours = PlainSelect(choices=choices).render("org", "350102001", attrs=attrs)
    django_s = forms.Select(choices=choices).render("org", "350102001", attrs=attrs)

    assert parse_html(ours) == parse_html(django_s)  # as assertHTMLEqual: attribute order aside
    assert "&lt;b&gt;" in ours and 'value="350102001" selected' in ours
