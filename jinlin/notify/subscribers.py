"""Who hears what in the case loop (issue 13 §4), from the case events of jinlin.cases.

The reporter and every follower hear the outcomes; the owner unit's handlers (or the named
person) hear of work sent to them; owner and supervisors hear of urges, overdue cases and
supervision; whistle targets hear of the whistle with the 报到 deadline; dispatchers hear of a new
case the platform did not dispatch itself. No one is told about their own action. Subscribers
only write a few rows (notify's outbox); nothing is sent inside the request.

Set-wise: a batch of events (a sweeper chunk announces up to a thousand) is read with one query
per kind of row and written with one `notify_many`, not a handful of queries per case
(docs/performance.md §8).
"""

import contextlib
import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from jinlin.cases import rules
from jinlin.cases.cache import TableCache
from jinlin.cases.models import Case, CaseFollow, CaseReporter, TimelineEntry
from jinlin.cases.selectors import org_units
from jinlin.core.events import Event, defer_write, handles_batches, subscribe
from jinlin.core.models import OrgUnit, Role, RoleAssignment, User
from jinlin.core.scope import reach_code

from .digest import Origin, digested
from .models import NotifyProfile
from .services import Message, Outbox, prepare_many

logger = logging.getLogger(__name__)

REPLAY_AGE = timedelta(hours=1)
OUTCOMES = {"accepted", "rejected", "dispatched", "resolved", "closed", "published"}
TO_OWNER = {"dispatched", "transferred", "returned"}
TO_OVERSIGHT = {"urged", "overdue", "supervised"}


Oversight = tuple[list[tuple[str, int, str]], dict[int, User]]


def _load_oversight() -> Oversight:
    """(role, user id, reach code) of every active dispatcher and supervisor binding, and those
    people with their notice preferences (what `notify_many` needs of a recipient)."""
    bindings = (
        RoleAssignment.objects.filter(role__in=AREA_ROLES, is_active=True, user__is_active=True)
        .select_related("org", "user", "user__notify_profile")
        .order_by()  # with ORDER BY id SQLite walks every role binding instead of the role index
    )
    rows, people = [], {}
    for a in bindings:
        if (code := reach_code(a)) is not None:
            rows.append((a.role, a.user_id, code))
            people[a.user_id] = a.user
    return rows, people


# Dispatchers and supervisors whose area reaches a case, with their preferences, read once per
# process (cases.cache: dropped on any save of a binding, a user, a unit or a preference in this
# process, re-read after 60 s in the others — as a changed role binding is). A new case's queue
# notice reads nothing more than this (docs/performance.md §7a, third pass).
AREA_ROLES = (Role.DISPATCHER, Role.DISCIPLINE_SUPERVISOR)
_oversight = TableCache("notify_oversight", _load_oversight, RoleAssignment, User, OrgUnit, NotifyProfile)


NOTICE_FIELDS = (
    "number", "title", "status", "result", "scope_code", "suggestions",
    "owner_unit_id", "owner_user_id", "reporter_id", "submitted_by_id",
)  # fmt: skip


