"""One policy per action: which roles, bound where, may do what, to which object in which state.

Every app registers its actions here at import time (`policy.register(Policy(...))` in its
`policies.py`, imported by its AppConfig.ready). The service that performs an action calls
`require(user, action, obj)` before it writes; the page and the API ask `allowed_actions(user,
obj, prefix)` which buttons to offer. Both read the same row, so a button is offered exactly
when the service would accept the action — and a test can prove it by asking both.

A grant says *why* the user may act: the role binding (its org is the acting unit recorded on
the timeline and in the audit log), or None for a personal grant (the reporter rates their own
case; a resident cancels their own booking).
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import RoleAssignment, User
from .scope import active_assignments

# (assignment, obj) -> whether this role binding reaches the object (scope, membership).
BindingCheck = Callable[[RoleAssignment, Any], bool]
# (user, obj) -> whether the user may act on the object personally, without a role.
PersonalCheck = Callable[[User, Any], bool]
# (obj) -> whether the object's state permits the action at all.
StateCheck = Callable[[Any], bool]


def anywhere(assignment: RoleAssignment, obj: Any) -> bool:
    return True


def always(obj: Any) -> bool:
    return True


@dataclass(frozen=True)
class Policy:
    action: str
    roles: frozenset[str] = frozenset()
    bound: BindingCheck = anywhere
    personal: PersonalCheck | None = None
    state: StateCheck = always
    # Said to the user when the action is refused (translated at the time it is raised).
    refusal: str = ""


@dataclass(frozen=True)
class Grant:
    action: str
    assignment: RoleAssignment | None = field(default=None)

    @property
    def org(self):
        return self.assignment.org if self.assignment is not None else None


_TABLE: dict[str, Policy] = {}


def register(*policies: Policy) -> None:
    for p in policies:
        if p.action in _TABLE and _TABLE[p.action] != p:
            raise ValueError(f"policy for {p.action!r} registered twice")
        _TABLE[p.action] = p


def policy_for(action: str) -> Policy:
    try:
        return _TABLE[action]
    except KeyError:
        raise LookupError(f"no policy registered for {action!r}") from None


def actions(prefix: str = "") -> list[str]:
    """Every registered action (beginning with `prefix`), in a stable order."""
    return sorted(a for a in _TABLE if a.startswith(prefix))


def grant(user: User | None, action: str, obj: Any = None, *, state: bool = True) -> Grant | None:
    """Why `user` may do `action` to `obj`, or None if they may not. `state=False` leaves the
    object's state out: for a service that checks it itself and answers with its own error
    (a case's state machine answers 409, where a refused person is 403)."""
    p = policy_for(action)
    if user is None or not user.is_authenticated or (state and not p.state(obj)):
        return None
    for assignment in active_assignments(user):
        if assignment.role in p.roles and p.bound(assignment, obj):
            return Grant(action, assignment)
    if p.personal is not None and p.personal(user, obj):
        return Grant(action, None)
    return None


def allows(user: User | None, action: str, obj: Any = None) -> bool:
    return grant(user, action, obj) is not None


def require(user: User | None, action: str, obj: Any = None, *, state: bool = True) -> Grant:
    """The grant for `action`, or PermissionDenied in the user's language (`state` as in grant)."""
    found = grant(user, action, obj, state=state)
    if found is None:
        refusal = policy_for(action).refusal
        raise PermissionDenied(_(refusal) if refusal else _("You may not do this."))
    return found


def allowed_actions(user: User | None, obj: Any, prefix: str, among: Collection[str] | None = None) -> list[str]:
    """The actions beginning with `prefix` (or those in `among`) that `user` may do to `obj`."""
    names = actions(prefix) if among is None else [a for a in among if a in _TABLE]
    return [a for a in names if allows(user, a, obj)]
