"""Open311 GeoReport v2: the keys of the systems allowed to file requests, and what they filed.

A key is shown once when it is made and stored only as its SHA-256, like core's API tokens:
a copy of the database cannot be used to file requests in someone else's name. Keys are never
deleted, only deactivated, so the audit log and the submissions can still say whose they were.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jinlin.cases.models import Case, Category, Channel


class ApiKey(models.Model):
    name = models.CharField(_("name"), max_length=80, help_text=_("The client system, e.g. “12345 hotline bridge”."))
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the key, so an administrator can tell keys apart without the key.
    key_prefix = models.CharField(_("key begins with"), max_length=8, editable=False)
    # The channel recorded on cases filed with this key: an app reports as Open311, a hotline
    # system bridging its calls in as a 12345 transfer.
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.OPEN311)
    services = models.ManyToManyField(
        Category,
        verbose_name=_("services allowed"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty to allow every service."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"


class Submission(models.Model):
    """A case filed through Open311: which key filed it, and the token a client may look it up by.

    `idempotency_key` is the client's Idempotency-Key header: a retry with the same key returns
    the first answer instead of filing the request twice (weak mobile signal, proxies that retry).
    """

    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="submissions")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="open311_submission")
    token = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="open311_idempotency_per_key",
            )
        ]
        # The per-key rate limit counts a key's submissions of the last minute.
        indexes = [models.Index(fields=["api_key", "created_at"], name="open311_key_recent")]

    def __str__(self):
        return f"{self.token} → {self.case_id}"
