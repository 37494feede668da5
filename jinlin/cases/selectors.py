"""Reads of cases with their rules: who sees what (scope), queues, masking, routing suggestions.

Pages, the REST API, Open311, metrics and disclosure read cases only through these functions.
"""

import base64
import binascii
import contextlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core import policy
from jinlin.core.masking import mask_name, mask_phone
from jinlin.core.models import PLACE_KINDS, OrgKind, OrgUnit, Role, RoleAssignment, User
from jinlin.core.phones import normalize_mobile
from jinlin.core.scope import (
    PERSONAL_ROLES,
    active_assignments,
    area_code,
    area_codes,
    prefix_q,
    staff_unit_codes,
    units_under,
)
from jinlin.core.selectors import grids_with_boundaries

from . import rules
from .cache import TableCache
from .machine import ACTIVE, OPEN, Status
from .models import Case, CaseReporter, Category, EscalationTarget, TimelineEntry


def _visibility_q(user: User) -> Q:
    """The scope rule (core.scope) for cases: the viewer's own and followed cases, the cases of
    the areas they reach, and whatever their units own, were called in on, or handled before."""
    q = Q(reporter=user) | Q(submitted_by=user) | Q(pk__in=CaseReporter.objects.filter(user=user).values("case_id"))
    q |= prefix_q("scope_code", area_codes(user))
    units = staff_unit_codes(user)
    if units:
        # A department sees its cases across the district, and the ones it returned. By unit id,
        # not `owner_unit__code__startswith`: that joins every org unit to every case, where the
        # ids of the subtree (an index range on code) let the owner indexes answer.
        subtree = units_under(units)
        q |= Q(owner_unit_id__in=subtree)
        q |= Q(pk__in=EscalationTarget.objects.filter(unit_id__in=subtree).values("case_id"))
        q |= Q(pk__in=TimelineEntry.objects.filter(owner_unit_id__in=subtree).values("case_id"))
    return q


def cases_visible_to(user: User | None) -> QuerySet[Case]:
    """Every case `user` may read: residents their own and followed ones, staff their area and units."""
    if user is None or not user.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(_visibility_q(user))


# A case's category and people are joined; its org units and (merged) survivor are attached from
# a per-process cache (`with_related`): with all seven joined, PostgreSQL spent longer planning
# the inbox's query (eight relations and the visibility rule's subqueries) than running it
# (measured: docs/performance.md §8).
CASE_JOINED = ("category", "owner_user", "reporter")


def case_get(user: User, case_id: int) -> Case | None:
    """The case if `user` may read it, else None. Read by id, then the visibility rule decided in
    Python where its first terms settle it (the viewer's own case, area or unit: most reads);
    only the rest ask the database the whole rule."""
    if user is None or not user.is_authenticated:
        return None
    case = Case.objects.select_related(*CASE_JOINED).filter(pk=case_id).first()
    if case is None:
        return None
    with_related([case])
    if not sees_directly(user, case) and not cases_visible_to(user).filter(pk=case_id).exists():
        return None
    return case


def sees_directly(user: User, case: Case) -> bool:
    """A sufficient condition of `cases_visible_to` that needs no query once the case is read:
    the user reported or submitted it, it lies in their area, or one of their units (or a unit
    under it) owns it. False says nothing: followers, whistles and past owners are not checked."""
    if case.reporter_id == user.pk or case.submitted_by_id == user.pk:
        return True
    return in_staff_reach(user, case)


def in_staff_reach(user: User, case: Case) -> bool:
    """The case lies in the area of one of the user's staff roles, or one of their units (or a
    unit under it) owns it: the Python form of those terms of the visibility rule."""
    owner_code = case.owner_unit.code if case.owner_unit_id else None
    return any(
        rules.covers(a, case.scope_code) or (owner_code is not None and owner_code.startswith(a.org.code))
        for a in active_assignments(user)
        if a.role not in PERSONAL_ROLES
    )


