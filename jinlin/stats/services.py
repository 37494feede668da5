"""The refresh of the metrics' tables (CaseFact, AreaMonth, StreetMonth) from the case timeline.

`metrics_refresh` is run every minute by the task worker (tasks.py) and by `jinlin stats_refresh`.
It reads the timeline entries above a stored id watermark, recomputes the facts of the cases they
belong to, and rewrites the rollup rows of the (month, community) pairs those cases touch, before
and after, then the street rollup rows of their (month, street) pairs from those. Everything it
writes is a function of the timeline alone, so it is safe to run again, to run twice at once
(the chunks take a lock on the state row) and to rebuild from scratch (`full=True`, also the
backfill of an existing database). docs/metrics.md is the specification.
"""

import time as clock
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone

from jinlin.cases.machine import Status
from jinlin.cases.models import Case, TimelineEntry
from jinlin.core.db import insert_instances
from jinlin.core.scope import prefix_q
from jinlin.core.workcalendar import FastCalendar, working_time_between

from .models import AreaMonth, CaseFact, RatingFact, RefreshState, StreetMonth
from .selectors import CODE_LENGTH, FAMILIES, RATING_ACTIONS, REPEAT_WINDOW, RESPONSE_ACTIONS, ROLLUP_SUMS

# Cases per transaction: large enough that a full rebuild is a few hundred round trips for a
# city, small enough that a chunk holds its locks for about a second.
CHUNK = 5000
# A timeline entry's id is taken when it is inserted, but others see it only when its transaction
# commits; the watermark stays this far behind so an entry committed late is not skipped.
COMMIT_MARGIN = timedelta(seconds=60)
COMMUNITY_LENGTH = CODE_LENGTH["community"]
STREET_LENGTH = CODE_LENGTH["street"]
EXCLUDED = (Status.REJECTED, Status.MERGED)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def _tz():
    return timezone.get_default_timezone()


def month_of(moment: datetime) -> date:
    return timezone.localtime(moment, _tz()).date().replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[start, end) of a calendar month in the platform's time zone."""
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return datetime.combine(month, time.min, tzinfo=_tz()), datetime.combine(following, time.min, tzinfo=_tz())


# ---------------------------------------------------------------- working time


class _WorkingClock:
    """Working time between two moments, in whole seconds, by bisection over the working periods of
    a span of days (core.workcalendar.FastCalendar, which reads them from the working calendar); moments
    outside the span fall back to workcalendar.working_time_between, which gives the same answer
    walking day by day (too slow for two million cases)."""

    def __init__(self, first: date, last: date):
        self.calendar = FastCalendar(first, last)
        self.low = self._us(datetime.combine(first, time.min, tzinfo=_tz()))
        self.high = self._us(datetime.combine(last + timedelta(days=1), time.min, tzinfo=_tz()))

    @staticmethod
    def _us(moment: datetime) -> int:
        return (moment - _EPOCH) // _US

    def _worked(self, at: int) -> int:
        """Working µs of the span before `at`: the periods ended by then, and the part of the next."""
        cal = self.calendar
        i = bisect_right(cal.ends, at)
        done = cal.cum[i]
        if i < len(cal.begins) and cal.begins[i] < at:
            done += at - cal.begins[i]
        return done

    def seconds(self, a: datetime, b: datetime) -> int:
        ua, ub = self._us(a), self._us(b)
        if self.low <= min(ua, ub) and max(ua, ub) < self.high:
            elapsed = self._worked(ub) - self._worked(ua)
        else:
            elapsed = working_time_between(a, b) // _US
        return _whole_seconds(elapsed)


def _whole_seconds(us: int) -> int:
    return (us + 500_000) // 1_000_000


# ---------------------------------------------------------------- facts


