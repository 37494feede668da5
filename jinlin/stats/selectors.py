"""The metrics of the closed loop (CASE-11), read from the metrics' own tables.

docs/metrics.md is the specification: every figure here is defined there in words, with the
anchors it follows (数字城管 按期结案率, Beijing 接诉即办 响应率·解决率·满意率). Change both together.

How it is computed. Each metric counts cases (or rating entries) whose *own* event falls in the
period: intake by the time a case was submitted, 办结率 by the time it was accepted, 响应率 by its
first dispatch, 按期办结率 by the moment its time limit was decided, 返工率 and the handling time
by its first resolution, 满意率 by the rating. The timeline facts of every case (first accept,
first dispatch, …, working seconds) are kept in `CaseFact` and rolled up per month, community
and category in `AreaMonth` (and per street in `StreetMonth`), all refreshed every minute from
the timeline (services.py).

A request sums rollup rows for the whole months of its period when they answer exactly — the
coarsest that does: StreetMonth when roots and org are places of street level or coarser and the
rows are by street, category or month; AreaMonth for community level (and rows by community) —
and counts CaseFact rows for everything else — the partial months at either end, the
grids, the handling units, the department roles. Each figure family is one aggregate query
(COUNT … FILTER, grouped by the row key and the month of the event), so a call costs the same
handful of queries whatever the number of cases, and gives the grouped rows and the month trend
at once.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.cases.models import CaseFollow, Category, Rating
from jinlin.core.models import OrgKind, OrgUnit, Role, User
from jinlin.core.scope import active_assignments, area_codes, prefix_q, reach_code

from .models import AreaMonth, CaseFact, RatingFact, RefreshState, StreetMonth

GROUP_BY = ("grid", "community", "street", "district", "department", "category", "month")
# The code-prefix rule (core/models.py): city 4 digits, district 6, street 9, community 12, grid 15.
CODE_LENGTH = {"district": 6, "street": 9, "community": 12, "grid": 15}
PLACE_LEVEL = {
    "district": OrgKind.DISTRICT,
    "street": OrgKind.STREET,
    "community": OrgKind.COMMUNITY,
    "grid": OrgKind.GRID,
}

# 响应率: the handling unit must respond (接单 or 退单) within this time of the first dispatch.
RESPONSE_LIMIT = timedelta(hours=24)
# 重复投诉率: a second report by the same person about the same category in the same community
# within this window counts as a repeat.
REPEAT_WINDOW = timedelta(days=30)
# The longest period one request may ask for.
MAX_SPAN_DAYS = 3 * 366
# Tests switch the rollup off to check that the facts alone give the same figures.
ROLLUP_ENABLED = True

# Staff who see the dashboard and the metrics API. Residents and volunteers do not (403).
METRICS_ROLES = {
    Role.GRID_WORKER,
    Role.COMMUNITY_STAFF,
    Role.DEPARTMENT_HANDLER,
    Role.DISPATCHER,
    Role.DISCIPLINE_SUPERVISOR,
    Role.POLICE_OFFICER,
    Role.PLATFORM_ADMIN,
}
# Units offered in the dashboard's filter: levels of the tree and units that handle cases. Grids
# are left out of the list (a city has tens of thousands); group by grid instead, or give the
# code to the API.
ORG_FILTER_KINDS = {
    OrgKind.CITY,
    OrgKind.DISTRICT,
    OrgKind.STREET,
    OrgKind.COMMUNITY,
    OrgKind.COMMAND_CENTRE,
    OrgKind.DEPARTMENT,
    OrgKind.POLICE_STATION,
}

RATING_ACTIONS = ("evaluate", "visit")
RESPONSE_ACTIONS = ("claim", "return")


# ---------------------------------------------------------------- who may see which figures


def can_view_metrics(user: User | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or any(a.role in METRICS_ROLES for a in active_assignments(user))


def metric_roots(user: User) -> list[str]:
    """The code prefixes of the units whose figures `user` may ask for: the area of a place-bound
    role (or of a district-wide role such as the command centre), else the user's own unit."""
    # The area of each metrics role (core.scope's rule); a role that reaches no area has its unit.
    units = {a.org.code for a in active_assignments(user) if a.role in METRICS_ROLES and reach_code(a) is None}
    return [*area_codes(user, METRICS_ROLES), *sorted(units)]


def _roots_q(roots: Iterable[str], field: str = "code") -> Q:
    return prefix_q(field, roots)


