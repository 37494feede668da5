"""Second factor for staff (等保 身份鉴别: two factors for administrators): TOTP (RFC 6238) with
pyotp, enrolment by QR code (rendered here as SVG by segno, no outside service), ten one-time
recovery codes stored as hashes, replay protection and the login throttle on wrong codes.

Policy, `settings.STAFF_TOTP` (`JINLIN_STAFF_TOTP`):
- "off": no second factor is asked, even of enrolled staff;
- "optional" (default in demo mode): staff who enrolled must give a code; others may enrol;
- "required" (default outside demo mode): every staff member of TOTP_ROLES gives a code, and
  one who has not enrolled is sent to enrolment right after the password.
"""

import secrets

import pyotp
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record
from .models import Role, RoleAssignment, TotpDevice, User

# The staff roles the second factor is for (admin, dispatcher, supervisor, department handler).
TOTP_ROLES = (Role.PLATFORM_ADMIN, Role.DISPATCHER, Role.DISCIPLINE_SUPERVISOR, Role.DEPARTMENT_HANDLER)
ISSUER = "Jinlin 近邻"
RECOVERY_CODES = 10
# Codes of the step before and after are accepted too (clocks drift by some seconds).
VALID_WINDOW = 1
SESSION_PENDING = "jinlin_totp_pending"
SESSION_OK = "jinlin_totp_ok"


class TotpError(Exception):
    """A wrong, reused or throttled code; `retry_after` set when throttled."""

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def mode() -> str:
    value = getattr(settings, "STAFF_TOTP", "") or ""
    if value in ("off", "optional", "required"):
        return value
    return "optional" if getattr(settings, "JINLIN_DEMO_MODE", False) else "required"


def is_totp_staff(user: User) -> bool:
    """Whether `user` holds one of the roles the second factor is for (or the admin site)."""
    if user is None or not getattr(user, "pk", None):
        return False
    if user.is_superuser or user.is_staff:
        return True
    return RoleAssignment.objects.filter(user_id=user.pk, is_active=True, role__in=TOTP_ROLES).exists()


def device_of(user: User, *, confirmed: bool = True) -> TotpDevice | None:
    qs = TotpDevice.objects.filter(user_id=user.pk)
    if confirmed:
        qs = qs.filter(confirmed_at__isnull=False)
    return qs.first()


def code_required(user: User) -> bool:
    """A code must follow the password: the policy is not off and the user has enrolled."""
    return mode() != "off" and device_of(user) is not None


def must_enrol(user: User) -> bool:
    """Required mode, a staff member of TOTP_ROLES, not enrolled yet."""
    return mode() == "required" and device_of(user) is None and is_totp_staff(user)


def provisioning_uri(device: TotpDevice) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.phone_masked, issuer_name=ISSUER)