def case_by_id(case_id: int) -> Case:
    """A case without the visibility rule, for a caller that already knows the viewer may see it
    (the submitter of a case just taken in)."""
    return with_related([Case.objects.select_related(*CASE_JOINED).get(pk=case_id)])[0]


# Org units by id, filled as cases need them. The tree changes rarely and the cache is dropped on
# any unit's save (TableCache); the cap bounds a process that sees a whole city's tree.
_units = TableCache("units_by_id", dict, OrgUnit)
MAX_CACHED = 50_000


def _cached(cache: TableCache, model: Any, ids: set) -> dict:
    """{id: row} for `ids`, from the cache and one query for what it misses. A local answer, so
    another thread clearing the shared dict cannot take rows from under the caller."""
    memo = cache.get()
    found, missing = {}, set()
    for pk in ids:
        if pk is not None:
            row = memo.get(pk)
            if row is None:
                missing.add(pk)
            else:
                found[pk] = row
    if missing:
        fetched = model.objects.in_bulk(missing)
        if len(memo) + len(fetched) > MAX_CACHED:
            memo.clear()
        memo.update(fetched)
        found.update(fetched)
    return found


def org_units(ids: set[int]) -> dict[int, OrgUnit]:
    """{id: unit} from the per-process cache of org units (one query for those it lacks)."""
    return _cached(_units, OrgUnit, ids)


def with_related(cases: list[Case]) -> list[Case]:
    """`cases` with owner unit, grid, community and merged-into survivor attached, as
    select_related would have (one small query for the units the cache misses, none once warm)."""
    units = _cached(_units, OrgUnit, {pk for c in cases for pk in (c.owner_unit_id, c.grid_id, c.community_id)})
    merged = {c.merged_into_id for c in cases if c.merged_into_id}
    survivors = Case.objects.only("pk", "number").in_bulk(merged) if merged else {}
    for case in cases:
        for field in ("owner_unit", "grid", "community"):
            pk = getattr(case, f"{field}_id")
            if pk is not None:
                setattr(case, field, units[pk])
        if case.merged_into_id is not None:
            case.merged_into = survivors[case.merged_into_id]
    return cases


def _my_units(user: User) -> list[int]:
    return [a.org_id for a in active_assignments(user) if a.role not in PERSONAL_ROLES]


# Words too common to narrow a search (jieba splits them off a query like "路灯坏了").
_SEARCH_STOPWORDS = frozenset(
    ["的", "了", "和", "与", "及", "在", "是", "有", "我", "我们", "你", "他", "她", "它", "这", "那", "也", "都", "就"]
    + ["还", "很", "吗", "呢", "吧", "啊"]
)


def search_words(text: str) -> list[str]:
    """The words of a search: jieba's search-mode words, stop words and punctuation left out."""
    import jieba  # loaded once per process (the web workers warm it up at start)

    words = []
    for word in jieba.cut(text.strip()):
        word = word.strip()
        if word and word not in _SEARCH_STOPWORDS and any(ch.isalnum() for ch in word) and word not in words:
            words.append(word)
    return words


def search_q(text: str) -> Q:
    """Cases matching a staff search: the case number, the reporter's phone (by its digest: phones are
    stored encrypted), or every word of the query in the title, the text or the place's name."""
    text = text.strip()
    compact = "".join(text.split())
    q = Q(number__startswith=compact) if compact.isdigit() else Q(pk__in=[])
    if compact.isdigit() and len(compact) >= 11:
        # Not a mobile number: the number prefix and the words still match.
        with contextlib.suppress(ValidationError):
            q |= Q(reporter__phone_digest=User.digest_phone(normalize_mobile(compact)))
    words = search_words(text)
    if words:
        every = Q()
        for word in words:
            every &= Q(title__icontains=word) | Q(description__icontains=word) | Q(place_label__icontains=word)
        q |= every
    return q


