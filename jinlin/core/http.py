"""Types and errors of the web layer shared by every app."""

from django.http import HttpRequest

from .models import User


class AuthedRequest(HttpRequest):
    """A request whose user has logged in (pages behind login_required, the bearer-token API).
    For the type checker only: Django builds plain HttpRequests."""

    user: User


class Conflict(Exception):  # noqa: N818  (named for its HTTP status, like Http404)
    """The request is valid, but the current state of what it acts on does not allow it. The API
    answers 409 with the message (jinlin/api.py, one handler for every app)."""
