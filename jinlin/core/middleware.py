"""Carries the current request's IP to the audit log without passing it through every service."""

from contextvars import ContextVar

from django.http import HttpRequest

_client_ip: ContextVar[str | None] = ContextVar("jinlin_client_ip", default=None)


def client_ip() -> str | None:
    return _client_ip.get()


def _ip_of(request: HttpRequest) -> str | None:
    # Behind a proxy the deployment sets JINLIN_TRUST_X_FORWARDED_FOR; otherwise the header is
    # attacker-controlled and ignored.
    from django.conf import settings

    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_ip.set(_ip_of(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)


# SQLSTATEs of PostgreSQL that mean "contention, not a fault": lock_not_available,
# serialization_failure, deadlock_detected, query_canceled (statement_timeout).
BUSY_SQLSTATES = {"55P03", "40001", "40P01", "57014"}
BUSY_SQLITE = ("database is locked", "database table is locked", "database is busy")
RETRY_AFTER_SECONDS = 5


def is_busy_error(exc: BaseException) -> bool:
    """Whether a database error means the database was too busy to answer in time (lock waits,
    a serialisation conflict, a timeout) rather than a bug: the transaction was rolled back whole,
    so the request may simply be sent again."""
    from django.db import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    if getattr(exc.__cause__, "sqlstate", None) in BUSY_SQLSTATES:
        return True
    return any(text in str(exc) for text in BUSY_SQLITE)


def busy_response(request, exc):
    """503 with Retry-After, in the user's language, for a busy-database error; None otherwise.
    Nothing was saved (every write is one transaction), and clients that send an Idempotency-Key
    may retry safely. Logged as a warning so operators see the pressure."""
    if not is_busy_error(exc):
        return None
    import logging

    from django.http import HttpResponse, JsonResponse
    from django.template.loader import render_to_string
    from django.utils.translation import gettext as _

    logging.getLogger("jinlin.busy").warning("database busy on %s %s: %s", request.method, request.path, exc)
    message = _("The platform is busy and nothing was saved. Please try again in a few seconds.")
    response: HttpResponse
    if request.path.startswith(("/api/", "/open311/")):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class BusyDatabaseMiddleware:
    """Turns a busy database (see is_busy_error) into 503 instead of 500 for every page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        return busy_response(request, exc)