def case_list(
    user: User,
    *,
    status: str | None = None,
    mine: bool = False,
    org: OrgUnit | None = None,
    category: str | None = None,
    overdue: bool | None = None,
    q: str | None = None,
) -> QuerySet[Case]:
    """The filtered, always-scoped case list, soonest due first.

    The visibility rule is added last on purpose: PostgreSQL checks filters of equal cost in
    the order written, so the cheap column filters drop rows before the rule's subqueries run
    (one of them hashes every timeline entry a department ever owned)."""
    if user is None or not user.is_authenticated:
        return Case.objects.none()
    qs = Case.objects.all()
    if status:
        qs = qs.filter(status__in=[s for s in status.split(",") if s])
    if mine:
        # The followed cases as a list (a person follows a handful): every term of the OR is then
        # an indexed column, cheaper than the visibility rule, so PostgreSQL checks it first (and
        # can combine the indexes) instead of running the rule's subqueries on all open cases.
        followed = list(CaseReporter.objects.filter(user=user).values_list("case_id", flat=True))
        qs = qs.filter(
            Q(owner_user=user) | Q(owner_unit_id__in=_my_units(user)) | Q(reporter=user) | Q(pk__in=followed)
        )
    if org is not None:
        qs = qs.filter(prefix_q("scope_code", [org.code]) | Q(owner_unit_id__in=units_under([org.code])))
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if overdue is True:
        qs = qs.filter(status__in=ACTIVE, overdue_since__isnull=False)
    elif overdue is False:
        qs = qs.filter(overdue_since__isnull=True)
    if q and q.strip():
        qs = qs.filter(search_q(q))
    qs = qs.filter(_visibility_q(user))
    return qs.select_related("category", "owner_unit", "owner_user").order_by("due_at", "pk")


def cursor_of(case: Case) -> str:
    """The opaque keyset cursor after `case` in lists ordered by (due_at, id)."""
    raw = f"{case.due_at.astimezone(UTC).isoformat()}|{case.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def after_cursor(qs: QuerySet[Case], cursor: str) -> QuerySet[Case]:
    """The rows of `qs` (ordered by due_at, id) after the cursor: a range on the (…, due_at)
    indexes instead of an OFFSET that reads and drops every earlier row. A cursor that does
    not decode is a ValidationError (422)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        due, pk_text = raw.split("|")
        due_at, pk = datetime.fromisoformat(due), int(pk_text)
        if due_at.tzinfo is None:
            raise ValueError(cursor)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise ValidationError({"after": _("This page cursor is not valid; start again without it.")}) from exc
    return qs.filter(Q(due_at__gt=due_at) | Q(due_at=due_at, pk__gt=pk))


def inbox(user: User) -> QuerySet[Case]:
    """What a grid worker or handler must act on: cases owned by them or their unit, or that their
    unit was called in on and has not reported to, soonest due first (SLA colours come from due_at).

    Units by id (a code range on the org tree), not by joining the tree; the visibility rule is
    added last so that PostgreSQL checks these cheaper terms first and runs the rule's subqueries
    only on the rows they keep.
    """
    if user is None or not user.is_authenticated:
        return Case.objects.none()
    units = [a.org for a in active_assignments(user) if a.role in rules.HANDLER_ROLES]
    # A list, not a subquery: with a subquery SQLite drove the query by the visibility rule's OR
    # (every case the department ever owned) instead of these terms (docs/performance.md §8).
    unit_ids = list(units_under([u.code for u in units]).values_list("pk", flat=True))
    called_in = EscalationTarget.objects.filter(reported_at__isnull=True, unit__in=[u.pk for u in units]).values(
        "case_id"
    )
    owned = Q(owner_user=user) | Q(owner_unit_id__in=unit_ids) | Q(pk__in=called_in)
    return (
        Case.objects.filter(owned, status__in=INBOX_STATUSES)
        .filter(_visibility_q(user))
        .select_related("category", "owner_unit", "owner_user")
        .order_by("due_at", "pk")
    )


# Statuses in which a case waits for its handler (not the dispatcher, not the resident's rating).
INBOX_STATUSES = sorted(OPEN - {Status.SUBMITTED, Status.ACCEPTED, Status.RESOLVED})


def dispatch_queue(user: User) -> QuerySet[Case]:
    """The command centre's unassigned queue: submitted and accepted (incl. returned) cases."""
    areas = area_codes(user, {Role.DISPATCHER})
    if not areas:
        return Case.objects.none()
    return (
        Case.objects.filter(prefix_q("scope_code", areas), status__in=[Status.SUBMITTED, Status.ACCEPTED])
        .select_related("category", "owner_unit")
        .order_by("due_at", "pk")
    )


