"""The SLA sweeper (中心催单, 纪委督单, 提级催办): set-based, chunked, idempotent."""

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from jinlin.core.audit import audit_record
from jinlin.core.events import emit_each

from .. import sla
from ..machine import ACTIVE, Status
from ..models import (
    Case,
    EscalationTarget,
    TimelineEntry,
)
from ..timeline import event_names, timeline_entry
from .common import _now

SWEEP_CHUNK = 1000


def _each_chunk(queryset: QuerySet, fields: list[str], size: int, handle: Callable[[list[dict]], None]) -> int:
    """Call `handle(rows)` on the rows matching `queryset`, a locked chunk per transaction.

    Each step's update makes its rows stop matching, so the loop ends (rows already handled are
    excluded as well, as a guard); SKIP LOCKED leaves rows a handler is writing right now to the
    next sweep instead of waiting on them. Returns the number of rows handled.

    No ORDER BY: the chunks need none (SKIP LOCKED and the exclusion keep them disjoint), and
    `ORDER BY id LIMIT n` makes PostgreSQL walk the primary key over every case to find the few
    (or none) that are due, seconds at city scale, where the status/due indexes answer in
    milliseconds.
    """
    done: list[int] = []
    while True:
        with transaction.atomic():
            rows = list(
                queryset.exclude(pk__in=done)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by()
                .values(*fields)[:size]
            )
            if not rows:
                return len(done)
            handle(rows)
        done.extend(r["pk"] for r in rows)


def _current_limit(row: dict) -> datetime:
    """The limit a case is held to now: its supervision limit once it ran over, else its 办理时限."""
    return row["supervision_due_at"] or row["due_at"]


def _sweep_entries(
    rows: list[dict], *, action: str, at: datetime, data_of: Callable[[dict], dict] | None = None, note: str = ""
) -> list[TimelineEntry]:
    """The platform's entries for `action` on each row (the state after it from the machine)."""
    return [
        timeline_entry(
            r.get("case_id", r["pk"]),
            action,
            r["status"],
            owner_unit=r["owner_unit_id"],
            at=at,
            note=note,
            data=data_of(r) if data_of else None,
        )
        for r in rows
    ]


def _record(entries: list[TimelineEntry]) -> None:
    """Insert the platform's entries and announce their case events (timeline.event_names) once
    the chunk commits: one after-commit hook per event name for the whole chunk."""
    TimelineEntry.objects.bulk_create(entries)
    by_name: dict[str, list[dict]] = defaultdict(list)
    for entry in entries:
        for name in event_names(entry.action, entry.from_status, entry.to_status):
            by_name[name].append({"case_id": entry.case_id, "actor_id": None, "entry_id": entry.pk})
    for name, payloads in by_name.items():
        emit_each(f"case.{name}", payloads)


