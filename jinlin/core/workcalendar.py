"""Working-time arithmetic for SLA limits (CASE-3): the Chinese working calendar.

A day is a working day on Monday–Friday and a rest day on Saturday–Sunday, except where a
`CalendarDay` row says otherwise (a public holiday, or a weekend made a workday by 调休). The
rows for 2025 and 2026 come from the State Council notices; those for 2027 are PROVISIONAL
(`provisional=True`: the statutory days from the holiday regulations and the lunar calendar, plus
a weekday off for each that falls on a weekend, but no 调休 make-up workdays, which only the notice
can say) and must be confirmed or corrected in the admin from the notice, as must every later
year be entered. A year with no rows at all is logged as a warning and counts weekends only.

Working time is WORKING_PERIODS on each working day, in the platform's TIME_ZONE
(Asia/Shanghai): 9:00–12:00 and 13:30–17:30, i.e. a 7-hour working day — the usual office hours
of a government service window (政务服务大厅), with the lunch break not counted.

- `add_working_time(start, hours=h)` is the earliest moment by which h working hours have passed
  since `start`. Time outside working periods does not count, so a case received in the evening,
  at lunch or on a holiday starts counting at the next opening. A limit that ends exactly at a
  period's end is due at that end (17:30), not at the next morning's opening.
- `days=n` counts n working days: n × the working-day length. A case received at 15:00 on a
  working day with 7 working days is due at 15:00 on the 7th working day after; one received on
  a non-working day (or after closing) is due at 17:30 on the 7th working day, counting its first
  working day as day 1.
- `natural=True` adds plain hours and days (a 2-hour urgent limit runs through the night).
- `working_time_between(a, b)` is the working time elapsed between two moments (for metrics).

Every input must be timezone-aware; results are in the platform's local time. The exception days
are read once per year into an in-process dict — an SLA sweep computes thousands of deadlines —
dropped when a CalendarDay is saved or deleted in this process (signal in core.models) and
re-read after CACHE_SECONDS in every process (the task worker is another process).
"""

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic

from django.utils import timezone

logger = logging.getLogger(__name__)

WORKING_PERIODS: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))
WORKING_DAY = sum(
    (datetime.combine(date.min, end) - datetime.combine(date.min, begin) for begin, end in WORKING_PERIODS),
    timedelta(),
)
CACHE_SECONDS = 60
# A search for the next working day gives up after this long without one (a misconfigured
# calendar would otherwise loop for ever).
_MAX_REST_DAYS = 366

# year -> (monotonic time loaded, {date: True if a make-up workday, False if a holiday})
_cache: dict[int, tuple[float, dict[date, bool]]] = {}
_warned_years: set[int] = set()


def calendar_cache_clear() -> None:
    """Forget the cached exception days (called when a CalendarDay changes)."""
    _cache.clear()


def _exceptions(year: int) -> dict[date, bool]:
    entry = _cache.get(year)
    now = monotonic()
    if entry is None or now - entry[0] > CACHE_SECONDS:
        from .models import CalendarDay, CalendarDayKind

        rows = CalendarDay.objects.filter(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31))
        days = {day: kind == CalendarDayKind.WORKDAY for day, kind in rows.values_list("date", "kind")}
        if not days and year not in _warned_years:
            _warned_years.add(year)
            logger.warning(
                "The working calendar has no holidays for %s: enter the State Council notice in the admin; "
                "until then only weekends are rest days.",
                year,
            )
        entry = (now, days)
        _cache[year] = entry
    return entry[1]


def is_working_day(day: date) -> bool:
    """True on Monday–Friday unless a holiday, and on a weekend made a workday (调休)."""
    exception = _exceptions(day.year).get(day)
    if exception is not None:
        return exception
    return day.weekday() < 5


