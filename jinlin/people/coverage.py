"""Visit coverage by community and by grid (PEOPLE-4): of the active care pairings in the viewer's
area, how many were visited within their period, how many are overdue, the coverage, and the key
households nobody has visited yet. Scoped through core.scope (selectors.area_q); the CSV export is
audited with its row count, like the registry's other exports.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.models import OrgKind, OrgUnit, User

from .models import KEY_TAGS, Household, Pairing, ResidentTag, Visit
from .selectors import area_q


@dataclass
class CoverageRow:
    code: str
    name: str
    pairings: int = 0
    on_time: int = 0
    overdue: int = 0
    never_visited: int = 0
    grids: list["CoverageRow"] = field(default_factory=list)

    @property
    def rate(self) -> int | None:
        """Coverage in whole per cent, None when there is nothing to cover."""
        return round(100 * self.on_time / self.pairings) if self.pairings else None

    def add(self, other: "CoverageRow") -> None:
        self.pairings += other.pairings
        self.on_time += other.on_time
        self.overdue += other.overdue
        self.never_visited += other.never_visited


def never_visited_key_households(user: User | None):
    """Households of the area with a resident in a key group (独居, 高龄 …) and no visit ever logged."""
    key = ResidentTag.objects.filter(resident__household=OuterRef("pk"), resident__left_at=None, tag__in=KEY_TAGS)
    return Household.objects.filter(area_q(user), Exists(key)).exclude(
        Exists(Visit.objects.filter(household=OuterRef("pk")))
    )


def coverage_by_area(user: User | None, now: datetime | None = None) -> list[CoverageRow]:
    """One row per community of the viewer's area, each with its grids; in three grouped queries."""
    now = now or timezone.now()
    pairings = (
        Pairing.objects.filter(area_q(user), ended_at=None)
        .values("scope_code")
        .annotate(n=Count("id"), on_time=Count("id", filter=Q(due_at__gte=now)))
        .order_by()
    )
    never = never_visited_key_households(user).values("scope_code").annotate(n=Count("id")).order_by()
    by_code: dict[str, CoverageRow] = {}
    for row in pairings:
        entry = by_code.setdefault(row["scope_code"], CoverageRow(row["scope_code"], ""))
        entry.pairings, entry.on_time, entry.overdue = row["n"], row["on_time"], row["n"] - row["on_time"]
    for row in never:
        by_code.setdefault(row["scope_code"], CoverageRow(row["scope_code"], "")).never_visited = row["n"]
    if not by_code:
        return []
    # Each scope code is a grid or a community; its community is the community unit whose code it starts with.
    prefixes = {code[:n] for code in by_code for n in range(1, len(code) + 1)}
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=prefixes, kind__in=[OrgKind.COMMUNITY, OrgKind.GRID])}
    communities: dict[str, CoverageRow] = {}
    for code in sorted(by_code):
        cell = by_code[code]
        community = next(
            (
                units[code[:n]]
                for n in range(len(code), 0, -1)
                if code[:n] in units and units[code[:n]].kind == OrgKind.COMMUNITY
            ),
            None,
        )
        key = community.code if community else code
        parent = communities.setdefault(key, CoverageRow(key, community.name if community else code))
        parent.add(cell)
        if key != code:
            unit = units.get(code)
            cell.name = unit.name if unit else code
            parent.grids.append(cell)
    return [communities[k] for k in sorted(communities)]


def coverage_total(rows: list[CoverageRow]) -> CoverageRow:
    total = CoverageRow("", _("All"))
    for row in rows:
        total.add(row)
    return total


@transaction.atomic
def coverage_export(*, actor: User, now: datetime | None = None) -> tuple[str, int]:
    """The coverage table as CSV (one row per community and per grid); audited with its row count."""
    policy.require(actor, "people.export")
    rows = coverage_by_area(actor, now)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_("Community"), _("Grid"), _("Pairings"), _("Visited on time"), _("Overdue"), _("Coverage (%)"),
         _("Key households never visited")]
    )  # fmt: skip
    count = 0
    for community in rows:
        for row, grid in [(community, "")] + [(g, g.name) for g in community.grids]:
            rate = "" if row.rate is None else row.rate
            writer.writerow([community.name, grid, row.pairings, row.on_time, row.overdue, rate, row.never_visited])
            count += 1
    audit_record(
        actor=actor,
        action="people.coverage_export",
        object_type="people.pairing",
        object_repr=_("Export of visit coverage, %(n)d rows") % {"n": count},
        after={"rows": count, "format": "csv"},
    )
    # A BOM so that Excel opens the Chinese names as UTF-8.
    return "\ufeff" + out.getvalue(), count
