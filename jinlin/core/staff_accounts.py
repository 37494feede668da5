"""Account management (账号管理) for platform administrators and community staff: add a staff
account with its role, give a one-time password the person must change, lift a login lock,
deactivate. Platform administrators manage everyone; community staff only the people whose every
role lies inside their community, and may grant only the community's own roles (never admin).
Every write is audited; the one-time password is shown once and never stored in the clear."""

import secrets
import string
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import policy
from .audit import audit_record
from .models import OrgUnit, Role, RoleAssignment, User
from .phones import normalize_mobile
from .scope import area_code, covers, prefix_q, reach_code

# What community staff may grant inside their community; everything else needs the platform admin.
COMMUNITY_GRANTABLE = frozenset({Role.GRID_WORKER, Role.BUILDING_HEAD, Role.COMMUNITY_STAFF, Role.VOLUNTEER})
MANAGERS = frozenset({Role.PLATFORM_ADMIN, Role.COMMUNITY_STAFF})


def _reaches_every_role(assignment: RoleAssignment, target: User) -> bool:
    if assignment.role == Role.PLATFORM_ADMIN:
        return True
    roles = list(RoleAssignment.objects.filter(user=target, is_active=True).select_related("org"))
    return bool(roles) and all(
        a.role in COMMUNITY_GRANTABLE | {Role.RESIDENT} and covers(assignment, area_code(a.org)) for a in roles
    )


def _may_grant(assignment: RoleAssignment, grant: tuple[str, OrgUnit]) -> bool:
    role, org = grant
    if assignment.role == Role.PLATFORM_ADMIN:
        return True
    return role in COMMUNITY_GRANTABLE and covers(assignment, area_code(org))


policy.register(
    policy.Policy(
        "account.manage",
        roles=MANAGERS,
        bound=_reaches_every_role,
        refusal=gettext_noop("You may manage only the accounts of your own community."),
    ),
    policy.Policy(
        "account.grant",
        roles=MANAGERS,
        bound=_may_grant,
        refusal=gettext_noop("You may not give this role at this place."),
    ),
)


def one_time_password() -> str:
    """14 characters of four classes, without look-alikes (0/O, 1/l/I): read out over the phone."""
    alphabet = [c for c in string.ascii_letters + string.digits if c not in "0O1lI"]
    while True:
        word = "".join(secrets.choice(alphabet) for _ in range(12))
        if any(c.isupper() for c in word) and any(c.islower() for c in word) and any(c.isdigit() for c in word):
            return word[:6] + "-" + word[6:] + secrets.choice("#@%+")


def _set_one_time_password(user: User) -> str:
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    return password


@transaction.atomic
def staff_account_create(*, actor: User, phone: str, name: str, role: str, org: OrgUnit) -> tuple[User, str]:
    """A new account with one role binding and a one-time password (returned once)."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    policy.require(actor, "account.grant", (role, org))
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the person's name.")})
    normalized = normalize_mobile(phone)
    if User.objects.filter(phone_digest=User.digest_phone(normalized)).exists():
        raise ValidationError({"phone": _("An account with this phone number already exists.")})
    user = User.objects.create_user(normalized, None, name=name)
    password = _set_one_time_password(user)
    RoleAssignment.objects.create(user=user, role=role, org=org)
    audit_record(
        actor=actor,
        action="account.create",
        obj=user,
        after={"name": name, "phone": user.phone_masked, "role": role, "org": org.code},
    )
    return user, password


@transaction.atomic
def staff_password_reset(*, actor: User, user: User) -> str:
    """A one-time password the person must change at the next login; every token and session ends."""
    policy.require(actor, "account.manage", user)
    password = _set_one_time_password(user)
    audit_record(actor=actor, action="account.password_reset", obj=user)
    return password


@transaction.atomic
def staff_unlock(*, actor: User, user: User) -> User:
    """Lift every login throttle and lock of the account (all addresses)."""
    from . import ratelimit

    policy.require(actor, "account.manage", user)
    ratelimit.reset_prefix(f"login:pair:{user.phone_digest}:")
    ratelimit.reset(f"login:acct:{user.phone_digest}")
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    audit_record(actor=actor, action="account.unlock", obj=user)
    user.refresh_from_db()
    return user


@transaction.atomic
def staff_deactivate(*, actor: User, user: User, reason: str) -> User:
    """The account can no longer log in; it is kept (its cases and audit entries name it)."""
    policy.require(actor, "account.manage", user)
    if user.pk == actor.pk:
        raise ValidationError({"reason": _("You cannot deactivate your own account.")})
    if len(reason.strip()) < 2:
        raise ValidationError({"reason": _("Say why the account is deactivated.")})
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, action="account.deactivate", obj=user, after={"reason": reason.strip()})
    return user


# ---------------------------------------------------------------- reads


def managed_accounts(actor: User, q: str = "") -> QuerySet[User]:
    """The staff accounts `actor` may manage: everyone with a role for the platform admin; for
    community staff, people holding a role inside their community (each account is checked again
    by the policy before any write)."""
    assignments = list(RoleAssignment.objects.filter(user=actor, is_active=True).select_related("org"))
    staff_roles = [r for r in Role.values if r != Role.RESIDENT]
    if any(a.role == Role.PLATFORM_ADMIN for a in assignments):
        qs = User.objects.filter(role_assignments__role__in=staff_roles)
    else:
        codes = [c for a in assignments if a.role == Role.COMMUNITY_STAFF and (c := reach_code(a))]
        if not codes:
            return User.objects.none()
        qs = User.objects.filter(
            prefix_q("role_assignments__org__code", codes),
            role_assignments__is_active=True,
            role_assignments__role__in=COMMUNITY_GRANTABLE,
        )
    qs = qs.distinct()
    if q.strip():
        words = q.strip()
        match: Any = Q(name__icontains=words)
        digits = "".join(ch for ch in words if ch.isdigit())
        if len(digits) == 11:
            match |= Q(phone_digest=User.digest_phone(digits))
        qs = qs.filter(match)
    return qs.order_by("name", "pk")


def grantable_units(actor: User) -> QuerySet[OrgUnit]:
    """Where `actor` may bind a new account's role."""
    assignments = list(RoleAssignment.objects.filter(user=actor, is_active=True).select_related("org"))
    if any(a.role == Role.PLATFORM_ADMIN for a in assignments):
        return OrgUnit.objects.filter(is_active=True).order_by("code")
    codes = [c for a in assignments if a.role == Role.COMMUNITY_STAFF and (c := reach_code(a))]
    return OrgUnit.objects.filter(prefix_q("code", codes), is_active=True).order_by("code")


def grantable_roles(actor: User) -> list[tuple[str, str]]:
    if RoleAssignment.objects.filter(user=actor, is_active=True, role=Role.PLATFORM_ADMIN).exists():
        return [(value, str(label)) for value, label in Role.choices if value != Role.RESIDENT]
    return [(value, str(label)) for value, label in Role.choices if value in COMMUNITY_GRANTABLE]
