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
    """A login that did not succeed; `code` is 'invalid' or 'throttled' (then `retry_after`
    says in how many seconds this address may try this phone again)."""

    def __init__(self, message: str, code: str, locked_until: datetime | None = None, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.locked_until = locked_until
        self.retry_after = retry_after


def require_admin(actor: User | None, message: str | None = None) -> None:
    """Refuse unless `actor` is a platform administrator; every app's admin-only service asks here.

    `actor is None` means the system itself (seeding, migrations, the CLI run by an operator).
    """
    if actor is None:
        return
    if not (actor.is_superuser or has_role(actor, Role.PLATFORM_ADMIN)):
        raise PermissionDenied(message or _("Only a platform administrator may do this."))


def _throttle_delay(failures: int) -> float:
    """Seconds an address waits before trying a phone again after `failures` wrong passwords in
    a row: none for the first LOGIN_FREE_FAILURES, then doubling (2, 4, 8 …) up to
    LOGIN_LOCK_MINUTES."""
    free = settings.LOGIN_FREE_FAILURES
    if failures <= free:
        return 0.0
    return float(min(2 ** (failures - free), settings.LOGIN_LOCK_MINUTES * 60))


def _throttled(retry_after: float) -> AuthError:
    seconds = max(1, int(retry_after + 0.999))
    return AuthError(
        _("Too many failed logins from this address. Please try again in %(seconds)d seconds.") % {"seconds": seconds},
        "throttled",
        retry_after=seconds,
    )


def auth_login(*, phone: str, password: str, ip: str | None = None) -> User:
    """Check a phone and password, throttling failures (等保 登录失败处理) so that the throttle
    cannot be turned against the account's owner:

    - failures are counted per (phone, source address) and per source address; the pair waits
      longer after each failure (progressive delay), the address is refused for
      LOGIN_LOCK_MINUTES after LOGIN_ADDRESS_MAX_FAILURES failures on any phones;
    - one address's failures never stop a login of the same phone from another address;
    - the counters are keyed by the phone's digest whether or not it is registered, so an
      unknown phone is answered exactly like a known one (401, then 429), revealing nothing;
    - every failure, throttle and unlock is audited.

    Raises ValidationError for a malformed phone, AuthError otherwise.
    """
    from . import ratelimit
    from .middleware import client_ip

    normalized = normalize_mobile(phone)
    ip = ip if ip is not None else (client_ip() or "-")
    digest = User.digest_phone(normalized)
    pair_key, address_key, account_key = f"login:pair:{digest}:{ip}", f"login:addr:{ip}", f"login:acct:{digest}"
    window = settings.LOGIN_LOCK_MINUTES * 60
    wait = max(ratelimit.blocked_for(pair_key), ratelimit.blocked_for(address_key))
    user = User.objects.filter(phone_digest=digest).first()
    if wait:
        if user is not None:
            audit_record(actor=user, action="auth.throttled", obj=user, after={"retry_after": int(wait)})
        raise _throttled(wait)
    invalid = AuthError(_("Wrong phone number or password."), "invalid")
    if user is None or not user.is_active:
        # Spend the same time hashing as for a real account, so timing does not reveal
        # which phone numbers are registered.
        User().set_password(password)
        ok = False
    else:
        ok = user.check_password(password)
        if ok and user.is_locked():
            # Only someone who knows the password learns of a lock an administrator set.
            raise AuthError(
                _("This account is locked by an administrator. Try again after %(time)s.")
                % {"time": timezone.localtime(user.locked_until).strftime("%H:%M")},
                "locked",
                user.locked_until,
            )
    if ok and user is not None:
        ratelimit.reset(pair_key)
        with transaction.atomic():
            if user.failed_logins:
                User.objects.filter(pk=user.pk).update(failed_logins=0)
            audit_record(actor=user, action="auth.login", obj=user)
        return user
    pair_failures, _started = ratelimit.hit(pair_key, window)
    address_failures, _started = ratelimit.hit(address_key, window)
    account_failures, _started = ratelimit.hit(account_key, window)
    delay = _throttle_delay(pair_failures)
    if delay:
        ratelimit.block(pair_key, delay)
    if address_failures >= settings.LOGIN_ADDRESS_MAX_FAILURES:
        ratelimit.block(address_key, window)
    if user is not None:
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(failed_logins=min(account_failures, 32767))
            audit_record(
                actor=user,
                action="auth.failure",
                obj=user,
                after={"failures_from_address": pair_failures, "failures_of_account": account_failures},
            )
            if delay:
                audit_record(actor=user, action="auth.throttle", obj=user, after={"delay_seconds": int(delay)})
    raise invalid


def auth_unlock(*, actor: User | None, user: User) -> User:
    """An administrator lifts every login throttle and lock of `user` (all addresses)."""
    from . import ratelimit

    require_admin(actor)
    with transaction.atomic():
        ratelimit.reset_prefix(f"login:pair:{user.phone_digest}:")
        ratelimit.reset(f"login:acct:{user.phone_digest}")
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        audit_record(actor=actor, action="auth.unlock", obj=user)
    user.refresh_from_db()
    return user


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