def _local(moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        raise ValueError("working-time arithmetic needs a timezone-aware datetime")
    return timezone.localtime(moment, timezone.get_default_timezone())


def _working_periods_from(moment: datetime, until: datetime | None = None) -> Iterator[tuple[datetime, datetime]]:
    """Yield the working periods (begin, end) from `moment` on, the first one cut to start at `moment`;
    stop after the day of `until` if given."""
    tz = timezone.get_default_timezone()
    day = moment.date()
    rest_days = 0
    while until is None or day <= until.date():
        if is_working_day(day):
            rest_days = 0
            for begin, end in WORKING_PERIODS:
                period_end = datetime.combine(day, end, tzinfo=tz)
                if period_end > moment:
                    yield max(datetime.combine(day, begin, tzinfo=tz), moment), period_end
        else:
            rest_days += 1
            if rest_days > _MAX_REST_DAYS:
                raise ValueError(f"the working calendar has no working day for a year after {moment:%Y-%m-%d}")
        day += timedelta(days=1)


def next_working_moment(moment: datetime) -> datetime:
    """`moment` itself if it falls in working time, else the next opening (9:00, 13:30)."""
    begin, _end = next(_working_periods_from(_local(moment)))
    return begin


def add_working_time(start: datetime, *, hours: float = 0, days: int = 0, natural: bool = False) -> datetime:
    """The moment `hours` (or `days` working days) after `start`.

    natural=True counts natural hours/days (24/7, e.g. a 2-hour urgent limit); otherwise only
    working time counts, per the working calendar (weekends, public holidays, 调休 make-up days).
    """
    local_start = _local(start)
    # Limits may come from a DecimalField; timedelta wants a float.
    if hours < 0 or days < 0:
        raise ValueError("a time limit cannot be negative")
    if natural:
        return local_start + timedelta(hours=float(hours), days=float(days))
    remaining = timedelta(hours=float(hours)) + WORKING_DAY * float(days)
    if not remaining:
        return local_start
    for begin, end in _working_periods_from(local_start):
        if end - begin >= remaining:
            return begin + remaining
        remaining -= end - begin
    raise AssertionError("unreachable: the period generator is endless without `until`")


def working_time_between(a: datetime, b: datetime) -> timedelta:
    """Working time elapsed from `a` to `b` (negative if `b` is before `a`); hours = result / timedelta(hours=1)."""
    a, b = _local(a), _local(b)
    if b < a:
        return -working_time_between(b, a)
    total = timedelta()
    for begin, end in _working_periods_from(a, until=b):
        if begin >= b:
            break
        total += min(end, b) - begin
    return total


# ---------------------------------------------------------------- working time by bisection

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_us(moment: datetime) -> int:
    """A timezone-aware moment as integer microseconds since the epoch (exact, unlike timestamp())."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def timedelta_us(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


class FastCalendar:
    """`add_working_time` over a fixed span of days, in O(log n) per call, on integer µs.

    The working periods of every day in the span are read once from the working calendar
    (`is_working_day`, WORKING_PERIODS), so the answers are those of the functions above to the
    microsecond (a test compares them); those walk day by day, which is fine for one case and too
    slow for two million (the scale seed, the metrics refresh).
    """

    def __init__(self, first: date, last: date):
        tz = timezone.get_default_timezone()
        self.begins: list[int] = []
        self.ends: list[int] = []
        self.cum: list[int] = [0]  # working µs before the i-th period
        day = first
        while day <= last:
            if is_working_day(day):
                for begin, end in WORKING_PERIODS:
                    b = epoch_us(datetime.combine(day, begin, tzinfo=tz))
                    e = epoch_us(datetime.combine(day, end, tzinfo=tz))
                    self.begins.append(b)
                    self.ends.append(e)
                    self.cum.append(self.cum[-1] + e - b)
            day += timedelta(days=1)

    def add(self, start: int, remaining: int) -> int:
        """The moment `remaining` µs of working time after `start` (add_working_time's rules)."""
        if remaining == 0:
            return start
        i = bisect_right(self.ends, start)  # the first period ending after start
        if i >= len(self.ends):
            raise ValueError("outside the span of the fast calendar")
        begin = max(self.begins[i], start)
        available = self.ends[i] - begin
        if available >= remaining:
            return begin + remaining
        target = remaining - available + self.cum[i + 1]
        j = bisect_left(self.cum, target) - 1
        if j >= len(self.begins):
            raise ValueError("outside the span of the fast calendar")
        return self.begins[j] + (target - self.cum[j])
