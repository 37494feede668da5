"""Reads of the registry, every one scoped through core.scope and the policy rows of policies.py."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jinlin.core import policy
from jinlin.core.models import OrgUnit, User
from jinlin.core.scope import area_codes, prefix_q
from jinlin.core.selectors import capped_count

from .models import KEY_TAGS, RESTRICTED_TAGS, Household, Pairing, Resident, ResidentTag, Visit
from .policies import VIEW_ROLES

PAGE_SIZE = 20
AGE_BANDS = [(0, 6, "0-6"), (7, 17, "7-17"), (18, 34, "18-34"), (35, 59, "35-59"), (60, 79, "60-79"), (80, 200, "80+")]


def area_q(user: User | None, roles=VIEW_ROLES) -> Q:
    """Rows (with scope_code and unit_code) in the areas the user's viewing roles reach.

    A place of the administrative chain or a grid (all digits: 350102001001001) is matched on
    scope_code, the grid layer; an estate, building or entrance (350102001001E01B01) on unit_code.
    Each branch is a prefix an index answers, so PostgreSQL combines them with a BitmapOr instead
    of scanning every household.
    """
    codes = area_codes(user, roles)
    return prefix_q("scope_code", [c for c in codes if c.isdigit()]) | prefix_q(
        "unit_code", [c for c in codes if not c.isdigit()]
    )


def unit_q(unit: OrgUnit) -> Q:
    """Rows under an org unit: its grid layer (scope_code) or its buildings (unit_code)."""
    if unit.code.isdigit():
        return Q(scope_code__startswith=unit.code)
    return Q(unit_code__startswith=unit.code)


def _paired(user: User | None) -> list[int]:
    """The households a carer looks after personally: a short list, read once."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        Pairing.objects.filter(carer=user, ended_at=None).order_by().values_list("household_id", flat=True)[:1000]
    )


def visible_households(user: User | None) -> QuerySet[Household]:
    q = area_q(user)
    if paired := _paired(user):
        q |= Q(pk__in=paired)
    return Household.objects.filter(q)


def sees_restricted(user: User | None, obj=None) -> bool:
    return policy.allows(user, "people.tag.restricted", obj)


def visible_unit(user: User | None, unit_id: int | None) -> OrgUnit | None:
    """The org unit a filter names, if the user's viewing roles reach it; 404 otherwise."""
    if unit_id is None:
        return None
    unit = OrgUnit.objects.select_related("grid").filter(pk=unit_id).first()
    if unit is None or not policy.allows(user, "people.profile.view", unit):
        raise Http404
    return unit


# A part of the viewer's area: ("scope_code" | "unit_code", a code prefix) or ("paired", household ids).
Part = tuple[str, str | list[int]]


def _area_parts(user: User | None, paired: list[int]) -> list[Part]:
    """The user's area as separate parts (one code prefix each, and the paired households): the
    same rows as area_q | paired, but each part answerable by one index on its own."""
    codes = area_codes(user, VIEW_ROLES)
    parts: list[Part] = [("scope_code", c) for c in codes if c.isdigit()]
    parts += [("unit_code", c) for c in codes if not c.isdigit()]
    if paired:
        parts.append(("paired", paired))
    return parts


def _part_q(part: Part, household: str) -> Q:
    field, value = part
    if field == "paired":
        return Q(**{f"{household}__in": value})
    return Q(**{f"{field}__startswith": value})


# Beyond this many parts of an area, one subquery with an OR (a bitmap scan) beats many subqueries.
MAX_PARTS = 6


def _per_part(parts: list[Part], unit: OrgUnit | None, household: str, make) -> list[QuerySet]:
    """`make(where)` for each part of the area (or once for all of them, when there are many)."""
    groups = [[part] for part in parts] if len(parts) <= MAX_PARTS else [parts]
    out = []
    for group in groups:
        where = Q(pk__in=[])
        for part in group:
            where |= _part_q(part, household)
        if unit is not None:
            where &= unit_q(unit)
        out.append(make(where).order_by())
    return out


def _union(querysets: list[QuerySet]) -> QuerySet:
    first, *rest = querysets
    return first.union(*rest, all=True) if rest else first


def _with_residents(parts: list[Part], unit: OrgUnit | None, **conditions) -> QuerySet:
    """The ids of the households with a current resident matching `conditions`, in the area."""
    return _union(
        _per_part(
            parts,
            unit,
            "household_id",
            lambda where: Resident.objects.filter(where, left_at=None, **conditions).values("household_id"),
        )
    )


