"""The metrics selector against the hand-worked story of conftest.py: each figure below is counted
by hand from the story's table, case by case, and written down with its working. Every test runs
twice: reading the monthly rollup where it can answer, and reading the case facts alone."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jinlin.core.workcalendar import calendar_cache_clear
from jinlin.stats import selectors
from jinlin.stats.selectors import case_metrics, metric_org_get
from jinlin.stats.services import metrics_refresh

from .conftest import NOW, at, patrol, resolved_case

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31), "now": NOW}
A, B, C = "350102001001", "350102001002", "350102002001"


@pytest.fixture(autouse=True, params=["rollup", "facts"])
def path(request, monkeypatch):
    monkeypatch.setattr(selectors, "ROLLUP_ENABLED", request.param == "rollup")
    return request.param


def rows_by_key(result):
    return {row.key: row for row in result.rows}


def test_march_totals_match_the_hand_worked_story(story, district):
    total = case_metrics(district.admin, group_by="community", **MARCH).total
    # Intake: c1 c2 c3 c4 c5 c7 c8 (c6 is February). Repeats: c2 (c1 again) and c5 (merged).
    assert (total.intake, total.repeats, total.repeat_rate) == (7, 2, pytest.approx(2 / 7, abs=1e-4))
    # 响应率: dispatched c1 c2 c3 c4 c8; in time c1 (1 h) c3 (0.5 h) c4 (3 h); c2 took 25 h, c8 none.
    assert (total.responded_in_time, total.response_due, total.response_rate) == (3, 5, 0.6)
    # 按期办结率: due c1 c3 (resolved before running over) and c2 c4 c8 (ran over); on time c1 c3.
    assert (total.on_time, total.due, total.on_time_rate) == (2, 5, 0.4)
    # 办结率: accepted c1 c2 c3 c4 c8 (c5 merged, c7 rejected); resolved c1 c2 c3.
    assert (total.accepted_resolved, total.accepted, total.resolution_rate) == (3, 5, 0.6)
    # 满意率: ratings c1 满意, c2 基本满意, c3 不满意 then 满意 → (2 + 1) / 4.
    assert (total.satisfied, total.basically_satisfied, total.rated, total.satisfaction_rate) == (2, 1, 4, 0.75)
    # 返工率: first resolved c1 c2 c3; c3 reopened.
    assert (total.reopened, total.resolved, total.rework_rate) == (1, 3, pytest.approx(1 / 3, abs=1e-4))
    # 平均办理时长, accepted → first resolved: c1 25 h, c2 53 h, c3 7 h; working hours (9–12,
    # 13:30–17:30): c1 6 + 2 = 8, c2 6 + 7 + 4.5 = 17.5, c3 2 + 3.5 = 5.5.
    assert total.avg_hours == pytest.approx(85 / 3, abs=0.05)
    assert total.avg_working_hours == pytest.approx(31 / 3, abs=0.05)


def test_grouped_by_community_each_community_gets_its_own_figures(story, district):
    rows = rows_by_key(case_metrics(district.admin, group_by="community", **MARCH))
    assert list(rows) == [A, B, C]
    assert [rows[k].label for k in (A, B, C)] == ["桂香社区", "溪畔社区", "湖滨社区"]
    a, b, c = rows[A], rows[B], rows[C]
    # A: c1 c2 c5 c8. c2 repeats c1, c5 merged → 2 / 4. Responses: c1 yes, c2 late, c8 none → 1 / 3.
    assert (a.intake, a.repeat_rate, a.response_rate) == (4, 0.5, pytest.approx(1 / 3, abs=1e-4))
    # On time: c1 only of c1 c2 c8. Resolved c1 c2 of accepted c1 c2 c8. Both rated satisfied-ish.
    assert (a.on_time_rate, a.resolution_rate) == (pytest.approx(1 / 3, abs=1e-4), pytest.approx(2 / 3, abs=1e-4))
    assert (a.satisfaction_rate, a.rework_rate) == (1.0, 0.0)
    assert (a.avg_hours, a.avg_working_hours) == (39.0, 12.8)  # (25 + 53) / 2; (8 + 17.5) / 2 = 12.75
    # B: c3 alone — on time, reopened once, rated 不满意 then 满意.
    assert (b.intake, b.response_rate, b.on_time_rate, b.resolution_rate) == (1, 1.0, 1.0, 1.0)
    assert (b.satisfaction_rate, b.rework_rate, b.avg_hours, b.avg_working_hours) == (0.5, 1.0, 7.0, 5.5)
    # C: c4 (ran over, unresolved) and c7 (rejected). Nothing resolved or rated: no rate, not 0.
    assert (c.intake, c.response_rate, c.on_time_rate, c.resolution_rate) == (2, 1.0, 0.0, 0.0)
    assert (c.satisfaction_rate, c.rework_rate, c.avg_hours) == (None, None, None)


def test_grouped_by_month_each_figure_falls_in_the_month_of_its_own_event(story, district):
    result = case_metrics(
        district.admin, group_by="month", date_from=date(2026, 2, 1), date_to=date(2026, 3, 31), now=NOW
    )
    rows = rows_by_key(result)
    assert list(rows) == ["2026-02", "2026-03"]
    feb, march = rows["2026-02"], rows["2026-03"]
    # February: c6 only — claimed in 30 min, resolved on time after 23 h (6 working hours), unrated.
    assert (feb.intake, feb.response_rate, feb.on_time_rate, feb.resolution_rate) == (1, 1.0, 1.0, 1.0)
    assert (feb.rated, feb.satisfaction_rate, feb.rework_rate) == (0, None, 0.0)
    assert (feb.avg_hours, feb.avg_working_hours) == (23.0, 6.0)
    # March is the whole story but c6.
    assert (march.intake, march.response_rate, march.on_time_rate, march.satisfaction_rate) == (7, 0.6, 0.4, 0.75)
    # Over both months: on time c6 c1 c3 of c6 c1 c2 c3 c4 c8 → 3 / 6.
    assert (result.total.on_time, result.total.due, result.total.on_time_rate) == (3, 6, 0.5)


def test_a_case_counts_in_the_month_of_asia_shanghai_not_of_utc(story, district):
    # 03-31 23:30 in Shanghai is still March there (15:30 UTC); 04-01 00:30 is April (03-31 16:30 UTC).
    patrol(district, district.worker_a, district.lamp, at(3, 31, 23, 30))
    patrol(district, district.worker_a, district.lamp, at(4, 1, 0, 30))
    metrics_refresh()
    # From 03-09: March partial (the facts), April whole on both paths.
    result = case_metrics(
        district.admin, group_by="month", date_from=date(2026, 3, 9), date_to=date(2026, 4, 30), now=NOW
    )
    assert {r.key: r.intake for r in result.rows} == {"2026-03": 1, "2026-04": 1}


def test_months_without_cases_still_get_a_row(story, district):
    result = case_metrics(
        district.admin, group_by="month", date_from=date(2026, 1, 15), date_to=date(2026, 4, 2), now=NOW
    )
    assert [r.key for r in result.rows] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert (result.rows[0].intake, result.rows[0].on_time_rate) == (0, None)


def test_grouped_by_street_the_first_street_holds_communities_a_and_b(story, district):
    rows = rows_by_key(case_metrics(district.admin, group_by="street", **MARCH))
    assert list(rows) == ["350102001", "350102002"]
    # Street 1 = A + B: intake 4 + 1; on time c1 c3 of c1 c2 c3 c8.
    assert (rows["350102001"].intake, rows["350102001"].on_time_rate) == (5, 0.5)
    assert (rows["350102002"].intake, rows["350102002"].on_time_rate) == (2, 0.0)


def test_grouped_by_department_each_case_counts_for_its_handling_unit(story, district):
    rows = {r.label: r for r in case_metrics(district.admin, group_by="department", **MARCH).rows}
    # Housing bureau: c1 c2 c4 c8; grid B: c3; the command centre keeps c5 (merged) and c7 (rejected).
    assert {label: r.intake for label, r in rows.items()} == {
        "区住房和城乡建设局": 4,
        "溪畔社区第一网格": 1,
        "区社会治理指挥中心": 2,
    }
    assert rows["区住房和城乡建设局"].response_rate == 0.5  # c1 c4 in time; c2 late, c8 none


def test_grouped_by_category(story, district):
    rows = {r.label: r for r in case_metrics(district.admin, group_by="category", **MARCH).rows}
    # 路灯: c1 c2 c4; 噪声: c3 c5 c7 c8.
    assert (rows["路灯"].intake, rows["噪声"].intake) == (3, 4)


def test_a_community_worker_sees_only_their_communitys_rows(story, district):
    result = case_metrics(district.staff_a, group_by="community", **MARCH)
    assert [r.key for r in result.rows] == [A]
    assert result.total.intake == 4


def test_the_org_filter_narrows_to_that_place(story, district):
    street2 = metric_org_get(district.admin, "350102002")
    result = case_metrics(district.admin, org=street2, group_by="community", **MARCH)
    assert [r.key for r in result.rows] == [C]
    assert result.total.intake == 2


def test_a_department_as_org_means_the_cases_it_handles(story, district):
    housing = metric_org_get(district.admin, "350102B01")
    assert case_metrics(district.admin, org=housing, group_by="community", **MARCH).total.intake == 4


def test_a_community_worker_cannot_name_another_community(story, district):
    assert metric_org_get(district.staff_a, B) is None
    assert metric_org_get(district.staff_a, A) is not None


def test_a_department_handler_sees_the_cases_of_their_department_only(story, district):
    result = case_metrics(district.handler, group_by="department", **MARCH)
    assert [r.label for r in result.rows] == ["区住房和城乡建设局"]


def test_a_case_still_inside_its_response_window_is_not_yet_counted(story, district):
    # At 03-07 20:00, c8 (dispatched 11:00) still has until 03-08 11:00 to respond.
    early = {**MARCH, "now": at(3, 7, 20)}
    assert case_metrics(district.admin, group_by="community", **early).total.response_due == 4


@pytest.mark.parametrize("group_by", ["grid", "community", "street", "department", "category", "month"])
def test_the_number_of_queries_does_not_grow_with_the_number_of_cases(district, group_by):
    def queries():
        user = type(district.admin).objects.get(pk=district.admin.pk)  # fresh: no cached roles
        # The working calendar re-reads a year after a minute; start both counts from the same state.
        calendar_cache_clear()
        with CaptureQueriesContext(connection) as ctx:
            case_metrics(user, group_by=group_by, **MARCH)
        return len(ctx.captured_queries)

    resolved_case(district, 2)
    metrics_refresh()
    few = queries()
    for day in range(3, 20):
        resolved_case(district, day)
    metrics_refresh()
    assert case_metrics(district.admin, group_by=group_by, **MARCH).total.resolved == 18
    assert queries() == few
    # Roles, the refresh time, six aggregate families over the facts (or the rollup and the
    # unresponded cases), the row labels.
    assert few <= 10


def test_followers_count_by_the_month_they_follow_and_the_followed_cases_place(story, district):
    from jinlin.cases.models import CaseFollow

    # 我也关注 on c1 (community A) twice in March and on c3 (B) once; one on c4 in April.
    CaseFollow.objects.create(case=story.c1, user=district.resident, created_at=at(3, 8, 9))
    CaseFollow.objects.create(case=story.c1, user=district.staff_a, created_at=at(3, 9, 9))
    CaseFollow.objects.create(case=story.c3, user=district.resident, created_at=at(3, 9, 10))
    CaseFollow.objects.create(case=story.c4, user=district.resident, created_at=at(4, 1, 9))
    rows = rows_by_key(case_metrics(district.admin, group_by="community", **MARCH))
    assert (rows[A].followers, rows[B].followers) == (2, 1)
    assert case_metrics(district.admin, group_by="community", **MARCH).total.followers == 3
    assert case_metrics(district.admin, group_by="month", **MARCH).total.as_dict()["followers"] == 3
