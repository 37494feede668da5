"""Who may do what in deliberation (core.policy): one row per action."""

from jinlin.core.models import Role
from jinlin.core.policy import Policy, register
from jinlin.core.scope import covers


def in_scope(assignment, obj) -> bool:
    return obj is not None and covers(assignment, obj.scope_code)


def anyone(user, obj) -> bool:
    return user.is_authenticated


def task_owner(user, task) -> bool:
    return task is not None and task.owner_id == user.pk


STAFF = frozenset({Role.COMMUNITY_STAFF, Role.PARTY_ADMIN, Role.PLATFORM_ADMIN})
MEETING_STAFF = STAFF | {Role.DISPATCHER, Role.GRID_WORKER}

register(
    Policy("forum.topic.propose", personal=anyone, refusal="Log in to propose a topic."),
    Policy(
        "forum.topic.record",
        roles=MEETING_STAFF,
        bound=in_scope,
        refusal="Only the community's staff record topics collected offline.",
    ),
    Policy("forum.topic.support", personal=anyone, refusal="Log in to support a topic."),
    Policy(
        "forum.topic.select",
        roles=STAFF,
        bound=in_scope,
        refusal="Only the community's party organisation selects the topics (定剧本).",
    ),
    Policy("forum.topic.score", personal=anyone, refusal="Log in to score the result."),
    Policy(
        "forum.meeting.manage",
        roles=MEETING_STAFF,
        bound=in_scope,
        refusal="Only staff of this place run its meetings.",
    ),
    Policy("forum.meeting.register", personal=anyone, refusal="Log in to register."),
    Policy(
        "forum.task.update",
        roles=MEETING_STAFF,
        bound=in_scope,
        personal=task_owner,
        refusal="Only the task's owner or the place's staff report progress.",
    ),
    Policy(
        "forum.theme.manage",
        roles=MEETING_STAFF | {Role.DISCIPLINE_SUPERVISOR},
        bound=in_scope,
        refusal="Only staff of this place adopt the month's theme.",
    ),
    Policy(
        "forum.conversation.manage",
        roles=MEETING_STAFF,
        bound=in_scope,
        refusal="Only staff of this place open and moderate conversations.",
    ),
    Policy("forum.statement.add", personal=anyone, refusal="Log in to add a statement."),
    Policy("forum.vote", personal=anyone, refusal="Log in to vote."),
)
