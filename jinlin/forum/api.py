"""REST API of deliberation (the contract of issue 17): topics of 民声剧场, conversations with
statements, votes and opinion groups. Thin: schemas in, a service or selector, schemas out."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.responses import Status as Reply

from jinlin.core.models import OrgUnit

from . import selectors, services
from .models import Conversation, Statement, StatementStatus, Topic, TopicStatus

router = Router(tags=["forum"])
MAX_PAGE = 100


class ErrorOut(Schema):
    detail: str | list


class WindowClosedOut(Schema):
    detail: str
    opens_at: datetime


class TopicIn(Schema):
    unit_id: int
    title: str
    body: str = ""


class TopicOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    title: str
    body: str
    status: str
    source: str
    month: date
    supports: int
    created_at: datetime


def _topic(t: Topic) -> dict:
    return {
        "id": t.pk,
        "unit_id": t.unit_id,
        "unit_name": t.unit.name,
        "title": t.title,
        "body": t.body,
        "status": t.status,
        "source": t.source,
        "month": t.month,
        "supports": t.supports,
        "created_at": t.created_at,
    }


@router.post(
    "/forum/topics", response={201: TopicOut, 403: ErrorOut, 404: ErrorOut, 409: WindowClosedOut, 422: ErrorOut}
)
def topic_create(request, payload: TopicIn):
    """征议题: propose a topic to a community, inside its monthly window (409 with `opens_at` outside)."""
    unit = get_object_or_404(OrgUnit, pk=payload.unit_id)
    try:
        topic = services.topic_propose(actor=request.user, unit=unit, title=payload.title, body=payload.body)
    except services.TopicWindowClosed as exc:
        return Reply(409, {"detail": exc.message, "opens_at": exc.opens_at})
    return Reply(201, _topic(topic))


@router.post("/forum/topics/{topic_id}/support", response={200: TopicOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def topic_support(request, topic_id: int):
    topic = get_object_or_404(Topic.objects.select_related("unit"), pk=topic_id)
    return Reply(200, _topic(services.topic_support(actor=request.user, topic=topic)))


@router.get("/forum/topics", response=list[TopicOut])
def topic_list(request, unit_id: int | None = None, status: str | None = None, limit: int = 50, offset: int = 0):
    if status and status not in TopicStatus.values:
        raise ValidationError({"status": f"one of {', '.join(TopicStatus.values)}"})
    rows = selectors.topics(unit_id=unit_id, status=status)
    limit = max(1, min(limit, MAX_PAGE))
    return [_topic(t) for t in rows[max(offset, 0) : max(offset, 0) + limit]]


class StatementIn(Schema):
    text: str


class StatementOut(Schema):
    id: int
    conversation_id: int
    text: str
    status: str


class VoteIn(Schema):
    vote: int


class VoteOut(Schema):
    statement_id: int
    vote: int


def _conversation(request, conversation_id: int) -> Conversation:
    return get_object_or_404(selectors.conversations_for(request.user), pk=conversation_id)


@router.get("/forum/conversations/{conversation_id}/statements", response=list[StatementOut])
def statement_list(request, conversation_id: int):
    """The shown statements the caller has not voted on yet, in random order."""
    conversation = _conversation(request, conversation_id)
    return [
        {"id": s.pk, "conversation_id": s.conversation_id, "text": s.text, "status": s.status}
        for s in selectors.statements_to_vote(conversation, request.user)
    ]


@router.post(
    "/forum/conversations/{conversation_id}/statements",
    response={201: StatementOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def statement_create(request, conversation_id: int, payload: StatementIn):
    """A statement; a resident's is shown once moderated (status `pending` until then)."""
    conversation = _conversation(request, conversation_id)
    s = services.statement_add(actor=request.user, conversation=conversation, text=payload.text)
    return Reply(201, {"id": s.pk, "conversation_id": s.conversation_id, "text": s.text, "status": s.status})


@router.post(
    "/forum/statements/{statement_id}/vote", response={200: VoteOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
)
def statement_vote(request, statement_id: int, payload: VoteIn):
    statement = get_object_or_404(
        Statement.objects.select_related("conversation").filter(
            conversation__in=selectors.conversations_for(request.user), status=StatementStatus.APPROVED
        ),
        pk=statement_id,
    )
    row = services.vote_cast(actor=request.user, statement=statement, vote=payload.vote)
    return Reply(200, {"statement_id": statement.pk, "vote": row.vote})


class RepresentativeOut(Schema):
    statement: int
    direction: str


class GroupOut(Schema):
    size: int
    members: list[int]
    representative: list[RepresentativeOut]


class GroupsOut(Schema):
    participants: int
    groups: list[GroupOut]
    consensus: list[int]


@router.get("/forum/conversations/{conversation_id}/opinion-groups", response={200: GroupsOut, 404: ErrorOut})
def opinion_groups(request, conversation_id: int):
    """The opinion groups (cached; computed now if the background run has not happened yet)."""
    conversation = _conversation(request, conversation_id)
    data = conversation.groups
    if data is None:
        data = services.groups_recompute(conversation.pk)
    return {
        "participants": data["participants"],
        "groups": [
            {
                "size": g["size"],
                "members": g["members"],
                "representative": [
                    {"statement": r["statement"], "direction": r["direction"]} for r in g["representative"]
                ],
            }
            for g in data["groups"]
        ],
        "consensus": data["consensus"],
    }
