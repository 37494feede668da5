"""The refresh of the metrics' tables (CaseFact, AreaMonth, StreetMonth): it gives the figures the
story of conftest.py was worked out for, both rollups and the facts agree exactly, it is idempotent, it does
not lose an entry committed late, and incremental refreshes at random moments end where one full
rebuild does (hypothesis, driving real cases through the services)."""

import contextlib
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jinlin.cases import services as cases
from jinlin.cases.machine import TransitionNotAllowed
from jinlin.cases.models import Case, TimelineEntry
from jinlin.stats import selectors
from jinlin.stats.models import AreaMonth, CaseFact, RatingFact, RefreshState, StreetMonth
from jinlin.stats.selectors import case_metrics, case_metrics_with_trend, metric_org_get
from jinlin.stats.services import metrics_refresh
from jinlin.stats.tasks import metrics_refresh_task, schedule_metrics_refresh

from .conftest import NOW, at, patrol, resolved_case

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31), "now": NOW}


def tables() -> tuple[list, list, list]:
    """Everything the refresh writes, in a comparable form."""
    facts = [model_to_dict(f) for f in CaseFact.objects.order_by("case_id")]
    facts += [model_to_dict(r) for r in RatingFact.objects.order_by("entry_id")]

    def rollup(model, code):
        return sorted(
            (
                {k: v for k, v in model_to_dict(row).items() if k != "id"}
                for row in model.objects.all()
                if any(getattr(row, name) for name in ("intake", "accepted", "dispatched", "due", "resolved", "rated"))
            ),
            key=lambda r: (r["month"], r[code], r["category"] or 0),
        )

    return facts, rollup(AreaMonth, "community_code"), rollup(StreetMonth, "street_code")


def rollup_tables_read(user, **kwargs) -> set[str]:
    """The rollup tables a dashboard call reads."""
    with CaptureQueriesContext(connection) as ctx:
        case_metrics_with_trend(user, **kwargs)
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    return {table for table in ("stats_areamonth", "stats_streetmonth") if table in sql}


def a_minute_later():
    """A refresh as the minutely task runs it: more than a minute after the last one."""
    metrics_refresh(now=RefreshState.objects.get().refreshed_at + timedelta(seconds=61))


def facts_only(monkeypatch):
    monkeypatch.setattr(selectors, "ROLLUP_ENABLED", False)


# ---------------------------------------------------------------- rollup = facts


@pytest.mark.parametrize("group_by", ["street", "community", "category", "month"])
@pytest.mark.parametrize("who", ["admin", "staff_a", "dispatcher"])
def test_the_rollup_gives_exactly_the_figures_of_the_facts_over_whole_months(
    story, district, monkeypatch, group_by, who
):
    user = getattr(district, who)
    period = {"date_from": date(2026, 2, 1), "date_to": date(2026, 3, 31), "now": NOW}
    from_rollup = case_metrics_with_trend(user, group_by=group_by, **period)
    facts_only(monkeypatch)
    assert case_metrics_with_trend(user, group_by=group_by, **period) == from_rollup
    assert from_rollup[0].total.intake > 0


@pytest.mark.parametrize("group_by", ["street", "category", "month"])
@pytest.mark.parametrize("org", [None, "350102001"])
def test_the_street_rollup_gives_exactly_the_figures_of_the_facts_for_a_district_viewer(
    story, district, monkeypatch, group_by, org
):
    # A case placed only to the district (no street): its own row "350102" in the street rollup,
    # which must not take in the district's streets (whose codes begin with it too).
    unplaced = patrol(district, district.worker_a, district.lamp, at(3, 9, 9))
    Case.objects.filter(pk=unplaced.pk).update(scope_code="350102")
    a_minute_later()
    assert StreetMonth.objects.filter(street_code="350102", month=date(2026, 3, 1)).get().intake == 1
    org = org and metric_org_get(district.dispatcher, org)
    period = {"date_from": date(2026, 2, 1), "date_to": date(2026, 3, 31), "now": NOW, "group_by": group_by}
    assert rollup_tables_read(district.dispatcher, org=org, **period) == {"stats_streetmonth"}
    from_rollup = case_metrics_with_trend(district.dispatcher, org=org, **period)
    facts_only(monkeypatch)
    assert case_metrics_with_trend(district.dispatcher, org=org, **period) == from_rollup
    assert from_rollup[0].total.intake == (9 if org is None else 6)  # the story, and the case above


