"""The scale seed: deterministic, consistent with the state machine and the SLA sweeper, realistic."""

import hashlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jinlin.cases import sla
from jinlin.cases.machine import ACTIVE, TERMINAL, check
from jinlin.cases.models import Case, CaseReporter, LimitUnit, TimelineEntry
from jinlin.cases.services import sla_sweep_run
from jinlin.cases.sla import SlaCalendar
from jinlin.core.models import OrgKind, OrgUnit, Role, RoleAssignment, User
from jinlin.core.phones import normalize_mobile
from jinlin.core.workcalendar import epoch_us as _us
from jinlin.ops.scale import (
    SCALES,
    BulkWriter,
    ScaleAlreadySeeded,
    ScaleGenerator,
    ensure_categories,
    seed_scale,
)
from jinlin.stats.selectors import case_metrics

from .conftest import TEST_SPEC, UNTIL

TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db
@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 20), timezones=st.just(TZ)),
    amount=st.integers(min_value=1, max_value=20),
    unit=st.sampled_from([LimitUnit.WORKING_DAYS, LimitUnit.NATURAL_HOURS]),
    urge_hours=st.one_of(st.none(), st.integers(min_value=1, max_value=30)),
    fraction=st.floats(min_value=0.05, max_value=0.95),
)
def test_fast_calendar_gives_the_deadlines_of_the_working_calendar(start, amount, unit, urge_hours, fraction):
    calendar = SlaCalendar(date(2024, 12, 1), date(2027, 12, 31))
    limit = sla.Limit(amount, unit, urge_hours, fraction)
    due, urge = sla.deadlines(start, limit)
    assert calendar.deadlines(_us(start), limit) == (_us(due), _us(urge))


def _digest(spec, seed):
    ensure_categories()
    generator = ScaleGenerator(spec, seed=seed, until=UNTIL, writer=BulkWriter())
    digest = hashlib.sha256()
    for table, rows in [*generator.places_and_people(), *generator.cases()]:
        digest.update(table.name.encode())
        for row in rows:
            digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.mark.django_db
def test_the_same_seed_generates_the_same_rows_and_another_seed_others():
    spec = TEST_SPEC.__class__("tiny", 1, 1, 1, residents=60, cases=200, history_days=90)
    assert _digest(spec, 1) == _digest(spec, 1)
    assert _digest(spec, 1) != _digest(spec, 2)


def test_every_scale_has_the_size_the_issue_asks_for():
    assert SCALES["city"].grids >= 3000
    assert SCALES["city"].residents >= 1_000_000
    assert SCALES["city"].cases >= 2_000_000
    assert SCALES["district"].grids == 60
    assert SCALES["district"].cases == 100_000
    assert SCALES["small"].districts == SCALES["small"].streets == 1


def test_every_timeline_follows_the_state_machine_and_ends_in_the_case_status(street):
    status = dict(Case.objects.values_list("pk", "status"))
    current = {}
    entries = TimelineEntry.objects.order_by("case_id", "at", "pk").values_list(
        "case_id", "action", "from_status", "to_status", "at"
    )
    for case_id, action, source, target, at in entries:
        assert source == current.get(case_id, ""), (case_id, action)
        assert check(action, source, None if target == source else target) == target
        assert at <= street.until
        current[case_id] = target
    assert current == status
    assert len(status) == TEST_SPEC.cases


def test_open_cases_have_an_owner_and_finished_ones_a_closing_time(street):
    assert not Case.objects.exclude(status__in=TERMINAL).filter(owner_unit=None).exists()
    assert not Case.objects.filter(status__in=TERMINAL, closed_at=None).exists()
    assert not Case.objects.filter(due_at=None).exists()
    assert not Case.objects.filter(status="merged", merged_into=None).exists()
    assert Case.objects.filter(status__in=ACTIVE).exists()


def test_an_sla_sweep_at_the_seed_moment_finds_nothing_left_to_do(street):
    # The seed already did what the sweeper would have done every minute until then.
    assert sla_sweep_run(now=street.until) == {
        "urged": 0,
        "overdue": 0,
        "raised": 0,
        "expired": 0,
        "escalations_urged": 0,
    }
    # …and a sweep a week later has work: the seed is not frozen in the past.
    later = sla_sweep_run(now=street.until + timedelta(days=7))
    assert later["overdue"] + later["expired"] > 0


def test_the_seed_builds_the_metrics_facts_of_every_case(street):
    from jinlin.stats.models import CaseFact, RefreshState

    assert CaseFact.objects.count() == Case.objects.count() > 0
    assert RefreshState.objects.get().full_at is not None


def test_the_metrics_of_the_generated_street_look_like_a_county_s(street):
    admin = RoleAssignment.objects.filter(role=Role.PLATFORM_ADMIN).select_related("user").first().user
    total = case_metrics(admin, date_from=date(2025, 3, 1), date_to=date(2026, 3, 1), group_by="month").total
    assert 0.80 <= total.on_time_rate <= 0.99
    assert 0.85 <= total.satisfaction_rate <= 0.995
    assert 0.005 <= total.rework_rate <= 0.15
    assert 0.6 <= total.response_rate <= 0.99
    assert total.merged > 0
    assert total.repeat_rate > 0


def test_residents_get_valid_unique_phones_and_cannot_log_in(street):
    residents = User.objects.filter(role_assignments__role=Role.RESIDENT).distinct()
    assert residents.count() == TEST_SPEC.residents
    sample = list(residents.order_by("pk")[:50])
    for user in sample:
        assert normalize_mobile(user.phone) == user.phone
        assert user.phone_digest == User.digest_phone(user.phone)
        assert not user.has_usable_password()
    assert User.objects.values("phone_digest").distinct().count() == User.objects.count()


def test_followers_of_a_merged_case_follow_the_surviving_one(street):
    merged = Case.objects.filter(status="merged").exclude(reporter=None).first()
    assert merged is not None
    assert CaseReporter.objects.filter(case=merged.merged_into, user=merged.reporter).exists()


def test_grids_have_polygons_and_every_case_lies_in_its_grid_scope(street):
    grids = OrgUnit.objects.filter(kind=OrgKind.GRID)
    assert grids.count() == TEST_SPEC.grids
    assert not grids.filter(grid_boundary=None).exists()
    for case in Case.objects.select_related("grid")[:200]:
        assert case.scope_code == case.grid.code


@pytest.mark.django_db
def test_the_scale_seed_refuses_a_database_that_already_has_an_org_tree():
    OrgUnit.objects.create(kind=OrgKind.DISTRICT, code="350102", name="清溪区")
    with pytest.raises(ScaleAlreadySeeded):
        seed_scale(TEST_SPEC, seed=1, until=UNTIL)
