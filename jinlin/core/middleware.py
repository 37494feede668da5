"""Carries the current request's IP to the audit log without passing it through every service."""

from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

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
# SQLSTATEs that mean "the database is not there": class 08 (connection exception), class 53
# (insufficient resources: too many connections, out of memory or disk), admin/crash shutdown
# and "cannot connect now" (starting up, shutting down, in recovery).
OUTAGE_SQLSTATE_PREFIXES = ("08", "53")
OUTAGE_SQLSTATES = {"57P01", "57P02", "57P03", "57P04", "57P05"}
OUTAGE_TEXTS = (
    "could not connect",
    "connection refused",
    "connection failed",
    "connection timed out",
    "connection to server",
    "server closed the connection",
    "connection is closed",
    "connection already closed",
    "the connection is lost",
    "terminating connection",
    "the database system is",
    "too many connections",
    "no route to host",
    "name or service not known",
    "could not translate host name",
    "consuming input failed",
    "ssl syscall error",
    "unable to open database file",
    "disk i/o error",
)
RETRY_AFTER_SECONDS = 5


def _sqlstate(exc: BaseException) -> str | None:
    return getattr(exc.__cause__, "sqlstate", None) or getattr(exc, "sqlstate", None)


def is_busy_error(exc: BaseException) -> bool:
    """Whether a database error means the database was too busy to answer in time (lock waits,
    a serialisation conflict, a timeout) rather than a bug: the transaction was rolled back whole,
    so the request may simply be sent again."""
    from django.db import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    if _sqlstate(exc) in BUSY_SQLSTATES:
        return True
    return any(text in str(exc) for text in BUSY_SQLITE)


def is_outage_error(exc: BaseException) -> bool:
    """Whether a database error means the database cannot be reached at all (refused or lost
    connection, server shutting down, too many connections, an unreadable SQLite file): not a
    bug of the request, which may be sent again once the database is back."""
    from django.db import InterfaceError, OperationalError

    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    state = _sqlstate(exc) or ""
    if state.startswith(OUTAGE_SQLSTATE_PREFIXES) or state in OUTAGE_SQLSTATES:
        return True
    text = str(exc).lower()
    return any(marker in text for marker in OUTAGE_TEXTS)


def is_unavailable_error(exc: BaseException) -> bool:
    return is_busy_error(exc) or is_outage_error(exc)


def is_api_path(path: str) -> bool:
    return path.startswith(("/api/", "/open311/"))


def busy_response(request, exc):
    """503 with Retry-After, in the user's language, for a busy or unreachable database; None
    otherwise. Nothing was saved (every write is one transaction), and clients that send an
    Idempotency-Key may retry safely. Logged as a warning so operators see the pressure."""
    if not is_unavailable_error(exc):
        return None
    import logging

    from django.http import HttpResponse, JsonResponse
    from django.template.loader import render_to_string
    from django.utils.translation import gettext as _

    busy = is_busy_error(exc)
    logging.getLogger("jinlin.busy").warning(
        "database %s on %s %s: %s", "busy" if busy else "unreachable", request.method, request.path, exc
    )
    if busy:
        message = _("The platform is busy and nothing was saved. Please try again in a few seconds.")
    else:
        message = _("The platform is briefly unavailable and nothing was saved. Please try again in a minute.")
    response: HttpResponse
    if is_api_path(request.path):
        response = JsonResponse({"detail": message}, status=503)
    else:
        try:
            response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
        except Exception:  # noqa: BLE001 - the page's own template may need the database
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS if busy else RETRY_AFTER_SECONDS * 6)
    return response


class BusyDatabaseMiddleware:
    """Turns a busy or unreachable database (see is_busy_error, is_outage_error) into 503 instead
    of 500 for every page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        from .ratelimit import RateLimited

        if isinstance(exc, RateLimited):
            return rate_limited_response(request, exc)
        return busy_response(request, exc)


def rate_limited_response(request, exc):
    """429 with Retry-After: JSON under /api/, a page (the 503 page's layout) elsewhere."""
    from django.http import HttpResponse, JsonResponse
    from django.template.loader import render_to_string

    response: HttpResponse
    if is_api_path(request.path):
        response = JsonResponse({"detail": exc.message}, status=429)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": exc.message}, request=request), status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


# ---------------------------------------------------------------- JSON errors under /api/

_EXC_ATTR = "_jinlin_exception"


def _remember_exception(sender, request=None, **kwargs):
    """Django announces every uncaught exception (from a view or any middleware) before it
    renders its error page; the outer middleware reads it back to tell an outage from a bug."""
    import sys

    if request is not None:
        setattr(request, _EXC_ATTR, sys.exc_info()[1])


def _connect_signal() -> None:
    from django.core.signals import got_request_exception

    got_request_exception.connect(_remember_exception, dispatch_uid="jinlin.remember_exception")


_connect_signal()


class ApiErrorsMiddleware:
    """Outermost: under /api/ every error is JSON with a `detail`, in every mode (no HTML 404,
    no debug traceback, no HTML 500); anywhere, an unreachable or busy database that surfaced
    outside a view (sessions, authentication) is a 503 with Retry-After rather than a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and _json_body_is_not_an_object(request):
            from django.http import JsonResponse
            from django.utils.translation import gettext as _

            detail = [{"loc": ["body"], "msg": _("The body must be a JSON object.")}]
            return JsonResponse({"detail": detail}, status=422)
        response = self.get_response(request)
        exc = getattr(request, _EXC_ATTR, None)
        if exc is not None and response.status_code >= 500 and is_unavailable_error(exc):
            return busy_response(request, exc)
        if request.path.startswith("/api/") and response.status_code >= 400 and not _is_json(response):
            return _json_error(response)
        return response


def _json_body_is_not_an_object(request: HttpRequest) -> bool:
    """Every JSON body of the API is an object; a list, a string, a number or null is refused
    before any schema sees it (ninja would otherwise fit a bare string into a one-field body)."""
    if request.method not in ("POST", "PUT", "PATCH") or request.content_type != "application/json":
        return False
    body = request.body.lstrip()
    return bool(body) and not body.startswith(b"{")


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _json_error(response):
    from django.http import JsonResponse
    from django.utils.translation import gettext as _

    messages = {
        400: _("Bad request."),
        401: _("Log in first: send Authorization: Bearer <token>."),
        403: _("You may not do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
    }
    status = response.status_code
    detail = messages.get(status) or (_("Something went wrong on our side.") if status >= 500 else _("Bad request."))
    out = JsonResponse({"detail": detail}, status=status)
    for header in ("Retry-After", "Allow", "WWW-Authenticate"):
        if header in response:
            out[header] = response[header]
    return out
