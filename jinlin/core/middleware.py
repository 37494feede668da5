"""Carries the current request's IP to the audit log without passing it through every service."""

from contextvars import ContextVar

_client_ip: ContextVar[str | None] = ContextVar("jinlin_client_ip", default=None)


def client_ip() -> str | None:
    return _client_ip.get()


def _ip_of(request) -> str | None:
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
