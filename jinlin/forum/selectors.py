"""Reads of deliberation with their rules. Topics, meetings, tasks and conversations of a place are
public to anyone who may take part (a resident reads their community's topics); moderation
queues and the registration lists are for staff in scope (core.scope)."""

from __future__ import annotations

import random

from django.db.models import Avg, Count, Q, QuerySet

from jinlin.core.models import OrgKind, OrgUnit, Role, User
from jinlin.core.scope import active_assignments, area_codes, prefix_q

from .models import Conversation, Meeting, MonthlyTheme, Statement, StatementStatus, Task, Topic, TopicStatus, Vote

STAFF_ROLES = {Role.COMMUNITY_STAFF, Role.PARTY_ADMIN, Role.PLATFORM_ADMIN, Role.DISPATCHER, Role.GRID_WORKER}


def home_community(user: User | None) -> OrgUnit | None:
    """The community a user belongs to (a resident's estate/building lies under it)."""
    for a in active_assignments(user):
        unit = a.org
        if unit.kind == OrgKind.COMMUNITY:
            return unit
        found = unit.ancestors().filter(kind=OrgKind.COMMUNITY).last()
        if found is not None:
            return found
    return None


def staff_codes(user: User | None) -> list[str]:
    return area_codes(user, STAFF_ROLES)


def topics(*, unit_id: int | None = None, status: str | None = None, q: str = "") -> QuerySet[Topic]:
    rows = Topic.objects.select_related("unit")
    if unit_id:
        unit = OrgUnit.objects.filter(pk=unit_id).first()
        rows = rows.filter(scope_code__startswith=unit.code) if unit else rows.none()
    if status:
        rows = rows.filter(status=status)
    if q:
        rows = rows.filter(Q(title__icontains=q) | Q(body__icontains=q))
    return rows


def topic_supported_by(user: User | None, topic_ids: list[int]) -> set[int]:
    if user is None or not user.is_authenticated:
        return set()
    from .models import TopicSupport

    return set(TopicSupport.objects.filter(user=user, topic_id__in=topic_ids).values_list("topic_id", flat=True))


def topic_score_summary(topic: Topic) -> dict:
    return topic.scores.aggregate(average=Avg("score"), count=Count("id"))


def meetings_for(user: User | None) -> QuerySet[Meeting]:
    codes = staff_codes(user)
    community = home_community(user)
    q = prefix_q("scope_code", codes)
    if community is not None:
        q |= Q(scope_code__in=_prefixes(community.code))
    return Meeting.objects.filter(q).select_related("unit").annotate(registered=Count("registrations"))


def _prefixes(code: str) -> list[str]:
    return [code[:i] for i in range(1, len(code) + 1)]


def tasks_for(user: User | None) -> QuerySet[Task]:
    codes = staff_codes(user)
    q = prefix_q("scope_code", codes)
    if user is not None and user.is_authenticated:
        q |= Q(owner=user)
    return Task.objects.filter(q).select_related("owner_unit", "owner", "meeting", "topic")


def themes_for(user: User | None) -> QuerySet[MonthlyTheme]:
    return MonthlyTheme.objects.filter(prefix_q("scope_code", staff_codes(user))).select_related("unit", "owner")


def conversations_for(user: User | None) -> QuerySet[Conversation]:
    q = prefix_q("scope_code", staff_codes(user))
    community = home_community(user)
    if community is not None:
        q |= Q(scope_code__in=_prefixes(community.code)) | Q(scope_code__startswith=community.code)
    return Conversation.objects.filter(q)


def shown_statements(conversation: Conversation) -> QuerySet[Statement]:
    return conversation.statements.filter(status=StatementStatus.APPROVED)


def statements_to_vote(conversation: Conversation, user: User | None, *, seed: int | None = None) -> list[Statement]:
    """The shown statements the user has not voted on, in random order (no order effect)."""
    rows = list(shown_statements(conversation))
    if user is not None and user.is_authenticated:
        voted = set(
            Vote.objects.filter(user=user, statement__conversation=conversation).values_list("statement_id", flat=True)
        )
        rows = [s for s in rows if s.pk not in voted]
    random.Random(seed).shuffle(rows)
    return rows


def pending_statements(conversation: Conversation) -> QuerySet[Statement]:
    return conversation.statements.filter(status=StatementStatus.PENDING)


def statement_tallies(conversation: Conversation) -> dict[int, dict]:
    out: dict[int, dict] = {}
    for row in (
        Vote.objects.filter(statement__conversation=conversation)
        .values("statement_id")
        .annotate(
            agree=Count("id", filter=Q(vote=1)),
            disagree=Count("id", filter=Q(vote=-1)),
            passed=Count("id", filter=Q(vote=0)),
        )
    ):
        out[row["statement_id"]] = dict(row)
    return out


def public_topics() -> QuerySet[Topic]:
    return Topic.objects.exclude(status=TopicStatus.NOT_SELECTED).select_related("unit")
