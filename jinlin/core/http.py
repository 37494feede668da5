"""Types and errors of the web layer shared by every app."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.renderers import JSONRenderer

from .models import User


class AuthedRequest(HttpRequest):
    """A request whose user has logged in (pages behind login_required, the bearer-token API).
    For the type checker only: Django builds plain HttpRequests."""

    user: User


class Conflict(Exception):  # noqa: N818  (named for its HTTP status, like Http404)
    """The request is valid, but the current state of what it acts on does not allow it. The API
    answers 409 with the message as `detail` and `details()` beside it (jinlin/api.py, one
    handler for every app)."""

    def details(self) -> dict[str, Any]:
        """More fields of the 409 body (a subclass names what is in the way)."""
        return {}


_RENDERER = JSONRenderer()
_JSON = f"{_RENDERER.media_type}; charset={_RENDERER.charset}"


def json_response(request: HttpRequest, data: Any, status: int) -> HttpResponse:
    """`data` rendered as the API root renders an answer (NinjaAPI's default JSON renderer), for
    code below jinlin/api.py that answers without going through an endpoint's schema."""
    return HttpResponse(_RENDERER.render(request, data, response_status=status), status=status, content_type=_JSON)