def _computed_facts(cases, entries: Q, clock_for=None) -> list[CaseFact]:
    """The facts of the cases of queryset `cases`, whose timeline entries `entries` selects: two
    queries (the cases with the repeat check, the timeline aggregated per case) and Python."""
    rows = list(
        cases.order_by().values_list(
            "pk", "scope_code", "owner_unit_id", "category_id", "status", "created_at", "reporter_id", "community_id"
        )
    )
    if not rows:
        return []
    repeats = _repeats(rows)
    times = {
        t["case_id"]: t
        for t in TimelineEntry.objects.filter(entries)
        .order_by()
        .values("case_id")
        .annotate(
            t_accept=Min("at", filter=Q(action="accept")),
            t_dispatch=Min("at", filter=Q(action="dispatch")),
            t_response=Min("at", filter=Q(action__in=RESPONSE_ACTIONS)),
            t_resolve=Min("at", filter=Q(action="resolve")),
            t_overdue=Min("at", filter=Q(action="overdue")),
            merges=Count("pk", filter=Q(action="merge")),
            reopens=Count("pk", filter=Q(to_status=Status.REOPENED)),
        )
    }
    if clock_for is None:
        first = min(row[5] for row in rows)
        resolved = [t["t_resolve"] for t in times.values() if t["t_resolve"]]
        last = max(resolved) if resolved else first
        clock_for = _WorkingClock(
            timezone.localtime(first, _tz()).date(), timezone.localtime(last, _tz()).date() + timedelta(days=1)
        )
    facts = []
    for pk, scope_code, owner_unit_id, category_id, status, created_at, _reporter, _community in rows:
        t = times.get(pk) or {}
        t_resolve, t_overdue = t.get("t_resolve"), t.get("t_overdue")
        on_time = t_resolve is not None and (t_overdue is None or t_resolve < t_overdue)
        fact = CaseFact(
            case_id=pk,
            scope_code=scope_code,
            community_code=scope_code[:COMMUNITY_LENGTH],
            owner_unit_id=owner_unit_id,
            category_id=category_id,
            excluded=status in EXCLUDED,
            created_at=created_at,
            t_accept=t.get("t_accept"),
            t_dispatch=t.get("t_dispatch"),
            t_response=t.get("t_response"),
            t_resolve=t_resolve,
            t_overdue=t_overdue,
            t_judged=t_resolve if on_time else t_overdue,
            judged_on_time=on_time,
            merged=bool(t.get("merges")),
            reopened=bool(t.get("reopens")),
            repeat=pk in repeats,
        )
        if t_resolve is not None:
            # From acceptance (or intake, if never accepted) to the first resolution.
            began = fact.t_accept or created_at
            fact.handling_seconds = _whole_seconds((t_resolve - began) // _US)
            fact.working_seconds = clock_for.seconds(began, t_resolve)
        facts.append(fact)
    return facts


def _rating_facts(facts: list[CaseFact], entries: Q) -> list[RatingFact]:
    """The rating entries that `entries` selects, with the dimensions of their case's fact."""
    by_case = {fact.case_id: fact for fact in facts}
    rows = (
        TimelineEntry.objects.filter(entries, action__in=RATING_ACTIONS)
        .order_by()
        .values_list("pk", "case_id", "at", "data__rating")
    )
    ratings = []
    for pk, case_id, at, rating in rows:
        fact = by_case.get(case_id)
        if fact is None:
            continue
        ratings.append(
            RatingFact(
                entry_id=pk,
                case_id=case_id,
                at=at,
                rating=rating or "",
                scope_code=fact.scope_code,
                community_code=fact.community_code,
                owner_unit_id=fact.owner_unit_id,
                category_id=fact.category_id,
            )
        )
    return ratings


def _repeats(rows) -> set[int]:
    """The cases (rows of _computed_facts) whose reporter had reported a case of the same category
    in the same community in the REPEAT_WINDOW before: one query for the reporters' cases in the
    window around the rows, then a bisection per case (an EXISTS per case walked the reporter
    index of grid workers with thousands of reports, for every case)."""
    wanted = [r for r in rows if r[6] is not None and r[3] is not None and r[7] is not None]
    if not wanted:
        return set()
    earlier = (
        Case.objects.filter(
            reporter_id__in={r[6] for r in wanted},
            created_at__gte=min(r[5] for r in wanted) - REPEAT_WINDOW,
            created_at__lt=max(r[5] for r in wanted),
            category__isnull=False,
            community__isnull=False,
        )
        .order_by()
        .values_list("reporter_id", "category_id", "community_id", "created_at")
    )
    times = defaultdict(list)
    for reporter_id, category_id, community_id, created_at in earlier:
        times[reporter_id, category_id, community_id].append(created_at)
    for moments in times.values():
        moments.sort()
    repeats = set()
    for pk, _scope, _owner, category_id, _status, created_at, reporter_id, community_id in wanted:
        moments = times.get((reporter_id, category_id, community_id))  # type: ignore[assignment]
        if moments:
            # The last report strictly before this one, if within the window.
            i = bisect_left(moments, created_at)
            if i and moments[i - 1] >= created_at - REPEAT_WINDOW:
                repeats.add(pk)
    return repeats


EVENT_FIELDS = ("created_at", "t_accept", "t_dispatch", "t_judged", "t_resolve")


def _pairs_of(facts: Iterable) -> set[tuple[date, str]]:
    """The (month, community) rollup rows that the events of these facts fall in."""
    pairs = set()
    for fact in facts:
        for name in EVENT_FIELDS:
            moment = getattr(fact, name) if not isinstance(fact, dict) else fact[name]
            if moment is not None:
                community = fact.community_code if not isinstance(fact, dict) else fact["community_code"]
                pairs.add((month_of(moment), community))
    return pairs


def _later_reports(cases: list[dict], known: set[int]) -> set[int]:
    """Cases whose repeat flag may change because these cases are new or changed category or
    community: the same reporter's later reports within REPEAT_WINDOW."""
    cases = [c for c in cases if c["reporter_id"]]
    if not cases:
        return set()
    by_reporter = defaultdict(list)
    for c in cases:
        by_reporter[c["reporter_id"]].append(c["created_at"])
    later = Case.objects.filter(
        reporter_id__in=list(by_reporter),
        created_at__gt=min(c["created_at"] for c in cases),
        created_at__lte=max(c["created_at"] for c in cases) + REPEAT_WINDOW,
    ).values_list("pk", "reporter_id", "created_at")
    extra = set()
    for pk, reporter_id, created_at in later:
        if pk not in known and any(t < created_at <= t + REPEAT_WINDOW for t in by_reporter[reporter_id]):
            extra.add(pk)
    return extra


def _old_facts(ids) -> dict[int, dict]:
    fields = ("case_id", "community_code", "category_id", *EVENT_FIELDS)
    return {f["case_id"]: f for f in CaseFact.objects.filter(case_id__in=ids).values(*fields)}


def _refresh_cases(ids: list[int]) -> tuple[int, int]:
    """Recompute the facts of these cases and the rollup rows their old and new facts touch.
    Call inside a transaction. Returns (facts written, rollup rows written)."""
    ids = set(ids)  # type: ignore[assignment]
    old = _old_facts(ids)
    # A new case, or one whose category or place changed (受理 may correct the category), can
    # make the same reporter's later reports repeats or not: recompute those too.
    current = Case.objects.filter(pk__in=ids).values("pk", "reporter_id", "category_id", "scope_code", "created_at")
    changed = [
        c
        for c in current
        if c["pk"] not in old
        or (old[c["pk"]]["category_id"], old[c["pk"]]["community_code"])
        != (c["category_id"], c["scope_code"][:COMMUNITY_LENGTH])
    ]
    extra = _later_reports(changed, ids)  # type: ignore[arg-type]
    if extra:
        ids |= extra  # type: ignore[operator]
        old.update(_old_facts(extra))
    facts = _computed_facts(Case.objects.filter(pk__in=ids), Q(case_id__in=ids))
    ratings = _rating_facts(facts, Q(case_id__in=ids))
    pairs = _pairs_of(old.values()) | _pairs_of(facts)
    # Ratings count in the month of the rating, in the case's community before and after.
    old_ratings = RatingFact.objects.filter(case_id__in=ids).values_list("at", "community_code")
    pairs |= {(month_of(at), community) for at, community in old_ratings}
    pairs |= {(month_of(r.at), r.community_code) for r in ratings}
    CaseFact.objects.filter(case_id__in=ids).delete()
    insert_instances(CaseFact, facts)
    RatingFact.objects.filter(case_id__in=ids).delete()
    insert_instances(RatingFact, ratings)
    return len(facts), _rollup(pairs)


# ---------------------------------------------------------------- the rollup


def _pairs_q(pairs: set[tuple[date, str]] | None, event: str, community: str) -> Q:
    """The rows whose `event` falls in one of the pairs' months, in that pair's community."""
    if pairs is None:
        return Q(**{f"{event}__isnull": False})
    by_month = defaultdict(set)
    for month, code in pairs:
        by_month[month].add(code)
    q = Q(pk__in=[])
    for month, codes in by_month.items():
        start, end = month_bounds(month)
        q |= Q(**{f"{event}__gte": start, f"{event}__lt": end, f"{community}__in": sorted(codes)})
    return q


def _rollup(pairs: set[tuple[date, str]] | None) -> int:
    """Rewrite the AreaMonth rows of these (month, community) pairs (None: all of them) from the
    facts and the rating entries. Call inside a transaction. Returns the number of rows written."""
    if pairs is not None and not pairs:
        return 0
    cells: dict[tuple, dict] = defaultdict(dict)

    def add(rows, month_key, community_key, category_key):
        for row in rows:
            key = (
                timezone.localtime(row.pop(month_key), _tz()).date(),
                row.pop(community_key),
                row.pop(category_key),
            )
            cells[key].update({name[2:]: value or 0 for name, value in row.items()})

    for family in FAMILIES:
        rows = (
            (RatingFact if family.ratings else CaseFact)
            .objects.filter(family.which, _pairs_q(pairs, family.event, "community_code"))
            .annotate(m=TruncMonth(family.event, tzinfo=_tz()))
            .order_by()
            .values("m", "community_code", "category_id")
            # Named n_… in SQL: some counts share a name with the column they count (merged).
            .annotate(**{f"n_{name}": value for name, value in family.counts.items()})
        )
        add(rows, "m", "community_code", "category_id")
    if pairs is None:
        AreaMonth.objects.all().delete()
    else:
        AreaMonth.objects.filter(_pairs_q(pairs, "month", "community_code")).delete()
    insert_instances(
        AreaMonth,
        [
            AreaMonth(month=month, community_code=community, category_id=category, **counts)
            for (month, community, category), counts in cells.items()
        ],
    )
    streets = None if pairs is None else {(month, community[:STREET_LENGTH]) for month, community in pairs}
    return len(cells) + _street_rollup(streets)


def _street_rollup(pairs: set[tuple[date, str]] | None) -> int:
    """Rewrite the StreetMonth rows of these (month, street code) pairs (None: all of them) by
    summing their AreaMonth rows (a street-month is a few hundred of them). Call inside a
    transaction, after AreaMonth. Returns the number of rows written."""
    rows = AreaMonth.objects.annotate(street=Substr("community_code", 1, STREET_LENGTH))
    if pairs is not None:
        by_month = defaultdict(set)
        for month, street in pairs:
            by_month[month].add(street)
        q = Q(pk__in=[])
        for month, streets in by_month.items():
            # The prefixes find the rows by the (community, month) index; the exact street keeps
            # a district-only code ("350102") from taking in its district's streets.
            q |= Q(month=month, street__in=sorted(streets)) & prefix_q("community_code", streets)
        rows = rows.filter(q)
    sums = (
        rows.order_by()
        .values("month", "street", "category_id")
        .annotate(**{f"n_{name}": Sum(name) for name in ROLLUP_SUMS})
    )
    written = [
        StreetMonth(
            month=row.pop("month"),  # type: ignore[misc]
            street_code=row.pop("street"),  # type: ignore[misc]
            category_id=row.pop("category_id"),  # type: ignore[misc]
            **{name[2:]: value or 0 for name, value in row.items()},
        )
        for row in sums
    ]
    if pairs is None:
        StreetMonth.objects.all().delete()
    else:
        StreetMonth.objects.filter(_pairs_q(pairs, "month", "street_code")).delete()
    insert_instances(StreetMonth, written)
    return len(written)


# ---------------------------------------------------------------- the refresh


def _locked_state() -> RefreshState:
    RefreshState.objects.get_or_create(pk=1)
    return RefreshState.objects.select_for_update().get(pk=1)


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def metrics_refresh(*, now: datetime | None = None, full: bool = False) -> dict:
    """Bring CaseFact and the rollups up to date with the timeline; returns counts and seconds.

    Incremental: the cases of the timeline entries with id above the safe watermark are
    recomputed, CHUNK cases per transaction. `full`: every case, in chunks by case id, then the
    whole rollup (also the backfill of an existing database)."""
    started = clock.monotonic()
    now = now or timezone.now()
    RefreshState.objects.get_or_create(pk=1)
    state = RefreshState.objects.get(pk=1)
    top = TimelineEntry.objects.aggregate(top=Max("pk"))["top"] or 0
    facts = rollup_rows = chunks = 0
    if full:
        facts, chunks = _rebuild_facts()
        with transaction.atomic():
            _locked_state()
            rollup_rows = _rollup(None)
        _cluster_by_place()
        _analyze(CaseFact, RatingFact, AreaMonth, StreetMonth)
    else:
        touched = sorted(
            set(TimelineEntry.objects.filter(pk__gt=state.safe_id).order_by().values_list("case_id", flat=True))
        )
        for chunk in _chunks(touched, CHUNK):
            with transaction.atomic():
                _locked_state()
                written, rows = _refresh_cases(chunk)
            facts += written
            rollup_rows += rows
            chunks += 1
    with transaction.atomic():
        state = _locked_state()
        if full:
            # Everything up to `top` was read from scratch (entries of transactions still open
            # when a full rebuild starts are the one thing it can miss: run it when writes are
            # quiet, as at the end of a seed or before the worker starts).
            state.safe_id, state.seen_id, state.seen_at, state.full_at = top, top, now, now
        elif state.seen_at is None or now - state.seen_at >= COMMIT_MARGIN:
            # What an earlier refresh saw at least a minute ago has committed by now.
            if state.seen_at is not None:
                state.safe_id = max(state.safe_id, state.seen_id)
            state.seen_id, state.seen_at = top, now
        state.refreshed_at = now
        state.save()
    return {
        "full": full,
        "cases": facts,
        "chunks": chunks,
        "rollup_rows": rollup_rows,
        "safe_id": state.safe_id,
        "seconds": round(clock.monotonic() - started, 3),
    }


def _cluster_by_place() -> None:
    """PostgreSQL: rewrite the facts in the order of their place code. A community's facts then lie
    in a few hundred pages instead of one row in every page (case ids follow time, not place), so
    a community's figures read a few pages (docs/performance.md §8). The refresh appends
    the cases it rewrites at the end, so the recent weeks scatter again until the next full run.
    CLUSTER locks the table while it runs (seconds; about a minute for a city)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        # Only on its own: inside a caller's transaction (a test) the facts just written have
        # pending foreign-key checks, which CLUSTER refuses, and the lock would last to the commit.
        return
    with connection.cursor() as cursor:
        for model, index in ((CaseFact, "fact_scope"), (RatingFact, "rating_fact_scope")):
            # No ORM expression for CLUSTER.
            cursor.execute(f"CLUSTER {connection.ops.quote_name(model._meta.db_table)} USING {index}")


def _analyze(*models) -> None:
    """Fresh planner statistics after a rebuild: every row was replaced, and a planner that still
    believes the tables empty picks plans for empty tables."""
    with connection.cursor() as cursor:
        for model in models:
            # No ORM expression for ANALYZE; both SQLite and PostgreSQL accept `ANALYZE table`.
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _rebuild_facts() -> tuple[int, int]:
    """Every case's facts, in chunks of consecutive ids (each chunk reads its timeline by the
    (case, at) index as one range). Returns (facts written, chunks)."""
    bounds = Case.objects.aggregate(low=Min("pk"), high=Max("pk"), first=Min("created_at"))
    if bounds["low"] is None:
        CaseFact.objects.all().delete()
        RatingFact.objects.all().delete()
        return 0, 0
    # One working calendar for every case: from the first intake to a year from today.
    clock_for = _WorkingClock(
        timezone.localtime(bounds["first"], _tz()).date(), timezone.localdate() + timedelta(days=366)
    )
    written = chunks = 0
    with transaction.atomic():
        _locked_state()
        CaseFact.objects.filter(case_id__lt=bounds["low"]).delete()
        RatingFact.objects.filter(case_id__lt=bounds["low"]).delete()
    for low in range(bounds["low"], bounds["high"] + 1, CHUNK):
        high = low + CHUNK
        with transaction.atomic():
            _locked_state()
            in_chunk = Q(case_id__gte=low, case_id__lt=high)
            facts = _computed_facts(Case.objects.filter(pk__gte=low, pk__lt=high), in_chunk, clock_for)
            CaseFact.objects.filter(in_chunk).delete()
            insert_instances(CaseFact, facts)
            RatingFact.objects.filter(in_chunk).delete()
            insert_instances(RatingFact, _rating_facts(facts, in_chunk))
        written += len(facts)
        chunks += 1
    return written, chunks
