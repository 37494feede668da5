"""Writes of deliberation: each `noun_verb(*, actor, …)` checks the policy, writes and audits in
one transaction. Reads with rules are in selectors.py."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.events import emit
from jinlin.core.models import OrgKind, OrgUnit, User
from jinlin.core.scope import area_code

from .models import (
    Conversation,
    ForumSettings,
    Meeting,
    MeetingCase,
    MeetingKind,
    MeetingRole,
    MonthlyTheme,
    Registration,
    Score,
    Statement,
    StatementStatus,
    Task,
    TaskStatus,
    TaskUpdate,
    Topic,
    TopicSource,
    TopicStatus,
    TopicSupport,
    Vote,
)

MAX_SELECTED_PER_MONTH = 3


def _text(value: str | None, field: str, *, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > max_length:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": max_length}})
    return value


# ---------------------------------------------------------------- the monthly window


class TopicWindowClosed(Exception):
    """Topics are collected only inside the community's monthly window."""

    def __init__(self, window: Window):
        self.opens_at = window.opens_at
        self.message = window.message
        super().__init__(self.message)


@dataclass(frozen=True)
class Window:
    start_day: int
    end_day: int
    is_open: bool
    opens_at: datetime  # the start of the current window if open, else of the next one
    closes_on: date

    @property
    def message(self) -> str:
        if self.is_open:
            return _("Topics are being collected until %(date)s.") % {"date": self.closes_on.isoformat()}
        return _(
            "Topics are collected from day %(start)d to day %(end)d of each month. The next window opens on %(date)s."
        ) % {"start": self.start_day, "end": self.end_day, "date": self.opens_at.date().isoformat()}


def community_of(unit: OrgUnit) -> OrgUnit:
    if unit.kind == OrgKind.COMMUNITY:
        return unit
    found = unit.ancestors().filter(kind=OrgKind.COMMUNITY).last()
    return found or unit


def topic_window(unit: OrgUnit, today: date | None = None) -> Window:
    today = today or timezone.localdate()
    row = ForumSettings.objects.filter(unit=community_of(unit)).first()
    start, end = (row.window_start_day, row.window_end_day) if row else (1, 10)
    tz = timezone.get_current_timezone()
    if start <= today.day <= end:
        opens = today.replace(day=start)
        return Window(start, end, True, datetime.combine(opens, time(0), tz), today.replace(day=end))
    if today.day < start:
        opens = today.replace(day=start)
    else:
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        opens = date(year, month, start)
    closes = opens.replace(day=min(end, calendar.monthrange(opens.year, opens.month)[1]))
    return Window(start, end, False, datetime.combine(opens, time(0), tz), closes)


def forum_settings_set(*, actor: User, unit: OrgUnit, start_day: int, end_day: int) -> ForumSettings:
    community = community_of(unit)
    probe = Topic(scope_code=community.code)
    policy.require(actor, "forum.topic.select", probe)
    if not (1 <= start_day <= end_day <= 28):
        raise ValidationError(_("The window runs from a day between 1 and 28 to a later day up to 28."))
    with transaction.atomic():
        row, _created = ForumSettings.objects.update_or_create(
            unit=community, defaults={"window_start_day": start_day, "window_end_day": end_day}
        )
        audit_record(actor=actor, action="forum.settings", obj=row, after={"start": start_day, "end": end_day})
    return row


# ---------------------------------------------------------------- topics (征议题 → 定剧本)