def metric_orgs(user: User) -> QuerySet[OrgUnit]:
    """The units offered in the dashboard's filter, in tree order."""
    return OrgUnit.objects.filter(_roots_q(metric_roots(user)), kind__in=ORG_FILTER_KINDS, is_active=True).order_by(
        "code"
    )


def metric_org_get(user: User, value: str) -> OrgUnit | None:
    """The unit named by `value` (a code, or an id as in GET /api/cases) if `user` may see its
    figures; None for an unknown unit and for one outside the user's area alike."""
    value = (value or "").strip()
    if not value:
        return None
    roots = metric_roots(user)
    unit = OrgUnit.objects.filter(_roots_q(roots), code=value).first()
    if unit is None and value.isdigit():
        unit = OrgUnit.objects.filter(_roots_q(roots), pk=int(value)).first()
    return unit


# ---------------------------------------------------------------- result rows


def ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


@dataclass
class MetricsRow:
    key: str
    label: str
    # 受理量 and 重复投诉
    intake: int = 0
    merged: int = 0
    repeats: int = 0  # merged duplicates + same-reporter repeats, each case once
    # 我也关注: residents who followed a case of the row in the period instead of reporting again
    followers: int = 0
    # 办结率
    accepted: int = 0
    accepted_resolved: int = 0
    # 响应率
    response_due: int = 0
    responded_in_time: int = 0
    # 按期办结率 (应结案数, 按期结案数)
    due: int = 0
    on_time: int = 0
    # 返工率 and 平均办理时长
    resolved: int = 0
    reopened: int = 0
    timed: int = 0
    hours_sum: float = 0.0
    working_hours_sum: float = 0.0
    # 满意率
    rated: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    unsatisfied: int = 0

    @property
    def response_rate(self):
        return ratio(self.responded_in_time, self.response_due)

    @property
    def on_time_rate(self):
        return ratio(self.on_time, self.due)

    @property
    def resolution_rate(self):
        return ratio(self.accepted_resolved, self.accepted)

    @property
    def satisfaction_rate(self):
        return ratio(self.satisfied + self.basically_satisfied, self.rated)

    @property
    def rework_rate(self):
        return ratio(self.reopened, self.resolved)

    @property
    def repeat_rate(self):
        return ratio(self.repeats, self.intake)

    @property
    def avg_hours(self):
        return round(self.hours_sum / self.timed, 1) if self.timed else None

    @property
    def avg_working_hours(self):
        return round(self.working_hours_sum / self.timed, 1) if self.timed else None

    @property
    def has_data(self) -> bool:
        return any((self.intake, self.accepted, self.response_due, self.due, self.resolved, self.rated))

    def add(self, other: "MetricsRow") -> None:
        for f in fields(self):
            if f.name not in {"key", "label"}:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    COUNTS = (
        "intake",
        "merged",
        "repeats",
        "followers",
        "accepted",
        "accepted_resolved",
        "response_due",
        "responded_in_time",
        "due",
        "on_time",
        "resolved",
        "reopened",
        "rated",
        "satisfied",
        "basically_satisfied",
        "unsatisfied",
    )
    RATES = (
        "response_rate",
        "on_time_rate",
        "resolution_rate",
        "satisfaction_rate",
        "rework_rate",
        "repeat_rate",
        "avg_hours",
        "avg_working_hours",
    )

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            **{name: getattr(self, name) for name in self.COUNTS},
            **{name: getattr(self, name) for name in self.RATES},
        }


@dataclass
class MetricsResult:
    group_by: str
    date_from: date
    date_to: date
    org: OrgUnit | None
    rows: list[MetricsRow] = field(default_factory=list)
    total: MetricsRow | None = None
    # (as_of, read on first use; not compared: two results of the same figures are equal.)
    _as_of: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def as_of(self) -> datetime | None:
        """When the facts were last refreshed: the figures are as of then (None: never refreshed).
        Read when asked for (the page and the API do), so a plain call costs no query for it."""
        if self._as_of is None:
            self._as_of = (metrics_as_of(),)
        return self._as_of[0]

    @property
    def has_data(self) -> bool:
        return self.total is not None and self.total.has_data


# ---------------------------------------------------------------- the queries


def period_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """[start, end) of the calendar days date_from … date_to in the platform's time zone."""
    tz = timezone.get_default_timezone()
    return (
        datetime.combine(date_from, time.min, tzinfo=tz),
        datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz),
    )


