"""Every write of the core app: accounts, roles, org units, grids, logins. Each function checks
permission, writes, and audits in one transaction, so the page, the API and the CLI behave alike."""

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record, snapshot
from .models import ApiToken, OrgUnit, Role, RoleAssignment, User
from .phones import normalize_mobile
from .scope import has_role


class AuthError(Exception):
    """A login that did not succeed; `code` is 'invalid' or 'locked'."""

    def __init__(self, message: str, code: str, locked_until: datetime | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.locked_until = locked_until


def require_admin(actor: User | None, message: str | None = None) -> None:
    """Refuse unless `actor` is a platform administrator; every app's admin-only service asks here.

    `actor is None` means the system itself (seeding, migrations, the CLI run by an operator).
    """
    if actor is None:
        return
    if not (actor.is_superuser or has_role(actor, Role.PLATFORM_ADMIN)):
        raise PermissionDenied(message or _("Only a platform administrator may do this."))


def auth_login(*, phone: str, password: str) -> User:
    """Check a phone and password; count failures and lock after LOGIN_MAX_FAILURES in a row.

    Raises ValidationError for a malformed phone, AuthError for a wrong password or a lock.
    The failure count is committed even though the login fails, so it runs in its own
    transaction and raises afterwards.
    """
    normalized = normalize_mobile(phone)
    invalid = AuthError(_("Wrong phone number or password."), "invalid")
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(phone_digest=User.digest_phone(normalized)).first()
        if user is None or not user.is_active:
            # Spend the same time hashing as for a real account, so timing does not reveal
            # which phone numbers are registered.
            User().set_password(password)
            raise invalid
        if user.is_locked(now):
            raise AuthError(
                _("This account is locked after too many failed logins. Try again after %(time)s.")
                % {"time": timezone.localtime(user.locked_until).strftime("%H:%M")},
                "locked",
                user.locked_until,
            )
        if user.check_password(password):
            if user.failed_logins or user.locked_until:
                User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
            audit_record(actor=user, action="auth.login", obj=user)
            return user
        failures = user.failed_logins + 1
        locked_until = None
        if failures >= settings.LOGIN_MAX_FAILURES:
            locked_until = now + timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
            failures = 0
        User.objects.filter(pk=user.pk).update(failed_logins=failures, locked_until=locked_until)
        audit_record(
            actor=user,
            action="auth.failure",
            obj=user,
            after={"failed_logins": failures or settings.LOGIN_MAX_FAILURES},
        )
        if locked_until:
            audit_record(actor=user, action="auth.lock", obj=user, after={"locked_until": locked_until.isoformat()})
    if locked_until:
        raise AuthError(
            _("Too many failed logins: this account is locked for %(minutes)d minutes.")
            % {"minutes": settings.LOGIN_LOCK_MINUTES},
            "locked",
            locked_until,
        )
    raise invalid


def _token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, user: User) -> tuple[str, ApiToken]:
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_digest=_token_digest(key),
        expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_HOURS),
    )
    audit_record(actor=user, action="auth.token_issue", obj=user, after={"expires_at": token.expires_at.isoformat()})
    return key, token


def api_token_user(key: str) -> User | None:
    """The active user a bearer token belongs to, or None if unknown, expired or revoked."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_digest=_token_digest(key), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token.user


@transaction.atomic
def user_create(
    *, actor: User | None, phone: str, name: str, password: str | None = None, roles: Sequence[tuple[str, OrgUnit]] = ()
) -> User:
    require_admin(actor)
    normalized = normalize_mobile(phone)
    if User.objects.filter(phone_digest=User.digest_phone(normalized)).exists():
        raise ValidationError({"phone": _("An account with this phone number already exists.")})
    user = User.objects.create_user(normalized, password, name=name)
    audit_record(actor=actor, action="user.create", obj=user, after={"name": name, "phone": user.phone_masked})
    for role, org in roles:
        role_assign(actor=actor, user=user, role=role, org=org)
    return user


@transaction.atomic
def role_assign(*, actor: User | None, user: User, role: str, org: OrgUnit) -> RoleAssignment:
    require_admin(actor)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, org=org)
    if not created and not assignment.is_active:
        assignment.is_active = True
        assignment.save(update_fields=["is_active"])
    audit_record(actor=actor, action="role.assign", obj=assignment, after={"role": role, "org": org.code})
    user.__dict__.pop("_jinlin_roles", None)
    return assignment


@transaction.atomic
def role_revoke(*, actor: User | None, assignment: RoleAssignment) -> RoleAssignment:
    """Roles are deactivated, not deleted: the audit trail must still say who held what."""
    require_admin(actor)
    assignment.is_active = False
    assignment.save(update_fields=["is_active"])
    audit_record(
        actor=actor, action="role.revoke", obj=assignment, before={"role": assignment.role, "org": assignment.org.code}
    )
    return assignment


@transaction.atomic
def org_unit_create(
    *,
    actor: User | None,
    kind: str,
    code: str,
    name: str,
    parent: OrgUnit | None = None,
    **fields: Any,
) -> OrgUnit:
    require_admin(actor)
    unit = OrgUnit(kind=kind, code=code.strip(), name=name.strip(), parent=parent, **fields)
    unit.full_clean()
    unit.save()
    audit_record(actor=actor, action="org.create", obj=unit, after=snapshot(unit, ["kind", "code", "name", "parent"]))
    return unit


@transaction.atomic
def user_set_preferences(*, actor: User, large_text: bool | None = None, language: str | None = None) -> User:
    before = snapshot(actor, ["large_text", "language"])
    if large_text is not None:
        actor.large_text = large_text
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise ValidationError({"language": _("Unknown language.")})
        actor.language = language
    actor.save(update_fields=["large_text", "language"])
    audit_record(
        actor=actor,
        action="user.preferences",
        obj=actor,
        before=before,
        after=snapshot(actor, ["large_text", "language"]),
    )
    return actor