def topic_propose(
    *,
    actor: User,
    unit: OrgUnit,
    title: str,
    body: str = "",
    source: str = TopicSource.ONLINE,
    today: date | None = None,
) -> Topic:
    community = community_of(unit)
    if community.kind != OrgKind.COMMUNITY:
        raise ValidationError({"unit_id": _("Topics are proposed to a community.")})
    title = _text(title, "title", max_length=120)
    body = _text(body, "body", max_length=2000, required=False)
    probe = Topic(scope_code=community.code)
    offline = source != TopicSource.ONLINE
    policy.require(actor, "forum.topic.record" if offline else "forum.topic.propose", probe)
    window = topic_window(community, today)
    if not offline and not window.is_open:
        raise TopicWindowClosed(window)
    today = today or timezone.localdate()
    with transaction.atomic():
        topic = Topic.objects.create(
            unit=community,
            scope_code=community.code,
            title=title,
            body=body,
            author=None if offline else actor,
            recorded_by=actor if offline else None,
            source=source,
            month=today.replace(day=1),
        )
        audit_record(actor=actor, action="forum.topic.propose", obj=topic, after={"source": source})
    emit("forum.topic_proposed", topic_id=topic.pk, actor_id=actor.pk)
    return topic


def topic_support(*, actor: User, topic: Topic) -> Topic:
    policy.require(actor, "forum.topic.support", topic)
    if topic.status not in (TopicStatus.PROPOSED, TopicStatus.SELECTED):
        raise ValidationError(_("This topic no longer takes supports."))
    try:
        with transaction.atomic():
            TopicSupport.objects.create(topic=topic, user=actor)
            Topic.objects.filter(pk=topic.pk).update(supports=F("supports") + 1)
    except IntegrityError:
        pass  # supported already: supporting twice is the same as once
    topic.refresh_from_db(fields=["supports"])
    return topic


def topic_select(*, actor: User, topics: list[Topic]) -> list[Topic]:
    """定剧本: the party organisation picks 2–3 of the month's topics for the theatre."""
    if not topics:
        raise ValidationError(_("Choose the topics to put on stage."))
    community_ids = {t.unit_id for t in topics}
    months = {t.month for t in topics}
    if len(community_ids) > 1 or len(months) > 1:
        raise ValidationError(_("Choose topics of one community and one month."))
    for t in topics:
        policy.require(actor, "forum.topic.select", t)
    with transaction.atomic():
        already = Topic.objects.filter(
            unit_id=topics[0].unit_id, month=topics[0].month, status__in=[TopicStatus.SELECTED, TopicStatus.DISCUSSED]
        ).exclude(pk__in=[t.pk for t in topics])
        if already.count() + len(topics) > MAX_SELECTED_PER_MONTH:
            raise ValidationError(
                _("At most %(n)d topics a month go on stage (定剧本 picks 2–3).") % {"n": MAX_SELECTED_PER_MONTH}
            )
        now = timezone.now()
        for t in topics:
            if t.status != TopicStatus.PROPOSED:
                raise ValidationError(_("“%(title)s” is not waiting to be selected.") % {"title": t.title})
            t.status, t.selected_at, t.selected_by = TopicStatus.SELECTED, now, actor
            t.save(update_fields=["status", "selected_at", "selected_by"])
            audit_record(actor=actor, action="forum.topic.select", obj=t)
    return topics


def topic_score(*, actor: User, topic: Topic, score: int) -> Score:
    """评效果: satisfaction 1–5 once the topic's tasks are under way or done."""
    policy.require(actor, "forum.topic.score", topic)
    if score not in (1, 2, 3, 4, 5):
        raise ValidationError({"score": _("A score is from 1 to 5.")})
    if topic.status not in (TopicStatus.DISCUSSED, TopicStatus.IN_PROGRESS, TopicStatus.DONE):
        raise ValidationError(_("Scores open once the topic has been discussed."))
    with transaction.atomic():
        row, _created = Score.objects.update_or_create(topic=topic, user=actor, defaults={"score": score})
        audit_record(actor=actor, action="forum.topic.score", obj=topic, after={"score": score})
    return row


# ---------------------------------------------------------------- meetings (开剧场, 联席会)


