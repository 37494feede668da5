"""Time limits (CASE-3): which policy applies to a case, and when it is due and urged.

The limit comes from the SlaPolicy table (category × tier, editable in admin), falling back to
the category's parent, then to the tier's default row, then to Beijing's ordinary limit of 7
working days. Working time is counted by the platform's working calendar (core.workcalendar).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from jinlin.core.workcalendar import WORKING_DAY, FastCalendar, add_working_time, timedelta_us

from .cache import TableCache
from .models import Category, LimitUnit, SlaPolicy, Tier

# RATING_WINDOW: how long a resident has to rate a resolved case before it closes unrated (CASE-8).
RATING_WINDOW = timedelta(days=7)
# How long a unit named in a whistle (吹哨) has to report in (报到), in natural hours.
REPORT_IN_HOURS = 24


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str
    urge_before_hours: int | None = None
    urge_before_fraction: float = 0.25


DEFAULT_LIMIT = Limit(amount=7, unit=LimitUnit.WORKING_DAYS)
# An emergency without a policy row is still due in hours (早发现、早核实、早拦截、早打击), never in 7 days.
EMERGENCY_LIMIT = Limit(amount=2, unit=LimitUnit.NATURAL_HOURS, urge_before_hours=1)


def _as_limit(policy: SlaPolicy) -> Limit:
    return Limit(policy.limit_amount, policy.limit_unit, policy.urge_before_hours, policy.urge_before_fraction)


class PolicyBook:
    """All policies read once; the sweeper looks up thousands of cases with one query."""

    def __init__(self):
        self.policies = {(p.category_id, p.tier): _as_limit(p) for p in SlaPolicy.objects.all()}
        self.parents = dict(Category.objects.values_list("id", "parent_id"))

    def limit(self, category_id: int | None, tier: str) -> Limit:
        seen = set()
        while category_id is not None and category_id not in seen:
            seen.add(category_id)
            if (category_id, tier) in self.policies:
                return self.policies[(category_id, tier)]
            category_id = self.parents.get(category_id)
        return self.policies.get((None, tier), EMERGENCY_LIMIT if tier == Tier.EMERGENCY else DEFAULT_LIMIT)


# Read by every intake and every sweep; dropped when a policy or a category changes.
_books = TableCache("sla_policies", PolicyBook, SlaPolicy, Category)


def policy_book() -> PolicyBook:
    return _books.get()


def limit_for(category_id: int | None, tier: str) -> Limit:
    return policy_book().limit(category_id, tier)


def deadlines(start: datetime, limit: Limit) -> tuple[datetime, datetime]:
    """(due_at, urge_at) for a limit counted from `start`."""
    if limit.unit == LimitUnit.NATURAL_HOURS:
        due = add_working_time(start, hours=limit.amount, natural=True)
    else:
        due = add_working_time(start, days=limit.amount)
    if limit.urge_before_hours is not None:
        urge = due - timedelta(hours=limit.urge_before_hours)
    elif limit.unit == LimitUnit.NATURAL_HOURS:
        urge = due - (due - start) * limit.urge_before_fraction
    else:
        # Counted in working time too, so a 7-day case is urged on a working day, not at midnight.
        elapsed = WORKING_DAY * limit.amount * (1 - limit.urge_before_fraction)
        urge = add_working_time(start, hours=elapsed.total_seconds() / 3600)
    return due, max(urge, start)


class SlaCalendar(FastCalendar):
    """`deadlines` over a fixed span of days on integer µs, for the scale seed's millions of cases
    (core.workcalendar.FastCalendar; a test compares the answers with `deadlines`)."""

    def deadlines(self, start: int, limit: Limit) -> tuple[int, int]:
        """(due, urge) as `deadlines` computes them, in µs."""
        natural = limit.unit == LimitUnit.NATURAL_HOURS
        if natural:
            due = start + timedelta_us(timedelta(hours=float(limit.amount)))
        else:
            due = self.add(start, timedelta_us(WORKING_DAY * float(limit.amount)))
        if limit.urge_before_hours is not None:
            urge = due - timedelta_us(timedelta(hours=limit.urge_before_hours))
        elif natural:
            urge = due - timedelta_us(timedelta(microseconds=due - start) * limit.urge_before_fraction)
        else:
            elapsed = WORKING_DAY * limit.amount * (1 - limit.urge_before_fraction)
            urge = self.add(start, timedelta_us(timedelta(hours=elapsed.total_seconds() / 3600)))
        return due, max(urge, start)


def next_tier(tier: str) -> str:
    order: list[Tier] = [t for t in Tier if t != Tier.EMERGENCY]  # an emergency is opened as one, never raised to
    if tier == Tier.EMERGENCY:
        return tier
    return order[min(order.index(Tier(tier)) + 1, len(order) - 1)]


# A case is 提级催办 (its tier raised) from the second time it runs over its limit.
RAISE_TIER_FROM_OVERDUE = 2


def tier_after_overdue(tier: str, overdue_count: int) -> str:
    """The tier of a case that has just run over its limit for the `overdue_count`-th time: the
    second overdue raises it one step (提级催办), up to the hardest tier."""
    if overdue_count >= RAISE_TIER_FROM_OVERDUE and tier not in (Tier.HARD, Tier.EMERGENCY):
        return next_tier(tier)
    return tier


def report_in_due(start: datetime) -> datetime:
    return add_working_time(start, hours=REPORT_IN_HOURS, natural=True)
