"""Residents' requests, grid events and (later) disputes: one model, one state machine.

The workflow itself lives in machine.py (the table of allowed transitions) and services.py (one
function per action). This module holds only the data and what the database can guarantee:
an open case always has an owner unit, a case number is unique, the timeline is append-only.
"""

import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jinlin.core.crypto import EncryptedTextField
from jinlin.core.models import OrgUnit

from .machine import TERMINAL, Status


class CaseKind(models.TextChoices):
    # One workflow engine for all three: a dispute (CASE-12) is a case with parties and
    # mediation sessions attached, moving through the same states.
    REQUEST = "request", _("Resident request (诉求)")
    EVENT = "event", _("Grid event (事件)")
    DISPUTE = "dispute", _("Dispute (矛盾纠纷)")


class Tier(models.TextChoices):
    # 一般诉求限时快办, 重点诉求提级催办, 难点问题联合督办 (CASE-3); the order matters for raising.
    NORMAL = "normal", _("Ordinary (一般)")
    KEY = "key", _("Key (重点)")
    HARD = "hard", _("Hard (难点)")
    # 早发现、早核实、早拦截、早打击 (CASE-13, people): its own short limits; never reached by raising.
    EMERGENCY = "emergency", _("Emergency (紧急)")


class Channel(models.TextChoices):
    RESIDENT_APP = "resident_app", _("Resident app / H5 (居民端)")
    GRID_PATROL = "grid_patrol", _("Grid patrol (网格巡查)")
    PHONE = "phone", _("Phone call (电话)")
    HOTLINE_12345 = "hotline_12345", _("12345 hotline transfer (12345转办)")
    WECHAT_GROUP = "wechat_group", _("WeChat group (微信群)")
    RECEPTION_DAY = "reception_day", _("Reception day (接待日)")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")


# Channels where a member of staff types in what a resident said (on the resident's behalf).
STAFF_CHANNELS = {Channel.PHONE, Channel.HOTLINE_12345, Channel.WECHAT_GROUP, Channel.RECEPTION_DAY}


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied (满意)")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied (基本满意)")
    UNSATISFIED = "unsatisfied", _("Unsatisfied (不满意)")


class ResolvedLevel(models.TextChoices):
    # 小事不出小区、大事不出社区 (CASE-4): the level at which a case was solved.
    ESTATE = "estate", _("Estate (小区)")
    COMMUNITY = "community", _("Community (社区)")
    STREET = "street", _("Street (街道)")
    DISTRICT = "district", _("District (区县)")


class LimitUnit(models.TextChoices):
    NATURAL_HOURS = "natural_hours", _("natural hours")
    WORKING_DAYS = "working_days", _("working days")