def qr_svg(device: TotpDevice) -> str:
    """The otpauth URI as an inline SVG QR code (segno, server-side)."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(provisioning_uri(device), error="m").save(
        buffer, kind="svg", scale=5, border=2, xmldecl=False, svgns=True
    )
    return buffer.getvalue().decode()


@transaction.atomic
def totp_begin(*, user: User) -> TotpDevice:
    """Start (or restart) an enrolment: a fresh secret, unconfirmed. An enrolled device stays as
    it is — it must be reset by an administrator first."""
    device = TotpDevice.objects.select_for_update().filter(user_id=user.pk).first()
    if device is not None and device.confirmed_at is not None:
        return device
    if device is None:
        device = TotpDevice(user=user)
    device.secret = pyotp.random_base32()
    device.last_step = 0
    device.recovery_codes = []
    device.save()
    return device


def _throttle_keys(user: User, ip: str) -> tuple[str, str]:
    # The same counters as password failures (services.auth_login): a wrong code counts like a
    # wrong password for this phone from this address.
    return f"login:pair:{user.phone_digest}:{ip}", f"login:addr:{ip}"


def _check_throttle(user: User, ip: str) -> None:
    from . import ratelimit

    pair_key, address_key = _throttle_keys(user, ip)
    wait = max(ratelimit.blocked_for(pair_key), ratelimit.blocked_for(address_key))
    if wait:
        seconds = max(1, int(wait + 0.999))
        audit_record(actor=user, action="auth.throttled", obj=user, after={"retry_after": seconds, "factor": "totp"})
        raise TotpError(
            _("Too many wrong codes from this address. Please try again in %(seconds)d seconds.")
            % {"seconds": seconds},
            retry_after=seconds,
        )


def _count_failure(user: User, ip: str) -> None:
    from . import ratelimit
    from .services import _throttle_delay

    pair_key, address_key = _throttle_keys(user, ip)
    window = settings.LOGIN_LOCK_MINUTES * 60
    pair_failures, _started = ratelimit.hit(pair_key, window)
    address_failures, _started = ratelimit.hit(address_key, window)
    delay = _throttle_delay(pair_failures)
    if delay:
        ratelimit.block(pair_key, delay)
    if address_failures >= settings.LOGIN_ADDRESS_MAX_FAILURES:
        ratelimit.block(address_key, window)
    audit_record(actor=user, action="auth.totp_failure", obj=user, after={"failures_from_address": pair_failures})


def _matching_step(device: TotpDevice, code: str) -> int | None:
    """The time step whose code is `code` (within VALID_WINDOW), or None."""
    totp = pyotp.TOTP(device.secret)
    now = timezone.now()
    step = totp.timecode(now)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        candidate = step + offset
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def _normalize(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isalnum()).lower()


def totp_verify(*, user: User, code: str, ip: str | None = None, device: TotpDevice | None = None) -> str:
    """Check a code (6 digits) or a recovery code of `user`'s device; returns "totp" or
    "recovery". A code is accepted once: a later use of the same time step (or an earlier one)
    is refused. Wrong codes count on the login throttle. Raises TotpError."""
    from .middleware import client_ip

    ip = ip if ip is not None else (client_ip() or "-")
    _check_throttle(user, ip)
    code = _normalize(code)
    with transaction.atomic():
        qs = TotpDevice.objects.select_for_update().filter(user_id=user.pk)
        locked = qs.first() if device is None else qs.filter(pk=device.pk).first()
        if locked is not None and code:
            if code.isdigit() and len(code) == 6:
                step = _matching_step(locked, code)
                if step is not None and step > locked.last_step:
                    locked.last_step = step
                    fields = ["last_step"]
                    if locked.confirmed_at is None:
                        locked.confirmed_at = timezone.now()
                        fields.append("confirmed_at")
                    locked.save(update_fields=fields)
                    audit_record(actor=user, action="auth.totp_ok", obj=user)
                    return "totp"
                if step is not None:
                    audit_record(actor=user, action="auth.totp_replay", obj=user)
            elif locked.confirmed_at is not None:
                for index, stored in enumerate(locked.recovery_codes):
                    if check_password(code, stored):
                        locked.recovery_codes = [c for i, c in enumerate(locked.recovery_codes) if i != index]
                        locked.save(update_fields=["recovery_codes"])
                        audit_record(
                            actor=user,
                            action="auth.totp_recovery",
                            obj=user,
                            after={"left": len(locked.recovery_codes)},
                        )
                        return "recovery"
    _count_failure(user, ip)
    raise TotpError(_("Wrong or already used code."))


def _recovery_code() -> str:
    raw = secrets.token_hex(5)
    return f"{raw[:5]}-{raw[5:]}"


def totp_confirm(*, user: User, code: str, ip: str | None = None) -> list[str]:
    """Finish an enrolment with the first code from the app; returns the ten recovery codes,
    shown once (only their hashes are kept)."""
    device = device_of(user, confirmed=False)
    if device is None or device.confirmed_at is not None:
        raise TotpError(_("Start the enrolment first."))
    totp_verify(user=user, code=code, ip=ip, device=device)
    codes = [_recovery_code() for _i in range(RECOVERY_CODES)]
    with transaction.atomic():
        device.refresh_from_db()
        # Hashed like passwords; the fast hasher would do, but these are rare and few.
        device.recovery_codes = [make_password(_normalize(c)) for c in codes]
        device.save(update_fields=["recovery_codes"])
        audit_record(actor=user, action="auth.totp_enrol", obj=user)
    return codes


@transaction.atomic
def totp_reset(*, actor: User | None, user: User) -> bool:
    """An administrator removes `user`'s second factor (a lost phone); audited."""
    from .services import require_admin

    require_admin(actor)
    deleted = TotpDevice.objects.filter(user_id=user.pk).delete()[0]
    audit_record(actor=actor, action="auth.totp_reset", obj=user, after={"removed": bool(deleted)})
    return bool(deleted)
