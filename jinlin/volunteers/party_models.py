"""Party members (双报到, 4+1 duties, rosters), 结对共建/双向认领 and the points items (积分制/道德银行).

Imported by models.py so Django sees one app; kept apart to keep each module short."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jinlin.core.models import OrgUnit

from .models import Transfer


class PartyMember(models.Model):
    """An in-service party member and the community they live in and report to (双报到)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="party_member")
    work_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    branch = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True, blank=True)
    reported_at = models.DateTimeField(_("报到时间"), null=True, blank=True)

    def __str__(self) -> str:
        return self.user.name


class PostKind(models.TextChoices):
    POST = "post", _("岗位")
    PROJECT = "project", _("项目")


class PartyPost(models.Model):
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    kind = models.CharField(max_length=10, choices=PostKind.choices, default=PostKind.POST)
    title = models.CharField(_("岗位/项目"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    places = models.PositiveIntegerField(_("名额"), default=3)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title


class PostClaim(models.Model):
    post = models.ForeignKey(PartyPost, on_delete=models.PROTECT, related_name="claims")
    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="claims")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "member"], name="vol_post_claim_once")]

    def __str__(self) -> str:
        return f"{self.post_id} ← {self.member_id}"


class DutyKind(models.TextChoices):
    MEETING = "meeting", _("参加一次组织生活")
    TALK = "talk", _("讲一次党课/微宣讲")
    SURVEY = "survey", _("开展一次走访调研")
    VOLUNTEER_DAY = "volunteer_day", _("参加一次志愿服务日")
    PAIRING = "pairing", _("结对帮扶一名老人或儿童")


class Duty(models.Model):
    """One of a member's yearly "4+1" duties, done once (one row per member, year and kind)."""

    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="duties")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=DutyKind.choices)
    note = models.CharField(_("记录"), max_length=200, blank=True)
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "year", "kind"], name="vol_duty_once")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year} {self.kind}"


class RosterShift(models.Model):
    """平战结合: who stands ready for emergencies in a community on a day."""

    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    day = models.DateField()
    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="shifts")
    duty = models.CharField(_("职责"), max_length=60, default="应急值守")

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["community", "day", "member"], name="vol_roster_once")]

    def __str__(self) -> str:
        return f"{self.day} {self.member_id}"


# --------------------------------------------------------------------- 结对共建 and 双向认领


class Agreement(models.Model):
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    starts_on = models.DateField(_("开始"))
    ends_on = models.DateField(_("结束"))
    contacts = models.CharField(_("联系人"), max_length=120, blank=True)
    commitments = models.TextField(_("共建承诺"), blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "community", "starts_on"], name="vol_agreement_once")]

    def __str__(self) -> str:
        return f"{self.unit_id} ⇄ {self.community_id}"


class Side(models.TextChoices):
    COMMUNITY = "community", _("社区需求")
    UNIT = "unit", _("单位资源")


class PairingItem(models.Model):
    """A need the community lists or a resource the unit offers; the other side claims it."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="items")
    side = models.CharField(max_length=10, choices=Side.choices)
    title = models.CharField(_("内容"), max_length=100)
    category = models.CharField(_("类别"), max_length=20, blank=True)  # 项目/心愿/岗位 or 人员/资金/场地/技能
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delivered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title


# ----------------------------------------------------------------- points: 积分制 and 道德银行


class Period(models.TextChoices):
    MONTH = "month", _("每月")
    YEAR = "year", _("每年")


class PointItem(models.Model):
    """A plus or minus item of an organisation's points scheme; `points` is signed."""

    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=30)
    name = models.CharField(_("项目"), max_length=80)
    points = models.DecimalField(_("分值"), max_digits=8, decimal_places=2)
    cap = models.DecimalField(_("周期上限（绝对值）"), max_digits=8, decimal_places=2, null=True, blank=True)
    period = models.CharField(max_length=6, choices=Period.choices, default=Period.YEAR)
    is_moral_bank = models.BooleanField(_("道德银行"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "code"], name="vol_point_item_once")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RecordStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已记分")
    REJECTED = "rejected", _("未通过")


class PointRecord(models.Model):
    """一人一档、一事一记: one event of one member, with its evidence and the admin's decision."""

    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="records")
    item = models.ForeignKey(PointItem, on_delete=models.PROTECT, related_name="records")
    note = models.CharField(_("事由"), max_length=200)
    evidence = models.FileField(_("佐证"), upload_to="points/%Y/%m/", blank=True)
    status = models.CharField(max_length=10, choices=RecordStatus.choices, default=RecordStatus.PENDING)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(transfer__isnull=False), name="vol_record_approved_has_transfer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.item_id} {self.status}"
