"""`Idempotency-Key` for every API write, in one place.

A phone that lost its signal resends what it queued; a request whose answer was lost on the way
back is sent again. With an `Idempotency-Key` header (any client-chosen string up to 80
characters, unique per request), the first answer of a POST/PUT/PATCH/DELETE under /api/ by a
bearer-token account is stored (`IdempotentReply`) and a retry with the same key gets that answer
back (header `Idempotent-Replayed: true`) without running the write again: a claim retried after
it went through answers 200 as the first time, not 409 "already claimed".

- Only final answers are stored: 2xx, and 4xx other than 401 (not logged in), 408 and 429 (try
  again later). A 5xx or a busy database (503) is not, so the retry does the write.
- The same key for a different request (another method, path, or JSON body) is refused with 422,
  as case intake does. Multipart bodies (photos) are matched by method and path only: the
  browser picks a new boundary each time it sends the same form.
- `POST /api/cases` keeps its own mechanism (the key is stored on the case, for every channel);
  the middleware leaves that path to it.
- Two copies of the same request at the same moment: the second waits for the first's row
  (unique per account and key) and replays it.
"""

import hashlib
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import IdempotentReply, User
from .services import api_token_user

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 80
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Paths whose view keeps its own idempotency (case intake stores the key on the case).
OWN_MECHANISM = {"/api/cases"}
NOT_FINAL = {401, 408, 429}
KEEP_DAYS = 14


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}".encode())
    if request.content_type == "application/json":
        digest.update(b"\n" + request.body)
    return digest.hexdigest()


def _bearer_user(request: HttpRequest) -> User | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    return api_token_user(header[7:].strip())


def _replay(reply: IdempotentReply) -> HttpResponse:
    response = HttpResponse(bytes(reply.body), status=reply.status, content_type=reply.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER, "").strip()
        if (
            not key
            or request.method not in WRITE_METHODS
            or not request.path.startswith("/api/")
            or request.path in OWN_MECHANISM
        ):
            return self.get_response(request)
        if len(key) > MAX_KEY_LENGTH:
            return JsonResponse({"detail": [{"loc": [HEADER], "msg": _("At most 80 characters, please.")}]}, status=422)
        user = _bearer_user(request)
        if user is None:  # not logged in: the view answers 401 and nothing is stored
            return self.get_response(request)
        fingerprint = _fingerprint(request)
        stored = IdempotentReply.objects.filter(user=user, key=key).first()
        if stored is not None:
            if stored.fingerprint != fingerprint:
                msg = _("This Idempotency-Key was already used for a different request.")
                return JsonResponse({"detail": [{"loc": [HEADER], "msg": msg}]}, status=422)
            return _replay(stored)
        response = self.get_response(request)
        if response.status_code >= 500 or response.status_code in NOT_FINAL or getattr(response, "streaming", False):
            return response
        try:
            with transaction.atomic():
                IdempotentReply.objects.create(
                    user=user,
                    key=key,
                    method=request.method or "",
                    path=request.path[:300],
                    fingerprint=fingerprint,
                    status=response.status_code,
                    content_type=response.get("Content-Type", "application/json")[:100],
                    body=response.content,
                )
        except IntegrityError:
            # The same request ran twice at once; the first to finish is the answer.
            stored = IdempotentReply.objects.filter(user=user, key=key).first()
            if stored is not None:
                return _replay(stored)
        return response


def idempotent_replies_prune(now: datetime | None = None) -> int:
    """Forget stored answers older than KEEP_DAYS (core.periodic.heal prunes with the task rows)."""
    cutoff = (now or timezone.now()) - timedelta(days=KEEP_DAYS)
    deleted, _rows = IdempotentReply.objects.filter(created_at__lt=cutoff).delete()
    return deleted
