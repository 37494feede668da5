"""The household registry (一户一档): households, residents, key-group tags, care pairings and visits.

PIPL: ID numbers and phones are encrypted at rest (core.crypto) with a keyed digest beside each for
look-ups and de-duplication; birth date and sex are derived from the ID number, never typed twice.
Every scoped row carries `scope_code` (the grid it lies in, else its community) and `unit_code` (the
building or entrance), so a grid worker (bound to a grid) and a building head (bound to a building)
both reach it with one code-prefix rule of core.scope.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jinlin.core.crypto import EncryptedTextField, digest
from jinlin.core.masking import mask_id_number, mask_phone
from jinlin.core.models import OrgUnit

# Key groups (重点人群, PEOPLE-2): shown to everyone who may see the household.
KEY_TAGS = ["独居", "高龄", "空巢", "残疾", "失能", "低保", "特困", "大病", "留守儿童", "退役军人"]
# Special groups of GB/T 31000 (综治): shown only to roles the policy `people.tag.restricted` grants.
RESTRICTED_TAGS = ["刑满释放", "社区矫正", "吸毒人员", "严重精神障碍", "重点青少年", "信访重点"]
ALL_TAGS = KEY_TAGS + RESTRICTED_TAGS


def id_digest(number: str) -> str:
    return digest("id_number", number.upper())


def phone_digest(phone: str) -> str:
    return digest("phone", phone)


class Relation(models.TextChoices):
    HEAD = "户主", _("Householder (户主)")
    SPOUSE = "配偶", _("Spouse (配偶)")
    CHILD = "子女", _("Child (子女)")
    PARENT = "父母", _("Parent (父母)")
    GRANDCHILD = "孙子女", _("Grandchild (孙子女)")
    SIBLING = "兄弟姐妹", _("Sibling (兄弟姐妹)")
    TENANT = "租户", _("Tenant (租户)")
    OTHER = "其他", _("Other (其他)")


class Category(models.TextChoices):
    REGISTERED = "户籍", _("Registered here (户籍)")
    RESIDENT = "常住", _("Permanent resident (常住)")
    FLOATING = "流动", _("Floating population (流动)")
    NOMINAL = "空挂", _("Registered, lives elsewhere (空挂)")
    OVERSEAS = "境外", _("From outside the mainland (境外)")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Household(models.Model):
    """One home (一户一档): a room in a building entrance (or a village address)."""

    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("building or entrance"), on_delete=models.PROTECT, related_name="+"
    )
    room = models.CharField(_("room"), max_length=40)
    address = models.CharField(_("address"), max_length=240)
    # The grid the building lies in (else its community): what grid workers and staff reach.
    scope_code = models.CharField(_("scope code"), max_length=40)
    # The building or entrance code: what a building head reaches.
    unit_code = models.CharField(_("unit code"), max_length=40)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("last confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["unit_code", "room", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "room"], name="people_household_unit_room")]
        indexes = [
            models.Index(fields=["scope_code"], name="people_hh_scope", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["unit_code"], name="people_hh_unit", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.address


class Resident(models.Model):
    """A person in the registry. `household` is where they live now; moves are Movement rows."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="residents")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="registry_entries"
    )
    name = models.CharField(_("name"), max_length=60)
    id_number = EncryptedTextField(_("ID number"))
    id_digest = models.CharField(max_length=64, unique=True, editable=False)
    phone = EncryptedTextField(_("mobile phone"), blank=True)
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    relation = models.CharField(_("relation to the householder"), max_length=8, choices=Relation.choices)
    category = models.CharField(_("category"), max_length=4, choices=Category.choices, default=Category.RESIDENT)
    occupation = models.CharField(_("occupation"), max_length=40, blank=True)
    education = models.CharField(_("education"), max_length=20, blank=True)
    marital_status = models.CharField(_("marital status"), max_length=10, blank=True)
    scope_code = models.CharField(_("scope code"), max_length=40)
    unit_code = models.CharField(_("unit code"), max_length=40)
    # Set when the person leaves the registry (moved away, deceased); the row stays for the audit.
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["household_id", "id"]
        indexes = [
            models.Index(fields=["scope_code"], name="people_res_scope", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["unit_code"], name="people_res_unit", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id_number_masked})"

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class ResidentTag(models.Model):
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(_("tag"), max_length=12)
    restricted = models.BooleanField(_("restricted (综治)"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("key-group tag")
        verbose_name_plural = _("key-group tags")
        constraints = [models.UniqueConstraint(fields=["resident", "tag"], name="people_tag_once")]
        indexes = [models.Index(fields=["tag", "resident"], name="people_tag_tag")]

    def __str__(self) -> str:
        return self.tag


class MovementKind(models.TextChoices):
    IN = "in", _("Moved in")
    OUT = "out", _("Moved out")


class Movement(models.Model):
    """A dated move: the registry never overwrites where someone lived."""

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="movements")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=3, choices=MovementKind.choices)
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("move")
        verbose_name_plural = _("moves")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


