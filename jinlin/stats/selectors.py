"""The metrics of the closed loop (CASE-11), computed from the case timeline.

docs/metrics.md is the specification: every figure here is defined there in words, with the
anchors it follows (数字城管 按期结案率, Beijing 接诉即办 响应率·解决率·满意率). Change both together.

How it is computed. Each metric counts cases (or rating entries) whose *own* event falls in the
period: intake by the time a case was submitted, 办结率 by the time it was accepted, 响应率 by its
first dispatch, 按期办结率 by the moment its time limit was decided, 返工率 and the handling time
by its first resolution, 满意率 by the rating. Every family of metrics is one aggregate query
(COUNT … FILTER, i.e. conditional aggregation, grouped by the row key) over the cases the user
may see (`cases_visible_to`), with the times of the timeline events as correlated subqueries.
So a call costs the same handful of queries whatever the number of cases or rows — never a
query per row. The per-case working hours are the one thing SQL cannot do (they need the working
calendar); they are computed in Python from one query's (accepted, resolved) pairs.

The rollup tables of the scale issue will replace the live subqueries; see docs/metrics.md.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.cases import rules
from jinlin.cases.machine import Status
from jinlin.cases.models import Case as CaseModel
from jinlin.cases.models import Category, Rating, TimelineEntry
from jinlin.cases.selectors import cases_visible_to
from jinlin.core.models import OrgKind, OrgUnit, Role, User
from jinlin.core.scope import active_assignments
from jinlin.core.workcalendar import working_time_between

GROUP_BY = ("grid", "community", "street", "department", "category", "month")
# The code-prefix rule (core/models.py): district 6 digits, street 9, community 12, grid 15.
CODE_LENGTH = {"street": 9, "community": 12, "grid": 15}
PLACE_LEVEL = {"street": OrgKind.STREET, "community": OrgKind.COMMUNITY, "grid": OrgKind.GRID}

# 响应率: the handling unit must respond (接单 or 退单) within this time of the first dispatch.
RESPONSE_LIMIT = timedelta(hours=24)
# 重复投诉率: a second report by the same person about the same category in the same community
# within this window counts as a repeat.
REPEAT_WINDOW = timedelta(days=30)
# A longer period is a job for the rollups (scale issue), not for a live query.
MAX_SPAN_DAYS = 3 * 366

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
    roots = []
    for assignment in active_assignments(user):
        if assignment.role not in METRICS_ROLES:
            continue
        org = assignment.org
        if org.is_place() or assignment.role in rules.AREA_WIDE_ROLES:
            roots.append(rules.area_code(org))
        else:
            roots.append(org.code)
    return roots


def _roots_q(roots: Iterable[str]) -> Q:
    q = Q(pk__in=[])
    for root in roots:
        q |= Q(code__startswith=root)
    return q


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


def _org_q(org: OrgUnit) -> Q:
    # A place stands for the cases that happened there; a unit that is not a place (a department,
    # a police station) for the cases it handles (owns now, or owned last when they finished).
    if org.is_place():
        return Q(scope_code__startswith=org.code)
    return Q(owner_unit__code__startswith=org.code)


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


def _first(actions: Iterable[str]) -> Subquery:
    """The time of a case's first timeline entry with one of these actions."""
    entries = TimelineEntry.objects.filter(case=OuterRef("pk"), action__in=list(actions)).order_by("at", "pk")
    return Subquery(entries.values("at")[:1], output_field=DateTimeField())


def _with_facts(cases: QuerySet) -> QuerySet:
    """The cases with the timeline facts the metrics need. Only the facts a query uses end up in
    its SQL (values() masks the rest)."""
    on_time = Q(t_resolve__isnull=False) & (Q(t_overdue__isnull=True) | Q(t_resolve__lt=F("t_overdue")))
    earlier_report = CaseModel.objects.filter(
        reporter=OuterRef("reporter"),
        category=OuterRef("category"),
        community=OuterRef("community"),
        created_at__lt=OuterRef("created_at"),
        created_at__gte=OuterRef("created_at") - REPEAT_WINDOW,
    )
    return cases.annotate(
        t_accept=_first(["accept"]),
        t_dispatch=_first(["dispatch"]),
        t_response=_first(RESPONSE_ACTIONS),
        t_resolve=_first(["resolve"]),
        t_overdue=_first(["overdue"]),
        was_merged=Exists(TimelineEntry.objects.filter(case=OuterRef("pk"), action="merge")),
        was_reopened=Exists(TimelineEntry.objects.filter(case=OuterRef("pk"), to_status=Status.REOPENED)),
        is_repeat=Exists(earlier_report),
    ).annotate(
        # 按期办结率: a case's time limit is decided when it is first resolved before ever running
        # over (on time), or when it first runs over (late) — 应结案数 counts it in that period.
        judged_on_time=Case(When(on_time, then=Value(True)), default=Value(False), output_field=BooleanField()),
        t_judged=Case(When(on_time, then=F("t_resolve")), default=F("t_overdue"), output_field=DateTimeField()),
    )


def _key(group_by: str, event: str, prefix: str = ""):
    if group_by == "month":
        return TruncMonth(event, tzinfo=timezone.get_default_timezone())
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
    return str(value)


