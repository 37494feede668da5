"""Volunteers, the time bank, 微心愿, party members and points — all value on one double-entry ledger.

The ledger (Account, Transfer, Posting) is append-only: a transfer and its postings are written
once by `ledger.transfer_post` and never edited or deleted; a correction is a reversing transfer.
An account's stored `balance` is a cache kept in the same transaction as its postings; `jinlin
timebank verify` checks it against the postings.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jinlin.core.models import OrgUnit


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("ledger rows are never edited; post a reversing transfer")

    def delete(self):
        raise TypeError("ledger rows are never deleted; post a reversing transfer")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("ledger rows are never edited; post a reversing transfer")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("ledger rows are never deleted; post a reversing transfer")


# ------------------------------------------------------------------------------------ the ledger


class Currency(models.TextChoices):
    HOURS = "hours", _("服务时长（小时）")
    POINTS = "points", _("积分")


class AccountKind(models.TextChoices):
    PERSON = "person", _("个人账户")
    ISSUING = "issuing", _("社区发行账户")
    SPONSOR = "sponsor", _("爱心商家/赞助方账户")


class LedgerMode(models.TextChoices):
    ISSUING = "issuing", _("社区账户发放（默认）")
    MUTUAL = "mutual", _("互助记账（请求人支付）")


class LedgerSettings(models.Model):
    """How one community runs its time bank. Absent settings mean the defaults."""

    community = models.OneToOneField(OrgUnit, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(_("记账方式"), max_length=10, choices=LedgerMode.choices, default=LedgerMode.ISSUING)
    mutual_credit_limit = models.DecimalField(
        _("互助记账透支额度（小时）"), max_digits=10, decimal_places=2, default=Decimal("10")
    )
    expiry_days = models.PositiveIntegerField(_("时长有效期（天，空为永久）"), null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.community} {self.mode}"


class Account(models.Model):
    kind = models.CharField(_("类型"), max_length=10, choices=AccountKind.choices)
    currency = models.CharField(_("币种"), max_length=10, choices=Currency.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    name = models.CharField(_("名称"), max_length=120)
    # How far below zero the balance may go; None: no limit (an issuing account creates value).
    credit_limit = models.DecimalField(_("透支额度"), max_digits=12, decimal_places=2, null=True, blank=True)
    # A cache of the sum of this account's postings, written only by ledger.transfer_post.
    balance = models.DecimalField(_("余额"), max_digits=12, decimal_places=2, default=Decimal("0"))
    scope_code = models.CharField(max_length=40, db_index=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "currency", "user"], condition=Q(user__isnull=False), name="vol_account_user_once"
            ),
            models.UniqueConstraint(
                fields=["kind", "currency", "org"], condition=Q(user__isnull=True), name="vol_account_org_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def floor(self) -> Decimal | None:
        return None if self.credit_limit is None else -self.credit_limit


class TransferKind(models.TextChoices):
    SERVICE = "service", _("服务记账")
    REDEEM = "redeem", _("兑换")
    REVERSAL = "reversal", _("冲正")
    EXPIRY = "expiry", _("到期清零")
    POINTS = "points", _("积分")
    GRANT = "grant", _("发放")


class Transfer(AppendOnly):
    kind = models.CharField(_("类型"), max_length=10, choices=TransferKind.choices)
    currency = models.CharField(_("币种"), max_length=10, choices=Currency.choices)
    memo = models.CharField(_("摘要"), max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    ref = models.CharField(max_length=60, blank=True, db_index=True)  # "need:12", "redemption:3" …

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.memo}"


class Posting(AppendOnly):
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount = models.DecimalField(max_digits=12, decimal_places=2)  # + credit, − debit

    class Meta:
        indexes = [models.Index(fields=["account", "transfer"])]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="vol_posting_not_zero")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount}"


# ------------------------------------------------------------------------ volunteers and teams


class TeamKind(models.TextChoices):
    YOUTH = "youth", _("青年服务队")
    SILVER = "silver", _("银发服务队")
    PARTY = "party", _("党员志愿队")
    MEDIATION = "mediation", _("调解服务队")
    LAW = "law", _("法律服务队")
    FIRST_AID = "first_aid", _("应急救护队")
    OTHER = "other", _("其他")


class Team(models.Model):
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    name = models.CharField(_("队名"), max_length=80)
    kind = models.CharField(_("类型"), max_length=12, choices=TeamKind.choices, default=TeamKind.OTHER)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class VolunteerStatus(models.TextChoices):
    APPLIED = "applied", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")


class Volunteer(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer")
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    status = models.CharField(max_length=10, choices=VolunteerStatus.choices, default=VolunteerStatus.APPLIED)
    skills = models.CharField(_("技能"), max_length=200, blank=True, help_text=_("用逗号分隔，如：理发,维修,法律"))
    availability = models.CharField(_("可服务时间"), max_length=120, blank=True)
    place = models.CharField(_("所在位置"), max_length=120, blank=True)
    is_star = models.BooleanField(_("社区民星"), default=False)
    teams = models.ManyToManyField(Team, blank=True, related_name="members")
    applied_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    def __str__(self) -> str:
        return self.user.name

    def skill_list(self) -> list[str]:
        return [s.strip() for s in self.skills.replace("，", ",").split(",") if s.strip()]


# ----------------------------------------------------------------------------- the time bank


class NeedStatus(models.TextChoices):
    OPEN = "open", _("待接单")
    TAKEN = "taken", _("服务中")
    SERVED = "served", _("待确认")
    CONFIRMED = "confirmed", _("已记账")
    DISPUTED = "disputed", _("有异议")
    CANCELLED = "cancelled", _("已取消")


class Need(models.Model):
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("需求"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    hours = models.DecimalField(_("预计时长（小时）"), max_digits=6, decimal_places=2)
    status = models.CharField(max_length=10, choices=NeedStatus.choices, default=NeedStatus.OPEN, db_index=True)
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    served_hours = models.DecimalField(_("实际时长"), max_digits=6, decimal_places=2, null=True, blank=True)
    served_note = models.CharField(_("服务记录"), max_length=200, blank=True)
    dispute_reason = models.CharField(_("异议理由"), max_length=200, blank=True)
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    served_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class RewardKind(models.TextChoices):
    SERVICE = "service", _("服务")
    GOODS = "goods", _("爱心物品")
    PRIORITY = "priority", _("优先权益")


class Reward(models.Model):
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=10, choices=RewardKind.choices, default=RewardKind.GOODS)
    cost = models.DecimalField(_("所需时长"), max_digits=8, decimal_places=2)
    stock = models.PositiveIntegerField(_("库存"), default=0)
    sponsor = models.ForeignKey(Account, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(stock__gte=0), name="vol_reward_stock_not_negative")]

    def __str__(self) -> str:
        return self.name


class Redemption(models.Model):
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.reward_id} → {self.user_id}"


# ------------------------------------------------------------------------ 微心愿 and 互助项目


class WishStatus(models.TextChoices):
    OPEN = "open", _("待认领")
    CLAIMED = "claimed", _("已认领")
    FULFILLED = "fulfilled", _("已圆梦")
    THANKED = "thanked", _("已致谢")


class Wish(models.Model):
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Whom the wish is for when staff post it (an elder, a child): private, never on the wall.
    wisher_label = models.CharField(_("心愿人（不公开）"), max_length=60, blank=True)
    title = models.CharField(_("心愿"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    status = models.CharField(max_length=10, choices=WishStatus.choices, default=WishStatus.OPEN, db_index=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claimed_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    photo = models.ImageField(_("圆梦照片"), upload_to="wishes/%Y/%m/", blank=True)
    thanks = models.CharField(_("感谢的话"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class AidProject(models.Model):
    """A line of a community's 互助项目清单: a recurring mutual-aid activity people sign up to."""

    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    title = models.CharField(_("项目"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    places = models.PositiveIntegerField(_("名额"), default=10)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title


class AidSignup(models.Model):
    project = models.ForeignKey(AidProject, on_delete=models.PROTECT, related_name="signups")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="vol_aid_signup_once")]

    def __str__(self) -> str:
        return f"{self.project_id} ← {self.user_id}"


from .party_models import *  # noqa: E402,F401,F403  (one app, two modules)