class Batch:
    """What the subscriber reads for a batch of case events (one event from an action, a
    thousand from a sweep chunk): cases, entries, reporters, followers and unit handlers with one
    query each for the whole batch; the messages collected and written by one `notify_many`."""

    def __init__(self, events: list[Event]) -> None:
        # A case an earlier subscriber of the same event read (triage, for a new case) is not
        # read again; the others without the encrypted contact fields, which no notice shows.
        self.cases: dict[int, Case] = {}
        for e in events:
            shared = e.context.get("case")
            if isinstance(shared, Case) and shared.pk == e.get("case_id"):
                self.cases[shared.pk] = shared
        wanted = {e.get("case_id") for e in events if e.get("case_id")} - set(self.cases)
        if wanted:  # only what a notice says or who it goes to: a sweep chunk reads a thousand
            self.cases.update(Case.objects.only(*NOTICE_FIELDS).in_bulk(wanted))
        # A new case's entry is not read: its event says itself whether it replays the past (live).
        entry_ids = {e.get("entry_id") for e in events if e.get("entry_id") and e.name != "case.submitted"}
        self.entries = TimelineEntry.objects.only("at", "note", "data").in_bulk(entry_ids) if entry_ids else {}
        self._reporters: dict[int, set[int]] | None = None
        self._followers: dict[int, set[int]] | None = None
        self._handlers: dict[int, set[int]] = {}
        self._oversight: Oversight | None = None
        self.messages: list[Message] = []
        self._unit_names: dict[int, str] = {}
        self.origins: list[Origin] = []  # per message: its case and the list it is on (digests)

    def _by_case(self, model) -> dict[int, set[int]]:
        out: dict[int, set[int]] = defaultdict(set)
        for case_id, user_id in model.objects.filter(case_id__in=list(self.cases)).values_list("case_id", "user_id"):
            out[case_id].add(user_id)
        return out

    def reporters(self, case: Case) -> set[int]:
        if self._reporters is None:
            self._reporters = self._by_case(CaseReporter)
        return self._reporters.get(case.pk, set())

    def followers(self, case: Case) -> set[int]:
        if self._followers is None:
            self._followers = self._by_case(CaseFollow)
        return self._followers.get(case.pk, set())

    def reporters_and_followers(self, case: Case) -> list[int]:
        ids = self.reporters(case) | self.followers(case)
        if case.reporter_id:
            ids.add(case.reporter_id)
        return sorted(ids)

    def _owner_units(self) -> set[int]:
        """The owner units of every case of the batch: what is read for one of them is read for
        all at once (a sweep chunk marks hundreds of cases of a few dozen units)."""
        return {c.owner_unit_id for c in self.cases.values() if c.owner_unit_id}

    def unit_handlers(self, unit_ids: list[int]) -> list[int]:
        missing = [u for u in unit_ids if u and u not in self._handlers]
        if missing:
            missing = list(set(missing) | (self._owner_units() - set(self._handlers)))
            for unit_id in missing:
                self._handlers[unit_id] = set()
            rows = RoleAssignment.objects.filter(
                org_id__in=missing, is_active=True, role__in=rules.HANDLER_ROLES
            ).values_list("org_id", "user_id")
            for unit_id, user_id in rows:
                self._handlers[unit_id].add(user_id)
        return sorted({pk for u in unit_ids if u for pk in self._handlers.get(u, ())})

    def area_people(self, case: Case, role: str) -> list[int]:
        """People whose `role` binding reaches the case's place (dispatchers, supervisors)."""
        if self._oversight is None:
            self._oversight = _oversight.get()
        rows, _people = self._oversight
        return sorted({uid for r, uid, code in rows if r == role and case.scope_code.startswith(code)})

    def unit_name(self, unit_id: int | None) -> str:
        if not unit_id:
            return ""
        if unit_id not in self._unit_names:
            wanted = ({unit_id} | self._owner_units()) - set(self._unit_names)
            units = org_units(wanted)
            for pk in wanted:
                self._unit_names[pk] = units[pk].name if pk in units else ""
        return self._unit_names[unit_id]

    def known_users(self) -> dict[int, User]:
        """Recipients already read with their preferences (the cached dispatchers, supervisors)."""
        return self._oversight[1] if self._oversight is not None else {}

    def owners(self, case: Case) -> list[int]:
        if case.owner_user_id:
            return [case.owner_user_id]
        return self.unit_handlers([case.owner_unit_id]) if case.owner_unit_id else []

    def link(self, case: Case, *, to_reporter: bool = True):
        """The case page for those who may read it; the follow card (public fields and the
        outcome) for someone who only follows it (我也关注). Staff are told for their part in
        the case (handlers, dispatchers, supervisors, whistle targets): the case page."""
        detail = reverse("cases:detail", args=[case.pk])
        if not to_reporter:
            return detail
        card = reverse("cases:follow", args=[case.pk])

        def link(user: User) -> str:
            # Reporters are read only when a recipient follows the case.
            if user.pk not in self.followers(case) or user.pk in {case.reporter_id, case.submitted_by_id}:
                return detail
            return detail if user.pk in self.reporters(case) else card

        return link

    def send(
        self,
        people: list[int],
        event: str,
        case: Case,
        actor_id,
        *,
        to_reporter: bool,
        listing: str,
        body: str = "",
        **extra,
    ):
        people = [pk for pk in people if pk != actor_id]
        if not people:
            return
        self.origins.append(Origin(listing, case.pk, case.number))
        self.messages.append(
            Message(
                recipients=people,
                kind=f"case.{event}",
                title=lambda u, e=event, c=case, r=to_reporter, x=extra: _title(e, c, to_reporter=r, **x),
                body=body or case.title,
                link=self.link(case, to_reporter=to_reporter),
                data={"case_id": case.pk},
            )
        )

    def prepare(self) -> Outbox:
        """The notices of the messages collected, built (digests folded), not yet written."""
        return prepare_many(digested(self.messages, self.origins), known=self.known_users())

    def flush(self) -> None:
        self.prepare().write()


