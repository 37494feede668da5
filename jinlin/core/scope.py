"""The one scope rule every read goes through.

A role is bound to one org unit. What the role *reaches* is decided here once:

- personal roles (resident, volunteer) reach no area, only rows that are their own;
- a role bound to a place (city, district, street, community, grid, estate …) reaches every row
  whose scope code begins with that place's code (the code-prefix rule of models.py);
- the area-wide roles (command-centre dispatcher, discipline supervisor, platform admin) are bound
  to a unit that is not a place (区指挥中心 350102C01, 市指挥中心 3501C01); they reach the place their
  unit hangs under (350102, 3501): a district centre sees its district, a city centre its city;
- any other role bound to a non-place unit (a department handler, a police station, a property
  company) reaches no area: it sees what its unit is given (owned, escalated to, handled before),
  which each app states with `unit_ids` / `unit_codes`.

Selectors in every app build their visibility with `scope_q`, `area_codes` and `prefix_q`, so the
rule lives here once and each model only says where its scope code and its owner are.
"""

import re
from collections.abc import Collection, Iterable

from django.db.models import Q, QuerySet

from .models import OrgUnit, Role, RoleAssignment, User

# Roles that see only what is theirs, whatever node they are bound to.
PERSONAL_ROLES = frozenset({Role.RESIDENT, Role.VOLUNTEER})
# Roles that see the whole subtree of the node they are bound to.
AREA_ROLES = frozenset(set(Role) - PERSONAL_ROLES)
# Roles bound to a non-place unit that still reach the place their unit hangs under.
AREA_WIDE_ROLES = frozenset({Role.DISPATCHER, Role.DISCIPLINE_SUPERVISOR, Role.PLATFORM_ADMIN})

_LEADING_DIGITS = re.compile(r"\d+")


def active_assignments(user: User | None) -> list[RoleAssignment]:
    """A user's active roles, cached on the user object for the rest of the request."""
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, "_jinlin_roles", None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user, is_active=True).select_related("org"))
        setattr(user, "_jinlin_roles", cached)  # noqa: B010  (a per-request memo on the instance)
    return cached


def has_role(user: User | None, *roles: str) -> bool:
    return any(a.role in roles for a in active_assignments(user))


def area_code(org: OrgUnit) -> str:
    """The place a unit covers: a place covers itself; a non-place unit (350102C01) its parent place."""
    if org.is_place():
        return org.code
    match = _LEADING_DIGITS.match(org.code)
    return match.group(0) if match else org.code


def reach_code(assignment: RoleAssignment) -> str | None:
    """The code prefix of the area one role binding reaches, or None if it reaches no area."""
    if assignment.role in PERSONAL_ROLES:
        return None
    if assignment.org.is_place():
        return assignment.org.code
    if assignment.role in AREA_WIDE_ROLES:
        return area_code(assignment.org)
    return None


def covers(assignment: RoleAssignment, scope_code: str) -> bool:
    """Whether one role binding reaches a row with this scope code."""
    code = reach_code(assignment)
    return code is not None and scope_code.startswith(code)


def minimal_prefixes(codes: Iterable[str]) -> list[str]:
    """The codes with every code dropped that a shorter one in the set already covers."""
    kept: list[str] = []
    for code in sorted(set(codes), key=len):
        if not any(code.startswith(k) for k in kept):
            kept.append(code)
    return sorted(kept)


def area_codes(user: User | None, roles: Collection[str] | None = None) -> list[str]:
    """The code prefixes of every area `user` reaches (through `roles` only, if given)."""
    return minimal_prefixes(
        code
        for a in active_assignments(user)
        if (roles is None or a.role in roles) and (code := reach_code(a)) is not None
    )


def unit_codes(user: User | None, roles: Collection[str] | None = None) -> list[str]:
    """The codes of the units `user` is a member of (through `roles` only, if given)."""
    return sorted({a.org.code for a in active_assignments(user) if roles is None or a.role in roles})


def unit_ids(user: User | None, roles: Collection[str] | None = None) -> list[int]:
    """The ids of the units `user` is a member of (through `roles` only, if given)."""
    return sorted({a.org_id for a in active_assignments(user) if roles is None or a.role in roles})


def staff_unit_codes(user: User | None) -> list[str]:
    """The codes of the units `user` works for (any role but a personal one): what a unit is
    given (owned, called in on, handled before) stays visible to its members."""
    return unit_codes(user, AREA_ROLES)


def prefix_q(field: str, codes: Iterable[str]) -> Q:
    """Rows whose `field` begins with any of `codes`; matches nothing for no codes."""
    q = Q(pk__in=[])
    for code in minimal_prefixes(codes):
        q |= Q(**{f"{field}__startswith": code})
    return q


def units_under(codes: Iterable[str]) -> QuerySet[OrgUnit]:
    """The ids of the units with these codes and everything under them, as a subquery: lets an
    owner or target index answer instead of joining the org tree to every row."""
    return OrgUnit.objects.filter(prefix_q("code", codes)).values("pk")  # type: ignore[return-value]


def org_reach_q(user: User | None, field: str = "code") -> Q:
    """The org units a user may look up: the areas they reach and the units they work for
    (a department handler sees their department; a resident no unit)."""
    return prefix_q(field, [*area_codes(user), *staff_unit_codes(user)])


def scope_q(
    user: User | None,
    *,
    code_field: str | None,
    owner_field: str | None = None,
    roles: Collection[str] | None = None,
) -> Q:
    """A Q object that keeps only the rows `user` may see.

    code_field: the column holding the row's scope code (None if the model has none).
    owner_field: the column pointing at the user a row belongs to (None if rows have no owner).
    roles: if given, only these roles grant area visibility (e.g. the audit log is for admins).
    Returns a Q that matches nothing when no role grants anything.
    """
    q = prefix_q(code_field, area_codes(user, roles)) if code_field else Q(pk__in=[])
    if owner_field and user is not None and user.is_authenticated:
        q |= Q(**{owner_field: user})
    return q


def visible_to(
    user: User | None,
    queryset: QuerySet,
    *,
    code_field: str | None,
    owner_field: str | None = None,
    roles: Collection[str] | None = None,
) -> QuerySet:
    return queryset.filter(scope_q(user, code_field=code_field, owner_field=owner_field, roles=roles))
