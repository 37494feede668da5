"""Rate limits and throttles on atomic counters in the database (the platform runs without Redis).

`hit(key, window)` adds one to a counter and returns the hits in the current window, in one
statement (INSERT … ON CONFLICT DO UPDATE … RETURNING) that SQLite and PostgreSQL both run
atomically, so two workers cannot both see "29 of 30". Each counter may also carry a block (a
throttle's "not before"), read with `blocked_for`.

`check(request_or_user, scope)` applies a limit of settings.RATE_LIMITS, per user and per
address, raising RateLimited (answered 429 with Retry-After by the API and the pages).
"""

import math
import time

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from jinlin.core.models import User

from .middleware import client_ip
from .models import RateCounter

# Each scope: (hits, seconds) per user and per address. Settings override (RATE_LIMITS).
DEFAULT_LIMITS: dict[str, dict[str, tuple[int, int]]] = {
    # Filing a case: a resident files a few a day; a call-centre operator files more, per user.
    "intake": {"user": (20, 600), "address": (60, 600)},
    # Login attempts of any outcome, per address (failures have their own throttle too).
    "login": {"address": (60, 600)},
    # Photo uploads.
    "upload": {"user": (30, 600), "address": (90, 600)},
    # Reports and exports (stats).
    "report": {"user": (30, 600), "address": (90, 600)},
    # Sign-up and Open311 submissions per address.
    "signup": {"address": (10, 3600)},
}


class RateLimited(Exception):
    """Too many requests; `retry_after` in whole seconds."""

    def __init__(self, retry_after: float, message: str | None = None):
        self.retry_after = max(1, int(math.ceil(retry_after)))
        self.message = message or _("Too many requests. Please try again in %(seconds)d seconds.") % {
            "seconds": self.retry_after
        }
        super().__init__(self.message)


def _table() -> str:
    return connection.ops.quote_name(RateCounter._meta.db_table)


def hit(key: str, window: float, now: float | None = None) -> tuple[int, float]:
    """Count one hit of `key`; returns (hits in the current window, when that window started).
    A window older than `window` seconds starts afresh at 1."""
    now = time.time() if now is None else now
    expired = now - window
    table = _table()
    q = connection.ops.quote_name
    k, start, n, blk = q("key"), q("window_start"), q("count"), q("blocked_until")
    sql = (
        f"INSERT INTO {table} ({k}, {start}, {n}, {blk}) VALUES (%s, %s, 1, 0) "  # noqa: S608
        f"ON CONFLICT ({k}) DO UPDATE SET "
        f"{n} = CASE WHEN {table}.{start} <= %s THEN 1 ELSE {table}.{n} + 1 END, "
        f"{start} = CASE WHEN {table}.{start} <= %s THEN %s ELSE {table}.{start} END "
        f"RETURNING {n}, {start}"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [key[:200], now, expired, expired, now])
        count, started = cursor.fetchone()
    return int(count), float(started)


def block(key: str, seconds: float, now: float | None = None) -> None:
    now = time.time() if now is None else now
    RateCounter.objects.filter(key=key[:200]).update(blocked_until=now + seconds)


def blocked_for(key: str, now: float | None = None) -> float:
    """Seconds left of a block on `key` (0 when none)."""
    now = time.time() if now is None else now
    until = RateCounter.objects.filter(key=key[:200]).values_list("blocked_until", flat=True).first()
    return max(0.0, (until or 0.0) - now)


def count_of(key: str, window: float, now: float | None = None) -> int:
    now = time.time() if now is None else now
    row = RateCounter.objects.filter(key=key[:200]).values_list("count", "window_start").first()
    if row is None or row[1] <= now - window:
        return 0
    return row[0]


def reset(*keys: str) -> None:
    RateCounter.objects.filter(key__in=[k[:200] for k in keys]).delete()


def reset_prefix(prefix: str) -> int:
    return RateCounter.objects.filter(key__startswith=prefix).delete()[0]


def prune(older_than: float = 86400, now: float | None = None) -> int:
    """Drop counters whose window and block both ended more than `older_than` seconds ago."""
    now = time.time() if now is None else now
    cutoff = now - older_than
    return RateCounter.objects.filter(window_start__lt=cutoff, blocked_until__lt=now).delete()[0]


def limits(scope: str) -> dict[str, tuple[int, int]]:
    configured = getattr(settings, "RATE_LIMITS", {}) or {}
    return {**DEFAULT_LIMITS.get(scope, {}), **configured.get(scope, {})}


def check(scope: str, *, user: User | None = None, ip: str | None = None) -> None:
    """Count one request of `scope` for the user and the address; raise RateLimited when either
    is over its limit. A limit of 0 hits switches that side off."""
    if not getattr(settings, "RATE_LIMITS_ENABLED", True):
        return
    ip = ip if ip is not None else client_ip()
    sides = limits(scope)
    retry = 0.0
    now = time.time()
    for side, ident in (("user", getattr(user, "pk", None)), ("address", ip)):
        if side not in sides or not ident:
            continue
        most, window = sides[side]
        if most <= 0:
            continue
        count, started = hit(f"rl:{scope}:{side}:{ident}", window, now)
        if count > most:
            retry = max(retry, started + window - now)
    if retry:
        raise RateLimited(retry)
