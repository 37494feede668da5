"""Credentials and sessions (等保 身份鉴别): revoking bearer tokens, the staff password policy,
password changes and administrator resets, and the idle timeout of staff sessions.

A password change or a deactivation revokes every bearer token of the account (a pre_save
receiver, so the admin site, services and the shell are all covered); Django's sessions already
end with it (the session hash follows the password hash; an inactive user is not loaded).
"""

import string
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record
from .models import ApiToken, RoleAssignment, User
from .scope import PERSONAL_ROLES, active_assignments


def is_staff_user(user: User) -> bool:
    """Staff: anyone who acts for a unit (every role but resident and volunteer) or the admin site."""
    if user is None or not getattr(user, "pk", None):
        return False
    if user.is_superuser or user.is_staff:
        return True
    return RoleAssignment.objects.filter(user_id=user.pk, is_active=True).exclude(role__in=PERSONAL_ROLES).exists()


def demo_mode() -> bool:
    return bool(getattr(settings, "JINLIN_DEMO_MODE", False))


class StaffPasswordValidator:
    """Staff passwords: at least STAFF_PASSWORD_MIN_LENGTH characters of at least three classes
    (lower case, upper case, digits, symbols), and never the public demo password outside the
    demo. Residents keep Django's validators alone (length, common, numeric)."""

    def __init__(self, min_length: int | None = None):
        self.min_length = min_length

    def _min(self) -> int:
        minimum: int = getattr(settings, "STAFF_PASSWORD_MIN_LENGTH", 12)
        return self.min_length or minimum

    def validate(self, password: str, user: User | None = None) -> None:
        from .demo_accounts import DEMO_PASSWORD

        if password == DEMO_PASSWORD and not demo_mode():
            raise ValidationError(_("The public demo password may not be used."), code="demo_password")
        if user is None or not is_staff_user(user):
            return
        if len(password) < self._min():
            raise ValidationError(
                _("A staff password needs at least %(n)d characters.") % {"n": self._min()}, code="staff_length"
            )
        classes = sum(
            any(c in group for c in password)
            for group in (string.ascii_lowercase, string.ascii_uppercase, string.digits)
        ) + any(not c.isalnum() for c in password)
        if classes < 3:
            raise ValidationError(
                _("A staff password mixes at least three of: lower case, upper case, digits, symbols."),
                code="staff_classes",
            )

    def get_help_text(self) -> str:
        return _("Staff: at least %(n)d characters mixing three of lower case, upper case, digits, symbols.") % {
            "n": self._min()
        }


# ---------------------------------------------------------------- revocation


@receiver(pre_save, sender=User, dispatch_uid="jinlin.revoke_credentials")
def _revoke_on_password_change_or_deactivation(
    sender: type[User], instance: User, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    old = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if old is None:
        return
    changed = old["password"] != instance.password
    deactivated = old["is_active"] and not instance.is_active
    if changed or deactivated:
        revoked = ApiToken.objects.filter(user_id=instance.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            audit_record(
                actor=None,
                action="auth.tokens_revoked",
                object_type="core.user",
                object_id=str(instance.pk),
                object_repr=instance.name,
                after={"tokens": revoked, "reason": "password" if changed else "deactivated"},
            )


@transaction.atomic
def api_token_revoke(*, user: User, key: str) -> bool:
    """Logout of a bearer token: from now on it is refused."""
    from .services import _token_digest

    revoked = ApiToken.objects.filter(user=user, key_digest=_token_digest(key), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit_record(actor=user, action="auth.token_revoke", obj=user)
    return bool(revoked)


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str, request: HttpRequest | None = None) -> User:
    """The account's owner chooses a new password (also the forced change after a reset)."""
    from django.contrib.auth.password_validation import validate_password

    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("The current password is wrong.")})
    if old_password == new_password:
        raise ValidationError({"new_password": _("Choose a password different from the current one.")})
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(actor=user, action="auth.password_change", obj=user)
    if request is not None:
        # This browser stays logged in; every other session and every token ends.
        update_session_auth_hash(request, user)
    return user


@transaction.atomic
def password_reset(*, actor: User | None, user: User, new_password: str) -> User:
    """An administrator sets a temporary password; the owner must change it at the next login."""
    from django.contrib.auth.password_validation import validate_password

    from .services import require_admin

    require_admin(actor)
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit_record(actor=actor, action="auth.password_reset", obj=user)
    return user


# ---------------------------------------------------------------- staff sessions

_LAST_SEEN = "jinlin_last_seen"


class StaffSessionMiddleware:
    """Staff sessions end after STAFF_IDLE_MINUTES without a request (等保: session timeout);
    an account whose password an administrator reset may only change it until it has."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib.auth import logout
        from django.shortcuts import redirect

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            # The roles are cached on the user for the request; the pages read them anyway.
            staff = (
                user.is_superuser
                or user.is_staff
                or any(a.role not in PERSONAL_ROLES for a in active_assignments(user))
            )
            last = request.session.get(_LAST_SEEN)
            idle = settings.STAFF_IDLE_MINUTES * 60
            if staff and last is not None and now - last > idle:
                logout(request)
                if request.path.startswith("/api/"):
                    from django.http import JsonResponse

                    return JsonResponse({"detail": _("Your session ended after inactivity. Log in again.")}, status=401)
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if last is None or now - last > 30:
                request.session[_LAST_SEEN] = now
            if user.must_change_password and not _may_pass(request.path):
                return redirect("core:password")
            gate = _second_factor_gate(request, user)
            if gate is not None:
                return gate
        return self.get_response(request)


@receiver(user_logged_in, dispatch_uid="jinlin.session_started")
def _session_started(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[_LAST_SEEN] = time.time()


def _may_pass(path: str) -> bool:
    return path.startswith(("/password/", "/logout/", "/static/", "/i18n/", "/api/"))


def _second_factor_gate(request, user):
    """A session that has not passed the second factor (core/totp.py): one logged in some other
    way than the login page's code step (the admin site's login) is ended; in required mode an
    un-enrolled staff member may only enrol. Checked once per session when nothing is due."""
    from django.contrib.auth import logout
    from django.shortcuts import redirect

    from . import totp

    if request.session.get(totp.SESSION_OK):
        return None
    if totp.code_required(user):
        logout(request)
        if request.path.startswith("/api/"):
            from django.http import JsonResponse

            return JsonResponse({"detail": _("Log in with your code from the authenticator app.")}, status=401)
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if totp.must_enrol(user):
        if request.path.startswith(("/account/two-factor/", "/logout/", "/static/", "/i18n/", "/api/")):
            return None
        return redirect("core:totp_enrol")
    request.session[totp.SESSION_OK] = True
    return None
