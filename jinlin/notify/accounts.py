"""Resident accounts: sign-up and password reset by SMS code, home, PIPL consent, deletion.

Code limits (issue 13): a code is valid 5 minutes and allows 5 tries; a phone gets at most one
code a minute and 10 a day, an address a fixed number an hour. Requests for one phone (and one
address) are serialised on a lockable row, so two requests at once cannot both pass a limit.
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core.audit import audit_record
from jinlin.core.models import ApiToken, OrgKind, OrgUnit, Role, RoleAssignment, User
from jinlin.core.phones import normalize_mobile
from jinlin.core.scope import active_assignments

from . import conf
from .models import CodePurpose, Consent, DeletionRequest, HomeClaim, SmsCode, SmsThrottle
from .services import sms_send


class TooManyCodes(Exception):
    def __init__(self, retry_after: float):
        super().__init__(retry_after)
        self.retry_after = max(int(retry_after), 1)


def _code_digest(phone_digest: str, code: str) -> str:
    key = hashlib.sha256(("smscode:" + settings.FIELD_ENCRYPTION_KEY).encode()).digest()
    return hmac.new(key, f"{phone_digest}:{code}".encode(), hashlib.sha256).hexdigest()


def _lock(key: str) -> None:
    SmsThrottle.objects.get_or_create(key=key)
    SmsThrottle.objects.select_for_update().get(key=key)


def code_request(*, phone: str, purpose: str, ip: str | None = None, now: datetime | None = None) -> None:
    """Send a code for `purpose` to `phone`, or raise TooManyCodes(retry_after seconds).

    A sign-up code for a number that already has an account, or a reset code for one without,
    is not sent (the answer is the same, so the API does not tell who is registered)."""
    phone = normalize_mobile(phone)
    now = now or timezone.now()
    digest = User.digest_phone(phone)
    with transaction.atomic():
        _lock(f"phone:{digest}")
        if ip:
            _lock(f"ip:{ip}")
        mine = SmsCode.objects.filter(phone_digest=digest)
        last = mine.order_by("-created_at").values_list("created_at", flat=True).first()
        if last and now - last < timedelta(seconds=conf.CODE_MIN_INTERVAL_SECONDS):
            raise TooManyCodes((last + timedelta(seconds=conf.CODE_MIN_INTERVAL_SECONDS) - now).total_seconds())
        day = list(
            mine.filter(created_at__gt=now - timedelta(days=1))
            .order_by("created_at")
            .values_list("created_at", flat=True)
        )
        if len(day) >= conf.CODE_PER_PHONE_PER_DAY:
            raise TooManyCodes((day[0] + timedelta(days=1) - now).total_seconds())
        if ip:
            hour = list(
                SmsCode.objects.filter(ip=ip, created_at__gt=now - timedelta(hours=1))
                .order_by("created_at")
                .values_list("created_at", flat=True)
            )
            if len(hour) >= conf.CODE_PER_ADDRESS_PER_HOUR:
                raise TooManyCodes((hour[0] + timedelta(hours=1) - now).total_seconds())
        exists = User.objects.filter(phone_digest=digest, is_active=True).exists()
        code = f"{secrets.randbelow(10**6):06d}"
        SmsCode.objects.create(
            phone_digest=digest,
            purpose=purpose,
            code_digest=_code_digest(digest, code),
            ip=ip,
            created_at=now,
            expires_at=now + timedelta(seconds=conf.CODE_VALID_SECONDS),
        )
        if (purpose == CodePurpose.REGISTER) != exists:
            minutes = conf.CODE_VALID_SECONDS // 60
            if purpose == CodePurpose.REGISTER:
                text = _("Your sign-up code is %(code)s, valid for %(m)d minutes. Do not tell anyone.")
            else:
                text = _("Your password reset code is %(code)s, valid for %(m)d minutes. Do not tell anyone.")
            sms_send(phone, text % {"code": code, "m": minutes}, kind=f"auth.{purpose}")


def _wrong_code() -> ValidationError:
    return ValidationError({"code": _("The code is wrong or has expired. Ask for a new one.")})


def _code_check(phone: str, purpose: str, code: str, now: datetime) -> None:
    """Pass if `code` is the phone's latest live code for `purpose`, else 422. Each wrong code uses
    up one of the 5 tries (committed even though the request fails); a right code is used once."""
    digest = User.digest_phone(phone)
    with transaction.atomic():
        latest = (
            SmsCode.objects.select_for_update()
            .filter(phone_digest=digest, purpose=purpose, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        ok = latest is not None and latest.expires_at > now and latest.tries < conf.CODE_MAX_TRIES
        if ok and hmac.compare_digest(latest.code_digest, _code_digest(digest, (code or "").strip())):
            latest.used_at = now
            latest.save(update_fields=["used_at"])
            return
        if ok:
            SmsCode.objects.filter(pk=latest.pk).update(tries=latest.tries + 1)
    raise _wrong_code()


def register(
    *, phone: str, code: str, password: str, name: str, home: OrgUnit | None = None, channel: str = "api", now=None
) -> User:
    """A new resident account; the code is checked first. The home, if given, waits for a grid
    worker's confirmation. Consent to the current privacy notice is recorded."""
    now = now or timezone.now()
    phone = normalize_mobile(phone)
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("This field cannot be empty.")]
    elif len(name) > 60:
        errors["name"] = [_("At most %(max)d characters, please.") % {"max": 60}]
    try:
        validate_password(password or "")
    except ValidationError as exc:
        errors["password"] = exc.messages
    if home is not None and home.kind not in (OrgKind.ESTATE, OrgKind.BUILDING, OrgKind.ENTRANCE):
        errors["home"] = [_("Pick an estate, a building or an entrance.")]
    if errors:
        raise ValidationError(errors)
    # Checked after the other fields (a typo in the password does not use the code up) and
    # in its own transaction, so a wrong code uses up a try.
    _code_check(phone, CodePurpose.REGISTER, code, now)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if User.objects.filter(phone_digest=User.digest_phone(phone)).exists():
            raise ValidationError({"phone": _("This number already has an account: reset its password instead.")})
        user = User.objects.create_user(phone, password, name=name, date_joined=now)
        Consent.objects.create(user=user, version=conf.CONSENT_VERSION, at=now, channel=channel)
        if home is not None:
            HomeClaim.objects.create(user=user, unit=home, created_at=now)
        audit_record(
            actor=user,
            action="user.register",
            obj=user,
            after={"consent": conf.CONSENT_VERSION, "home": home.code if home else None},
        )
    return user


