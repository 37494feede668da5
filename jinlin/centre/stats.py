"""The centre's figures: 服务人次 by domain, room occupancy, 代办 on-time rate, ratings, and the
star grade of each centre (docs/centre.md states the criteria).

服务人次 (person-times served) counts each use once: a check-in at an activity (in the activity's
domain), a meal served (食有所安), an errand done (事有所办, or 老有所养 for home-care orders), and
a room booking held (居有所乐).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Avg, Count, DurationField, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from jinlin.core.models import OrgUnit, User
from jinlin.core.scope import area_codes, prefix_q

from .models import (
    SIX_DOMAINS,
    Activity,
    Booking,
    BookingStatus,
    Centre,
    Domain,
    Errand,
    ErrandStatus,
    MealOrder,
    MealOrderStatus,
    Rating,
    Registration,
    Room,
    Service,
    Tier,
)

# The star grade: one star for any open centre, one more for each criterion met, at most five.
STAR_CRITERIA = (
    ("full_catalogue", gettext_noop("All six domains of 1+6 have a service (老有所养 … 事有所办).")),
    ("three_tiers", gettext_noop("All three price tiers are offered (零收费公益, 零差价基础, 低收益特色).")),
    (
        "lively",
        gettext_noop(
            "At least 8 activities in the last 30 days, with at least 60 per cent of those registered checking in."
        ),
    ),
    ("satisfied", gettext_noop("An average rating of at least 4.5 from at least 5 ratings in the last 90 days.")),
    (
        "on_time",
        gettext_noop("At least 90 per cent of the 代办 finished in the last 90 days were done by their deadline."),
    ),
)


@dataclass
class Grade:
    stars: int
    met: dict[str, bool]

    @property
    def criteria(self) -> list[tuple[str, bool]]:
        return [(text, self.met[key]) for key, text in STAR_CRITERIA]


def star_grade(centre: Centre, now: datetime | None = None) -> Grade:
    now = now or timezone.now()
    services = Service.objects.filter(centre=centre, is_active=True)
    domains = set(services.values_list("domain", flat=True))
    tiers = set(services.values_list("tier", flat=True))
    month = now - timedelta(days=30)
    held = Activity.objects.filter(centre=centre, is_cancelled=False, start__gte=month, end__lte=now)
    regs = Registration.objects.filter(activity__in=held, status="registered")
    registered = regs.count()
    attended = regs.filter(checked_in_at__isnull=False).count()
    quarter = now - timedelta(days=90)
    ratings = Rating.objects.filter(centre=centre, created_at__gte=quarter).aggregate(n=Count("id"), avg=Avg("stars"))
    done = Errand.objects.filter(centre=centre, status=ErrandStatus.DONE, finished_at__gte=quarter)
    n_done = done.count()
    met = {
        "full_catalogue": all(d in domains for d in SIX_DOMAINS),
        "three_tiers": set(Tier.values) <= tiers,
        "lively": held.count() >= 8 and registered > 0 and attended / registered >= 0.6,
        "satisfied": (ratings["n"] or 0) >= 5 and (ratings["avg"] or 0) >= 4.5,
        "on_time": n_done > 0 and done.filter(finished_at__lte=F("due_at")).count() / n_done >= 0.9,
    }
    return Grade(max(1, min(5, sum(met.values()))), met)


@dataclass
class Row:
    key: str
    name: str
    centres: int = 0
    served: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    booked_minutes: float = 0
    open_minutes: float = 0
    errands_done: int = 0
    errands_on_time: int = 0
    ratings: int = 0
    rating_sum: int = 0

    @property
    def served_total(self) -> int:
        return sum(self.served.values())

    @property
    def occupancy(self) -> float | None:
        return self.booked_minutes / self.open_minutes if self.open_minutes else None

    @property
    def on_time_rate(self) -> float | None:
        return self.errands_on_time / self.errands_done if self.errands_done else None

    @property
    def rating_avg(self) -> float | None:
        return self.rating_sum / self.ratings if self.ratings else None

    def served_by_domain(self) -> list[tuple[str, int]]:
        return [(label, self.served.get(value, 0)) for value, label in Domain.choices]


LEVEL_LENGTH = {"street": 9, "community": 12}
PANEL_LEVELS = ("centre", "community", "street")
PANEL_DAYS = 30


def panel_rows(user: User, level: str) -> tuple[list[Row], datetime, datetime]:
    """The dashboard panel: the last 30 days of every active centre in the viewer's area, by
    centre, community or street (at most 50 rows); none for someone with no area."""
    codes = area_codes(user)
    centres = list(Centre.objects.filter(prefix_q("scope_code", codes), is_active=True)) if codes else []
    until = timezone.now()
    since = until - timedelta(days=PANEL_DAYS)
    if not centres:
        return [], since, until
    return centre_figures(centres, since=since, until=until, level=level)[:50], since, until


def centre_figures(centres: list[Centre], *, since: datetime, until: datetime, level: str = "centre") -> list[Row]:
    """Figures per centre, or summed per community / street (by the centres' unit codes)."""
    ids = [c.pk for c in centres]
    key_of: dict[int, str] = {}
    names: dict[str, str] = {}
    length = LEVEL_LENGTH.get(level)
    unit_names = {}
    if length:
        codes = {c.scope_code[:length] for c in centres}
        unit_names = dict(OrgUnit.objects.filter(code__in=codes).values_list("code", "name"))
    for c in centres:
        if length:
            key = c.scope_code[:length]
            names[key] = unit_names.get(key, key)
        else:
            key = str(c.pk)
            names[key] = c.name
        key_of[c.pk] = key
    rows = {key: Row(key, names[key]) for key in dict.fromkeys(key_of.values())}
    rooms = dict(
        Room.objects.filter(centre_id__in=ids, is_active=True)
        .values("centre_id")
        .annotate(n=Count("id"))
        .values_list("centre_id", "n")
    )
    for c in centres:
        row = rows[key_of[c.pk]]
        row.centres += 1
        days = (until - since).days or 1
        daily = (c.closes_at.hour * 60 + c.closes_at.minute) - (c.opens_at.hour * 60 + c.opens_at.minute)
        row.open_minutes += max(daily, 0) * days * rooms.get(c.pk, 0) * len(c.open_weekdays) / 7

    checked = (
        Registration.objects.filter(activity__centre_id__in=ids, checked_in_at__gte=since, checked_in_at__lt=until)
        .values("activity__centre_id", "activity__domain")
        .annotate(n=Count("id"))
    )
    for r in checked:
        rows[key_of[r["activity__centre_id"]]].served[r["activity__domain"]] += r["n"]
    meals = (
        MealOrder.objects.filter(
            menu__centre_id__in=ids, status=MealOrderStatus.SERVED, served_at__gte=since, served_at__lt=until
        )
        .values("menu__centre_id")
        .annotate(n=Count("id"))
    )
    for r in meals:  # type: ignore[assignment]  # .values() rows of another shape
        rows[key_of[r["menu__centre_id"]]].served[Domain.FOOD] += r["n"]
    errands = (
        Errand.objects.filter(  # type: ignore[no-redef]  # .values() rows of another shape
            centre_id__in=ids, status=ErrandStatus.DONE, finished_at__gte=since, finished_at__lt=until
        )
        .values("centre_id", "item__is_home_care")
        .annotate(n=Count("id"), on_time=Count("id", filter=Q(finished_at__lte=F("due_at"))))
    )
    for r in errands:  # type: ignore[assignment]  # .values() rows of another shape
        row = rows[key_of[r["centre_id"]]]
        row.served[Domain.ELDERLY if r["item__is_home_care"] else Domain.AFFAIRS] += r["n"]
        row.errands_done += r["n"]
        row.errands_on_time += r["on_time"]
    # Summed by the database: a busy month holds thousands of bookings, and reading each one
    # made this panel the dashboard's largest cost (docs/performance.md §7a, the last pass).
    held = Sum(F("end") - F("start"), output_field=DurationField())
    bookings = (
        Booking.objects.filter(
            room__centre_id__in=ids, status=BookingStatus.CONFIRMED, start__gte=since, start__lt=until
        )
        .values("room__centre_id")
        .annotate(held=held, past=Count("id", filter=Q(end__lte=timezone.now())))
    )
    for r in bookings:  # type: ignore[assignment]  # .values() rows of another shape
        row = rows[key_of[r["room__centre_id"]]]
        row.booked_minutes += _minutes(r["held"])
        row.served[Domain.CULTURE] += r["past"]
    # Rooms are occupied by activities held in them as much as by bookings.
    used = (
        Activity.objects.filter(
            centre_id__in=ids, room__isnull=False, is_cancelled=False, start__gte=since, start__lt=until
        )
        .values("centre_id")
        .annotate(held=held)
    )
    for r in used:  # type: ignore[assignment]  # .values() rows of another shape
        rows[key_of[r["centre_id"]]].booked_minutes += _minutes(r["held"])
    ratings = (
        Rating.objects.filter(centre_id__in=ids, created_at__gte=since, created_at__lt=until)
        .values("centre_id")
        .annotate(n=Count("id"), total=Sum("stars"))
    )
    for r in ratings:  # type: ignore[assignment]  # .values() rows of another shape
        row = rows[key_of[r["centre_id"]]]
        row.ratings += r["n"]
        row.rating_sum += r["total"]
    return sorted(rows.values(), key=lambda row: -row.served_total)


def _minutes(held: timedelta | None) -> float:
    return held.total_seconds() / 60 if held is not None else 0.0