def _matching(parts: list[Part], unit: OrgUnit | None, q: str) -> QuerySet:
    """The ids of the households in the area whose address or room, or a current resident's name,
    contains `q`.

    One subquery per part of the area and per table, joined with UNION ALL, so that each is one
    range of one index: the covering indexes people_res_scope_name and people_hh_scope_text
    (PostgreSQL, migration 0003) answer a short query (a surname such as 王) from the index alone,
    without visiting the rows of the area; the trigram indexes on UPPER(name), UPPER(address) and
    UPPER(room) answer three characters or more (Django's icontains is UPPER(col) LIKE UPPER('%q%')).
    Only the households found are then read. An OR of the conditions would scan every household of
    the area instead.
    """
    named = _per_part(
        parts,
        unit,
        "household_id",
        lambda where: Resident.objects.filter(where, left_at=None, name__icontains=q).values("household_id"),
    )
    placed = _per_part(
        parts,
        unit,
        "pk",
        lambda where: Household.objects.filter(where, Q(address__icontains=q) | Q(room__icontains=q)).values("pk"),
    )
    return _union(named + placed)


def household_queryset(
    user: User | None, *, unit: OrgUnit | None = None, tag: str = "", q: str = ""
) -> QuerySet[Household]:
    area = area_q(user)
    paired = _paired(user)
    households = area | Q(pk__in=paired) if paired else area
    if unit is not None:
        households &= unit_q(unit)
    qs = Household.objects.filter(households)
    tag = (tag or "").strip()
    q = (q or "").strip()
    if not tag and not q:
        return qs
    # Residents carry their household's scope_code and unit_code: the same rule scopes them, so a
    # search or a tag looks at the area's residents only, never the whole registry.
    parts = _area_parts(user, paired)
    if not parts:
        return qs.none()
    if tag:
        if tag in RESTRICTED_TAGS and not sees_restricted(user):
            return qs.none()
        qs = qs.filter(pk__in=_with_residents(parts, unit, tags__tag=tag))
    if q:
        qs = qs.filter(pk__in=_matching(parts, unit, q))
    return qs


@dataclass
class HouseholdRow:
    id: int
    address: str
    unit_id: int
    room: str
    size: int
    tags: list[str]


def household_rows(user: User | None, households: list[Household]) -> list[HouseholdRow]:
    """Size and key-group tags of a page of households, in two queries whatever the page."""
    ids = [h.pk for h in households]
    sizes = dict(
        Resident.objects.filter(household_id__in=ids, left_at=None)
        .values_list("household_id")
        .annotate(n=Count("id"))
        .values_list("household_id", "n")
    )
    tags: dict[int, set[str]] = defaultdict(set)
    restricted_ok = sees_restricted(user)
    for household_id, tag, restricted in ResidentTag.objects.filter(
        resident__household_id__in=ids, resident__left_at=None
    ).values_list("resident__household_id", "tag", "restricted"):
        if not restricted or restricted_ok:
            tags[household_id].add(tag)
    order = {t: i for i, t in enumerate(KEY_TAGS + RESTRICTED_TAGS)}
    return [
        HouseholdRow(
            h.pk,
            h.address,
            h.unit_id,
            h.room,
            sizes.get(h.pk, 0),
            sorted(tags[h.pk], key=lambda t: order.get(t, len(order))),
        )
        for h in households
    ]