@pytest.mark.parametrize(
    ("who", "org", "group_by", "read"),
    [
        ("dispatcher", None, "street", {"stats_streetmonth"}),  # the district's top level
        ("admin", None, "category", {"stats_streetmonth"}),
        ("dispatcher", None, "community", {"stats_areamonth"}),  # finer than a street
        ("dispatcher", "350102001001", "category", {"stats_areamonth"}),  # a community
        ("staff_a", None, "month", {"stats_areamonth"}),  # a community's staff
        ("dispatcher", None, "grid", set()),  # the facts alone
    ],
)
def test_the_coarsest_rollup_that_answers_is_read(story, district, who, org, group_by, read):
    user = getattr(district, who)
    org = org and metric_org_get(user, org)
    period = {"date_from": date(2026, 2, 1), "date_to": date(2026, 3, 31), "now": NOW}
    assert rollup_tables_read(user, org=org, group_by=group_by, **period) == read


def test_partial_months_at_either_end_are_counted_from_the_facts_and_added_to_the_rollup(story, district, monkeypatch):
    # February 9–28 is partial (from the facts), March whole (from the rollup).
    period = {"date_from": date(2026, 2, 9), "date_to": date(2026, 3, 31), "now": NOW}
    mixed = case_metrics(district.admin, group_by="community", **period)
    facts_only(monkeypatch)
    assert case_metrics(district.admin, group_by="community", **period) == mixed
    assert mixed.total.intake == 8


def test_the_running_month_is_whole_when_the_period_ends_today(story, district, monkeypatch):
    # On 03-07 20:00 the period 03-01 … 03-07 covers all of March that has happened.
    early = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 7), "now": at(3, 7, 20)}
    assert selectors._whole_months(early["date_from"], early["date_to"], early["now"]) == (
        date(2026, 3, 1),
        date(2026, 3, 1),
    )
    assert selectors._whole_months(date(2026, 3, 1), date(2026, 3, 7), NOW) is None


def test_a_unit_s_figures_are_the_cases_it_owns_not_those_it_returned(story, district):
    # The housing bureau takes a case and returns it (退单): the command centre owns it again, so
    # it counts for the centre's area, not for the bureau's figures.
    case = patrol(district, district.worker_a, district.lamp, at(3, 20, 9))
    cases.case_accept(actor=district.dispatcher, case=case, at=at(3, 20, 10))
    cases.case_dispatch(actor=district.dispatcher, case=case, unit=district.housing, at=at(3, 20, 11))
    cases.case_return(actor=district.handler, case=case, reason="非本单位职责", at=at(3, 20, 12))
    metrics_refresh()
    assert case_metrics(district.handler, group_by="category", **MARCH).total.intake == 4  # c1 c2 c4 c8
    assert case_metrics(district.admin, group_by="category", **MARCH).total.intake == 8


def test_the_figures_say_when_they_were_computed(story, district):
    assert case_metrics(district.admin, group_by="community", **MARCH).as_of is not None
    RefreshState.objects.all().delete()
    assert case_metrics(district.admin, group_by="community", **MARCH).as_of is None


# ---------------------------------------------------------------- the refresh


def test_a_refresh_with_nothing_new_changes_nothing_and_a_full_rebuild_agrees(story, district):
    before = tables()
    assert before[0] and before[1] and before[2]
    metrics_refresh()
    assert tables() == before
    result = metrics_refresh(full=True)
    assert result["cases"] == 8
    assert tables() == before