def password_reset(*, phone: str, code: str, password: str, now=None) -> User:
    now = now or timezone.now()
    phone = normalize_mobile(phone)
    user = User.objects.filter(phone_digest=User.digest_phone(phone), is_active=True).first()
    try:
        validate_password(password or "", user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    _code_check(phone, CodePurpose.RESET, code, now)
    if user is None:
        raise _wrong_code()
    with transaction.atomic():
        user.set_password(password)
        user.failed_logins = 0
        user.locked_until = None
        user.save(update_fields=["password", "failed_logins", "locked_until"])
        # Old tokens end with the old password.
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        audit_record(actor=user, action="user.password_reset", obj=user)
    return user


# ---------------------------------------------------------------- home


def home_claim(*, actor: User, unit: OrgUnit) -> HomeClaim:
    if unit.kind not in (OrgKind.ESTATE, OrgKind.BUILDING, OrgKind.ENTRANCE):
        raise ValidationError({"home": _("Pick an estate, a building or an entrance.")})
    with transaction.atomic():
        HomeClaim.objects.filter(user=actor, confirmed_at__isnull=True, rejected_at__isnull=True).update(
            rejected_at=timezone.now()
        )
        claim = HomeClaim.objects.create(user=actor, unit=unit)
        audit_record(actor=actor, action="user.home_claim", obj=claim, after={"unit": unit.code})
    return claim


def _grid_of(unit: OrgUnit) -> int | None:
    for place in [unit, *unit.ancestors().order_by("-code")]:
        if place.grid_id:
            return place.grid_id
    return None


def can_confirm(user: User, claim: HomeClaim) -> bool:
    grid_id = _grid_of(claim.unit)
    for a in active_assignments(user):
        if a.role == Role.GRID_WORKER and a.org_id == grid_id:
            return True
        if a.role == Role.COMMUNITY_STAFF and claim.unit.code.startswith(a.org.code):
            return True
    return False


def home_confirm(*, actor: User, claim: HomeClaim, accept: bool = True) -> HomeClaim:
    """The grid worker (or community staff) of the place confirms the person lives there."""
    if not can_confirm(actor, claim):
        raise PermissionDenied(_("Only the grid worker of this place may confirm a home here."))
    with transaction.atomic():
        claim = HomeClaim.objects.select_for_update().get(pk=claim.pk)
        if claim.confirmed_at or claim.rejected_at:
            raise ValidationError(_("This home was already decided."))
        now = timezone.now()
        if accept:
            claim.confirmed_at, claim.confirmed_by = now, actor
            RoleAssignment.objects.get_or_create(
                user=claim.user, role=Role.RESIDENT, org=claim.unit, defaults={"is_active": True}
            )
        else:
            claim.rejected_at, claim.confirmed_by = now, actor
        claim.save()
        audit_record(
            actor=actor,
            action="user.home_confirm" if accept else "user.home_reject",
            obj=claim,
            after={"unit": claim.unit.code},
        )
    return claim


def pending_claims(user: User):
    """Homes waiting for this grid worker's (or community staff's) confirmation."""
    claims = HomeClaim.objects.filter(confirmed_at__isnull=True, rejected_at__isnull=True).select_related(
        "unit", "user"
    )
    return [c for c in claims.order_by("created_at")[:500] if can_confirm(user, c)]


# ---------------------------------------------------------------- deletion (PIPL art. 47)


def account_delete(*, actor: User, now=None) -> DeletionRequest:
    """Anonymise the person: name and phone replaced, password unusable, roles and tokens ended,
    contact data on their cases removed. The cases themselves (what, where, when, who handled
    them) stay, as the record of public business."""
    from jinlin.cases.models import Case

    now = now or timezone.now()
    with transaction.atomic():
        request = DeletionRequest.objects.create(user=actor, requested_at=now)
        placeholder = f"deleted-{actor.pk}-{secrets.token_hex(4)}"
        Case.objects.filter(reporter=actor).update(contact_name="", contact_phone="", address="")
        actor.name = _("Deleted account")
        actor.phone = ""
        actor.phone_digest = placeholder
        actor.is_active = False
        actor.set_unusable_password()
        actor.save(update_fields=["name", "phone", "phone_digest", "is_active", "password"])
        RoleAssignment.objects.filter(user=actor, is_active=True).update(is_active=False)
        ApiToken.objects.filter(user=actor, revoked_at__isnull=True).update(revoked_at=now)
        Consent.objects.filter(user=actor, withdrawn_at__isnull=True).update(withdrawn_at=now)
        from .models import NotifyProfile

        NotifyProfile.objects.filter(user=actor).update(email="")
        request.done_at = now
        request.save(update_fields=["done_at"])
        audit_record(actor=None, action="user.anonymise", obj=request, after={"user": actor.pk})
    return request
