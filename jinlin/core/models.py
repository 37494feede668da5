"""Organisation tree, grids, accounts, roles and the audit log.

Scope rests on one idea: every org unit's `code` begins with its parent's code (GB/T 2260 county
code + street + community + …), so "everything under this node" is a prefix match that an index
answers, on SQLite and on PostgreSQL alike. Rows that must be scoped carry the code of the most
specific place they belong to (usually a grid) in a `scope_code` column.
"""

from datetime import datetime
from typing import Any, NoReturn

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .crypto import EncryptedTextField, digest
from .masking import mask_phone


class OrgKind(models.TextChoices):
    # The administrative chain (ORG-1).
    CITY = "city", _("City (市)")
    DISTRICT = "district", _("District / county (区县)")
    STREET = "street", _("Street / township (街道/乡镇)")
    COMMUNITY = "community", _("Community / village (社区/村)")
    GRID = "grid", _("Grid (网格)")
    ESTATE = "estate", _("Residential estate (小区)")
    BUILDING = "building", _("Building (楼栋)")
    ENTRANCE = "entrance", _("Building unit (单元)")
    # The party chain beside it (ORG-1).
    PARTY_COMMITTEE = "party_committee", _("Street party working committee (街道党工委)")
    PARTY_ORG = "party_org", _("Community party organisation (社区党组织)")
    PARTY_BRANCH = "party_branch", _("Estate party branch (小区党支部)")
    PARTY_GROUP = "party_group", _("Building party group (楼栋党小组)")
    PARTY_HOUSEHOLD = "party_household", _("Party member household (党员中心户)")
    # Units that are not places (ORG-4).
    COMMAND_CENTRE = "command_centre", _("Command centre (指挥中心)")
    DEPARTMENT = "department", _("Government department (职能部门)")
    DISCIPLINE = "discipline", _("Discipline inspection (纪委监委)")
    POLICE_STATION = "police_station", _("Police station (派出所)")
    PROPERTY_COMPANY = "property_company", _("Property management company (物业公司)")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee (业委会)")
    RESIDENT_UNIT = "resident_unit", _("Unit based in the area (驻区单位)")
    PROVIDER = "provider", _("Third-party provider (第三方机构)")


PLACE_KINDS = {
    OrgKind.CITY,
    OrgKind.DISTRICT,
    OrgKind.STREET,
    OrgKind.COMMUNITY,
    OrgKind.GRID,
    OrgKind.ESTATE,
    OrgKind.BUILDING,
    OrgKind.ENTRANCE,
}

# Which kinds may hang under which: the tree is checked when a unit is created, so a building
# can never end up directly under a street and break the prefix scope.
ALLOWED_PARENTS: dict[str, set[str | None]] = {
    OrgKind.CITY: {None},
    OrgKind.DISTRICT: {OrgKind.CITY, None},
    OrgKind.STREET: {OrgKind.DISTRICT},
    OrgKind.COMMUNITY: {OrgKind.STREET},
    OrgKind.GRID: {OrgKind.COMMUNITY},
    OrgKind.ESTATE: {OrgKind.COMMUNITY},
    OrgKind.BUILDING: {OrgKind.ESTATE, OrgKind.COMMUNITY},
    OrgKind.ENTRANCE: {OrgKind.BUILDING},
    OrgKind.PARTY_COMMITTEE: {OrgKind.STREET},
    OrgKind.PARTY_ORG: {OrgKind.COMMUNITY},
    OrgKind.PARTY_BRANCH: {OrgKind.ESTATE},
    OrgKind.PARTY_GROUP: {OrgKind.BUILDING},
    OrgKind.PARTY_HOUSEHOLD: {OrgKind.BUILDING, OrgKind.ENTRANCE},
    OrgKind.COMMAND_CENTRE: {OrgKind.CITY, OrgKind.DISTRICT, OrgKind.STREET},
    OrgKind.DEPARTMENT: {OrgKind.CITY, OrgKind.DISTRICT, OrgKind.STREET},
    OrgKind.DISCIPLINE: {OrgKind.CITY, OrgKind.DISTRICT, OrgKind.STREET},
    OrgKind.POLICE_STATION: {OrgKind.DISTRICT, OrgKind.STREET},
    OrgKind.PROPERTY_COMPANY: {OrgKind.DISTRICT, OrgKind.STREET, OrgKind.COMMUNITY, OrgKind.ESTATE},
    OrgKind.OWNERS_COMMITTEE: {OrgKind.ESTATE},
    OrgKind.RESIDENT_UNIT: {OrgKind.DISTRICT, OrgKind.STREET, OrgKind.COMMUNITY},
    OrgKind.PROVIDER: {OrgKind.DISTRICT, OrgKind.STREET, OrgKind.COMMUNITY},
}