# Marked lazily once; `_title` translates only the one it needs (a sweep titles thousands).
TO_REPORTER_TITLES = {
    "accepted": gettext_lazy("Your request %(n)s was accepted"),
    "rejected": gettext_lazy("Your request %(n)s was not accepted"),
    "dispatched": gettext_lazy("Your request %(n)s was passed to %(unit)s"),
    "resolved": gettext_lazy("Your request %(n)s was resolved: please rate it"),
    "closed": gettext_lazy("Your request %(n)s is closed"),
    "published": gettext_lazy("Your request %(n)s is on the public board"),
    "commented": gettext_lazy("A reply about your request %(n)s"),
}
TO_STAFF_TITLES = {
    "submitted": gettext_lazy("New case %(n)s waits for dispatch"),
    "dispatched": gettext_lazy("Case %(n)s was dispatched to you"),
    "transferred": gettext_lazy("Case %(n)s was transferred to you"),
    "returned": gettext_lazy("Case %(n)s was returned"),
    "urged": gettext_lazy("Case %(n)s was urged"),
    "overdue": gettext_lazy("Case %(n)s is overdue"),
    "supervised": gettext_lazy("Case %(n)s is under supervision"),
    "escalated": gettext_lazy("Whistle (吹哨) on case %(n)s: report in by %(due)s"),
}


def _title(event: str, case: Case, *, to_reporter: bool, unit: str = "", due: str = "") -> str:
    text = (TO_REPORTER_TITLES if to_reporter else TO_STAFF_TITLES)[event]
    return str(text) % {"n": case.number, "unit": unit, "due": due}


def on_case_events(events: list[Event]) -> None:
    """Who hears what for a batch of case events: read set-wise, written by one notify_many."""
    if not getattr(settings, "NOTIFY_CASE_EVENTS", True):  # off only in a bench run that measures its cost
        return
    batch = Batch(events)
    for event in events:
        _handle(batch, event)
    batch.flush()


@subscribe("case.*")
@handles_batches(on_case_events)
def on_case_event(event: Event) -> None:
    """One event: read now, write with the other subscribers' deferred writes (one transaction)."""
    if not getattr(settings, "NOTIFY_CASE_EVENTS", True):
        return
    batch = Batch([event])
    _handle(batch, event)
    if batch.messages:
        # Built now, inserted with the other subscribers' writes (one transaction): the write
        # lock is held for the insert only.
        defer_write(event, batch.prepare().write)


def _handle(batch: Batch, event: Event) -> None:
    name = event.name.split(".", 1)[1]
    case = batch.cases.get(event.get("case_id"))
    if case is None:
        return
    actor_id = event.get("actor_id")
    entry = batch.entries.get(event.get("entry_id")) if event.get("entry_id") else None
    if entry is not None and event.at - entry.at > REPLAY_AGE:
        return  # a replay of the past (an import, the demo's history) tells no one
    send = batch.send

    if name == "submitted":
        # A live case the platform did not dispatch itself waits in the dispatchers' queue.
        if (
            event.get("live", True)
            and (entry is None or event.at - entry.at <= REPLAY_AGE)
            and case.status == "submitted"
            and not (case.suggestions or {}).get("auto_dispatched")
        ):
            people = batch.area_people(case, Role.DISPATCHER)
            send(people, name, case, actor_id, to_reporter=False, listing="cases:queue")
        return
    if name in OUTCOMES:
        unit = batch.unit_name(event.get("owner_unit_id") or case.owner_unit_id)
        body = case.result if name == "resolved" and case.result else ""
        people = batch.reporters_and_followers(case)
        send(people, name, case, actor_id, to_reporter=True, listing="cases:mine", body=body, unit=unit)
    if name in TO_OWNER:
        assignee = event.get("assignee_id")
        if assignee:
            people = [assignee]
        else:
            unit_id = event.get("owner_unit_id") or case.owner_unit_id
            people = batch.unit_handlers([unit_id]) if unit_id else []
            if name == "returned":  # back in the dispatchers' queue
                queue = [pk for pk in batch.area_people(case, Role.DISPATCHER) if pk not in people]
                send(queue, name, case, actor_id, to_reporter=False, listing="cases:queue")
        send(people, name, case, actor_id, to_reporter=False, listing="cases:inbox")
    elif name in TO_OVERSIGHT:
        # The owners find it in their inbox, the supervisors on the overdue list.
        note = (entry.note if entry else "") or case.title
        owners = batch.owners(case)
        supervisors = [pk for pk in batch.area_people(case, Role.DISCIPLINE_SUPERVISOR) if pk not in owners]
        send(owners, name, case, actor_id, to_reporter=False, listing="cases:inbox", body=note)
        send(supervisors, name, case, actor_id, to_reporter=False, listing="cases:overdue", body=note)
    elif name == "escalated":
        due = event.get("report_due_at") or ""
        with contextlib.suppress(ValueError):
            due = timezone.localtime(datetime.fromisoformat(due)).strftime("%m-%d %H:%M") if due else ""
        targets = batch.unit_handlers(list(event.get("target_unit_ids") or []))
        send(targets, name, case, actor_id, to_reporter=False, listing="cases:whistles", due=due)
    elif name == "commented" and entry is not None and (entry.data or {}).get("reply"):
        people = batch.reporters_and_followers(case)
        send(people, name, case, actor_id, to_reporter=True, listing="cases:mine", body=entry.note)