def overdue_cases(user: User) -> QuerySet[Case]:
    """纪委督单 queue: open cases that ran over their limit, longest overdue first (the earliest
    original limit: the sweep's `overdue_since` is when it noticed, not how late the case is)."""
    return (
        cases_visible_to(user)
        .filter(status__in=ACTIVE, overdue_since__isnull=False)
        .select_related("category", "owner_unit", "owner_user")
        .order_by("due_at", "pk")
    )


def pending_reports(user: User) -> QuerySet[EscalationTarget]:
    """Whistles (吹哨) addressed to the user's units that still wait for them to report in."""
    bound = [a.org for a in active_assignments(user) if a.role not in PERSONAL_ROLES]
    # A whistle to a unit that is not a place (a department, a bureau) reaches the members of the
    # offices under it, too: its code is a prefix of theirs (policies.pending_target says the same
    # for the 报到 button).
    above = {unit.code[:k] for unit in bound for k in range(1, len(unit.code))}
    offices_under = Q(unit__code__in=above) & ~Q(unit__kind__in=PLACE_KINDS) if above else Q(pk__in=[])
    # Community police officers answer whistles to a police station on the cases of their place.
    police_area = prefix_q("case__scope_code", area_codes(user, {Role.POLICE_OFFICER}))
    return (
        EscalationTarget.objects.filter(
            Q(unit_id__in=[unit.pk for unit in bound])
            | offices_under
            | Q(unit__kind=OrgKind.POLICE_STATION) & police_area
        )
        .filter(reported_at__isnull=True, case__status__in=OPEN)
        .select_related("case", "unit")
        .order_by("due_at")
    )


def case_timeline(case: Case) -> QuerySet[TimelineEntry]:
    return case.timeline.select_related("actor", "actor_unit", "owner_unit").order_by("at", "pk")


# Notes that stay among staff (issue 13 §8): supervision, urges, whistles and 报到 show to the
# reporter as steps without their note; a staff comment shows only when marked as a reply.
INTERNAL_NOTE_ACTIONS = frozenset({"supervise", "urge", "escalate", "report_in"})


def is_internal(entry: TimelineEntry) -> bool:
    """A staff comment not marked as a reply to the reporter. Comments written before replies
    existed carry no mark, so they stay internal."""
    return entry.action == "comment" and entry.actor_unit_id is not None and not (entry.data or {}).get("reply")


def case_timeline_for(case: Case, viewer: User | None) -> list[TimelineEntry]:
    """The timeline as `viewer` may read it: all of it for staff of the case, otherwise without
    internal comments and with internal notes blanked."""
    entries = list(case_timeline(case))
    if viewer is not None and is_staff_viewer(viewer, case):
        return entries
    shown = []
    for entry in entries:
        if is_internal(entry):
            continue
        if entry.action in INTERNAL_NOTE_ACTIONS:
            entry.note = ""
        shown.append(entry)
    return shown


def public_cases() -> QuerySet[Case]:
    """Closed cases published on the disclosure board (晒单). Show only public fields of these."""
    return (
        # closed_at is never null here; saying so lets SQLite count by the partial index
        # case_public_board (its planner took the status index otherwise: docs/performance.md §8).
        Case.objects.filter(status=Status.CLOSED, published_at__isnull=False, closed_at__isnull=False)
        .select_related("category", "community")
        .order_by("-closed_at")
    )


