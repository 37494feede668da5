"""Who hears what in the case loop (issue 13 §4), from the case events of jinlin.cases.

The reporter and every follower hear the outcomes; the owner unit's handlers (or the named
person) hear of work sent to them; owner and supervisors hear of urges, overdue cases and
supervision; whistle targets hear of the whistle with the 报到 deadline; dispatchers hear of a new
case the platform did not dispatch itself. No one is told about their own action. Subscribers
only write a few rows (notify's outbox); nothing is sent inside the request.
"""

import contextlib
import logging
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.cases import rules
from jinlin.cases.models import Case, CaseFollow, CaseReporter, TimelineEntry
from jinlin.core.events import Event, subscribe
from jinlin.core.models import OrgUnit, Role, RoleAssignment, User
from jinlin.core.scope import covers

from .services import notify

logger = logging.getLogger(__name__)

REPLAY_AGE = timedelta(hours=1)
OUTCOMES = {"accepted", "rejected", "dispatched", "resolved", "closed", "published"}
TO_OWNER = {"dispatched", "transferred", "returned"}
TO_OVERSIGHT = {"urged", "overdue", "supervised"}


def reporters_and_followers(case: Case) -> list[User]:
    ids = set(CaseReporter.objects.filter(case=case).values_list("user_id", flat=True))
    ids |= set(CaseFollow.objects.filter(case=case).values_list("user_id", flat=True))
    if case.reporter_id:
        ids.add(case.reporter_id)
    return list(User.objects.filter(pk__in=ids, is_active=True))


def unit_handlers(unit_ids: list[int]) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            role_assignments__org_id__in=unit_ids,
            role_assignments__is_active=True,
            role_assignments__role__in=rules.HANDLER_ROLES,
        ).distinct()
    )


def _area_people(case: Case, role: str) -> list[User]:
    """People whose `role` binding reaches the case's place (dispatchers, supervisors)."""
    bindings = RoleAssignment.objects.filter(role=role, is_active=True, user__is_active=True).select_related(
        "org", "user"
    )
    return list({a.user_id: a.user for a in bindings if covers(a, case.scope_code)}.values())


def owners(case: Case) -> list[User]:
    if case.owner_user_id:
        return [case.owner_user]
    return unit_handlers([case.owner_unit_id]) if case.owner_unit_id else []


def _link(case: Case):
    """The case page for those who may read it; the follow card (public fields and the outcome)
    for someone who only follows it (我也关注)."""
    readers = {case.reporter_id, case.submitted_by_id}
    readers |= set(CaseReporter.objects.filter(case=case).values_list("user_id", flat=True))
    followers_only = set(CaseFollow.objects.filter(case=case).values_list("user_id", flat=True)) - readers
    detail = reverse("cases:detail", args=[case.pk])
    card = reverse("cases:follow", args=[case.pk])
    return lambda user: card if user.pk in followers_only else detail


def _unit_name(unit_id) -> str:
    return OrgUnit.objects.filter(pk=unit_id).values_list("name", flat=True).first() or "" if unit_id else ""


def _title(event: str, case: Case, *, to_reporter: bool, unit: str = "", due: str = "") -> str:
    n = case.number
    if to_reporter:
        texts = {
            "accepted": _("Your request %(n)s was accepted"),
            "rejected": _("Your request %(n)s was not accepted"),
            "dispatched": _("Your request %(n)s was passed to %(unit)s"),
            "resolved": _("Your request %(n)s was resolved: please rate it"),
            "closed": _("Your request %(n)s is closed"),
            "published": _("Your request %(n)s is on the public board"),
            "commented": _("A reply about your request %(n)s"),
        }
    else:
        texts = {
            "submitted": _("New case %(n)s waits for dispatch"),
            "dispatched": _("Case %(n)s was dispatched to you"),
            "transferred": _("Case %(n)s was transferred to you"),
            "returned": _("Case %(n)s was returned"),
            "urged": _("Case %(n)s was urged"),
            "overdue": _("Case %(n)s is overdue"),
            "supervised": _("Case %(n)s is under supervision"),
            "escalated": _("Whistle (吹哨) on case %(n)s: report in by %(due)s"),
        }
    return texts[event] % {"n": n, "unit": unit, "due": due}


def _send(people: list[User], event: str, case: Case, actor_id, *, to_reporter: bool, body: str = "", **extra) -> None:
    people = [u for u in people if u.pk != actor_id]
    if not people:
        return
    notify(
        people,
        f"case.{event}",
        title=lambda u: _title(event, case, to_reporter=to_reporter, **extra),
        body=body or case.title,
        link=_link(case),
        data={"case_id": case.pk},
    )


@subscribe("case.*")
def on_case_event(event: Event) -> None:
    name = event.name.split(".", 1)[1]
    case = Case.objects.select_related("owner_user").filter(pk=event.get("case_id")).first()
    if case is None:
        return
    actor_id = event.get("actor_id")
    entry = TimelineEntry.objects.filter(pk=event.get("entry_id")).first() if event.get("entry_id") else None
    if entry is not None and event.at - entry.at > REPLAY_AGE:
        return  # a replay of the past (an import, the demo's history) tells no one

    if name == "submitted":
        # A live case the platform did not dispatch itself waits in the dispatchers' queue.
        if (
            event.get("live", True)
            and case.status == "submitted"
            and not (case.suggestions or {}).get("auto_dispatched")
        ):
            _send(_area_people(case, Role.DISPATCHER), name, case, actor_id, to_reporter=False)
        return
    if name in OUTCOMES:
        unit = _unit_name(event.get("owner_unit_id") or case.owner_unit_id)
        body = case.result if name == "resolved" and case.result else ""
        _send(reporters_and_followers(case), name, case, actor_id, to_reporter=True, body=body, unit=unit)
    if name in TO_OWNER:
        assignee = event.get("assignee_id")
        if assignee:
            people = list(User.objects.filter(pk=assignee, is_active=True))
        else:
            unit_id = event.get("owner_unit_id") or case.owner_unit_id
            people = unit_handlers([unit_id]) if unit_id else []
            if name == "returned":
                people += _area_people(case, Role.DISPATCHER)
        _send(people, name, case, actor_id, to_reporter=False)
    elif name in TO_OVERSIGHT:
        people = owners(case) + _area_people(case, Role.DISCIPLINE_SUPERVISOR)
        _send(people, name, case, actor_id, to_reporter=False, body=(entry.note if entry else "") or case.title)
    elif name == "escalated":
        due = event.get("report_due_at") or ""
        with contextlib.suppress(ValueError):
            due = timezone.localtime(datetime.fromisoformat(due)).strftime("%m-%d %H:%M") if due else ""
        _send(unit_handlers(list(event.get("target_unit_ids") or [])), name, case, actor_id, to_reporter=False, due=due)
    elif name == "commented" and entry is not None and (entry.data or {}).get("reply"):
        _send(reporters_and_followers(case), name, case, actor_id, to_reporter=True, body=entry.note)