def _grouped(qs: QuerySet, *, event: str, group_by: str, start, end, prefix: str = "", **counts) -> dict:
    """{row key: {count name: n}} for the rows of `qs` whose `event` falls in [start, end)."""
    rows = (
        qs.filter(**{f"{event}__gte": start, f"{event}__lt": end})
        .annotate(group_key=_key(group_by, event, prefix))
        .order_by()
        .values("group_key")
        .annotate(**counts)
    )
    return {_key_str(r.pop("group_key")): r for r in rows}


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
    the cases `user` may see, optionally within `org`, for the days date_from … date_to."""
    if group_by not in GROUP_BY:
        raise ValueError(f"group_by must be one of {GROUP_BY}")
    if date_from > date_to:
        raise ValueError("date_from is after date_to")
    start, end = period_bounds(date_from, date_to)
    now = now or timezone.now()
    cases = cases_visible_to(user)
    if org is not None:
        cases = cases.filter(_org_q(org))
    facts = _with_facts(cases)
    span = {"group_by": group_by, "start": start, "end": end}

    families = [
        _grouped(
            facts,
            event="created_at",  # = the time of the case's `submit` entry (written together)
            intake=Count("pk"),
            merged=Count("pk", filter=Q(was_merged=True)),
            repeats=Count("pk", filter=Q(was_merged=True) | Q(is_repeat=True)),
            **span,
        ),
        _grouped(
            facts.filter(was_merged=False),
            event="t_accept",
            accepted=Count("pk"),
            accepted_resolved=Count("pk", filter=Q(t_resolve__isnull=False)),
            **span,
        ),
        _grouped(
            # Due a response: responded, or the limit has passed (a case still inside its
            # response window does not count against anyone yet).
            facts.filter(Q(t_response__isnull=False) | Q(t_dispatch__lte=now - RESPONSE_LIMIT)),
            event="t_dispatch",
            response_due=Count("pk"),
            responded_in_time=Count("pk", filter=Q(t_response__lte=F("t_dispatch") + RESPONSE_LIMIT)),
            **span,
        ),
        _grouped(
            facts.exclude(status__in=[Status.REJECTED, Status.MERGED]),
            event="t_judged",
            due=Count("pk"),
            on_time=Count("pk", filter=Q(judged_on_time=True)),
            **span,
        ),
        _grouped(
            facts,
            event="t_resolve",
            resolved=Count("pk"),
            reopened=Count("pk", filter=Q(was_reopened=True)),
            **span,
        ),
        _grouped(
            TimelineEntry.objects.filter(case__in=cases.values("pk"), action__in=RATING_ACTIONS),
            event="at",
            prefix="case__",
            rated=Count("pk"),
            satisfied=Count("pk", filter=Q(data__rating=Rating.SATISFIED)),
            basically_satisfied=Count("pk", filter=Q(data__rating=Rating.BASICALLY_SATISFIED)),
            unsatisfied=Count("pk", filter=Q(data__rating=Rating.UNSATISFIED)),
            **span,
        ),
    ]

    rows: dict[str, MetricsRow] = {}
    if group_by == "month":
        # Every month of the period gets a row, so a trend line has no holes.
        for month in months_between(date_from, date_to):
            rows[month] = MetricsRow(key=month, label=month)
    for family in families:
        for key, counts in family.items():
            row = rows.setdefault(key, MetricsRow(key=key, label=key))
            for name, value in counts.items():
                setattr(row, name, value)

    # 平均办理时长: accepted → first resolved, in natural and in working hours (the calendar).
    timed = (
        facts.filter(t_resolve__gte=start, t_resolve__lt=end)
        .annotate(group_key=_key(group_by, "t_resolve"))
        .order_by()
        .values_list("group_key", "t_accept", "created_at", "t_resolve")
    )
    for key, accepted_at, created_at, resolved_at in timed:
        began = accepted_at or created_at
        row = rows.setdefault(_key_str(key), MetricsRow(key=_key_str(key), label=_key_str(key)))
        row.timed += 1
        row.hours_sum += (resolved_at - began) / timedelta(hours=1)
        row.working_hours_sum += working_time_between(began, resolved_at) / timedelta(hours=1)

    _label(rows, group_by)
    ordered = _ordered(rows.values(), group_by)
    total = MetricsRow(key="", label=_("Total"))
    for row in ordered:
        total.add(row)
    return MetricsResult(group_by=group_by, date_from=date_from, date_to=date_to, org=org, rows=ordered, total=total)


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
        names = dict(OrgUnit.objects.filter(pk__in=keys).values_list("pk", "name"))
        for key, row in rows.items():
            row.label = names.get(int(key), key) if key else _("No handling unit")
    else:
        names = dict(Category.objects.filter(pk__in=keys).values_list("pk", "name"))
        for key, row in rows.items():
            row.label = names.get(int(key), key) if key else _("Uncategorised")


def _ordered(rows: Iterable[MetricsRow], group_by: str) -> list[MetricsRow]:
    if group_by == "month" or group_by in CODE_LENGTH:
        # Months chronologically; places in tree order (codes sort as the tree does).
        return sorted(rows, key=lambda r: (r.key == "", r.key))
    return sorted(rows, key=lambda r: (r.key == "", r.label))
