"""Trained triage models, stored in the database as versioned blobs (never in the repository)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ModelKind(models.TextChoices):
    CATEGORY = "category", _("Category")
    UNIT = "unit", _("Responsible unit")


class TriageModel(models.Model):
    """One trained classifier. At most one model per kind is active; suggestions use it."""

    kind = models.CharField(_("kind"), max_length=20, choices=ModelKind.choices)
    version = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=False)
    source = models.CharField(_("trained from"), max_length=200, blank=True)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    blob = models.BinaryField(_("model"))

    class Meta:
        verbose_name = _("triage model")
        verbose_name_plural = _("triage models")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="triage_model_kind_version_unique"),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(is_active=True), name="triage_model_one_active_per_kind"
            ),
        ]

    def __str__(self):
        return f"{self.kind} v{self.version}"