def meeting_create(
    *,
    actor: User,
    unit: OrgUnit,
    title: str,
    starts_at: datetime,
    kind: str = MeetingKind.THEATRE,
    location: str = "",
    topics: list[Topic] | None = None,
    roles: list[tuple[str, str, OrgUnit | None]] | None = None,
) -> Meeting:
    if kind not in MeetingKind.values:
        raise ValidationError({"kind": _("Unknown meeting kind.")})
    scope = area_code(unit)
    policy.require(actor, "forum.meeting.manage", Meeting(scope_code=scope))
    title = _text(title, "title", max_length=120)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            kind=kind,
            unit=unit,
            scope_code=scope,
            title=title,
            starts_at=starts_at,
            location=_text(location, "location", max_length=120, required=False),
            created_by=actor,
        )
        for t in topics or []:
            if not t.scope_code.startswith(scope) and not scope.startswith(t.scope_code):
                raise ValidationError(_("A topic of another place cannot go on this meeting's agenda."))
            meeting.topics.add(t)
        for role, name, role_unit in roles or []:
            MeetingRole.objects.create(
                meeting=meeting, role=role, name=_text(name, "name", max_length=60), unit=role_unit
            )
        audit_record(actor=actor, action="forum.meeting.create", obj=meeting)
    return meeting


def meeting_register(*, actor: User, meeting: Meeting) -> Registration:
    policy.require(actor, "forum.meeting.register", meeting)
    if meeting.held_at is not None:
        raise ValidationError(_("The meeting has already been held."))
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        existing = Registration.objects.filter(meeting=meeting, user=actor).first()
        if existing:
            return existing
        if meeting.registrations.count() >= meeting.capacity:
            raise ValidationError(_("All seats are taken."))
        return Registration.objects.create(meeting=meeting, user=actor)


def meeting_record(
    *, actor: User, meeting: Meeting, minutes: str, attended_user_ids: list[int] | None = None
) -> Meeting:
    """The meeting is held: minutes and attendance; its topics move to 'discussed'."""
    policy.require(actor, "forum.meeting.manage", meeting)
    minutes = _text(minutes, "minutes", max_length=20000)
    with transaction.atomic():
        meeting.minutes = minutes
        meeting.held_at = meeting.held_at or timezone.now()
        meeting.save(update_fields=["minutes", "held_at"])
        if attended_user_ids is not None:
            meeting.registrations.update(attended=False)
            meeting.registrations.filter(user_id__in=attended_user_ids).update(attended=True)
        meeting.topics.filter(status=TopicStatus.SELECTED).update(status=TopicStatus.DISCUSSED)
        audit_record(actor=actor, action="forum.meeting.record", obj=meeting)
    return meeting


def task_create(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    owner_unit: OrgUnit,
    deadline: date,
    owner: User | None = None,
    topic: Topic | None = None,
    case=None,
) -> Task:
    """A decision becomes a task. A decision on an agenda case also goes onto the case's timeline
    through cases' own service (case_comment): cases never imports forum."""
    policy.require(actor, "forum.meeting.manage", meeting)
    title = _text(title, "title", max_length=200)
    if topic is not None and not meeting.topics.filter(pk=topic.pk).exists():
        raise ValidationError({"topic": _("That topic is not on this meeting's agenda.")})
    if case is not None and not MeetingCase.objects.filter(meeting=meeting, case=case).exists():
        raise ValidationError({"case": _("That case is not on this meeting's agenda.")})
    with transaction.atomic():
        task = Task.objects.create(
            meeting=meeting,
            topic=topic,
            case=case,
            scope_code=meeting.scope_code,
            title=title,
            owner_unit=owner_unit,
            owner=owner,
            deadline=deadline,
        )
        if topic is not None and topic.status in (TopicStatus.SELECTED, TopicStatus.DISCUSSED):
            Topic.objects.filter(pk=topic.pk).update(status=TopicStatus.IN_PROGRESS)
        if case is not None:
            from jinlin.cases.services import case_comment

            note = _(
                "Joint meeting “%(meeting)s” decided: %(decision)s — lead unit %(unit)s, deadline %(deadline)s."
            ) % {
                "meeting": meeting.title,
                "decision": title,
                "unit": owner_unit.name,
                "deadline": deadline.isoformat(),
            }
            case_comment(actor=actor, case=case, note=note)
        audit_record(actor=actor, action="forum.task.create", obj=task)
    emit("forum.task_created", task_id=task.pk, actor_id=actor.pk)
    return task


