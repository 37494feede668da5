"""The metrics' own tables: one row of timeline facts per case, and monthly rollups per community
(and per street) and category. All are derived from the case timeline by `services.metrics_refresh`
and can be rebuilt from it at any time (`jinlin stats_refresh --full`); docs/metrics.md is the specification.

Why they exist: deriving the facts from the timeline on every dashboard load costs six
correlated subqueries per case, which at city scale (two million cases) does not finish. The
facts change only when a case's timeline does, so they are kept, and the dashboard reads them.
"""

from django.db import models
from django.db.models import Q


class CaseFact(models.Model):
    """The timeline facts of one case (docs/metrics.md, "Timeline facts per case"), with the case's
    dimensions as they were at the last refresh. Times are the first matching timeline entry."""

    case = models.OneToOneField("cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="fact")
    # Dimensions, copied from the case: the rollup and every filter of the dashboard use these.
    scope_code = models.CharField(max_length=40)
    # The first 12 characters of scope_code (shorter for a case placed only to a street): the
    # community key of the monthly rollup, kept so the refresh can select by it with IN.
    community_code = models.CharField(max_length=12)
    owner_unit = models.ForeignKey(
        "core.OrgUnit", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    category = models.ForeignKey(
        "cases.Category", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # Rejected (不予受理) or merged: no time limit to keep, left out of 按期办结率.
    excluded = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    t_accept = models.DateTimeField(null=True, blank=True)
    t_dispatch = models.DateTimeField(null=True, blank=True)
    t_response = models.DateTimeField(null=True, blank=True)
    t_resolve = models.DateTimeField(null=True, blank=True)
    t_overdue = models.DateTimeField(null=True, blank=True)
    t_judged = models.DateTimeField(null=True, blank=True)
    judged_on_time = models.BooleanField(default=False)
    merged = models.BooleanField(default=False)
    reopened = models.BooleanField(default=False)
    repeat = models.BooleanField(default=False)
    # Accepted (or submitted, if never accepted) → first resolved, in whole seconds: natural time
    # and working time of the platform's calendar. Null while unresolved. Whole seconds so that
    # sums are exact integers whichever way they are added up (rollup or facts give equal figures).
    handling_seconds = models.BigIntegerField(null=True, blank=True)
    working_seconds = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["scope_code"], name="fact_scope", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["created_at"], name="fact_created"),
            models.Index(fields=["t_accept"], name="fact_accept"),
            models.Index(fields=["t_dispatch"], name="fact_dispatch"),
            models.Index(fields=["t_resolve"], name="fact_resolve"),
            models.Index(fields=["t_judged"], name="fact_judged"),
            # 响应率's live part: dispatched cases still without a response (few at any time).
            models.Index(
                fields=["t_dispatch"],
                name="fact_unresponded",
                condition=Q(t_response__isnull=True, t_dispatch__isnull=False),
            ),
        ]

    def __str__(self):
        return f"facts of case {self.case_id}"


class RatingFact(models.Model):
    """One rating entry (evaluate by a reporter, visit = 回访 by staff) with its case's dimensions as
    of the last refresh. 满意率 counts ratings by their own time; read from the timeline, a
    community's ratings meant reading every rating of the period in the district (the planner
    starts from the time index) and joining back through the cases, a large share of a community
    dashboard (docs/performance.md §8). Here they are found by place like the case facts."""

    entry_id = models.BigIntegerField(primary_key=True)  # the TimelineEntry's id
    case_id = models.BigIntegerField(db_index=True)
    at = models.DateTimeField()
    rating = models.CharField(max_length=20)
    scope_code = models.CharField(max_length=40)
    community_code = models.CharField(max_length=12)
    owner_unit = models.ForeignKey(
        "core.OrgUnit", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    category = models.ForeignKey(
        "cases.Category", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["scope_code"], name="rating_fact_scope", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["at"], name="rating_fact_at"),
        ]

    def __str__(self):
        return f"rating {self.entry_id} of case {self.case_id}"


class MonthCounts(models.Model):
    """The counts of every figure family for one month and category of a place (the two rollups
    below), each family attributed to the month of its own event (docs/metrics.md)."""

    month = models.DateField()  # the first day of the month, Asia/Shanghai
    category = models.ForeignKey(
        "cases.Category", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    intake = models.IntegerField(default=0)
    merged = models.IntegerField(default=0)
    repeats = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    accepted_resolved = models.IntegerField(default=0)
    # 响应率 by month of first dispatch. The cases that never responded are counted live (they
    # become due 24 h after dispatch, which depends on the moment of the query).
    dispatched = models.IntegerField(default=0)
    responded = models.IntegerField(default=0)
    responded_in_time = models.IntegerField(default=0)
    due = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    timed = models.IntegerField(default=0)
    handling_seconds = models.BigIntegerField(default=0)
    working_seconds = models.BigIntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    basically_satisfied = models.IntegerField(default=0)
    unsatisfied = models.IntegerField(default=0)

    class Meta:
        abstract = True


class AreaMonth(MonthCounts):
    """The counts of one month, community and category. No owner and no grid dimension on
    purpose: about a hundred thousand rows hold a city's year."""

    community_code = models.CharField(max_length=12, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["month", "community_code"], name="areamonth_month_community"),
            # A street's or a community's rows by code prefix (LIKE 'code%') without reading every
            # community's rows of the period (a street's dashboard at city scale: docs/performance.md §8).
            models.Index(
                fields=["community_code", "month"],
                name="areamonth_community_month",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.community_code} {self.category_id}"


class StreetMonth(MonthCounts):
    """The same counts per month, street and category: AreaMonth summed over each street's
    communities (about 1/6 of its rows at city scale). A district's or the city's dashboard by
    street, category or month reads these: at city scale its rollup query summed ~190,000
    AreaMonth rows for a year, most of the page (docs/performance.md §8)."""

    # The first 9 characters of the community code: shorter for a case placed only to a district,
    # empty for an unplaced one.
    street_code = models.CharField(max_length=9, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["month", "street_code"], name="streetmonth_month_street"),
            models.Index(
                fields=["street_code", "month"],
                name="streetmonth_street_month",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.street_code} {self.category_id}"


class RefreshState(models.Model):
    """The one row (pk=1) of the refresh's progress. Timeline entries with id ≤ safe_id have all been
    read; safe_id only advances to the highest id seen by a refresh at least a minute earlier, so
    an entry whose transaction committed late (its id below what a refresh already saw) is still
    read by the next refresh."""

    safe_id = models.BigIntegerField(default=0)
    seen_id = models.BigIntegerField(default=0)
    seen_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    full_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"metrics refreshed at {self.refreshed_at}"
