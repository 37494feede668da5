"""Deliberation: 民声剧场 topics and meetings with tasks, 每月一题, and Polis-like conversations.

Every row that belongs to a place carries that place's `scope_code` (the code-prefix rule of
core.models), so staff reads go through core.scope like every other app's.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jinlin.core.models import OrgUnit

USER = settings.AUTH_USER_MODEL


class ForumSettings(models.Model):
    """Per community: the days of the month on which topics are collected (征议题, 1st–10th by default)."""

    unit = models.OneToOneField(OrgUnit, on_delete=models.PROTECT, related_name="forum_settings")
    window_start_day = models.PositiveSmallIntegerField(_("topics open on day"), default=1)
    window_end_day = models.PositiveSmallIntegerField(_("topics close after day"), default=10)

    class Meta:
        verbose_name = _("deliberation settings")
        verbose_name_plural = _("deliberation settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    window_start_day__gte=1, window_end_day__lte=28, window_start_day__lte=models.F("window_end_day")
                ),
                name="forum_window_days_valid",
            )
        ]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.pk}"


class TopicStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed (征议题)")
    SELECTED = "selected", _("Selected for the theatre (定剧本)")
    DISCUSSED = "discussed", _("Discussed at a meeting (开剧场)")
    IN_PROGRESS = "in_progress", _("Being carried out (抓落实)")
    DONE = "done", _("Done (晒账单)")
    NOT_SELECTED = "not_selected", _("Not selected")


class TopicSource(models.TextChoices):
    ONLINE = "online", _("Online")
    PHONE = "phone", _("Phone (recorded by staff)")
    VISIT = "visit", _("Door-to-door visit (recorded by staff)")
    THEME = "theme", _("Month's theme (每月一题)")


class Topic(models.Model):
    unit = models.ForeignKey(OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("description"), blank=True)
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=12, choices=TopicSource.choices, default=TopicSource.ONLINE)
    status = models.CharField(_("status"), max_length=16, choices=TopicStatus.choices, default=TopicStatus.PROPOSED)
    month = models.DateField(_("month"), help_text=_("The first day of the month the topic was collected in."))
    supports = models.PositiveIntegerField(_("supports"), default=0)
    selected_at = models.DateTimeField(null=True, blank=True)
    selected_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-month", "-supports", "-id"]
        indexes = [models.Index(fields=["unit", "status", "month"])]

    def __str__(self):
        return self.title


class TopicSupport(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="support_rows")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "user"], name="forum_one_support_each")]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.pk}"


class MeetingKind(models.TextChoices):
    THEATRE = "theatre", _("People's theatre (民声剧场)")
    TRIPARTITE = "tripartite", _("Three-party meeting (三方联席会)")
    JOINT = "joint", _("Street / county joint meeting (联席会议)")
    COUNCIL = "council", _("Deliberation day (议事日)")


class Meeting(models.Model):
    kind = models.CharField(_("kind"), max_length=12, choices=MeetingKind.choices, default=MeetingKind.THEATRE)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    title = models.CharField(_("title"), max_length=120)
    starts_at = models.DateTimeField(_("starts at"))
    location = models.CharField(_("location"), max_length=120, blank=True)
    capacity = models.PositiveIntegerField(_("seats for residents"), default=30)
    topics = models.ManyToManyField(Topic, blank=True, related_name="meetings")
    minutes = models.TextField(_("minutes"), blank=True)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at"]

    def __str__(self):
        return self.title


class MeetingRoleKind(models.TextChoices):
    CONVENER = "convener", _("Convener (召集人)")
    STAFF = "staff", _("Community worker (社区工作者)")
    PROPERTY = "property", _("Property representative (物业代表)")
    OWNERS = "owners", _("Owners' committee member (业委会成员)")
    INVITED = "invited", _("Invited (N: departments, experts, residents)")


class MeetingRole(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=12, choices=MeetingRoleKind.choices)
    name = models.CharField(_("name"), max_length=60)
    unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.pk}"


class Registration(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    attended = models.BooleanField(_("attended"), default=False)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="forum_register_once")]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.pk}"


class MeetingCase(models.Model):
    """A case on a joint meeting's agenda (CASE-5); the decision goes onto its timeline."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_cases")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "case"], name="forum_case_once_per_meeting")]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.pk}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    DONE = "done", _("Done")


class Task(models.Model):
    """A decision of a meeting, carried out (Decidim's accountability: owner, deadline, progress %)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="tasks")
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    title = models.CharField(_("decision"), max_length=200)
    owner_unit = models.ForeignKey(OrgUnit, verbose_name=_("owner unit"), on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        USER, verbose_name=_("owner"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deadline = models.DateField(_("deadline"))
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    status = models.CharField(max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["deadline", "id"]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="forum_progress_at_most_100")]

    def __str__(self):
        return self.title

    @property
    def overdue(self) -> bool:
        return self.status == TaskStatus.OPEN and self.deadline < timezone.localdate()


class TaskUpdate(models.Model):
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="updates")
    progress = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True)
    by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.pk}"


class Score(models.Model):
    """评效果: a participant's satisfaction 1–5 with what came of a topic."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="scores")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "user"], name="forum_score_once"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="forum_score_1_to_5"),
        ]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.pk}"


