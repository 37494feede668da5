"""The one scope mechanism every read goes through.

A role is bound to one org unit; what the role may see is everything whose scope code begins
with that unit's code (the code-prefix rule of models.py). Residents and volunteers see only
their own rows. Selectors in every app call `scope_q` with the names of their own columns, so
the rule lives here once and each model only says where its scope code and its owner are.
"""

from django.db.models import Q

from .models import Role, RoleAssignment, User

# Roles that see only what is theirs, whatever node they are bound to.
PERSONAL_ROLES = {Role.RESIDENT, Role.VOLUNTEER}
# Roles that see the whole subtree of the node they are bound to.
AREA_ROLES = set(Role) - PERSONAL_ROLES


def active_assignments(user: User) -> list[RoleAssignment]:
    """A user's active roles, cached on the user object for the rest of the request."""
    if not user or not user.is_authenticated:
        return []
    cached = getattr(user, "_jinlin_roles", None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user, is_active=True).select_related("org"))
        user._jinlin_roles = cached
    return cached


def has_role(user: User, *roles: str) -> bool:
    return any(a.role in roles for a in active_assignments(user))


def scope_q(user: User, *, code_field: str | None, owner_field: str | None = None, roles=None) -> Q:
    """A Q object that keeps only the rows `user` may see.

    code_field: the column holding the row's scope code (None if the model has none).
    owner_field: the column pointing at the user a row belongs to (None if rows have no owner).
    roles: if given, only these roles grant area visibility (e.g. the audit log is for admins).
    Returns a Q that matches nothing when no role grants anything.
    """
    q = Q(pk__in=[])
    for assignment in active_assignments(user):
        if roles is not None and assignment.role not in roles:
            continue
        if assignment.role in AREA_ROLES and code_field:
            q |= Q(**{f"{code_field}__startswith": assignment.org.code})
    if owner_field and user is not None and user.is_authenticated:
        q |= Q(**{owner_field: user})
    return q


def visible_to(user: User, queryset, *, code_field: str | None, owner_field: str | None = None, roles=None):
    return queryset.filter(scope_q(user, code_field=code_field, owner_field=owner_field, roles=roles))