def metrics_as_of() -> datetime | None:
    """When the metrics' tables were last refreshed (None: never, so there are no figures yet)."""
    return RefreshState.objects.filter(pk=1).values_list("refreshed_at", flat=True).first()


def _fact_scope(user: User, org: OrgUnit | None, prefix: str = "") -> Q:
    """The facts whose figures `user` gets: those of their metric roots (a place: the cases that
    happened there; another unit: the cases it owns), narrowed to `org`. Superusers: all."""
    q = Q()
    if not user.is_superuser:
        codes = metric_roots(user)
        # A place inside a place root: its prefix implies the root's, which is left out. SQLite
        # given two prefixes of one column (two LIKEs) estimates by the wider and reads the
        # period's facts by time instead of the place's by the scope index.
        if org is None or not org.is_place() or not any(r.isdigit() and org.code.startswith(r) for r in codes):
            # A place stands for the cases that happened there; a unit that is not a place (a
            # department, a police station) for the cases it handles (owns now, or owned last).
            places = [r for r in codes if r.isdigit()]
            units = [r for r in codes if not r.isdigit()]
            q &= prefix_q(f"{prefix}scope_code", places) | prefix_q(f"{prefix}owner_unit__code", units)
    if org is not None:
        column = "scope_code" if org.is_place() else "owner_unit__code"
        q &= Q(**{f"{prefix}{column}__startswith": org.code})
    return q


@dataclass(frozen=True)
class Rollup:
    """A monthly rollup table (models.MonthCounts): the column of its place code and that code's
    length. It answers exactly for roots and orgs that are places with codes no longer than that,
    with rows by month, category or a place level no finer than its own."""

    model: type
    code: str
    length: int

    def answers(self, group_by: str) -> bool:
        return group_by in ("category", "month") or CODE_LENGTH.get(group_by, 99) <= self.length

    def key(self, group_by: str):
        if group_by == "category":
            return F("category_id")
        if CODE_LENGTH[group_by] == self.length:
            return F(self.code)
        return Substr(self.code, 1, CODE_LENGTH[group_by])


# Coarsest first: the first that answers is read (a year of a city: ~190,000 AreaMonth rows,
# ~1/6 of that in StreetMonth).
ROLLUPS = (
    Rollup(StreetMonth, "street_code", CODE_LENGTH["street"]),
    Rollup(AreaMonth, "community_code", CODE_LENGTH["community"]),
)


def _rollup_scope(user: User, org: OrgUnit | None, group_by: str) -> tuple[Rollup, Q] | None:
    """The coarsest rollup that answers exactly and its rows, or None when none can: every root
    and the org must be places with codes no longer than the rollup's, and the rows one of its
    keys."""
    roots = None if user.is_superuser else metric_roots(user)
    for rollup in ROLLUPS:
        if not rollup.answers(group_by):
            continue
        q = Q()
        if roots is not None:
            if any(not root.isdigit() or len(root) > rollup.length for root in roots):
                continue
            q &= _roots_q(roots, field=rollup.code)
        if org is not None:
            if not org.is_place() or len(org.code) > rollup.length:
                continue
            q &= Q(**{f"{rollup.code}__startswith": org.code})
        return rollup, q
    return None