def test_new_actions_are_in_the_figures_after_the_next_refresh(story, district):
    assert case_metrics(district.admin, group_by="month", **MARCH).total.resolved == 3
    resolved_case(district, 20)
    # Not yet refreshed: the figures are those of the last refresh.
    assert case_metrics(district.admin, group_by="month", **MARCH).total.resolved == 3
    a_minute_later()
    a_minute_later()
    resolved_case(district, 21)
    a_minute_later()
    total = case_metrics(district.admin, group_by="month", **MARCH).total
    assert (total.intake, total.resolved, total.rated) == (9, 5, 6)


def test_an_entry_committed_late_below_the_watermark_is_still_read(story, district):
    c4 = story.c4  # in progress; its resolution will arrive "late"
    top = TimelineEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    t0 = RefreshState.objects.get().seen_at  # the story's refresh
    metrics_refresh(now=t0 + timedelta(minutes=2))
    assert RefreshState.objects.get().safe_id == top
    # Another transaction's entry took an id after `late` and committed first …
    early, late = top + 1_000_100, top + 1_000_050
    TimelineEntry.objects.bulk_create(
        [TimelineEntry(pk=early, case=story.c8, action="comment", from_status="dispatched", to_status="dispatched")]
    )
    metrics_refresh(now=t0 + timedelta(minutes=4))
    assert RefreshState.objects.get().seen_id == early
    # … and the one with the lower id commits only now, after a refresh saw the higher one.
    TimelineEntry.objects.bulk_create(
        [
            TimelineEntry(
                pk=late, case=c4, action="resolve", from_status="in_progress", to_status="resolved", at=at(3, 20, 9)
            )
        ]
    )
    metrics_refresh(now=t0 + timedelta(minutes=6))
    assert CaseFact.objects.get(case=c4).t_resolve == at(3, 20, 9)
    # The watermark has moved past both only once a refresh a minute later saw them.
    assert RefreshState.objects.get().safe_id == early
    facts = tables()
    metrics_refresh(full=True)
    assert tables() == facts


def test_a_category_corrected_at_acceptance_makes_a_later_report_a_repeat(story, district):
    # Grid worker A reports a noise case, then a lamp case; the dispatcher then corrects the first
    # to 路灯. The second, untouched since, is now a repeat of the first (same reporter, category,
    # community, within 30 days): the refresh must recompute it too.
    # (In May: the story's reports of March are more than 30 days before.)
    first = patrol(district, district.worker_a, district.noise, at(5, 20, 9))
    second = patrol(district, district.worker_a, district.lamp, at(5, 21, 9))
    a_minute_later()
    a_minute_later()  # the watermark is now above both cases' entries
    assert not CaseFact.objects.get(case=second).repeat
    cases.case_accept(actor=district.dispatcher, case=first, category_code=district.lamp.code, at=at(5, 22, 9))
    a_minute_later()
    assert CaseFact.objects.get(case=second).repeat
    facts = tables()
    metrics_refresh(full=True)
    assert tables() == facts


def test_the_watermark_stays_a_minute_behind(story, district):
    state = RefreshState.objects.get()
    top = TimelineEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    assert (state.safe_id, state.seen_id) == (0, top)  # the story's refresh was the first
    metrics_refresh(now=state.seen_at + timedelta(seconds=30))
    assert RefreshState.objects.get().safe_id == 0  # too soon: what it saw may not all be committed
    metrics_refresh(now=state.seen_at + timedelta(seconds=61))
    assert RefreshState.objects.get().safe_id == top


def test_the_task_refreshes_and_schedules_its_next_run_once(district):
    from django_tasks_db.models import DBTaskResult

    metrics_refresh_task.call()
    assert RefreshState.objects.get().refreshed_at is not None
    assert schedule_metrics_refresh() is False
    waiting = DBTaskResult.objects.filter(task_path=metrics_refresh_task.module_path, status="READY")
    assert waiting.count() == 1
    assert waiting.get().run_after > waiting.get().enqueued_at


def test_the_command_prints_what_it_did(story, capsys):
    call_command("stats_refresh", "--full")
    out = capsys.readouterr().out
    assert "full=True" in out and "cases=8" in out


