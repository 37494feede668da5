"""Notifications (an outbox written in the caller's transaction), their deliveries per channel,
group channels per org unit, per-user preferences, broadcasts, SMS codes and resident accounts.

A `Notification` is the in-app row (always written). Every other channel gets a `Delivery` row in
the same transaction; background tasks send those after commit, retrying with back-off, and a
delivery that fails its last try is left as a dead letter. Nothing here is deleted that an audit
would want: deliveries keep their status and last error.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jinlin.core.crypto import EncryptedTextField
from jinlin.core.models import OrgUnit


class Broadcast(models.Model):
    """通知公告: a notice sent by community staff, a grid worker or the police to a place."""

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sender_unit = models.ForeignKey(OrgUnit, null=True, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("sent to"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    broadcast = models.ForeignKey(Broadcast, null=True, blank=True, on_delete=models.PROTECT, related_name="notices")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notif_inbox"),
            # The bell's count on every page: one small partial index of unread rows.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notif_unread"),
            models.Index(fields=["broadcast", "read_at"], name="notif_broadcast"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DEAD = "dead", _("Failed (dead letter)")


class Delivery(models.Model):
    """One message on one channel (SMS, e-mail, a group robot), sent after commit."""

    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.PROTECT, related_name="deliveries"
    )
    broadcast = models.ForeignKey(Broadcast, null=True, blank=True, on_delete=models.PROTECT, related_name="deliveries")
    group = models.ForeignKey("UnitChannel", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=16)
    kind = models.CharField(_("kind"), max_length=40)
    # The phone or e-mail address (encrypted: personal data); empty for a group channel.
    address = EncryptedTextField(_("address"), blank=True)
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices, default="pending")
    held_for_quiet_hours = models.BooleanField(_("held for quiet hours"), default=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status__in=["pending", "sending"]), name="delivery_due"
            ),
            models.Index(fields=["status", "-created_at"], name="delivery_status"),
        ]

    def __str__(self):
        return f"{self.channel} {self.kind} {self.status}"


class OutboxMessage(models.Model):
    """The demo and development SMS channel: what would have been sent, and nothing is sent."""

    phone = EncryptedTextField(_("phone"))
    phone_digest = models.CharField(max_length=64, db_index=True)
    text = models.TextField(_("text"))
    kind = models.CharField(_("kind"), max_length=40)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("SMS outbox message")
        verbose_name_plural = _("SMS outbox (demo)")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class GroupKind(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot (企业微信群机器人)")


class UnitChannel(models.Model):
    """A group channel of an org unit (一楼栋一群): its robot webhook URL is stored encrypted and
    never shown in full once saved."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=GroupKind.choices, default=GroupKind.WECOM)
    url = EncryptedTextField(_("webhook URL"))
    url_hint = models.CharField(_("webhook"), max_length=80)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("group channel")
        verbose_name_plural = _("group channels")
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind"], condition=Q(is_active=True), name="unit_channel_once")
        ]

    def __str__(self):
        return f"{self.unit_id} {self.kind} {self.url_hint}"


class NotifyProfile(models.Model):
    """A user's choices: per kind the channels besides in-app, quiet hours, e-mail address."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notify_profile")
    channels = models.JSONField(_("channels per kind"), default=dict, blank=True)
    quiet_start = models.TimeField(_("quiet hours from"), default="22:00")
    quiet_end = models.TimeField(_("quiet hours until"), default="07:00")
    email = EncryptedTextField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user_id}"


class CodePurpose(models.TextChoices):
    REGISTER = "register", _("Sign-up")
    RESET = "reset", _("Password reset")


class SmsCode(models.Model):
    """A one-time code sent by SMS; only its digest is stored."""

    phone_digest = models.CharField(max_length=64)
    purpose = models.CharField(max_length=10, choices=CodePurpose.choices)
    code_digest = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["phone_digest", "-created_at"], name="smscode_phone"),
            models.Index(fields=["ip", "-created_at"], name="smscode_ip"),
        ]

    def __str__(self):
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class SmsThrottle(models.Model):
    """One lockable row per phone and per address: code requests for it are serialised on it."""

    key = models.CharField(max_length=80, unique=True)

    def __str__(self):
        return self.key


class HomeClaim(models.Model):
    """The home a resident picked at sign-up; a grid worker of that place confirms it, and only
    then is the person a resident of the place (a RoleAssignment)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="home_claims")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("home"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["confirmed_at", "rejected_at"], name="homeclaim_open")]

    def __str__(self):
        return f"{self.user_id} → {self.unit_id}"


class Consent(models.Model):
    """PIPL consent: which version of the privacy notice the person accepted, and when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consents")
    version = models.CharField(max_length=20)
    at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=10, default="web")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user_id} {self.version}"


class DeletionRequest(models.Model):
    """A person asked for their account to be deleted (PIPL art. 47): the account is anonymised,
    their cases' facts are kept without their name, phone or address."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user_id} {self.requested_at:%Y-%m-%d}"