def _month_first(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def _whole_months(date_from: date, date_to: date, now: datetime) -> tuple[date, date] | None:
    """The first and the last whole month of the period (None if none): a month lying inside
    [from, to], or the month of `to` when `to` is today or later (nothing can happen after now)."""
    today = timezone.localdate(now, timezone.get_default_timezone())
    first = _month_first(date_from) if date_from.day == 1 else _next_month(date_from)
    if _next_month(date_to) - timedelta(days=1) == date_to or date_to >= today:
        last = _month_first(date_to)
    else:
        last = date(date_to.year - (date_to.month == 1), (date_to.month - 2) % 12 + 1, 1)
    return (first, last) if first <= last else None


def _month_key(event: str, months: list[date]) -> Case:
    """The month ("YYYY-MM") of `event`, for rows whose event lies in `months`: by comparing it
    with the months' first moments, computed here once. TruncMonth in the platform's time zone
    converts every row (on SQLite a Python function per row, most of the figure family's time:
    docs/performance.md §8)."""
    whens = [
        When(**{f"{event}__lt": period_bounds(following, following)[0]}, then=Value(f"{month:%Y-%m}"))
        for month, following in zip(months, months[1:], strict=False)
    ]
    return Case(*whens, default=Value(f"{months[-1]:%Y-%m}"), output_field=CharField())


def _key(group_by: str, event: str, prefix: str = ""):
    if group_by in CODE_LENGTH:
        return Substr(f"{prefix}scope_code", 1, CODE_LENGTH[group_by])
    if group_by == "department":
        return F(f"{prefix}owner_unit")
    return F(f"{prefix}category")


def _key_str(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value, timezone.get_default_timezone()).strftime("%Y-%m")
    if isinstance(value, date):
        return value.strftime("%Y-%m")
    return str(value)


Cells = dict[tuple[str, str], Counter]


def _within(event: str, spans) -> Q | None:
    """`event` falls in one of the [start, end) spans (None: no spans)."""
    if not spans:
        return None
    q = Q(pk__in=[])
    for start, end in spans:
        q |= Q(**{f"{event}__gte": start, f"{event}__lt": end})
    return q


def _grouped(
    cells: Cells, qs: QuerySet, *, event: str, group_by: str, where: Q | None, months: list[date], prefix="", **counts
) -> None:
    """Add to `cells` ({(row key, month): counts}) the rows of `qs` that `where` selects (nothing
    if None; their `event` in one of `months`), counted by their row key and the month of `event`."""
    if where is None:
        return
    rows = qs.filter(where).annotate(month_key=_month_key(event, months))
    names = ["month_key"]
    if group_by != "month":
        rows = rows.annotate(group_key=_key(group_by, event, prefix))
        names.append("group_key")
    # The counts are named n_… in SQL: some share a name with the column they count (merged).
    for row in rows.order_by().values(*names).annotate(**{f"n_{k}": v for k, v in counts.items()}):
        month = _key_str(row.pop("month_key"))
        key = _key_str(row.pop("group_key")) if group_by != "month" else month
        cells.setdefault((key, month), Counter()).update({k[2:]: v or 0 for k, v in row.items()})


@dataclass(frozen=True)
class Family:
    """One figure family (docs/metrics.md, "The figures"): counted by the month of its own `event`
    over the facts `which` selects, CaseFact rows (or RatingFact rows: `ratings`). The one
    definition read by the facts path (_fact_cells), the rollups' sums and the rollup builder
    (services._rollup): a change here changes all three alike."""

    event: str
    which: Q
    counts: dict
    ratings: bool = False


FAMILIES = (
    Family(
        "created_at",  # = the time of the case's `submit` entry (written together)
        Q(),
        {
            "intake": Count("pk"),
            "merged": Count("pk", filter=Q(merged=True)),
            "repeats": Count("pk", filter=Q(merged=True) | Q(repeat=True)),
        },
    ),
    Family(
        "t_accept",
        Q(merged=False),
        {"accepted": Count("pk"), "accepted_resolved": Count("pk", filter=Q(t_resolve__isnull=False))},
    ),
    Family(
        "t_dispatch",
        Q(),
        {
            "dispatched": Count("pk"),
            "responded": Count("pk", filter=Q(t_response__isnull=False)),
            "responded_in_time": Count("pk", filter=Q(t_response__lte=F("t_dispatch") + RESPONSE_LIMIT)),
        },
    ),
    Family("t_judged", Q(excluded=False), {"due": Count("pk"), "on_time": Count("pk", filter=Q(judged_on_time=True))}),
    Family(
        "t_resolve",
        Q(),
        {
            "resolved": Count("pk"),
            "reopened": Count("pk", filter=Q(reopened=True)),
            "timed": Count("pk"),
            "handling_seconds": Sum("handling_seconds"),
            "working_seconds": Sum("working_seconds"),
        },
    ),
    Family(
        "at",
        Q(),
        {
            "rated": Count("pk"),
            "satisfied": Count("pk", filter=Q(rating=Rating.SATISFIED)),
            "basically_satisfied": Count("pk", filter=Q(rating=Rating.BASICALLY_SATISFIED)),
            "unsatisfied": Count("pk", filter=Q(rating=Rating.UNSATISFIED)),
        },
        ratings=True,
    ),
)
# The rollups' count columns (models.MonthCounts), in the families' order.
ROLLUP_SUMS = tuple(name for family in FAMILIES for name in family.counts)
# The family whose cases without a response become due 24 hours after `event` (see _fact_cells).
LIVE_EVENT = "t_dispatch"


def _fact_cells(
    cells: Cells,
    facts: QuerySet,
    ratings: QuerySet,
    *,
    group_by: str,
    spans,
    live_spans,
    months: list[date],
    now: datetime,
) -> None:
    """Every figure family from the case facts (any scope, any grouping, any days) for `spans`;
    for `live_spans` (the rollup's months) only the cases that never responded in 24 hours."""
    for family in FAMILIES:
        counts = family.counts
        where = _within(family.event, spans)
        if family.event == LIVE_EVENT:
            # Due a response without one: the limit has passed (a case still inside its response
            # window does not count against anyone yet). This depends on `now`, so the rollup
            # cannot hold it: for its months these cases alone are counted here (the partial index
            # of unresponded facts).
            unresponded_due = Q(t_response__isnull=True, t_dispatch__lte=now - RESPONSE_LIMIT)
            counts = {**counts, "unresponded_due": Count("pk", filter=unresponded_due)}
            live = _within(family.event, live_spans)
            if live is not None:
                where = (live & unresponded_due) if where is None else where | (live & unresponded_due)
        _grouped(
            cells,
            (ratings if family.ratings else facts).filter(family.which),
            event=family.event,
            group_by=group_by,
            where=where,
            months=months,
            **counts,
        )


def _rollup_cells(cells: Cells, rollup: Rollup, scope: Q, *, group_by: str, months) -> None:
    """The whole months from the rollup, one query grouped by the row key and the month. (The cases
    of those months that never responded within 24 hours depend on `now`: see _fact_cells.)"""
    first, last = months
    rows = rollup.model.objects.filter(scope, month__gte=first, month__lte=last)  # type: ignore[attr-defined]
    names = ["month"]
    if group_by != "month":
        rows = rows.annotate(group_key=rollup.key(group_by))
        names.append("group_key")
    for row in rows.order_by().values(*names).annotate(**{f"n_{name}": Sum(name) for name in ROLLUP_SUMS}):
        month = _key_str(row.pop("month"))
        key = _key_str(row.pop("group_key")) if group_by != "month" else month
        cells.setdefault((key, month), Counter()).update({k[2:]: v or 0 for k, v in row.items()})


def _rows(cells: Cells, index: int, keys: Iterable[str] = ()) -> dict[str, MetricsRow]:
    """MetricsRows from the cells, summed by the row key (index 0) or by the month (index 1)."""
    sums: dict[str, Counter] = {key: Counter() for key in keys}
    for cell_key, counts in cells.items():
        sums.setdefault(cell_key[index], Counter()).update(counts)
    rows = {}
    for key, c in sums.items():
        rows[key] = MetricsRow(
            key=key,
            label=key,
            intake=c["intake"],
            merged=c["merged"],
            repeats=c["repeats"],
            followers=c["followers"],
            accepted=c["accepted"],
            accepted_resolved=c["accepted_resolved"],
            response_due=c["responded"] + c["unresponded_due"],
            responded_in_time=c["responded_in_time"],
            due=c["due"],
            on_time=c["on_time"],
            resolved=c["resolved"],
            reopened=c["reopened"],
            timed=c["timed"],
            hours_sum=c["handling_seconds"] / 3600,
            working_hours_sum=c["working_seconds"] / 3600,
            rated=c["rated"],
            satisfied=c["satisfied"],
            basically_satisfied=c["basically_satisfied"],
            unsatisfied=c["unsatisfied"],
        )
    return rows


def _result(rows: dict[str, MetricsRow], group_by, date_from, date_to, org) -> MetricsResult:
    _label(rows, group_by)
    ordered = _ordered(rows.values(), group_by)
    total = MetricsRow(key="", label=_("Total"))
    for row in ordered:
        total.add(row)
    return MetricsResult(group_by=group_by, date_from=date_from, date_to=date_to, org=org, rows=ordered, total=total)


def case_metrics_with_trend(
    user: User,
    *,
    org: OrgUnit | None = None,
    date_from: date,
    date_to: date,
    group_by: str,
    now: datetime | None = None,
) -> tuple[MetricsResult, MetricsResult]:
    """case_metrics, and the same figures by month (the dashboard's trend), in one pass: every
    query groups by the row key and the month of the event, and Python adds up both ways."""
    if group_by not in GROUP_BY:
        raise ValueError(f"group_by must be one of {GROUP_BY}")
    if date_from > date_to:
        raise ValueError("date_from is after date_to")
    now = now or timezone.now()
    start, end = period_bounds(date_from, date_to)
    facts = CaseFact.objects.filter(_fact_scope(user, org))
    cells: Cells = {}
    spans, live_spans = [(start, end)], []
    rollup = _rollup_scope(user, org, group_by) if ROLLUP_ENABLED else None
    months = _whole_months(date_from, date_to, now) if rollup is not None else None
    if months is not None:
        # Whole months from the rollup; the partial months at either end from the facts.
        whole_start, whole_end = period_bounds(months[0], _next_month(months[1]) - timedelta(days=1))
        spans = [(a, b) for a, b in ((start, whole_start), (whole_end, end)) if a < b]
        live_spans = [(whole_start, whole_end)]
        _rollup_cells(cells, *rollup, group_by=group_by, months=months)  # type: ignore[misc]
    ratings = RatingFact.objects.filter(_fact_scope(user, org))
    months_of_period = months_between(date_from, date_to)
    firsts = [date(int(m[:4]), int(m[5:]), 1) for m in months_of_period]
    _fact_cells(cells, facts, ratings, group_by=group_by, spans=spans, live_spans=live_spans, months=firsts, now=now)
    # Follows (我也关注) by the month they were made, over the followed case's place and unit: a
    # repeat-complaint signal. Read from the follows themselves (few beside the cases; no rollup).
    # Asked first on the follows alone: SQLite drives the join from the cases' place otherwise.
    follows = CaseFollow.objects.filter(created_at__gte=start, created_at__lt=end)
    _grouped(
        cells,
        follows,
        event="created_at",
        group_by=group_by,
        where=_fact_scope(user, org, prefix="case__") if follows.exists() else None,
        months=firsts,
        prefix="case__",
        followers=Count("pk"),
    )

    # Every month of the period gets a row, so a trend line has no holes.
    rows = _rows(cells, 0, months_of_period if group_by == "month" else ())
    result = _result(rows, group_by, date_from, date_to, org)
    if group_by == "month":
        return result, result
    trend = _result(_rows(cells, 1, months_of_period), "month", date_from, date_to, org)
    return result, trend


def case_metrics(
    user: User,
    *,
    org: OrgUnit | None = None,
    date_from: date,
    date_to: date,
    group_by: str,
    now: datetime | None = None,
) -> MetricsResult:
    """Counts and rates per row (grid, community, street, handling unit, category or month) over
    the cases of the user's area or unit (`metric_roots`), optionally within `org`, for the days
    date_from … date_to."""
    result, _trend = case_metrics_with_trend(
        user, org=org, date_from=date_from, date_to=date_to, group_by=group_by, now=now
    )
    return result


def months_between(date_from: date, date_to: date) -> list[str]:
    months = []
    year, month = date_from.year, date_from.month
    while (year, month) <= (date_to.year, date_to.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _label(rows: dict[str, MetricsRow], group_by: str) -> None:
    """Names for the row keys, read in one query."""
    if group_by == "month" or not rows:
        return
    keys = [k for k in rows if k]
    if group_by in CODE_LENGTH:
        names = dict(OrgUnit.objects.filter(code__in=keys).values_list("code", "name"))
        level = {
            "grid": _("not in any grid"),
            "community": _("not in any community"),
            "street": _("not in any street"),
            "district": _("not in any district"),
        }[group_by]
        for key, row in rows.items():
            if not key:
                row.label = _("Unplaced")
            elif len(key) < CODE_LENGTH[group_by]:
                # A case placed only to a coarser level (a community without a grid point).
                row.label = f"{names.get(key, key)} ({level})"
            else:
                row.label = names.get(key, key)
    elif group_by == "department":
        names = dict(OrgUnit.objects.filter(pk__in=keys).values_list("pk", "name"))  # type: ignore[arg-type]
        for key, row in rows.items():
            row.label = names.get(int(key), key) if key else _("No handling unit")  # type: ignore[call-overload]
    else:
        names = dict(Category.objects.filter(pk__in=keys).values_list("pk", "name"))  # type: ignore[arg-type]
        for key, row in rows.items():
            row.label = names.get(int(key), key) if key else _("Uncategorised")  # type: ignore[call-overload]


def _ordered(rows: Iterable[MetricsRow], group_by: str) -> list[MetricsRow]:
    if group_by == "month" or group_by in CODE_LENGTH:
        # Months chronologically; places in tree order (codes sort as the tree does).
        return sorted(rows, key=lambda r: (r.key == "", r.key))
    return sorted(rows, key=lambda r: (r.key == "", r.label))