def sla_sweep_run(*, now: datetime | None = None, chunk: int = SWEEP_CHUNK) -> dict:
    """One pass of the SLA sweeper. Reads only the database; running it twice changes nothing.

    Set-based: each step selects the matching rows in chunks and updates them with a handful of
    UPDATE statements (one per SLA policy group), never one query per case.
    """
    now = _now(now)
    books: list[sla.PolicyBook] = []  # the policy table, read only if some case ran over
    raised_total = 0

    # 1. 中心催单: urge time reached, not yet urged for this deadline, not yet overdue.
    def urge(rows):
        ids = [r["pk"] for r in rows]
        Case.objects.filter(pk__in=ids).update(urged_at=now)
        _record(
            _sweep_entries(
                rows,
                action="urge",
                at=now,
                data_of=lambda r: {"auto": True, "due_at": _current_limit(r).isoformat()},
            )
        )
        audit_record(actor=None, action="case.sla_urge", object_type="cases.case", after={"cases": ids})

    urge_due = (
        Case.objects.filter(status__in=ACTIVE, urge_at__lte=now)
        .filter(Q(supervision_due_at__isnull=True, due_at__gt=now) | Q(supervision_due_at__gt=now))
        .filter(Q(urged_at__isnull=True) | Q(urged_at__lt=F("urge_at")))
    )
    urged = _each_chunk(urge_due, ["pk", "status", "owner_unit_id", "due_at", "supervision_due_at"], chunk, urge)

    # 2. Overdue: mark it, put it before the supervisor (overdue_since) and give a supervision limit
    #    (its 办理时限 stays as promised); the second time a case runs over, raise its tier (提级催办)
    #    and take that tier's limit.
    def overdue(rows):
        nonlocal raised_total
        groups = defaultdict(list)
        for r in rows:
            r["new_tier"] = sla.tier_after_overdue(r["tier"], r["overdue_count"] + 1)
            groups[(r["category_id"], r["tier"], r["new_tier"])].append(r)
        if not books:
            books.append(sla.policy_book())
        for (category_id, tier, new_tier), members in groups.items():
            due_at, urge_at = sla.deadlines(now, books[0].limit(category_id, new_tier))
            for r in members:
                r["next_due_at"] = due_at
            Case.objects.filter(pk__in=[r["pk"] for r in members]).update(
                overdue_count=F("overdue_count") + 1,
                overdue_marked_at=now,
                overdue_since=Coalesce("overdue_since", Value(now)),
                supervision_due_at=due_at,
                urge_at=urge_at,
                tier=new_tier,
                tier_raised=F("tier_raised") + (1 if new_tier != tier else 0),
                updated_at=now,
            )
        raised = [r for r in rows if r["new_tier"] != r["tier"]]
        entries = _sweep_entries(
            rows,
            action="overdue",
            at=now,
            data_of=lambda r: {
                "due_at": _current_limit(r).isoformat(),
                "overdue_count": r["overdue_count"] + 1,
                "next_due_at": r["next_due_at"].isoformat(),
            },
        )
        entries += _sweep_entries(
            raised, action="raise_tier", at=now, data_of=lambda r: {"from": r["tier"], "to": r["new_tier"]}
        )
        _record(entries)
        audit_record(
            actor=None,
            action="case.sla_overdue",
            object_type="cases.case",
            after={"cases": [r["pk"] for r in rows], "raised": [r["pk"] for r in raised]},
        )
        raised_total += len(raised)

    overdue_due = Case.objects.filter(status__in=ACTIVE).filter(
        Q(supervision_due_at__isnull=True, due_at__lte=now)
        & (Q(overdue_marked_at__isnull=True) | Q(overdue_marked_at__lt=F("due_at")))
        | Q(supervision_due_at__lte=now, overdue_marked_at__lt=F("supervision_due_at"))
    )
    fields = ["pk", "status", "owner_unit_id", "due_at", "supervision_due_at", "category_id", "tier", "overdue_count"]
    overdue_count = _each_chunk(overdue_due, fields, chunk, overdue)

    # 3. Rating window over without a rating: the case closes (CASE-8).
    def expire(rows):
        ids = [r["pk"] for r in rows]
        entries = _sweep_entries(rows, action="expire", at=now, data_of=lambda r: {"auto": True})
        # The state each case goes to is the machine's (check("expire", resolved) is closed).
        by_status = defaultdict(list)
        for entry in entries:
            by_status[entry.to_status].append(entry.case_id)
        for to_status, case_ids in by_status.items():
            Case.objects.filter(pk__in=case_ids).update(status=to_status, closed_at=now, updated_at=now)
        _record(entries)
        audit_record(actor=None, action="case.sla_expire", object_type="cases.case", after={"cases": ids})

    expired = Case.objects.filter(status=Status.RESOLVED, rating_deadline__lte=now)
    expired_count = _each_chunk(expired, ["pk", "status", "owner_unit_id"], chunk, expire)

    # 4. Units called in by a whistle that have not reported in time: urge them, on the record.
    def urge_targets(rows):
        EscalationTarget.objects.filter(pk__in=[r["pk"] for r in rows]).update(urged_at=now)
        for r in rows:
            r["status"], r["owner_unit_id"] = r["case__status"], r["case__owner_unit_id"]
        _record(
            _sweep_entries(
                rows, action="urge", at=now, data_of=lambda r: {"auto": True, "escalation_unit": r["unit_id"]}
            )
        )
        audit_record(
            actor=None,
            action="case.sla_report_urge",
            object_type="cases.escalationtarget",
            after={"targets": [r["pk"] for r in rows]},
        )

    late = EscalationTarget.objects.filter(
        reported_at__isnull=True, urged_at__isnull=True, due_at__lte=now, case__status__in=ACTIVE
    )
    target_fields = ["pk", "case_id", "unit_id", "case__status", "case__owner_unit_id"]
    late_count = _each_chunk(late, target_fields, chunk, urge_targets)
    return {
        "urged": urged,
        "overdue": overdue_count,
        "raised": raised_total,
        "expired": expired_count,
        "escalations_urged": late_count,
    }
