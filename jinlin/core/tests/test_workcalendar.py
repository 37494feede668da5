"""The working calendar behind SLA limits (CASE-3): 调休, public holidays, working hours, the cache.

Working time is 9:00–12:00 and 13:30–17:30 (7 hours a day) in Asia/Shanghai; the expected
moments below are worked out by hand in the comments, from the calendar rows the data migration
loads (State Council notices for 2025 and 2026).
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jinlin.core import workcalendar
from jinlin.core.admin_calendar import CalendarDayAdmin  # noqa: F401  (registers the admin until core/admin.py imports it)
from jinlin.core.models import AuditEntry, CalendarDay, CalendarDayKind, User
from jinlin.core.workcalendar import (
    add_working_time,
    is_working_day,
    next_working_moment,
    working_time_between,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # The cache is process-wide and outlives each test's rolled-back transaction.
    workcalendar.calendar_cache_clear()
    yield
    workcalendar.calendar_cache_clear()


# --- which days are working days -------------------------------------------------------------


def test_weekdays_work_and_weekends_rest_when_no_notice_says_otherwise():
    assert is_working_day(date(2026, 3, 4))  # a Wednesday
    assert not is_working_day(date(2026, 3, 7))  # a Saturday
    assert not is_working_day(date(2026, 3, 8))  # a Sunday


def test_a_weekday_holiday_is_a_rest_day():
    assert not is_working_day(date(2025, 10, 8))  # Wednesday, last day of 国庆节、中秋节 2025
    assert not is_working_day(date(2026, 2, 23))  # Monday, last day of 春节 2026


def test_a_weekend_made_a_workday_by_tiaoxiu_is_a_working_day():
    assert is_working_day(date(2026, 2, 14))  # Saturday, 春节调休上班
    assert is_working_day(date(2026, 2, 28))  # Saturday, 春节调休上班
    assert is_working_day(date(2025, 1, 26))  # Sunday, 春节调休上班


# --- add_working_time ------------------------------------------------------------------------


def test_a_tiaoxiu_saturday_counts_working_hours():
    # Fri 2026-02-13 16:00 + 7 h: 16:00–17:30 on Friday = 1.5 h; Saturday 2-14 is a workday:
    # 9:00–12:00 = 3 h (4.5), 13:30–16:00 = 2.5 h (7) → Saturday 16:00.
    assert add_working_time(at(2026, 2, 13, 16, 0), hours=7) == at(2026, 2, 14, 16, 0)
    # Fri 2026-02-27 15:00 + 1 working day: the next working day is Saturday 2-28 (调休) → 15:00 there.
    assert add_working_time(at(2026, 2, 27, 15, 0), days=1) == at(2026, 2, 28, 15, 0)


def test_a_case_received_before_national_day_is_due_after_the_holiday():
    # Wed 2026-09-30 16:00 + 1 working day (7 h): 16:00–17:30 = 1.5 h; 10-01…10-07 are holidays;
    # Thu 10-08: 9:00–12:00 = 3 h (4.5), 13:30–16:00 = 2.5 h (7) → 2026-10-08 16:00.
    assert add_working_time(at(2026, 9, 30, 16, 0), days=1) == at(2026, 10, 8, 16, 0)
    # Fri 10-09 15:00 + 1 working day: Saturday 10-10 is 国庆节调休上班 → 10-10 15:00.
    assert add_working_time(at(2026, 10, 9, 15, 0), days=1) == at(2026, 10, 10, 15, 0)


def test_the_spring_festival_holiday_is_skipped():
    # Sat 2026-02-14 (调休 workday) 15:00 + 2 working days: 2.5 h left that day; 2-15…2-23 are
    # holidays; Tue 2-24 is working day 1 (due 15:00), Wed 2-25 working day 2 → 2026-02-25 15:00.
    assert add_working_time(at(2026, 2, 14, 15, 0), days=2) == at(2026, 2, 25, 15, 0)
    # 2025: Mon 2025-01-27 10:00 + 1 working day: 1-28…2-04 are holidays → Wed 2025-02-05 10:00.
    assert add_working_time(at(2025, 1, 27, 10, 0), days=1) == at(2025, 2, 5, 10, 0)


def test_a_case_received_on_a_holiday_counts_from_the_next_working_day():
    # Sat 2026-10-03 (holiday) 10:00 + 7 working days: counting starts Thu 10-08 9:00; working
    # days 10-08 (1), 10-09 (2), Sat 10-10 调休 (3), Mon 10-12 (4), 10-13 (5), 10-14 (6),
    # Thu 10-15 (7) → due when the 7th working day closes: 2026-10-15 17:30.
    assert add_working_time(at(2026, 10, 3, 10, 0), days=7) == at(2026, 10, 15, 17, 30)


def test_working_days_keep_the_time_of_day():
    # Wed 2026-03-04 15:00 + 7 working days: Thu 3-05 (1), Fri 3-06 (2), Mon 3-09 (3), 3-10 (4),
    # 3-11 (5), 3-12 (6), Fri 3-13 (7) → 2026-03-13 15:00.
    assert add_working_time(at(2026, 3, 4, 15, 0), days=7) == at(2026, 3, 13, 15, 0)
    # Received Saturday 3-07: day 1 is Mon 3-09; 3-10, 3-11, 3-12, 3-13, 3-16, Tue 3-17 is day 7.
    assert add_working_time(at(2026, 3, 7, 10, 0), days=7) == at(2026, 3, 17, 17, 30)


def test_working_hours_skip_the_lunch_break():
    # Mon 2026-03-02 11:00 + 2 h: 11:00–12:00 = 1 h, then 13:30–14:30 → 14:30.
    assert add_working_time(at(2026, 3, 2, 11, 0), hours=2) == at(2026, 3, 2, 14, 30)
    # Received at 12:30 (lunch) + 1 h: counting starts at 13:30 → 14:30.
    assert add_working_time(at(2026, 3, 2, 12, 30), hours=1) == at(2026, 3, 2, 14, 30)


def test_working_hours_skip_the_evening_and_night():
    # Mon 2026-03-02 17:00 + 1 h: 17:00–17:30 = 0.5 h, Tue 9:00–9:30 → 2026-03-03 09:30.
    assert add_working_time(at(2026, 3, 2, 17, 0), hours=1) == at(2026, 3, 3, 9, 30)
    # Received at 20:00 + 1 h: counting starts Tue 9:00 → 10:00.
    assert add_working_time(at(2026, 3, 2, 20, 0), hours=1) == at(2026, 3, 3, 10, 0)
    # Received at 07:00 + 1 h: counting starts at 9:00 the same day → 10:00.
    assert add_working_time(at(2026, 3, 2, 7, 0), hours=1) == at(2026, 3, 2, 10, 0)


def test_a_limit_ending_at_closing_time_is_due_at_closing_not_next_morning():
    assert add_working_time(at(2026, 3, 2, 9, 0), hours=7) == at(2026, 3, 2, 17, 30)
    assert add_working_time(at(2026, 3, 2, 9, 0), hours=3) == at(2026, 3, 2, 12, 0)


def test_fractional_and_decimal_hours_are_accepted():
    from decimal import Decimal

    assert add_working_time(at(2026, 3, 2, 9, 0), hours=1.5) == at(2026, 3, 2, 10, 30)
    assert add_working_time(at(2026, 3, 2, 9, 0), hours=Decimal("0.25")) == at(2026, 3, 2, 9, 15)


def test_natural_hours_run_across_midnight_and_holidays():
    # 2026-10-01 is a holiday; a natural 2-hour limit from 23:00 ends at 01:00 the next day.
    assert add_working_time(at(2026, 10, 1, 23, 0), hours=2, natural=True) == at(2026, 10, 2, 1, 0)
    assert add_working_time(at(2026, 9, 30, 16, 0), days=7, natural=True) == at(2026, 10, 7, 16, 0)


def test_results_are_in_local_time_whatever_the_input_zone():
    # 01:00 UTC is 09:00 in Shanghai; one working hour later is 10:00 Shanghai.
    due = add_working_time(datetime(2026, 3, 2, 1, 0, tzinfo=UTC), hours=1)
    assert due == at(2026, 3, 2, 10, 0)
    assert due.utcoffset() == timedelta(hours=8)


def test_naive_datetimes_and_negative_limits_are_refused():
    with pytest.raises(ValueError):
        add_working_time(datetime(2026, 3, 2, 9, 0), hours=1)
    with pytest.raises(ValueError):
        working_time_between(datetime(2026, 3, 2, 9, 0), at(2026, 3, 2, 10, 0))
    with pytest.raises(ValueError):
        add_working_time(at(2026, 3, 2, 9, 0), hours=-1)


def test_a_calendar_without_any_working_day_fails_instead_of_looping_for_ever():
    first = date(2031, 3, 1)  # a year with no rows yet
    CalendarDay.objects.bulk_create(
        CalendarDay(date=first + timedelta(days=n), kind=CalendarDayKind.HOLIDAY, name="x") for n in range(400)
    )
    with pytest.raises(ValueError):
        add_working_time(at(2031, 3, 2, 9, 0), hours=1)


# --- working_time_between --------------------------------------------------------------------


def test_working_time_between_counts_only_working_periods():
    # 2026-09-30 16:00 → 2026-10-08 16:00: 1.5 h + (holidays) + 3 h + 2.5 h = 7 h.
    assert working_time_between(at(2026, 9, 30, 16, 0), at(2026, 10, 8, 16, 0)) == timedelta(hours=7)
    # Over the lunch break only: nothing.
    assert working_time_between(at(2026, 3, 2, 12, 0), at(2026, 3, 2, 13, 30)) == timedelta()
    # A whole ordinary week (Mon 00:00 → next Mon 00:00): 5 × 7 h.
    assert working_time_between(at(2026, 3, 2, 0, 0), at(2026, 3, 9, 0, 0)) == timedelta(hours=35)
    # Backwards is negative.
    assert working_time_between(at(2026, 3, 2, 14, 30), at(2026, 3, 2, 11, 0)) == -timedelta(hours=2)


def test_next_working_moment_moves_to_the_next_opening():
    assert next_working_moment(at(2026, 3, 2, 10, 0)) == at(2026, 3, 2, 10, 0)
    assert next_working_moment(at(2026, 3, 2, 12, 0)) == at(2026, 3, 2, 13, 30)
    assert next_working_moment(at(2026, 3, 2, 17, 30)) == at(2026, 3, 3, 9, 0)
    assert next_working_moment(at(2026, 10, 1, 10, 0)) == at(2026, 10, 8, 9, 0)


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 11, 30), timezones=st.sampled_from([SHANGHAI, UTC])
)
# Whole minutes up to 30 working days, so timedelta(hours=…) is exact on both sides.
minutes = st.integers(min_value=0, max_value=30 * 7 * 60)


@settings(deadline=None, max_examples=200)
@given(start=moments, limit=minutes)
def test_working_time_between_start_and_due_equals_the_limit(start, limit):
    hours = limit / 60
    due = add_working_time(start, hours=hours)
    assert working_time_between(next_working_moment(start), due) == timedelta(hours=hours)
    assert working_time_between(start, due) == timedelta(hours=hours)
    assert due >= start


@settings(deadline=None, max_examples=200)
@given(start=moments, first=st.integers(min_value=1, max_value=20 * 7 * 60), second=minutes)
def test_adding_working_time_in_two_steps_equals_adding_it_at_once(start, first, second):
    in_two_steps = add_working_time(add_working_time(start, hours=first / 60), hours=second / 60)
    assert in_two_steps == add_working_time(start, hours=(first + second) / 60)


@settings(deadline=None, max_examples=100)
@given(start=moments, days=st.integers(min_value=1, max_value=20))
def test_a_working_day_is_seven_working_hours_ending_on_a_working_day(start, days):
    due = add_working_time(start, days=days)
    assert due == add_working_time(start, hours=7 * days)
    assert is_working_day(due.date())
    assert due.time() > workcalendar.WORKING_PERIODS[0][0]


# --- the cache ------------------------------------------------------------------------------


def test_repeated_calls_do_not_query_the_database(django_assert_num_queries):
    add_working_time(at(2026, 9, 30, 16, 0), days=15)  # warms 2026
    with django_assert_num_queries(0):
        for hour in range(1000):
            add_working_time(at(2026, 9, 30, 16, 0) + timedelta(hours=hour), days=7)


def test_saving_or_deleting_a_calendar_day_takes_effect_at_once():
    assert is_working_day(date(2026, 3, 4))
    day = CalendarDay.objects.create(date=date(2026, 3, 4), kind=CalendarDayKind.HOLIDAY, name="test")
    assert not is_working_day(date(2026, 3, 4))
    day.delete()
    assert is_working_day(date(2026, 3, 4))


def test_an_edit_made_by_another_process_is_seen_after_the_cache_expires(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(workcalendar, "monotonic", lambda: clock[0])
    assert is_working_day(date(2026, 3, 4))
    # bulk_create sends no signal: like a row written by another process, this one is not seen yet…
    CalendarDay.objects.bulk_create([CalendarDay(date=date(2026, 3, 4), kind=CalendarDayKind.HOLIDAY, name="x")])
    assert is_working_day(date(2026, 3, 4))
    # …until the cached year is older than CACHE_SECONDS.
    clock[0] += workcalendar.CACHE_SECONDS + 1
    assert not is_working_day(date(2026, 3, 4))


def test_a_year_without_a_notice_is_logged_and_falls_back_to_weekends(caplog, monkeypatch):
    # Warned once per process and year: an earlier test in this worker may have met 2031 already.
    monkeypatch.setattr(workcalendar, "_warned_years", set())
    with caplog.at_level("WARNING", logger="jinlin.core.workcalendar"):
        assert is_working_day(date(2031, 10, 1))  # a Wednesday, no rows for 2031
    assert "2031" in caplog.text


# --- the admin -------------------------------------------------------------------------------


@pytest.fixture
def admin_client_logged_in(client):
    admin_user = User.objects.create_superuser("13900000099", "jinlin2026", name="管理员")
    client.force_login(admin_user)
    return client


def test_an_admin_edit_invalidates_the_cache_and_is_audited(admin_client_logged_in):
    client = admin_client_logged_in
    # Warm the cache for 2027: Tuesday 2-09 is a provisional 春节补休; the notice turns out to differ.
    assert not is_working_day(date(2027, 2, 9))
    day = CalendarDay.objects.get(date=date(2027, 2, 9))
    response = client.post(
        f"/admin/core/calendarday/{day.pk}/change/",
        {"date": "2027-02-13", "kind": "workday", "name": "春节调休上班", "source": "国务院办公厅通知"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert is_working_day(date(2027, 2, 9))  # a Tuesday again
    assert is_working_day(date(2027, 2, 13))  # a Saturday made a workday
    entry = AuditEntry.objects.get(action="calendar_day.update")
    assert entry.before["date"] == "2027-02-09" and entry.after["kind"] == "workday"

    response = client.post(f"/admin/core/calendarday/{day.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not is_working_day(date(2027, 2, 13))
    assert AuditEntry.objects.filter(action="calendar_day.delete").count() == 1


# --- the loaded notices ----------------------------------------------------------------------


def test_2027_days_are_marked_provisional_and_the_others_cite_their_notice():
    days = list(CalendarDay.objects.all())
    assert sum(d.date.year == 2027 for d in days) == 19
    assert sum(d.date.year in (2025, 2026) for d in days) == 72
    assert all(d.provisional and "PROVISIONAL" in d.source for d in days if d.date.year == 2027)
    assert all(not d.provisional and "国务院办公厅" in d.source for d in days if d.date.year in (2025, 2026))
    # Every make-up workday is a weekend day, or it would change nothing.
    assert all(d.date.weekday() >= 5 for d in days if d.kind == CalendarDayKind.WORKDAY)
