"""Openness (小微权力监督): disclosures with their schedule, the power list and the seal register,
live decisions, and 我要举报 reports to the discipline office of a place."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jinlin.core.crypto import EncryptedTextField
from jinlin.core.models import OrgUnit

USER = settings.AUTH_USER_MODEL


class DisclosureKind(models.TextChoices):
    PARTY = "party", _("Party affairs (党务)")
    AFFAIRS = "affairs", _("Community / village affairs (居务/村务)")
    FINANCE = "finance", _("Finances: funds, assets, resources (财务·三资)")
    PROJECT = "project", _("Projects (项目)")
    WELFARE = "welfare", _("Livelihood funds (民生资金)")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class DisclosureSchedule(models.Model):
    """A recurring disclosure a unit owes (a calendar item): late when the period's row is missing."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DisclosureKind.choices)
    title = models.CharField(_("item"), max_length=120)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    due_day = models.PositiveSmallIntegerField(_("due by day of the next month"), default=10)
    responsible = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("disclosure schedule item")
        ordering = ["unit_id", "kind", "id"]

    def __str__(self):
        return self.title


class Disclosure(models.Model):
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DisclosureKind.choices)
    title = models.CharField(_("title"), max_length=160)
    body = models.TextField(_("content"), blank=True)
    schedule = models.ForeignKey(
        DisclosureSchedule, null=True, blank=True, on_delete=models.PROTECT, related_name="disclosures"
    )
    period = models.CharField(
        _("period"), max_length=10, blank=True, help_text=_("2026-03 or 2026Q1 for scheduled items.")
    )
    # 事前公示: comments are taken until this time, before the decision is made.
    comment_until = models.DateTimeField(_("comments until"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), default=timezone.now, db_index=True)
    published_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "period"], condition=Q(schedule__isnull=False), name="disclosure_once_per_period"
            )
        ]

    def __str__(self):
        return self.title


class Attachment(models.Model):
    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="disclosures/%Y/%m/")
    name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.name


class DisclosureComment(models.Model):
    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.pk}"


class PowerItem(models.Model):
    """One small power (小微权力) of a unit and its published procedure."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    title = models.CharField(_("power"), max_length=120)
    basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    # [{"step": "申请", "approver": "社区党组织书记", "days": 3}, …]
    steps = models.JSONField(_("procedure"), default=list)

    class Meta:
        ordering = ["unit_id", "id"]

    def __str__(self):
        return self.title


class SealUse(models.Model):
    """The seal register (用印登记): append-only, published in summary."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    used_at = models.DateTimeField(default=timezone.now)
    user_name = models.CharField(_("used by"), max_length=60)
    document = models.CharField(_("document"), max_length=200)
    approved_by = models.CharField(_("approved by"), max_length=60)
    recorded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-used_at", "-id"]

    def __str__(self):
        return f"{self.used_at:%Y-%m-%d} {self.document}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The seal register is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The seal register is append-only.")


class LiveDecision(models.Model):
    """A major decision published as it happens (asset deals, small-project tenders)."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    title = models.CharField(_("decision"), max_length=160)
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.pk}"


class LiveStage(models.Model):
    decision = models.ForeignKey(LiveDecision, on_delete=models.PROTECT, related_name="stages")
    name = models.CharField(max_length=60)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.pk}"


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    HANDLING = "handling", _("Being looked into")
    CLOSED = "closed", _("Concluded")


class Report(models.Model):
    """我要举报: a matter reported to the discipline office of a place. Seen only by discipline
    roles in scope; never by the people and units it names (selectors.reports_for)."""

    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("place reported about"), on_delete=models.PROTECT, related_name="+"
    )
    scope_code = models.CharField(max_length=40, db_index=True)
    subject = models.CharField(_("subject"), max_length=120)
    body = EncryptedTextField(_("what happened"))
    anonymous = models.BooleanField(_("anonymous"), default=True)
    reporter = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    tracking_digest = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.RECEIVED)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    source_digest = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = _("report to the discipline office")
        verbose_name_plural = _("reports to the discipline office")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"#{self.pk}"


class ReportReply(models.Model):
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="replies")
    body = models.TextField()
    by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.pk}"
