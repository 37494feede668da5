"""Reads of openness. Disclosures, the power list, the seal register summary and live decisions
are public. Reports (我要举报) are read ONLY through `reports_for`: discipline supervisors whose
binding reaches the report's place (core.scope), never a unit the report names nor anyone bound
to it, and nobody else — not in lists, counts, search or by id."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from jinlin.core.models import OrgUnit, Role, User
from jinlin.core.scope import active_assignments, area_codes, prefix_q

from .models import Disclosure, DisclosureSchedule, Frequency, LiveDecision, PowerItem, Report, SealUse

DISCIPLINE = {Role.DISCIPLINE_SUPERVISOR}


def reports_for(user: User | None) -> QuerySet[Report]:
    """The reports a user may see: none, unless a discipline supervisor in scope."""
    codes = area_codes(user, DISCIPLINE)
    if not codes:
        return Report.objects.none()
    # The units the user belongs to in any other role are never shown reports about themselves.
    own_units = {a.org_id for a in active_assignments(user) if a.role not in DISCIPLINE}
    return Report.objects.filter(prefix_q("scope_code", codes)).exclude(unit_id__in=own_units).select_related("unit")


def report_search(user: User | None, *, q: str = "", status: str = "") -> QuerySet[Report]:
    rows = reports_for(user)
    if status:
        rows = rows.filter(status=status)
    if q:
        rows = rows.filter(Q(subject__icontains=q) | Q(unit__name__icontains=q))
    return rows


def disclosures(*, unit_id: int | None = None, kind: str | None = None, q: str = "") -> QuerySet[Disclosure]:
    rows = Disclosure.objects.filter(published_at__lte=timezone.now()).select_related("unit")
    if unit_id:
        unit = OrgUnit.objects.filter(pk=unit_id).first()
        rows = rows.filter(scope_code__startswith=unit.code) if unit else rows.none()
    if kind:
        rows = rows.filter(kind=kind)
    if q:
        rows = rows.filter(Q(title__icontains=q) | Q(body__icontains=q))
    return rows


def period_of(schedule: DisclosureSchedule, on: date) -> tuple[str, date]:
    """The last period that is due by `on` for this schedule, and its due date."""
    if schedule.frequency == Frequency.QUARTERLY:
        quarter = (on.month - 1) // 3  # the current quarter's index; the previous one is due
        year, q = (on.year, quarter) if quarter > 0 else (on.year - 1, 4)
        due = date(year if q < 4 else year + 1, (q * 3) % 12 + 1, min(schedule.due_day, 28))
        if due > on:
            q -= 1
            if q == 0:
                year, q = year - 1, 4
            due = date(year if q < 4 else year + 1, (q * 3) % 12 + 1, min(schedule.due_day, 28))
        return f"{year}Q{q}", due
    year, month = (on.year, on.month - 1) if on.month > 1 else (on.year - 1, 12)
    due = date(on.year, on.month, min(schedule.due_day, 28))
    if due > on:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        due = date(year + (month == 12), month % 12 + 1, min(schedule.due_day, 28))
    return f"{year}-{month:02d}", due


def late_items(*, codes: list[str] | None = None, on: date | None = None) -> list[dict]:
    """Scheduled disclosures whose last due period has no disclosure yet."""
    on = on or timezone.localdate()
    rows = DisclosureSchedule.objects.filter(is_active=True).select_related("unit", "responsible")
    if codes is not None:
        rows = rows.filter(prefix_q("scope_code", codes))
    out = []
    for schedule in rows:
        period, due = period_of(schedule, on)
        if not schedule.disclosures.filter(period=period).exists():
            out.append({"schedule": schedule, "period": period, "due": due})
    return out


def power_list(unit: OrgUnit | None = None) -> QuerySet[PowerItem]:
    rows = PowerItem.objects.select_related("unit")
    return rows.filter(scope_code__startswith=unit.code) if unit else rows


def seal_summary(unit: OrgUnit) -> list[dict]:
    """Published in summary: uses per month, not the documents."""
    rows = (
        SealUse.objects.filter(scope_code__startswith=unit.code)
        .annotate(month=TruncMonth("used_at"))
        .values("month")
        .annotate(uses=Count("id"))
        .order_by("-month")
    )
    return [dict(row) for row in rows]


def live_decisions(unit: OrgUnit | None = None) -> QuerySet[LiveDecision]:
    rows = LiveDecision.objects.prefetch_related("stages").select_related("unit")
    return rows.filter(scope_code__startswith=unit.code) if unit else rows