def meeting_case_add(*, actor: User, meeting: Meeting, case) -> MeetingCase:
    """Put a (hard) case on a joint meeting's agenda (CASE-5)."""
    policy.require(actor, "forum.meeting.manage", meeting)
    if not case.scope_code.startswith(meeting.scope_code):
        raise ValidationError(_("That case lies outside this meeting's place."))
    with transaction.atomic():
        row, _created = MeetingCase.objects.get_or_create(meeting=meeting, case=case)
        audit_record(actor=actor, action="forum.meeting.case_add", obj=meeting, after={"case_id": case.pk})
    return row


def task_progress(*, actor: User, task: Task, progress: int, note: str = "") -> Task:
    policy.require(actor, "forum.task.update", task)
    if not 0 <= progress <= 100:
        raise ValidationError({"progress": _("Progress is between 0 and 100 %.")})
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        task.progress = progress
        task.status = TaskStatus.DONE if progress == 100 else TaskStatus.OPEN
        task.save(update_fields=["progress", "status"])
        TaskUpdate.objects.create(
            task=task, progress=progress, note=_text(note, "note", max_length=2000, required=False), by=actor
        )
        if task.topic_id and not Task.objects.filter(topic_id=task.topic_id, status=TaskStatus.OPEN).exists():
            Topic.objects.filter(pk=task.topic_id).update(status=TopicStatus.DONE)
        audit_record(actor=actor, action="forum.task.progress", obj=task, after={"progress": progress})
    return task


def task_reminders_run(*, today: date | None = None, within_days: int = 3) -> int:
    """Remind owners of open tasks due within `within_days` days or overdue, once a day."""
    today = today or timezone.localdate()
    since = timezone.now() - timedelta(hours=20)
    due = Task.objects.filter(status=TaskStatus.OPEN, deadline__lte=today + timedelta(days=within_days)).exclude(
        reminded_at__gte=since
    )
    count = 0
    for task in due:
        Task.objects.filter(pk=task.pk).update(reminded_at=timezone.now())
        emit("forum.task_due", task_id=task.pk, owner_id=task.owner_id, owner_unit_id=task.owner_unit_id, actor_id=None)
        count += 1
    return count


# ---------------------------------------------------------------- 每月一题


def theme_adopt(
    *,
    actor: User,
    unit: OrgUnit,
    title: str,
    cases: list | None = None,
    plan: str = "",
    owner: User | None = None,
    month: date | None = None,
    open_topic: bool = False,
) -> MonthlyTheme:
    scope = area_code(unit)
    policy.require(actor, "forum.theme.manage", MonthlyTheme(scope_code=scope))
    title = _text(title, "title", max_length=120)
    month = (month or timezone.localdate()).replace(day=1)
    with transaction.atomic():
        theme = MonthlyTheme.objects.create(
            unit=unit,
            scope_code=scope,
            month=month,
            title=title,
            plan=_text(plan, "plan", max_length=5000, required=False),
            owner=owner,
            created_by=actor,
        )
        outside = [c.pk for c in cases or [] if not c.scope_code.startswith(scope)]
        if outside:
            raise ValidationError(_("Some of the cases lie outside this place."))
        theme.cases.set(cases or [])
        if open_topic and unit.kind == OrgKind.COMMUNITY:
            theme.topic = Topic.objects.create(
                unit=unit,
                scope_code=unit.code,
                title=title,
                body=theme.plan,
                recorded_by=actor,
                source=TopicSource.THEME,
                month=month,
            )
            theme.save(update_fields=["topic"])
        audit_record(actor=actor, action="forum.theme.adopt", obj=theme, after={"cases": len(cases or [])})
    return theme


def theme_progress(*, actor: User, theme: MonthlyTheme, progress: int, plan: str | None = None) -> MonthlyTheme:
    policy.require(actor, "forum.theme.manage", theme)
    if not 0 <= progress <= 100:
        raise ValidationError({"progress": _("Progress is between 0 and 100 %.")})
    with transaction.atomic():
        theme.progress = progress
        if plan is not None:
            theme.plan = _text(plan, "plan", max_length=5000, required=False)
        theme.save(update_fields=["progress", "plan"])
        audit_record(actor=actor, action="forum.theme.progress", obj=theme, after={"progress": progress})
    return theme