class OrgUnit(models.Model):
    kind = models.CharField(_("kind"), max_length=24, choices=OrgKind.choices, db_index=True)
    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Begins with the parent's code: GB/T 2260 county code + street + community + sequence."),
    )
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # The grid a place lies in (estates, buildings): grids are a layer across the tree (一网通用),
    # not a level in it, so this is a reference rather than the parent.
    grid = models.ForeignKey(
        "self",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="places_in_grid",
        limit_choices_to={"kind": OrgKind.GRID},
    )
    # For party units: the place they serve (小区党支部 → its 小区).
    place = models.ForeignKey(
        "self", verbose_name=_("place served"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    lng = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["code"]
        indexes = [models.Index(fields=["kind", "code"])]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def level(self) -> str:
        return self.kind

    def is_place(self) -> bool:
        return self.kind in PLACE_KINDS

    def clean(self):
        allowed = ALLOWED_PARENTS.get(self.kind, set())
        parent_kind = self.parent.kind if self.parent_id else None
        if parent_kind not in allowed:
            raise ValidationError(
                {
                    "parent": _("A %(kind)s cannot be placed under a %(parent)s.")
                    % {
                        "kind": self.get_kind_display(),
                        "parent": self.parent.get_kind_display() if self.parent_id else _("nothing (top level)"),
                    }
                }
            )
        if self.parent_id and (not self.code.startswith(self.parent.code) or self.code == self.parent.code):
            raise ValidationError(
                {
                    "code": _("The code must begin with the parent's code %(code)s and be longer.")
                    % {"code": self.parent.code}
                }
            )

    def ancestors(self) -> models.QuerySet:
        """This unit and everything above it, read in one query through the code prefixes."""
        prefixes = [self.code[:i] for i in range(1, len(self.code) + 1)]
        return OrgUnit.objects.filter(code__in=prefixes).order_by("code")

    def subtree_q(self, field: str = "code") -> Q:
        return Q(**{f"{field}__startswith": self.code})


class Grid(models.Model):
    """A grid's boundary; the grid itself is an OrgUnit of kind `grid` (staff are bound to it)."""

    unit = models.OneToOneField(OrgUnit, on_delete=models.PROTECT, related_name="grid_boundary", primary_key=True)
    # GeoJSON geometry (Polygon or MultiPolygon), WGS-84 lng/lat as GeoJSON prescribes.
    boundary = models.JSONField(_("boundary (GeoJSON)"))
    area_m2 = models.FloatField(_("area (m²)"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("grid boundary")
        verbose_name_plural = _("grid boundaries")

    def __str__(self):
        return str(self.unit)


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident (居民)")
    BUILDING_HEAD = "building_head", _("Building head (楼栋长/街巷长)")
    GRID_WORKER = "grid_worker", _("Grid worker (网格员)")
    COMMUNITY_STAFF = "community_staff", _("Community staff (社区工作人员)")
    DEPARTMENT_HANDLER = "department_handler", _("Department handler (部门承办人)")
    DISPATCHER = "dispatcher", _("Command-centre dispatcher (指挥中心)")
    DISCIPLINE_SUPERVISOR = "discipline_supervisor", _("Discipline supervisor (纪委监委)")
    PARTY_ADMIN = "party_admin", _("Party organisation admin (党组织管理员)")
    PROPERTY_REP = "property_rep", _("Property company representative (物业)")
    OWNERS_COMMITTEE_REP = "owners_committee_rep", _("Owners' committee representative (业委会)")
    POLICE_OFFICER = "police_officer", _("Community police officer (社区民警)")
    VOLUNTEER = "volunteer", _("Volunteer (志愿者)")
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator (平台管理员)")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_phone(self, phone: str) -> "User":
        return self.get(phone_digest=User.digest_phone(phone))

    def create_user(self, phone: str, password: str | None = None, **fields: Any) -> "User":
        from .phones import normalize_mobile

        phone = normalize_mobile(phone)
        user = self.model(phone=phone, phone_digest=User.digest_phone(phone), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **fields: Any) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(phone, password, **fields)


class User(AbstractBaseUser):
    """Anyone who logs in. Identity is a mainland mobile number, stored encrypted."""

    phone_digest = models.CharField(max_length=64, unique=True, editable=False)
    phone = EncryptedTextField(_("mobile phone"))
    name = models.CharField(_("name"), max_length=60)
    is_active = models.BooleanField(_("active"), default=True)
    # Django admin access (platform admins only); not a role in the governance sense.
    is_staff = models.BooleanField(_("admin site access"), default=False)
    is_superuser = models.BooleanField(_("superuser"), default=False)
    failed_logins = models.PositiveSmallIntegerField(_("failed logins in a row"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    # Set when an administrator resets the password: the next login must choose a new one.
    must_change_password = models.BooleanField(_("must change password"), default=False)
    large_text = models.BooleanField(_("large text, high contrast (适老化)"), default=False)
    language = models.CharField(_("language"), max_length=10, blank=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    USERNAME_FIELD = "phone_digest"
    REQUIRED_FIELDS = ["name"]
    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return f"{self.name} ({self.phone_masked})"

    @staticmethod
    def digest_phone(phone: str) -> str:
        return digest("phone", phone)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    def is_locked(self, now: datetime | None = None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))

    # Django admin asks these; only platform admins reach the admin site at all.
    def has_perm(self, perm: str, obj: object | None = None) -> bool:
        return self.is_active and self.is_superuser

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_active and self.is_superuser


class RoleAssignment(models.Model):
    """One role of one person at one node of the tree (一员多责: several rows per person)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    org = models.ForeignKey(OrgUnit, verbose_name=_("organisation unit"), on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["user", "role", "org"], name="unique_role_per_org")]
        indexes = [models.Index(fields=["role", "org"])]

    def __str__(self):
        return f"{self.user.name}: {self.get_role_display()} @ {self.org.name}"


class ApiToken(models.Model):
    """A bearer token for /api; only its SHA-256 is stored, so the table cannot be replayed."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    key_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.user.name} → {self.expires_at:%Y-%m-%d %H:%M}"


class RateCounter(models.Model):
    """One atomic counter of a rate limit or a login throttle (jinlin.core.ratelimit): hits in
    the current window, and a block that a throttle may set. Shared by every worker process
    through the database, so no Redis is needed; rows of past windows are pruned."""

    key = models.CharField(max_length=200, unique=True)
    window_start = models.FloatField(default=0.0)
    count = models.PositiveIntegerField(default=0)
    blocked_until = models.FloatField(default=0.0)

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")

    def __str__(self):
        return f"{self.key}: {self.count}"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("The audit log is append-only.")

    def delete(self) -> NoReturn:
        raise PermissionError("The audit log is append-only.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("The audit log is append-only.")


class AuditEntry(models.Model):
    """An append-only record of a write or a reveal of personal data.

    Rows are never updated or deleted: the model refuses it, the queryset refuses it, and a
    database trigger (migration 0002) refuses it for anyone who goes around the ORM.
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=120, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=60, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # The hash chain (core.audit_chain): entry n records entry n-1's hash, so a changed or
    # deleted row breaks the chain at the next `jinlin audit verify`.
    seq = models.BigIntegerField(_("sequence"), null=True, blank=True, unique=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True, default="")
    hash = models.CharField(_("hash"), max_length=64, blank=True, default="")

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("The audit log is append-only.")


class AuditChainHead(models.Model):
    """The one row (pk 1) that serialises audit writes and anchors the chain: the last entry's
    sequence and hash, and after a prune the last pruned entry's (the anchor)."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True, default="")
    anchor_seq = models.BigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64, blank=True, default="")
    pruned_before = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self):
        return f"audit chain head: seq {self.last_seq}, anchor {self.anchor_seq}"


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (放假)")
    WORKDAY = "workday", _("Make-up workday (调休上班)")


class CalendarDay(models.Model):
    """An exception to the default working week (Monday–Friday work, Saturday–Sunday rest).

    Rows come from the State Council's yearly notice (国务院办公厅关于N年部分节假日安排的通知,
    published each November): the holidays, including those that fall on a weekend, and the
    weekend days that become make-up workdays (调休上班). Counties enter next year's notice in the
    admin. `provisional` marks days derived from the holiday regulations and the lunar calendar
    before the notice exists; they must be confirmed (or corrected) from the notice.
    SLA arithmetic reads these through core.workcalendar, which caches them per year.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=60, help_text=_("For example 国庆节 or 国庆节调休上班."))
    source = models.CharField(
        _("source"), max_length=300, blank=True, help_text=_("The notice this day was entered from.")
    )
    provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_("Derived before the State Council notice was published; confirm it from the notice."),
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("working calendar")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CalendarDayKind.values), name="calendar_day_kind_valid")
        ]

    def __str__(self):
        return f"{self.date.isoformat()} {self.name}"


def _calendar_day_changed(**kwargs):
    # Drop this process's cached exception days at once; other processes refresh within
    # workcalendar.CACHE_SECONDS. Imported here because the calendar module imports this one.
    from .workcalendar import calendar_cache_clear

    calendar_cache_clear()


models.signals.post_save.connect(_calendar_day_changed, sender=CalendarDay, dispatch_uid="calendar_day_saved")
models.signals.post_delete.connect(_calendar_day_changed, sender=CalendarDay, dispatch_uid="calendar_day_deleted")


class IdempotentReply(models.Model):
    """The answer an API write gave to one `Idempotency-Key` of one account
    (jinlin.core.idempotency): a retry of the same request gets this answer again instead of
    doing the write twice. Kept a few days (a phone that was offline a week resends by then)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100, default="application/json")
    body = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotent reply")
        verbose_name_plural = _("idempotent replies")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_idempotent_reply_user_key")]

    def __str__(self):
        return f"{self.method} {self.path} ({self.key})"


class TotpDevice(models.Model):
    """A staff member's second factor (等保 two factors): a TOTP secret, encrypted at rest, and
    ten one-time recovery codes stored as hashes. `confirmed_at` is set by the first good code;
    `last_step` is the time step of the last code accepted, so a code cannot be used twice."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = EncryptedTextField(_("secret"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    last_step = models.BigIntegerField(default=0)
    recovery_codes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("two-factor device")
        verbose_name_plural = _("two-factor devices")

    def __str__(self):
        return f"TOTP {self.user_id}"