def categories_active() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).select_related("parent", "department")


# ---------------------------------------------------------------- masking


def mask_address(address: str) -> str:
    """福州市鼓楼区东街街道桂香小区3号楼2单元501 → 福州市鼓楼区东街****: enough to see the area."""
    if not address:
        return ""
    keep = min(len(address) // 2, 10)
    return address[:keep] + "****"


def actor_label(entry: TimelineEntry, viewer: User | None) -> str:
    """Staff act in their unit's name; residents are shown masked to anyone but themselves."""
    if entry.actor_id is None:
        return _("Platform")
    if entry.actor_unit_id is not None:
        return f"{entry.actor_unit.name} {entry.actor.name}"
    if viewer is not None and entry.actor_id == viewer.pk:
        return entry.actor.name
    return mask_name(entry.actor.name)


def reporter_view(case: Case, viewer: User) -> dict:
    """The reporter as a viewer may see them: masked name and phone."""
    name = case.contact_name or (case.reporter.name if case.reporter_id else "")
    phone = case.contact_phone or (case.reporter.phone if case.reporter_id else "")
    if viewer.pk == case.reporter_id:
        return {"name": name, "phone_masked": mask_phone(phone)}
    return {"name": mask_name(name), "phone_masked": mask_phone(phone)}


# ---------------------------------------------------------------- what the viewer may do


def is_staff_viewer(user: User, case: Case) -> bool:
    """Whether `user` sees `case` as staff (their area or their unit's case), not only as one of
    its reporters: staff see triage suggestions and working notes."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return in_staff_reach(user, case)


# The buttons, in the order pages show them, and the policy rows (cases/policies.py) each stands
# for: "dispatch" offers 派单 and 转派 (transfer) alike.
BUTTONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("accept", ("case.accept",)),
    ("reject", ("case.reject",)),
    ("merge", ("case.merge",)),
    ("dispatch", ("case.dispatch", "case.transfer")),
    ("claim", ("case.claim",)),
    ("return", ("case.return",)),
    ("resolve", ("case.resolve",)),
    ("evaluate", ("case.evaluate",)),
    ("visit", ("case.visit",)),
    ("reopen", ("case.reopen",)),
    ("urge", ("case.urge",)),
    ("supervise", ("case.supervise",)),
    ("escalate", ("case.escalate",)),
    ("report_in", ("case.report_in",)),
    ("publish", ("case.publish",)),
    ("comment", ("case.comment",)),
)


def allowed_actions(user: User, case: Case, *, escalations: list[EscalationTarget] | None = None) -> list[str]:
    """The actions the buttons should offer: those the policy table (cases/policies.py) grants
    `user` on `case` in its state — the same rows the services check. `escalations`: the case's
    whistle targets when the caller has them (read once here otherwise)."""
    if escalations is None:
        escalations = list(case.escalations.select_related("unit"))
    case.__dict__["_jinlin_targets"] = escalations
    try:
        granted = set(policy.allowed_actions(user, case, "case.", among=[a for _b, rows in BUTTONS for a in rows]))
    finally:
        case.__dict__.pop("_jinlin_targets", None)
    return [button for button, rows in BUTTONS if granted.intersection(rows)]


# ---------------------------------------------------------------- routing (属地属事)


@dataclass
class RouteSuggestion:
    unit: OrgUnit | None
    user: User | None
    reason: str


def route_suggestions(case: Case) -> list[RouteSuggestion]:
    """Where to dispatch, best first: the category's department (属事), then the grid and its
    grid worker, then the community (属地). The dispatcher may choose any of them, or another."""
    suggestions: list[RouteSuggestion] = []
    if case.category_id and case.category.department_id and case.category.department.is_active:
        department = case.category.department
        suggestions.append(
            RouteSuggestion(department, None, _("Responsible for %(category)s") % {"category": case.category.name})
        )
    if case.grid_id:
        worker = (
            RoleAssignment.objects.filter(
                role=Role.GRID_WORKER, org_id=case.grid_id, is_active=True, user__is_active=True
            )
            .select_related("user")
            .order_by("id")
            .first()
        )
        suggestions.append(RouteSuggestion(case.grid, worker.user if worker else None, _("The grid where it happened")))
    if case.community_id:
        suggestions.append(RouteSuggestion(case.community, None, _("The community where it happened")))
    if not suggestions:
        street = OrgUnit.objects.filter(kind=OrgKind.STREET, code__in=_prefixes(case.scope_code)).last()
        if street is not None:
            suggestions.append(RouteSuggestion(street, None, _("The street where it happened")))
    return suggestions


def _prefixes(code: str) -> list[str]:
    return [code[:i] for i in range(1, len(code) + 1)]


def overdue_by(case: Case, now: datetime | None = None) -> timedelta:
    """How late a case is against its 办理时限 (due_at, never moved by running over); zero when it
    is within it or its clock is not running (resolved, closed)."""
    if case.status not in ACTIVE:
        return timedelta(0)
    return max(timedelta(0), (now or timezone.now()) - case.due_at)


def is_overdue(case: Case, now: datetime | None = None) -> bool:
    # The sweeper's mark counts as well as the clock: it is what put the case before the supervisor.
    return case.status in ACTIVE and (case.overdue_since is not None or case.due_at <= (now or timezone.now()))


# ---------------------------------------------------------------- reads for the pages (views.py)
# Added by the pages: lists and choices the HTML pages need beyond the API's reads.

# Timeline actions that make up a case's urging and supervision history (中心催单, 纪委督单).
URGE_ACTIONS = ("urge", "overdue", "raise_tier", "supervise")


def sla_light(case: Case, now: datetime | None = None) -> str:
    """The traffic light of a case's time limit: red overdue, amber past its urge time, else green.
    Empty for cases whose clock is not running (resolved, closed)."""
    if case.status not in ACTIVE:
        return ""
    now = now or timezone.now()
    if is_overdue(case, now):
        return "red"
    if case.urge_at is not None and case.urge_at <= now:
        return "amber"
    return "green"


def my_cases(user: User) -> QuerySet[Case]:
    """The cases a person reported or follows (merged duplicates included), newest first."""
    if user is None or not user.is_authenticated:
        return Case.objects.none()
    followed = CaseReporter.objects.filter(user=user).values("case_id")
    return (
        Case.objects.filter(Q(reporter=user) | Q(submitted_by=user) | Q(pk__in=followed))
        .select_related("category", "merged_into")
        .order_by("-created_at", "-pk")
    )


def _units_in(codes: list[str], kinds: Collection[str]) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(prefix_q("code", codes), kind__in=kinds, is_active=True).order_by("kind", "code")


def dispatch_units(user: User) -> QuerySet[OrgUnit]:
    """Units a dispatcher may send a case to: the dispatchable units of their area."""
    from .services import DISPATCH_KINDS

    return _units_in(area_codes(user, {Role.DISPATCHER}), DISPATCH_KINDS)


def escalation_units(case: Case) -> QuerySet[OrgUnit]:
    """Units a whistle on this case may name: departments, police, property companies … of its district."""
    from .services import ESCALATION_KINDS

    return _units_in([case.scope_code[:6]], ESCALATION_KINDS)


@dataclass
class UnitGroup:
    key: str
    label: str
    units: list[OrgUnit]
    collapsed: bool = False


def escalation_groups(case: Case, units: list[OrgUnit]) -> list[UnitGroup]:
    """The units a whistle may name, for a phone: the likely ones first (the category's department,
    the police and the street and community of the place), then departments, police, the case's own
    street and community, and everyone else (property companies, units based in the area) folded."""
    likely_ids = set()
    if case.category_id and case.category.department_id:
        likely_ids.add(case.category.department_id)
    places = set(_prefixes(case.scope_code))
    own = [u for u in units if u.code in places or (u.kind == OrgKind.POLICE_STATION and _serves(u, places))]
    likely_ids.update(u.pk for u in own)
    likely = sorted((u for u in units if u.pk in likely_ids), key=lambda u: (u.kind != OrgKind.DEPARTMENT, u.code))
    rest = [u for u in units if u.pk not in likely_ids]
    departments = [u for u in rest if u.kind == OrgKind.DEPARTMENT]
    police = [u for u in rest if u.kind == OrgKind.POLICE_STATION]
    # The property company and units of the case's own community first.
    others = sorted(
        (u for u in rest if u.kind not in {OrgKind.DEPARTMENT, OrgKind.POLICE_STATION}),
        key=lambda u: (area_code(u) not in places, u.code),
    )
    # With suggestions shown, the long lists start folded: the form must stay short on a phone.
    groups = [
        UnitGroup("likely", _("Suggested for this case"), likely),
        UnitGroup("departments", _("Departments"), departments, bool(likely)),
        UnitGroup("police", _("Police stations"), police, bool(likely)),
        UnitGroup("others", _("Others on request (streets, communities, property companies …)"), others, True),
    ]
    return [g for g in groups if g.units]


def dispatch_groups(case: Case, units: list[OrgUnit], suggested_ids: list[int]) -> list[UnitGroup]:
    """The units a dispatcher may send a case to, grouped for a searchable picker: the suggested
    ones first (in the order suggested), then the place's own grid, community and street (属地),
    departments (属事), police stations, and the rest (property companies, units based in the area)."""
    by_id = {u.pk: u for u in units}
    likely = [by_id[pk] for pk in dict.fromkeys(suggested_ids) if pk in by_id]
    rest = [u for u in units if u.pk not in set(suggested_ids)]
    places = set(_prefixes(case.scope_code))
    local_kinds = {OrgKind.GRID, OrgKind.COMMUNITY, OrgKind.STREET}
    groups = [
        UnitGroup("likely", _("Suggested for this case"), likely),
        UnitGroup(
            "local",
            _("Grids, communities and streets of the place"),
            [u for u in rest if u.kind in local_kinds and u.code in places],
        ),
        UnitGroup("departments", _("Departments"), [u for u in rest if u.kind == OrgKind.DEPARTMENT]),
        UnitGroup("police", _("Police stations"), [u for u in rest if u.kind == OrgKind.POLICE_STATION]),
        UnitGroup(
            "others",
            _("Other grids, communities and streets"),
            [u for u in rest if u.kind in local_kinds and u.code not in places],
        ),
        UnitGroup(
            "more",
            _("Property companies and other units"),
            [u for u in rest if u.kind not in local_kinds | {OrgKind.DEPARTMENT, OrgKind.POLICE_STATION}],
        ),
    ]
    return [g for g in groups if g.units]


def _serves(station: OrgUnit, places: set[str]) -> bool:
    """A police station hung under a street (or the district) serves the places under that parent."""
    return area_code(station) in places


def handlers_of(units: list[OrgUnit]) -> QuerySet[User]:
    """People who handle cases for these units (the dispatcher may name one of them)."""
    return User.objects.filter(
        is_active=True,
        role_assignments__org__in=units,
        role_assignments__is_active=True,
        role_assignments__role__in=rules.HANDLER_ROLES,
    ).distinct()


def urge_history(user: User) -> QuerySet[TimelineEntry]:
    """Every urge, overdue mark, tier raise and supervision on the cases `user` may see, newest first."""
    return (
        TimelineEntry.objects.filter(action__in=URGE_ACTIONS, case__in=cases_visible_to(user))
        .select_related("case", "actor", "actor_unit", "owner_unit")
        .order_by("-at", "-pk")
    )


def urges_by_case(case_ids: list[int]) -> dict[int, list[TimelineEntry]]:
    by_case: dict[int, list[TimelineEntry]] = {pk: [] for pk in case_ids}
    entries = TimelineEntry.objects.filter(case_id__in=case_ids, action__in=URGE_ACTIONS).select_related(
        "actor", "actor_unit"
    )
    for entry in entries.order_by("at", "pk"):
        by_case[entry.case_id].append(entry)
    return by_case


MAP_MAX_CASES = 2000


def map_cases(user: User) -> QuerySet[Case]:
    """Open cases with a point, for the map (the most urgent first, capped)."""
    return (
        cases_visible_to(user)
        .filter(status__in=OPEN, lat__isnull=False, lng__isnull=False)
        .select_related("category")
        .order_by("due_at", "pk")[:MAP_MAX_CASES]
    )


def map_grids(user: User) -> QuerySet[OrgUnit]:
    """Grid polygons of the viewer's area (a grid worker their grid, a dispatcher the district)."""
    return grids_with_boundaries().filter(prefix_q("code", area_codes(user))).order_by("code")


# Steps shown on the public board: the changes of state, not comments or who did them.
PUBLIC_STEP_ACTIONS = ("submit", "accept", "dispatch", "transfer", "claim", "resolve", "evaluate", "visit", "expire")


def public_steps(case_ids: list[int]) -> dict[int, list[TimelineEntry]]:
    """The public steps of published cases: action and date only (no people, no notes)."""
    by_case: dict[int, list[TimelineEntry]] = {pk: [] for pk in case_ids}
    entries = TimelineEntry.objects.filter(case_id__in=case_ids, action__in=PUBLIC_STEP_ACTIONS).only(
        "case_id", "action", "at", "to_status"
    )
    for entry in entries.order_by("at", "pk"):
        by_case[entry.case_id].append(entry)
    return by_case


def map_center(user: User) -> tuple[float, float] | None:
    """Where a map should open for `user` (lat, lng): their unit's point, else its grid's middle,
    else the middle of any grid; None when the platform has no places with coordinates yet."""
    from jinlin.core.selectors import grid_of

    for assignment in active_assignments(user):
        org = assignment.org
        if org.lat is not None and org.lng is not None:
            return org.lat, org.lng
        grid = grid_of(org) if org.is_place() else None
        if grid is not None and hasattr(grid, "grid_boundary"):
            return _middle(grid.grid_boundary.boundary)
    first = grids_with_boundaries().order_by("code").first()
    return _middle(first.grid_boundary.boundary) if first else None


def _middle(geometry: dict) -> tuple[float, float] | None:
    rings = geometry.get("coordinates") or []
    if geometry.get("type") == "MultiPolygon":
        rings = [ring for polygon in rings for ring in polygon]
    points = [p for ring in rings for p in ring]
    if not points:
        return None
    lngs, lats = [p[0] for p in points], [p[1] for p in points]
    return (min(lats) + max(lats)) / 2, (min(lngs) + max(lngs)) / 2


def duplicate_cards(case: Case, viewer: User) -> list[dict]:
    """The duplicate candidates triage stored on the case (`suggestions["duplicates"]`) as the
    viewer may see them: number and link when the viewer may read that case, else only its title
    and status (what any resident may know: that the problem is being handled)."""
    ids = (case.suggestions or {}).get("duplicates") or []
    if not ids:
        return []
    rows = {c.pk: c for c in Case.objects.filter(pk__in=ids, status__in=OPEN).select_related("owner_unit")}
    # The viewer's own cases, area and units decide most of them without the visibility rule's
    # query; the rest (followed, escalated, handled before) are asked of the database.
    visible = {pk for pk, c in rows.items() if sees_directly(viewer, c)}
    rest = [pk for pk in rows if pk not in visible]
    if rest:
        visible |= set(cases_visible_to(viewer).filter(pk__in=rest).values_list("pk", flat=True))
    return [
        {
            "id": pk if pk in visible else None,
            "number": rows[pk].number if pk in visible else None,
            "title": rows[pk].title,
            "status": rows[pk].status,
            "status_label": str(rows[pk].get_status_display()),
        }
        for pk in ids
        if pk in rows
    ]
