"""Reference data every intake and dispatch reads, cached per process (core.cache.TableCache via
cases.cache): command centres, active categories, the places of grids and homes."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jinlin.core.models import OrgKind, OrgUnit, Role, User
from jinlin.core.scope import active_assignments

from .. import rules
from ..cache import TableCache
from ..models import (
    STAFF_CHANNELS,
    Category,
    Channel,
    Tier,
)


def _grid_at(lat: float, lng: float) -> OrgUnit | None:
    # core.grids (point-in-grid over the grid polygons) is written alongside this app; until it
    # exists a point simply yields no grid and the case is placed by the reporter's home.
    try:
        from jinlin.core.grids import grid_at
    except ImportError:
        return None
    return grid_at(lat, lng)


def _load_centres() -> tuple[list[OrgUnit], OrgUnit | None]:
    centres = list(OrgUnit.objects.filter(kind=OrgKind.COMMAND_CENTRE, is_active=True).order_by("code"))
    # A tree without a command centre still needs an owner for new cases: its district.
    district = None
    if not centres:
        district = OrgUnit.objects.filter(kind=OrgKind.DISTRICT, is_active=True).order_by("code").first()
    return centres, district


# Every intake asks for its command centre; the org tree changes rarely (dropped on any unit's save).
_centres = TableCache("command_centres", _load_centres, OrgUnit)


def command_centre_for(scope_code: str) -> OrgUnit:
    """The unit that owns unassigned cases of a place: the nearest command centre above it."""
    centres, district = _centres.get()
    matching = [c for c in centres if scope_code and scope_code.startswith(rules.area_code(c))]
    if matching:
        return max(matching, key=lambda c: len(rules.area_code(c)))
    if centres:
        return centres[0]
    if district is None:
        raise ValidationError(_("The organisation tree is empty: an administrator must set it up first."))
    return district


def _load_categories() -> dict[str, Category]:
    active = Category.objects.filter(is_active=True).select_related("department", "parent")
    return {c.code: c for c in active.order_by("sort_order", "code")}


# Active categories by code, in display order (intake, triage); dropped when a category or unit changes.
_categories = TableCache("categories", _load_categories, Category, OrgUnit)


def active_categories() -> dict[str, Category]:
    """Active categories by code, in display order, with department and parent (cached per process)."""
    return _categories.get()


def _ancestor(unit: OrgUnit | None, kind: str) -> OrgUnit | None:
    if unit is None:
        return None
    if unit.kind == kind:
        return unit
    return unit.ancestors().filter(kind=kind).last()


def _home_of(user: User | None, role: str) -> OrgUnit | None:
    for assignment in active_assignments(user):
        if assignment.role == role:
            return assignment.org
    return None


# Grid, community and estate already derived for a (grid, home) pair: every intake from the same
# home or grid asks the same question of the org tree (dropped when any unit is saved).
_places = TableCache("places", dict, OrgUnit)


MAX_PLACES = 50_000


def _units_of(grid: OrgUnit | None, home: OrgUnit | None) -> tuple:
    """(grid, community, estate) of a point's grid or, without one, of a home unit."""
    memo = _places.get()
    key = (grid.pk if grid is not None else None, home.pk if home is not None else None)
    found = memo.get(key)
    if found is None:
        if grid is None and home is not None:
            from jinlin.core.selectors import grid_of

            grid = grid_of(home)
        community = _ancestor(grid, OrgKind.COMMUNITY) or _ancestor(home, OrgKind.COMMUNITY)
        found = (grid, community, _ancestor(home, OrgKind.ESTATE))
        if len(memo) >= MAX_PLACES:
            memo.clear()
        memo[key] = found
    return found


def _place(*, lat: float | None, lng: float | None, reporter: User | None, actor: User | None, channel: str) -> dict:
    """Grid, community, public place label and scope code of a new case (属地)."""
    grid = _grid_at(lat, lng) if lat is not None and lng is not None else None
    home = None
    if grid is None:
        if channel == Channel.GRID_PATROL:
            home = _home_of(actor, Role.GRID_WORKER)
        home = home or _home_of(reporter, Role.RESIDENT)
        if home is None and channel in STAFF_CHANNELS:
            # A call taken by community staff is about their place unless a point says otherwise.
            home = next(
                (a.org for a in active_assignments(actor) if a.org.is_place() and a.role in rules.RECORDING_ROLES), None
            )
    grid, community, estate = _units_of(grid, home)
    place_label = (estate or community).name if (estate or community) else ""
    scope_unit = grid or community or (home if home is not None and home.is_place() else None)
    return {
        "grid": grid,
        "community": community,
        "place_label": place_label,
        "scope_code": scope_unit.code if scope_unit else "",
    }


def _category(code: str | None) -> Category | None:
    if not code:
        return None
    category = active_categories().get(code)
    if category is None:
        raise ValidationError({"category_code": _("Unknown category %(code)s.") % {"code": code}})
    return category


def _tier(value: str | None, default: str) -> str:
    if not value:
        return default
    if value not in Tier.values:
        raise ValidationError({"tier": _("Unknown tier %(tier)s.") % {"tier": value}})
    return value
