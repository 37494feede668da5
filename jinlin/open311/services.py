"""Writes of the Open311 app: API keys, and filing a request through the case intake.

A request filed here goes through `cases.services.case_submit`, exactly as the REST API and the
resident page do, so validation, placing by grid (属地), the SLA due time, the timeline and the
audit entry are the same whatever the channel. The platform itself is the actor (actor=None):
the key belongs to a client system, not to a resident, so the system is not made the reporter.
"""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.cases.models import Category, Channel
from jinlin.cases.services import case_submit
from jinlin.core.audit import audit_record
from jinlin.core.models import User
from jinlin.core.services import require_admin

from .models import ApiKey, Submission

DEMO_KEY = "jinlin-demo-open311"
# A title is needed by the case model; Open311 has none, so it is the description's first line.
TITLE_LENGTH = 40
# last_used_at is written at most this often per key, not on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


class RateLimited(Exception):
    """The key filed more requests in the last minute than settings.OPEN311_POSTS_PER_MINUTE."""


def key_digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *,
    actor: User | None,
    name: str,
    organisation: str = "",
    owner: User | None = None,
    channel: str = Channel.OPEN311,
    services: Iterable[Category] = (),
    raw_key: str | None = None,
) -> tuple[str, ApiKey]:
    """Make a key and return (the key itself, its row). The key is not stored: show it now or never."""
    require_admin(actor, _("Only a platform administrator may manage Open311 keys."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("This field cannot be empty.")})
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel %(channel)s.") % {"channel": channel}})
    raw_key = raw_key or "o311_" + secrets.token_urlsafe(24)
    if ApiKey.objects.filter(key_digest=key_digest(raw_key)).exists():
        raise ValidationError(_("This key exists already."))
    api_key = ApiKey.objects.create(
        name=name[:80],
        organisation=(organisation or "").strip()[:120],
        owner=owner,
        channel=channel,
        key_digest=key_digest(raw_key),
        key_prefix=raw_key[:8],
    )
    if services:
        api_key.services.set(services)
    audit_record(
        actor=actor,
        action="open311.key_create",
        obj=api_key,
        after={"name": api_key.name, "organisation": api_key.organisation, "channel": channel},
    )
    return raw_key, api_key


@transaction.atomic
def api_key_deactivate(*, actor: User | None, api_key: ApiKey) -> ApiKey:
    require_admin(actor, _("Only a platform administrator may manage Open311 keys."))
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.is_active:
        api_key.is_active = False
        api_key.deactivated_at = timezone.now()
        api_key.save(update_fields=["is_active", "deactivated_at"])
        audit_record(actor=actor, action="open311.key_deactivate", obj=api_key, before={"is_active": True})
    return api_key


def api_key_authenticate(raw_key: str | None) -> ApiKey | None:
    """The active key matching `raw_key`, or None. Notes when it was last used."""
    if not raw_key:
        return None
    api_key = ApiKey.objects.filter(key_digest=key_digest(raw_key), is_active=True).first()
    if api_key is None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def seed_open311_demo() -> ApiKey:
    """The demo's key `jinlin-demo-open311`, so a GeoReport client can file requests at once.

    Idempotent: running it again returns the existing key (and reactivates nothing by itself).
    """
    existing = ApiKey.objects.filter(key_digest=key_digest(DEMO_KEY)).first()
    if existing is not None:
        return existing
    _raw, api_key = api_key_create(
        actor=None,
        name="Demo GeoReport client (演示客户端)",
        organisation="Jinlin demo",
        raw_key=DEMO_KEY,
    )
    return api_key


def _title(description: str) -> str:
    first_line = next((line.strip() for line in description.splitlines() if line.strip()), "")
    if len(first_line) > TITLE_LENGTH:
        return first_line[: TITLE_LENGTH - 1] + "…"
    return first_line


def _check_rate(api_key: ApiKey) -> None:
    """At most OPEN311_POSTS_PER_MINUTE filings per key and minute, counted atomically (one
    upsert), so parallel posts cannot all slip under the limit."""
    from jinlin.core import ratelimit

    limit = getattr(settings, "OPEN311_POSTS_PER_MINUTE", 30)
    count, _started = ratelimit.hit(f"open311:key:{api_key.pk}", 60)
    if count > limit:
        raise RateLimited(_("Too many requests from this key; try again in a minute."))


def request_submit(
    *,
    api_key: ApiKey,
    service_code: str,
    description: str,
    lat: float | None = None,
    lng: float | None = None,
    address_string: str = "",
    address_id: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    idempotency_key: str = "",
) -> tuple[Submission, bool]:
    """File a GeoReport service request as a case. Returns (submission, created).

    A retry with the same Idempotency-Key from the same key returns the first submission
    (created=False) and files nothing.
    """
    idempotency_key = (idempotency_key or "").strip()
    if len(idempotency_key) > 80:
        raise ValidationError({"Idempotency-Key": _("At most 80 characters, please.")})
    if idempotency_key:
        existing = _replay(api_key, idempotency_key)
        if existing is not None:
            return existing, False

    service_code = (service_code or "").strip()
    if not service_code:
        raise ValidationError({"service_code": _("service_code is required.")})
    category = Category.objects.filter(code=service_code, is_active=True).first()
    if category is None:
        raise ValidationError({"service_code": _("Unknown service_code %(code)s.") % {"code": service_code}})
    allowed = api_key.services.all()
    if allowed.exists() and not allowed.filter(pk=category.pk).exists():
        raise PermissionDenied(_("This api_key may not file requests for service %(code)s.") % {"code": service_code})
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Describe the problem, please (description).")})
    address = (address_string or "").strip() or (address_id or "").strip()
    # GeoReport v2 asks for a location: a point, an address or an address id.
    if lat is None and lng is None and not address:
        raise ValidationError({"lat": _("Give a location: lat and long, address_string or address_id.")})
    _check_rate(api_key)

    try:
        with transaction.atomic():
            case, _created = case_submit(
                actor=None,
                title=_title(description),
                description=description,
                category_code=category.code,
                lat=lat,
                lng=lng,
                address=address,
                channel=api_key.channel,
                on_behalf_of_phone=(phone or "").strip() or None,
                contact_name=" ".join(p for p in ((first_name or "").strip(), (last_name or "").strip()) if p),
            )
            submission = Submission.objects.create(
                api_key=api_key,
                case=case,
                token=secrets.token_urlsafe(18),
                idempotency_key=idempotency_key,
                created_at=case.created_at,
            )
            audit_record(
                actor=None,
                action="open311.request_submit",
                obj=case,
                after={"api_key": api_key.pk, "key_name": api_key.name, "service_code": category.code},
            )
    except IntegrityError:
        # Two retries with one Idempotency-Key raced; the other committed first.
        existing = _replay(api_key, idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return existing, False
    return submission, True


def _replay(api_key: ApiKey, idempotency_key: str) -> Submission | None:
    # The `exclude` repeats the unique index's condition, so that index is searched rather than
    # every submission of the key (cases.services.intake._earlier).
    found = Submission.objects.select_related("case").filter(api_key=api_key, idempotency_key=idempotency_key)
    return found.exclude(idempotency_key="").first()
