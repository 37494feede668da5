"""The neighbourhood centre (邻里中心): centres and stations, the 1+6+X catalogue, rooms and
bookings, activities with registrations and a waitlist, government items and 代办, the 长者食堂,
providers and ratings.

Every row a staff member reads carries the `scope_code` of the centre's unit (a community or a
street), so core.scope's prefix rule decides who sees it. What the database guarantees:

- no two live bookings of one room overlap (an exclusion constraint on PostgreSQL, added by
  migration 0002 only there; services serialise the check-and-insert on SQLite);
- one live registration per person and activity, one rating per thing used, unique QR codes.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jinlin.core.crypto import EncryptedTextField
from jinlin.core.models import OrgUnit

USER = settings.AUTH_USER_MODEL


class Domain(models.TextChoices):
    """The 6 of 1+6+X, and X (the 1 is party leadership, the centre itself)."""

    ELDERLY = "elderly", _("Care for the old (老有所养)")
    CHILDREN = "children", _("Care for children (幼有所育)")
    HEALTH = "health", _("Health care (病有所医)")
    FOOD = "food", _("Food (食有所安)")
    CULTURE = "culture", _("Culture and leisure (居有所乐)")
    AFFAIRS = "affairs", _("Getting things done (事有所办)")
    EXTRA = "extra", _("Local extras (X)")


SIX_DOMAINS = [d for d in Domain if d != Domain.EXTRA]


class Tier(models.TextChoices):
    FREE = "free", _("Free public service (零收费公益)")
    AT_COST = "at_cost", _("At cost (零差价基础)")
    LOW_PROFIT = "low_profit", _("Low-profit special (低收益特色)")


class CentreKind(models.TextChoices):
    CENTRE = "centre", _("Street neighbourhood centre (街道邻里中心)")
    STATION = "station", _("Community station (社区邻里驿站)")


def _weekdays_default() -> str:
    return "1234567"


class Centre(models.Model):
    unit = models.ForeignKey(OrgUnit, verbose_name=_("community or street"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=CentreKind.choices, default=CentreKind.STATION)
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    lng = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    phone = models.CharField(_("service phone"), max_length=40, blank=True)
    description = models.TextField(_("description"), blank=True)
    opens_at = models.TimeField(_("opens at"), default="08:30")
    closes_at = models.TimeField(_("closes at"), default="21:00")
    # ISO weekdays the centre opens (1 = Monday … 7 = Sunday).
    open_weekdays = models.CharField(_("open weekdays"), max_length=7, default=_weekdays_default)
    closed_on_holidays = models.BooleanField(_("closed on public holidays"), default=False)
    scope_code = models.CharField(_("scope code"), max_length=40, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("neighbourhood centre")
        verbose_name_plural = _("neighbourhood centres")
        ordering = ["scope_code", "id"]
        indexes = [models.Index(fields=["scope_code"], name="centre_scope", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.scope_code = self.unit.code
        super().save(*args, **kwargs)


class ProviderKind(models.TextChoices):
    ORGANISATION = "organisation", _("Third-party organisation (第三方机构)")
    SKILLED_RESIDENT = "skilled_resident", _("Skilled resident (近邻能人)")
    DEPARTMENT = "department", _("Government department (职能部门)")


class Provider(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=ProviderKind.choices)
    name = models.CharField(_("name"), max_length=120)
    centre = models.ForeignKey(Centre, verbose_name=_("centre"), on_delete=models.PROTECT, related_name="providers")
    user = models.ForeignKey(
        USER, verbose_name=_("account"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    skills = models.CharField(_("skills or services"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    scope_code = models.CharField(_("scope code"), max_length=40, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.scope_code = self.centre.scope_code
        super().save(*args, **kwargs)


class Service(models.Model):
    centre = models.ForeignKey(Centre, verbose_name=_("centre"), on_delete=models.PROTECT, related_name="services")
    name = models.CharField(_("name"), max_length=120)
    domain = models.CharField(_("domain"), max_length=10, choices=Domain.choices)
    tier = models.CharField(_("price tier"), max_length=12, choices=Tier.choices)
    price = models.DecimalField(_("price (yuan)"), max_digits=8, decimal_places=2, default=0)
    unit_label = models.CharField(_("per"), max_length=20, blank=True, help_text=_("For example 次, 小时, 餐."))
    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), null=True, blank=True, on_delete=models.PROTECT, related_name="services"
    )
    place = models.CharField(_("place"), max_length=120, blank=True)
    hours = models.CharField(_("hours"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["centre", "domain", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="centre_service_price_not_negative"),
            models.CheckConstraint(condition=~Q(tier="free") | Q(price=0), name="centre_service_free_is_free"),
        ]

    def __str__(self) -> str:
        return self.name


class RoomKind(models.TextChoices):
    PARLOUR = "parlour", _("Neighbours' parlour (邻里会客厅)")
    ACTIVITY = "activity", _("Activity room (活动室)")
    CLASSROOM = "classroom", _("Classroom (四点半课堂)")
    FACILITY = "facility", _("Facility (设施)")


class Room(models.Model):
    centre = models.ForeignKey(Centre, verbose_name=_("centre"), on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=RoomKind.choices, default=RoomKind.ACTIVITY)
    capacity = models.PositiveIntegerField(_("seats"), default=20)
    buffer_minutes = models.PositiveIntegerField(
        _("buffer (minutes)"), default=15, help_text=_("Kept free after each booking for tidying up.")
    )
    max_minutes = models.PositiveIntegerField(_("longest booking (minutes)"), default=240)
    max_active_per_person = models.PositiveIntegerField(_("upcoming bookings per person"), default=2)
    advance_days = models.PositiveIntegerField(_("bookable days ahead"), default=30)
    requires_approval = models.BooleanField(_("staff approve bookings"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["centre", "name"]

    def __str__(self) -> str:
        return f"{self.centre.name} · {self.name}"


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")


LIVE_BOOKING = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class Booking(models.Model):
    """A room held from `start` to `busy_until` (= end + the room's buffer): the span two live
    bookings of one room may never share."""

    room = models.ForeignKey(Room, verbose_name=_("room"), on_delete=models.PROTECT, related_name="bookings")
    user = models.ForeignKey(USER, verbose_name=_("booked by"), on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    busy_until = models.DateTimeField(_("room busy until"))
    purpose = models.CharField(_("purpose"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=BookingStatus.choices)
    decided_by = models.ForeignKey(
        USER, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    scope_code = models.CharField(_("scope code"), max_length=40, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["start"]
        indexes = [models.Index(fields=["room", "start"]), models.Index(fields=["user", "start"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="centre_booking_end_after_start"),
            models.CheckConstraint(condition=Q(busy_until__gte=models.F("end")), name="centre_booking_busy_covers_end"),
        ]

    def __str__(self) -> str:
        return f"{self.room} {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_BOOKING


class ActivityKind(models.TextChoices):
    CLASS = "class", _("Neighbourhood class (邻里学堂)")
    AFTER_SCHOOL = "after_school", _("After-school class (四点半课堂)")
    TUTORING = "tutoring", _("Child tutoring (课业辅导)")
    RED_LECTURE = "red_lecture", _("Red lecture (红色讲堂)")
    CLINIC = "clinic", _("Free clinic (义诊)")
    MARKET = "market", _("Neighbourhood market day (近邻圩日)")
    FESTIVAL = "festival", _("Culture festival (邻里文化节)")
    OTHER = "other", _("Other activity")


KIND_DOMAIN = {
    ActivityKind.CLASS: Domain.CULTURE,
    ActivityKind.AFTER_SCHOOL: Domain.CHILDREN,
    ActivityKind.TUTORING: Domain.CHILDREN,
    ActivityKind.RED_LECTURE: Domain.CULTURE,
    ActivityKind.CLINIC: Domain.HEALTH,
    ActivityKind.MARKET: Domain.EXTRA,
    ActivityKind.FESTIVAL: Domain.CULTURE,
    ActivityKind.OTHER: Domain.EXTRA,
}


class Audience(models.TextChoices):
    ALL = "all", _("Everyone")
    ELDERS = "elders", _("Elders only (60 and over)")
    CHILDREN = "children", _("Children only (under 15, with a parent registering)")


class ActivitySeries(models.Model):
    """A weekly rule (every Wednesday 16:30); its occurrences are generated for a horizon ahead."""

    centre = models.ForeignKey(Centre, verbose_name=_("centre"), on_delete=models.PROTECT, related_name="series")
    room = models.ForeignKey(Room, verbose_name=_("room"), null=True, blank=True, on_delete=models.PROTECT)
    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=14, choices=ActivityKind.choices)
    description = models.TextField(_("description"), blank=True)
    weekday = models.PositiveSmallIntegerField(_("weekday (1 = Monday)"))
    start_time = models.TimeField(_("starts at"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    capacity = models.PositiveIntegerField(_("capacity"))
    audience = models.CharField(_("who may join"), max_length=10, choices=Audience.choices, default=Audience.ALL)
    first_date = models.DateField(_("first date"))
    until = models.DateField(_("until"), null=True, blank=True)
    generated_until = models.DateField(_("occurrences generated until"), null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("recurring activity")
        verbose_name_plural = _("recurring activities")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=1, weekday__lte=7), name="centre_series_weekday")
        ]

    def __str__(self) -> str:
        return self.title


class Activity(models.Model):
    centre = models.ForeignKey(Centre, verbose_name=_("centre"), on_delete=models.PROTECT, related_name="activities")
    room = models.ForeignKey(
        Room, verbose_name=_("room"), null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    series = models.ForeignKey(
        ActivitySeries, null=True, blank=True, on_delete=models.PROTECT, related_name="occurrences"
    )
    provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="activities")
    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=14, choices=ActivityKind.choices)
    domain = models.CharField(_("domain"), max_length=10, choices=Domain.choices)
    description = models.TextField(_("description"), blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    capacity = models.PositiveIntegerField(_("capacity"))
    audience = models.CharField(_("who may join"), max_length=10, choices=Audience.choices, default=Audience.ALL)
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    scope_code = models.CharField(_("scope code"), max_length=40, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["centre", "start"]), models.Index(fields=["scope_code", "start"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="centre_activity_end_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="centre_activity_capacity_positive"),
            models.UniqueConstraint(fields=["series", "start"], name="centre_activity_one_per_series_start"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {timezone.localtime(self.start):%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        self.scope_code = self.centre.scope_code
        super().save(*args, **kwargs)


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WAITLISTED = "waitlisted", _("On the waitlist")
    CANCELLED = "cancelled", _("Cancelled")


def new_code() -> str:
    """An 8-character code for the door: no 0/O/1/I, so it can be typed from a screen."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class Registration(models.Model):
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.PROTECT, related_name="registrations"
    )
    user = models.ForeignKey(USER, verbose_name=_("participant"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=RegistrationStatus.choices)
    # 1..n among the waitlisted of one activity, in the order they joined; None otherwise.
    position = models.PositiveIntegerField(_("waitlist position"), null=True, blank=True)
    code = models.CharField(_("check-in code"), max_length=12, unique=True, default=new_code)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    promoted_at = models.DateTimeField(_("moved up from the waitlist at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(_("scope code"), max_length=40, editable=False)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["activity", "created_at", "id"]
        indexes = [models.Index(fields=["activity", "status", "position"]), models.Index(fields=["user", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "user"],
                condition=~Q(status="cancelled"),
                name="centre_registration_one_live_per_person",
            ),
            models.CheckConstraint(
                condition=Q(status="waitlisted", position__isnull=False)
                | (~Q(status="waitlisted") & Q(position__isnull=True)),
                name="centre_registration_position_iff_waitlisted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.code}"

    def save(self, *args, **kwargs):
        self.scope_code = self.activity.scope_code
        super().save(*args, **kwargs)


class GovItem(models.Model):
    """A government service item handled at the centre (一门式办理), with its published procedure."""

    code = models.CharField(_("item code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("class"), max_length=40)
    department = models.CharField(_("department"), max_length=80)
    audience = models.CharField(
        _("for"),
        max_length=12,
        choices=[("person", _("Residents")), ("enterprise", _("Enterprises"))],
        default="person",
    )
    steps = models.JSONField(_("procedure steps"), default=list)
    materials = models.JSONField(_("required materials"), default=list)
    promised_days = models.PositiveIntegerField(_("promised working days"))
    window = models.CharField(_("window"), max_length=80, blank=True)
    can_proxy = models.BooleanField(_("can be handled by proxy (可代办)"), default=True)
    can_home_visit = models.BooleanField(_("home visit possible (可上门)"), default=False)
    can_off_hours = models.BooleanField(_("off-hours appointment (可错时预约)"), default=False)
    is_home_care = models.BooleanField(_("home-care order (助医、助急)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("government item")
        verbose_name_plural = _("government items")
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return self.name


class ErrandStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    RETURNED = "returned", _("Returned")


OPEN_ERRAND = (ErrandStatus.REQUESTED, ErrandStatus.ACCEPTED, ErrandStatus.IN_PROGRESS)


class Errand(models.Model):
    """A 代办 (or 上门服务) request: a 代办员 handles an item for someone who cannot come."""

    item = models.ForeignKey(GovItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="errands")
    centre = models.ForeignKey(Centre, verbose_name=_("centre"), on_delete=models.PROTECT, related_name="errands")
    requester = models.ForeignKey(USER, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    home_visit = models.BooleanField(_("home visit (上门服务)"), default=False)
    address = EncryptedTextField(_("address for the visit"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ErrandStatus.choices, default=ErrandStatus.REQUESTED)
    agent = models.ForeignKey(
        USER, verbose_name=_("代办员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField(_("due at"))
    accepted_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(_("result"), max_length=200, blank=True)
    return_reason = models.CharField(_("reason for returning"), max_length=200, blank=True)
    urge_count = models.PositiveIntegerField(_("times urged"), default=0)
    last_urged_at = models.DateTimeField(null=True, blank=True)
    scope_code = models.CharField(_("scope code"), max_length=40, editable=False)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)

    class Meta:
        verbose_name = _("errand (代办)")
        verbose_name_plural = _("errands (代办)")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"]), models.Index(fields=["scope_code", "status"])]

    def __str__(self) -> str:
        return f"{self.item.name} #{self.pk}"

    def save(self, *args, **kwargs):
        self.scope_code = self.centre.scope_code
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ERRAND

    @property
    def on_time(self) -> bool | None:
        if self.status != ErrandStatus.DONE or self.finished_at is None:
            return None
        return self.finished_at <= self.due_at


class ErrandAgent(models.Model):
    """A volunteer (or staff member) on a centre's 红色代办员 duty roster."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="agents")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("代办员")
        verbose_name_plural = _("代办员")
        constraints = [models.UniqueConstraint(fields=["centre", "user"], name="centre_agent_once")]

    def __str__(self) -> str:
        return f"{self.centre} · {self.user}"


class SubsidyClass(models.TextChoices):
    NONE = "none", _("None")
    LOW_INCOME = "low_income", _("Minimum living allowance (低保)")
    EXTREME = "extreme", _("Extreme poverty support (特困)")


class MemberProfile(models.Model):
    """What the centre needs to know of a person: birth year (age bands, elders-only activities)
    and subsidy class (meal price). The people registry will supply these; until then staff enter them."""

    user = models.OneToOneField(USER, on_delete=models.PROTECT, related_name="centre_profile")
    birth_year = models.PositiveIntegerField(_("birth year"), null=True, blank=True)
    subsidy_class = models.CharField(
        _("subsidy class"), max_length=12, choices=SubsidyClass.choices, default=SubsidyClass.NONE
    )
    home_centre = models.ForeignKey(Centre, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("centre member profile")
        verbose_name_plural = _("centre member profiles")

    def __str__(self) -> str:
        return str(self.user)


class MealMenu(models.Model):
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="menus")
    date = models.DateField(_("date"))
    meal = models.CharField(_("meal"), max_length=10, choices=[("lunch", _("Lunch")), ("dinner", _("Dinner"))])
    dishes = models.CharField(_("dishes"), max_length=300)
    base_price = models.DecimalField(_("full price (yuan)"), max_digits=6, decimal_places=2)
    order_cutoff = models.DateTimeField(_("order by"))
    delivery = models.BooleanField(_("delivery offered"), default=True)
    portions = models.PositiveIntegerField(_("portions available"), default=80)

    class Meta:
        verbose_name = _("meal menu")
        verbose_name_plural = _("meal menus")
        ordering = ["date", "meal"]
        constraints = [models.UniqueConstraint(fields=["centre", "date", "meal"], name="centre_menu_once")]

    def __str__(self) -> str:
        return f"{self.centre.name} {self.date} {self.get_meal_display()}"


class MealOrderStatus(models.TextChoices):
    PLACED = "placed", _("Ordered")
    CANCELLED = "cancelled", _("Cancelled")
    SERVED = "served", _("Served")


class MealOrder(models.Model):
    menu = models.ForeignKey(MealMenu, on_delete=models.PROTECT, related_name="orders")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    delivery = models.BooleanField(_("deliver to home"), default=False)
    address = EncryptedTextField(_("delivery address"), blank=True)
    price = models.DecimalField(_("price charged (yuan)"), max_digits=6, decimal_places=2)
    price_band = models.CharField(_("price band"), max_length=40)
    status = models.CharField(max_length=10, choices=MealOrderStatus.choices, default=MealOrderStatus.PLACED)
    scope_code = models.CharField(max_length=40, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    served_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("meal order")
        verbose_name_plural = _("meal orders")
        constraints = [
            models.UniqueConstraint(
                fields=["menu", "user"], condition=~Q(status="cancelled"), name="centre_meal_one_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.menu} · {self.user}"

    def save(self, *args, **kwargs):
        self.scope_code = self.menu.centre.scope_code
        super().save(*args, **kwargs)


class Rating(models.Model):
    """A resident's rating of something they used: an activity attended, an errand done, a meal
    served, a booking held. One rating per thing used."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="ratings")
    provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="ratings")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    registration = models.OneToOneField(Registration, null=True, blank=True, on_delete=models.PROTECT)
    errand = models.OneToOneField(Errand, null=True, blank=True, on_delete=models.PROTECT)
    meal_order = models.OneToOneField(MealOrder, null=True, blank=True, on_delete=models.PROTECT)
    booking = models.OneToOneField(Booking, null=True, blank=True, on_delete=models.PROTECT)
    stars = models.PositiveSmallIntegerField(_("stars"))
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    scope_code = models.CharField(max_length=40, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="centre_rating_stars")]

    def __str__(self) -> str:
        return f"{self.centre} {self.stars}★"

    def save(self, *args, **kwargs):
        self.scope_code = self.centre.scope_code
        super().save(*args, **kwargs)