class MonthlyTheme(models.Model):
    """每月一题: a cluster of repeated complaints adopted as the month's theme (点题整治)."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    month = models.DateField(_("month"))
    title = models.CharField(_("theme"), max_length=120)
    plan = models.TextField(_("plan"), blank=True)
    owner = models.ForeignKey(
        USER, verbose_name=_("owner"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    cases = models.ManyToManyField("cases.Case", blank=True, related_name="+")
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("month's theme")
        verbose_name_plural = _("months' themes")
        ordering = ["-month", "-id"]

    def __str__(self):
        return self.title


class Conversation(models.Model):
    """A Polis-like conversation: short statements, agree / disagree / pass, opinion groups."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    is_open = models.BooleanField(_("open for votes"), default=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The last analysis (opinion.OpinionGroups.as_cache), recomputed in the background.
    groups = models.JSONField(null=True, blank=True)
    groups_at = models.DateTimeField(null=True, blank=True)
    groups_votes = models.PositiveIntegerField(default=0, help_text="votes counted in the cached analysis")

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class StatementStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    APPROVED = "approved", _("Shown")
    REJECTED = "rejected", _("Not shown")


class Statement(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="statements")
    text = models.CharField(_("statement"), max_length=140)
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=StatementStatus.choices, default=StatementStatus.PENDING)
    moderated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.text


class Vote(models.Model):
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="votes")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    vote = models.SmallIntegerField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["statement", "user"], name="forum_one_vote_each"),
            models.CheckConstraint(condition=Q(vote__in=[1, -1, 0]), name="forum_vote_values"),
        ]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.pk}"


# ---------------------------------------------------------------- 居民公约 and 民意测评


class ConventionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft, open for comments")
    VOTING = "voting", _("Being voted on")
    ADOPTED = "adopted", _("Adopted")
    REJECTED = "rejected", _("Not adopted")


class Convention(models.Model):
    """居民公约: drafted by article, commented per article, voted by the place's confirmed residents."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    title = models.CharField(_("title"), max_length=120)
    status = models.CharField(max_length=10, choices=ConventionStatus.choices, default=ConventionStatus.DRAFT)
    quorum_pct = models.PositiveSmallIntegerField(_("quorum: percent of residents voting"), default=50)
    threshold_pct = models.PositiveSmallIntegerField(_("threshold: percent of votes in favour"), default=67)
    eligible = models.PositiveIntegerField(_("residents entitled to vote"), default=0)
    version = models.PositiveIntegerField(default=0)
    vote_round = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("residents' convention")
        verbose_name_plural = _("residents' conventions")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class ConventionArticle(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="articles")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["convention", "number"], name="forum_article_number_once")]

    def __str__(self):
        return f"{self.number}. {self.text[:40]}"


class ArticleComment(models.Model):
    article = models.ForeignKey(ConventionArticle, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return self.body[:40]


class ConventionBallot(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="ballots")
    round = models.PositiveIntegerField(default=1)
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    in_favour = models.BooleanField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["convention", "round", "user"], name="forum_one_ballot_each")]

    def __str__(self):
        return f"{self.convention_id}:{self.user_id}"


class ConventionVersion(models.Model):
    """The adopted text, kept version by version."""

    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    articles = models.JSONField()
    in_favour = models.PositiveIntegerField(default=0)
    against = models.PositiveIntegerField(default=0)
    adopted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["convention", "version"], name="forum_version_once")]

    def __str__(self):
        return f"{self.convention_id} v{self.version}"


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    SCALE = "scale", _("Scale 1–5")
    TEXT = "text", _("Free text")


class Survey(models.Model):
    """民意测评 / 问需于民: a questionnaire for the residents of a place (optionally a key group)."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(_("audience (key group)"), max_length=60, blank=True)
    is_open = models.BooleanField(default=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="questions")
    number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    text = models.CharField(max_length=200)
    options = models.JSONField(default=list, blank=True)
    # A scale question may feed an index (巴中's 安全/健康/便利/服务) with a weight.
    index = models.CharField(max_length=20, blank=True)
    weight = models.FloatField(default=1.0)

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return self.text


class SurveyResponse(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    # {question id: value}: an option index, a list of them, 1–5, or text.
    answers = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "user"], name="forum_one_response_each")]

    def __str__(self):
        return f"{self.survey_id}:{self.user_id}"