class Category(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    # The English name shown when the interface language is English (blank: the Chinese name).
    name_en = models.CharField(_("English name"), max_length=80, blank=True, default="")
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # 属事: the department responsible for this matter; dispatch suggests it.
    department = models.ForeignKey(
        OrgUnit,
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    default_tier = models.CharField(_("default tier"), max_length=10, choices=Tier.choices, default=Tier.NORMAL)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.localized_name

    @property
    def localized_name(self) -> str:
        """The name in the active interface language: English when English is active and known."""
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class SlaPolicy(models.Model):
    """The time limit for a category and tier. A row without a category is the default for its tier."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE, related_name="policies"
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.NORMAL)
    limit_amount = models.PositiveIntegerField(_("limit"))
    limit_unit = models.CharField(_("unit"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS)
    urge_before_hours = models.PositiveIntegerField(
        _("urge this many hours before the limit"),
        null=True,
        blank=True,
        help_text=_("Leave empty to urge when the given fraction of the time is left."),
    )
    urge_before_fraction = models.FloatField(
        _("urge when this fraction of the time is left"), default=0.25, help_text=_("0.25 = a quarter of the time.")
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["category__code", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["category", "tier"], name="sla_one_policy_per_category_tier"),
            models.UniqueConstraint(
                fields=["tier"], condition=Q(category__isnull=True), name="sla_one_default_per_tier"
            ),
            models.CheckConstraint(
                condition=Q(urge_before_fraction__gt=0) & Q(urge_before_fraction__lt=1), name="sla_urge_fraction_0_1"
            ),
            models.CheckConstraint(condition=Q(limit_amount__gt=0), name="sla_limit_positive"),
        ]

    def __str__(self):
        limit = f"{self.limit_amount} {self.get_limit_unit_display()}"
        return f"{self.category or _('default')} · {self.get_tier_display()}: {limit}"


class CaseNumberSequence(models.Model):
    """One row per day; the row lock makes case numbers gap-free and unique under concurrency."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.day}: {self.last}"


class Case(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=CaseKind.choices, default=CaseKind.REQUEST)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.NORMAL)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)

    # The resident the case is about (null for anonymous Open311 reports or an unregistered caller),
    # and the account that typed it in — the same person unless staff recorded it on their behalf.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_cases",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    contact_name = models.CharField(_("contact name"), max_length=60, blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True)

    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    lng = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    # A resident's exact address is personal data: encrypted at rest, shown masked; the public
    # board shows only `place_label` (the 小区 or community).
    address = EncryptedTextField(_("address"), blank=True)
    place_label = models.CharField(_("place"), max_length=120, blank=True)
    grid = models.ForeignKey(
        OrgUnit, verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The code core.scope matches by prefix: the grid's code, else the community's, else the district's.
    scope_code = models.CharField(_("scope code"), max_length=40)

    owner_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("owner unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_cases",
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_cases",
    )

    # The time limit of this round of handling (办理时限): set at intake, recomputed on a new
    # category or tier and on rework, never moved because the case ran over, so "how late" is
    # always measured against the promise made to the resident.
    due_at = models.DateTimeField(_("due"))
    # After a case runs over, the sweeper gives the owner a supervision limit (督办时限); running over
    # that too marks it overdue again (and the second time raises its tier).
    supervision_due_at = models.DateTimeField(_("supervision limit"), null=True, blank=True)
    urge_at = models.DateTimeField(_("urge at"), null=True, blank=True)
    # The sweeper's memory, so running it twice changes nothing: a case is urged again only once
    # urge_at has moved past the last urge, marked overdue again only once its current limit
    # (the supervision limit, else due_at) has moved past the last mark.
    urged_at = models.DateTimeField(_("last urged"), null=True, blank=True)
    overdue_marked_at = models.DateTimeField(_("last marked overdue"), null=True, blank=True)
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True)
    overdue_count = models.PositiveSmallIntegerField(_("times overdue"), default=0)
    tier_raised = models.PositiveSmallIntegerField(_("times tier raised"), default=0)

    resolved_level = models.CharField(_("solved at level"), max_length=10, choices=ResolvedLevel.choices, blank=True)
    result = models.TextField(_("result"), blank=True)
    # What the disclosure board shows (晒单): the publisher's edit of the title and result, masked by
    # core.masking; the original title and result stay on the record for the audit.
    public_title = models.CharField(_("public title"), max_length=200, blank=True)
    public_result = models.TextField(_("public result"), blank=True)
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    rating_deadline = models.DateTimeField(_("rating window ends"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Written once on intake by jinlin.triage.adapter: suggested categories and unit with their
    # probabilities, whether the platform dispatched it, and open cases it may duplicate.
    suggestions = models.JSONField(_("suggestions"), default=dict, blank=True)
    idempotency_key = models.CharField(max_length=80, blank=True)

    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        constraints = [
            # CASE-6: no open case is ever without an owner; the database holds the line too.
            models.CheckConstraint(
                condition=Q(status__in=sorted(TERMINAL)) | Q(owner_unit__isnull=False), name="case_open_has_owner"
            ),
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="case_idempotency_per_submitter",
            ),
            models.CheckConstraint(
                condition=(Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90))
                & (Q(lng__isnull=True) | Q(lng__gte=-180, lng__lte=180)),
                name="case_lat_lng_range",
            ),
        ]
        indexes = [
            models.Index(fields=["owner_unit", "status", "due_at"], name="case_inbox"),
            # varchar_pattern_ops lets PostgreSQL answer `LIKE '350102%'` from the index (the
            # database may use a non-C collation); other databases ignore the operator class.
            models.Index(fields=["scope_code"], name="case_scope", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["reporter"], name="case_reporter"),
            models.Index(fields=["status", "due_at"], name="case_status_due"),
            models.Index(fields=["status", "supervision_due_at"], name="case_status_supervision"),
            models.Index(fields=["status", "urge_at"], name="case_status_urge"),
            models.Index(fields=["status", "rating_deadline"], name="case_status_rating"),
            # Open cases of a community, and open cases near a point (a latitude band, then
            # longitude): the triage adapter's duplicate lookup reads only these indexes.
            models.Index(fields=["community", "status"], name="case_community_status"),
            models.Index(fields=["status", "lat", "lng"], name="case_status_point"),
            # The public board (晒单) counts and sorts published closed cases: a partial index of
            # those alone instead of a scan of every case.
            models.Index(
                fields=["-closed_at"],
                condition=Q(status="closed", published_at__isnull=False),
                name="case_public_board",
            ),
            # Open311 requests.json (the last 90 days) and the dashboard's intake counts.
            models.Index(fields=["created_at"], name="case_created"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"[:200]

    @property
    def board_title(self) -> str:
        return self.public_title or self.title

    @property
    def board_result(self) -> str:
        return self.public_result or self.result

    @property
    def is_open(self) -> bool:
        return self.status not in TERMINAL


class CaseReporter(models.Model):
    """Everyone who follows a case and may rate it: the reporter, and reporters of merged duplicates."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="followed_cases")
    via_case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case follower")
        verbose_name_plural = _("case followers")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_follower_once")]
        indexes = [models.Index(fields=["user", "case"], name="case_follower_user")]

    def __str__(self):
        return f"{self.case_id} ← {self.user_id}"


class EscalationRole(models.TextChoices):
    LEAD = "lead", _("Lead (牵头)")
    HELPER = "helper", _("Helper (配合)")


class EscalationTarget(models.Model):
    """A unit named when a grid or community blows the whistle (吹哨); it must report in (报到)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="escalations")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=8, choices=EscalationRole.choices)
    due_at = models.DateTimeField(_("report by"))
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    urged_at = models.DateTimeField(_("urged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("escalation target")
        verbose_name_plural = _("escalation targets")
        ordering = ["case", "-role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "unit"], name="escalation_unit_once"),
            models.UniqueConstraint(fields=["case"], condition=Q(role="lead"), name="escalation_one_lead"),
        ]
        indexes = [
            models.Index(fields=["unit", "reported_at"], name="escalation_unit_pending"),
            # The sweeper's late 报到 step: only targets still waiting, by their deadline.
            models.Index(
                fields=["due_at"],
                condition=Q(reported_at__isnull=True, urged_at__isnull=True),
                name="escalation_report_due",
            ),
        ]

    def __str__(self):
        return f"{self.case_id} → {self.unit_id} ({self.role})"


class TimelineQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("The case timeline is append-only.")

    def delete(self) -> NoReturn:
        raise PermissionError("The case timeline is append-only.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("The case timeline is append-only.")


class TimelineEntry(models.Model):
    """One step in a case's life. Append-only (like the audit log); metrics are computed from it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="timeline")
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The unit the actor acted for (their role's org); null for residents and the platform.
    actor_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("acting unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who owned the case after this step: lets metrics attribute time to units, and lets a unit
    # keep seeing cases it once handled.
    owner_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("owner after"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = TimelineQuerySet.as_manager()

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"], name="timeline_case_at"),
            models.Index(fields=["action", "at"], name="timeline_action_at"),
            models.Index(fields=["owner_unit", "case"], name="timeline_owner_case"),
            # 满意率 counts rating entries by their time (stats): a small index of those alone.
            models.Index(fields=["at"], name="timeline_rating_at", condition=Q(action__in=["evaluate", "visit"])),
        ]

    def __str__(self):
        return f"{self.case_id} {self.action} {self.from_status}→{self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The case timeline is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("The case timeline is append-only.")


class PhotoKind(models.TextChoices):
    INTAKE = "intake", _("Reported (上报照片)")
    RESULT = "result", _("Result (办结照片)")


def photo_path(instance, filename):
    # A random name: the file name a phone gives (IMG_2026…) can carry dates and device names,
    # and guessable paths would let anyone walk the media folder.
    return f"cases/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1]}"


class CasePhoto(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="photos")
    kind = models.CharField(_("kind"), max_length=8, choices=PhotoKind.choices)
    image = models.ImageField(_("image"), upload_to=photo_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("case photo")
        verbose_name_plural = _("case photos")
        ordering = ["case", "id"]

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.pk}"


class CaseFollow(models.Model):
    """我也关注: a resident who sees the same problem follows the case instead of filing it again;
    they are told its outcome, and followers count as a repeat-complaint signal."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follower (我也关注)")
        verbose_name_plural = _("followers (我也关注)")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_follow_once")]
        indexes = [models.Index(fields=["user", "case"], name="case_follow_user")]

    def __str__(self):
        return f"{self.case_id} ← {self.user_id}"