def household_page(
    user: User | None, *, unit_id: int | None = None, tag: str = "", q: str = "", page: int = 1
) -> tuple[int, list[HouseholdRow]]:
    unit = visible_unit(user, unit_id)
    qs = household_queryset(user, unit=unit, tag=tag, q=q).order_by("unit_code", "room", "id")
    page = max(1, page)
    # A search is counted no further than COUNT_CAP + 1 (core.selectors): a surname matches
    # thousands of households in a large area, and counting them all costs more than the page.
    count = capped_count(qs) if (q or "").strip() else qs.count()
    rows = list(qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    return count, household_rows(user, rows)


def household_get(user: User | None, household_id: int) -> Household:
    household = Household.objects.select_related("unit").filter(pk=household_id).first()
    if household is None or not policy.allows(user, "people.household.view", household):
        raise Http404
    return household


def residents_of(user: User | None, household: Household) -> list[tuple[Resident, list[str]]]:
    restricted_ok = sees_restricted(user, household)
    residents = list(household.residents.filter(left_at=None).prefetch_related("tags").order_by("id"))
    return [(r, [t.tag for t in r.tags.all() if not t.restricted or restricted_ok]) for r in residents]


def resident_get(user: User | None, resident_id: int) -> Resident:
    resident = Resident.objects.select_related("household").filter(pk=resident_id).first()
    if resident is None or not policy.allows(user, "people.household.view", resident.household):
        raise Http404
    return resident


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def profile(user: User | None, unit_id: int | None = None, today: date | None = None) -> dict:
    """Counts of the residents in an area by age band, sex, tag, occupation and education."""
    unit = visible_unit(user, unit_id)
    if unit is None and not policy.allows(user, "people.profile.view", None):
        raise Http404
    today = today or timezone.localdate()
    residents = Resident.objects.filter(area_q(user), left_at=None)
    if unit is not None:
        residents = residents.filter(unit_q(unit))
    bands = Counter()
    for low, high, label in AGE_BANDS:
        # Born between (today - high - 1 years, today - low years]: one COUNT per band.
        youngest = _years_before(today, low)
        oldest = _years_before(today, high + 1)
        bands[label] = residents.filter(birth_date__lte=youngest, birth_date__gt=oldest).count()
    sex = dict(residents.values_list("sex").annotate(n=Count("id")).values_list("sex", "n"))
    restricted_ok = sees_restricted(user, None) if unit is None else sees_restricted(user, _UnitRow(unit))
    tag_rows = ResidentTag.objects.filter(resident__in=residents.values("pk"))
    if not restricted_ok:
        tag_rows = tag_rows.filter(restricted=False)
    tags = dict(tag_rows.values_list("tag").annotate(n=Count("id")).values_list("tag", "n"))
    occupation = dict(residents.values_list("occupation").annotate(n=Count("id")).values_list("occupation", "n"))
    education = dict(residents.values_list("education").annotate(n=Count("id")).values_list("education", "n"))
    marital = dict(residents.values_list("marital_status").annotate(n=Count("id")).values_list("marital_status", "n"))
    return {
        "unit_id": unit.pk if unit else None,
        "unit_name": unit.name if unit else "",
        "total": sum(sex.values()),
        "age_bands": [{"band": label, "count": bands[label]} for _l, _h, label in AGE_BANDS],
        "sex": {"M": sex.get("M", 0), "F": sex.get("F", 0)},
        "tags": {t: tags[t] for t in KEY_TAGS + RESTRICTED_TAGS if t in tags},
        "occupation": {(k or "未填"): v for k, v in sorted(occupation.items(), key=lambda kv: -kv[1])},
        "education": {(k or "未填"): v for k, v in sorted(education.items(), key=lambda kv: -kv[1])},
        "marital": {(k or "未填"): v for k, v in sorted(marital.items(), key=lambda kv: -kv[1])},
    }


@dataclass
class _UnitRow:
    """An org unit seen as a scoped row, so the row policies can be asked about an area."""

    unit: OrgUnit

    @property
    def scope_code(self) -> str:
        return self.unit.grid.code if self.unit.grid_id else self.unit.code

    @property
    def unit_code(self) -> str:
        return self.unit.code


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def pairing_q(user: User | None) -> Q:
    q = area_q(user)
    if user is not None and user.is_authenticated:
        q |= Q(carer=user)
    return q


def overdue_pairings(user: User | None, now: datetime | None = None) -> QuerySet[Pairing]:
    now = now or timezone.now()
    return (
        Pairing.objects.filter(pairing_q(user), ended_at=None, due_at__lt=now)
        .select_related("household", "carer")
        .order_by("due_at", "id")
    )


def my_pairings(user: User) -> QuerySet[Pairing]:
    return Pairing.objects.filter(carer=user, ended_at=None).select_related("household").order_by("due_at", "id")


def coverage(user: User | None, now: datetime | None = None) -> dict:
    """Of the active pairings the user reaches, how many are visited within their frequency."""
    now = now or timezone.now()
    pairings = Pairing.objects.filter(pairing_q(user), ended_at=None)
    total = pairings.count()
    on_time = pairings.filter(due_at__gte=now).count()
    return {
        "pairings": total,
        "on_time": on_time,
        "overdue": total - on_time,
        "rate": (on_time / total) if total else None,
    }


def recent_visits(user: User | None, household: Household, limit: int = 20) -> list[Visit]:
    return list(household.visits.select_related("visitor").prefetch_related("photos")[:limit])


def visits_since(days: int = 30) -> datetime:
    return timezone.now() - timedelta(days=days)


def stale_buildings(user: User | None, now: datetime | None = None) -> list[dict]:
    """Buildings in the user's area with a household not confirmed since the start of this month."""
    from django.db.models import Min

    now = now or timezone.now()
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = (
        Household.objects.filter(area_q(user))
        .values("unit__parent_id", "unit__kind", "unit_id")
        .annotate(oldest=Min("confirmed_at"), n=Count("id"))
    )
    buildings: dict[int, dict] = {}
    for row in rows:
        building_id = row["unit__parent_id"] if row["unit__kind"] == "entrance" else row["unit_id"]
        if building_id is None:
            continue
        entry = buildings.setdefault(building_id, {"households": 0, "oldest": row["oldest"], "never": False})
        entry["households"] += row["n"]
        if row["oldest"] is None:
            entry["never"] = True
        elif entry["oldest"] is None or row["oldest"] < entry["oldest"]:
            entry["oldest"] = row["oldest"]
    stale = {pk: e for pk, e in buildings.items() if e["never"] or e["oldest"] is None or e["oldest"] < month_start}
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=stale)}
    return sorted(
        (
            {
                "building_id": pk,
                "code": units[pk].code,
                "name": units[pk].name,
                "households": e["households"],
                "confirmed_at": None if e["never"] else e["oldest"],
            }
            for pk, e in stale.items()
            if pk in units
        ),
        key=lambda r: r["code"],
    )