class CarerKind(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker (网格员)")
    PARTY_MEMBER = "party_member", _("Party member (党员)")
    VOLUNTEER = "volunteer", _("Volunteer (志愿者)")
    BUILDING_HEAD = "building_head", _("Building head (楼栋长)")
    POLICE = "police", _("Police officer (民警)")
    STAFF = "staff", _("Community staff (社区工作人员)")


class Pairing(models.Model):
    """A carer looks after a household every `every_days` days (结对帮扶)."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="pairings")
    carer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_pairings")
    carer_kind = models.CharField(_("carer"), max_length=16, choices=CarerKind.choices)
    every_days = models.PositiveSmallIntegerField(_("visit every (days)"))
    scope_code = models.CharField(max_length=40)
    unit_code = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_visit_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("next visit due"), db_index=True)
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("care pairing")
        verbose_name_plural = _("care pairings")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "carer"], condition=models.Q(ended_at=None), name="people_pairing_once"
            ),
            models.CheckConstraint(condition=models.Q(every_days__gte=1), name="people_pairing_every_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.household} ← {self.carer.name}"


class VisitKind(models.TextChoices):
    VISIT = "走访", _("Home visit (走访)")
    FOLLOW_UP = "回访", _("Follow-up (回访)")
    SECRETARY = "书记敲门", _("Secretary knocks (书记敲门)")
    ANTI_FRAUD = "反诈", _("Anti-fraud visit (反诈走访)")


class Visit(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="visits")
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=VisitKind.choices)
    note = models.TextField(_("note"), blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    # Anti-fraud visits (警网融合): whether the 国家反诈中心 app is installed after the visit.
    anti_fraud_app = models.BooleanField(_("反诈 app installed"), null=True, blank=True)
    scope_code = models.CharField(max_length=40)
    unit_code = models.CharField(max_length=40)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.household}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="people/visits/%Y/%m/")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")

    def __str__(self) -> str:
        return self.image.name or ""


__all__ = [
    "ALL_TAGS",
    "KEY_TAGS",
    "RESTRICTED_TAGS",
    "CarerKind",
    "Category",
    "Household",
    "Movement",
    "Pairing",
    "Relation",
    "Resident",
    "ResidentTag",
    "Sex",
    "Visit",
    "VisitKind",
    "VisitPhoto",
    "id_digest",
    "phone_digest",
]


# Disputes, police–grid linkage, 部件 and jobs live beside the registry (one module per theme).
from .models_more import (  # noqa: E402, F401
    Component,
    ComponentKind,
    Dispute,
    DisputeParty,
    DisputeStatus,
    EBike,
    EmergencyStep,
    EmergencyStepKind,
    IntakeType,
    JobMatch,
    MediationSession,
    Patrol,
    PolicePair,
    Seeker,
    Vacancy,
)