def test_a_department_org_reads_the_facts_of_the_cases_it_owns(story, district):
    housing = metric_org_get(district.admin, "350102B01")
    result = case_metrics(district.admin, org=housing, group_by="month", **MARCH)
    assert (result.total.intake, result.total.due, result.total.on_time) == (4, 4, 1)


# ---------------------------------------------------------------- incremental = full (property)

ACTIONS = ["submit", "accept", "dispatch", "claim", "return", "resolve", "evaluate", "visit", "reopen", "merge"]
ACTIONS += ["reject", "sweep", "refresh"]
_clock = {"refresh": NOW}


def _act(d, action, case, other, pick, when):
    unit = (d.housing, d.grid_b)[pick % 2]
    rating = ("satisfied", "basically_satisfied", "unsatisfied")[pick % 3]
    owner = {d.housing.pk: d.handler, d.grid_b.pk: d.worker_b}.get(case.owner_unit_id, d.handler)
    category = (d.lamp, d.noise)[pick % 2]
    calls = {
        # 受理 may correct the category: a later report of the same reporter may become a repeat.
        "accept": lambda: cases.case_accept(
            actor=d.dispatcher, case=case, category_code=category.code if pick % 3 == 0 else None, at=when
        ),
        "reject": lambda: cases.case_reject(actor=d.dispatcher, case=case, reason="不属于受理范围", at=when),
        "dispatch": lambda: cases.case_dispatch(actor=d.dispatcher, case=case, unit=unit, at=when),
        "claim": lambda: cases.case_claim(actor=owner, case=case, at=when),
        "return": lambda: cases.case_return(actor=owner, case=case, reason="非本单位职责", at=when),
        "resolve": lambda: cases.case_resolve(actor=owner, case=case, result="已处理", at=when),
        "evaluate": lambda: cases.case_evaluate(actor=d.worker_a, case=case, rating=rating, at=when),
        "visit": lambda: cases.case_visit(actor=d.staff_a, case=case, rating=rating, at=when),
        "reopen": lambda: cases.case_reopen(actor=d.dispatcher, case=case, at=when),
        "merge": lambda: cases.case_merge(actor=d.dispatcher, case=case, into=other, at=when),
        "sweep": lambda: cases.sla_sweep_run(now=when),
    }
    calls[action]()


steps = st.lists(
    st.tuples(
        st.sampled_from(ACTIONS),
        st.integers(min_value=0, max_value=5),  # which case
        st.integers(min_value=0, max_value=11),  # unit, rating, category …
        st.integers(min_value=1, max_value=60),  # hours since the previous step
    ),
    min_size=5,
    max_size=30,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(steps=steps)
def test_incremental_refreshes_at_random_moments_end_where_one_full_rebuild_does(district, steps):
    d = district
    # Cases of earlier examples stay (the database is not reset between examples): the property
    # holds for any history, and they are a background the new cases must not disturb.
    when = at(5, 4, 9) + timedelta(days=40 * TimelineEntry.objects.filter(action="submit").count())
    made = [patrol(d, d.worker_a, d.lamp, when)]
    for action, which, pick, hours in steps:
        when += timedelta(hours=hours)
        if action == "refresh":
            # The refresh's own clock: a minute or more apart, so the watermark advances.
            _clock["refresh"] += timedelta(seconds=30 + 30 * pick)
            metrics_refresh(now=_clock["refresh"])
            continue
        if action == "submit" or which >= len(made):
            worker = (d.worker_a, d.worker_a, d.worker_b)[pick % 3]
            made.append(patrol(d, worker, (d.lamp, d.noise)[pick % 2], when))
            continue
        case, other = made[which], made[(which + 1) % len(made)]
        case.refresh_from_db()
        with contextlib.suppress(TransitionNotAllowed, PermissionDenied, ValidationError):
            _act(d, action, case, other, pick, when)
    _clock["refresh"] += timedelta(minutes=2)
    metrics_refresh(now=_clock["refresh"])
    incremental = tables()
    metrics_refresh(full=True, now=_clock["refresh"])
    assert tables() == incremental