# ---------------------------------------------------------------- conversations (Polis-like)


def conversation_create(
    *, actor: User, unit: OrgUnit, title: str, description: str = "", statements: Sequence[str] = ()
) -> Conversation:
    scope = area_code(unit)
    policy.require(actor, "forum.conversation.manage", Conversation(scope_code=scope))
    with transaction.atomic():
        conversation = Conversation.objects.create(
            unit=unit,
            scope_code=scope,
            title=_text(title, "title", max_length=120),
            description=_text(description, "description", max_length=2000, required=False),
            created_by=actor,
        )
        for text in statements:
            Statement.objects.create(
                conversation=conversation,
                text=_text(text, "text", max_length=140),
                author=actor,
                status=StatementStatus.APPROVED,
                moderated_by=actor,
            )
        audit_record(actor=actor, action="forum.conversation.create", obj=conversation)
    return conversation


def statement_add(*, actor: User, conversation: Conversation, text: str) -> Statement:
    """A statement by staff is shown at once; a resident's waits for moderation."""
    policy.require(actor, "forum.statement.add", conversation)
    if not conversation.is_open:
        raise ValidationError(_("This conversation is closed."))
    text = _text(text, "text", max_length=140)
    staff = policy.allows(actor, "forum.conversation.manage", conversation)
    with transaction.atomic():
        if Statement.objects.filter(conversation=conversation, text=text).exists():
            raise ValidationError({"text": _("This statement is already in the conversation.")})
        statement = Statement.objects.create(
            conversation=conversation,
            text=text,
            author=actor,
            status=StatementStatus.APPROVED if staff else StatementStatus.PENDING,
            moderated_by=actor if staff else None,
        )
        audit_record(actor=actor, action="forum.statement.add", obj=statement)
    return statement


def statement_moderate(*, actor: User, statement: Statement, approve: bool) -> Statement:
    policy.require(actor, "forum.conversation.manage", statement.conversation)
    with transaction.atomic():
        statement.status = StatementStatus.APPROVED if approve else StatementStatus.REJECTED
        statement.moderated_by = actor
        statement.save(update_fields=["status", "moderated_by"])
        audit_record(actor=actor, action="forum.statement.moderate", obj=statement, after={"status": statement.status})
    return statement


def vote_cast(*, actor: User, statement: Statement, vote: int) -> Vote:
    policy.require(actor, "forum.vote", statement.conversation)
    if vote not in (1, -1, 0):
        raise ValidationError({"vote": _("A vote is 1 (agree), -1 (disagree) or 0 (pass).")})
    if statement.status != StatementStatus.APPROVED or not statement.conversation.is_open:
        raise ValidationError(_("This statement is not open for votes."))
    with transaction.atomic():
        row, _created = Vote.objects.update_or_create(
            statement=statement, user=actor, defaults={"vote": vote, "at": timezone.now()}
        )
    transaction.on_commit(lambda: groups_schedule(statement.conversation_id))
    return row


def groups_schedule(conversation_id: int) -> None:
    """Recompute a conversation's groups in the background (one waiting run per conversation)."""
    from .tasks import schedule_groups

    schedule_groups(conversation_id)


def groups_recompute(conversation_id: int) -> dict:
    """Run the analysis on the approved statements' votes and cache the result on the row."""
    from .opinion import analyse

    conversation = Conversation.objects.get(pk=conversation_id)
    rows = list(
        Vote.objects.filter(
            statement__conversation=conversation, statement__status=StatementStatus.APPROVED
        ).values_list("user_id", "statement_id", "vote")
    )
    result = analyse(rows).as_cache()
    Conversation.objects.filter(pk=conversation_id).update(
        groups=result, groups_at=timezone.now(), groups_votes=len(rows)
    )
    return result
