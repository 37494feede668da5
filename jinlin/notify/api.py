"""Notify's API: resident sign-up and password reset by SMS code, the inbox, broadcasts.
Paths are fixed by issue 13."""

from datetime import datetime

from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from jinlin.core.models import OrgUnit
from jinlin.core.services import api_token_issue

from . import accounts, selectors, services
from .models import CodePurpose

router = Router(tags=["notifications"])
PAGE_SIZE = 20


class ErrorOut(Schema):
    detail: str | list


class PhoneIn(Schema):
    phone: str


class RegisterIn(Schema):
    phone: str
    code: str
    password: str
    name: str
    home_id: int | None = None


class ResetIn(Schema):
    phone: str
    code: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: datetime


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None


class InboxOut(Schema):
    unread: int
    page: int
    pages: int
    items: list[NotificationOut]


class BroadcastIn(Schema):
    unit_id: int
    title: str
    body: str


class BroadcastOut(Schema):
    id: int
    recipients: int


class OkOut(Schema):
    ok: bool
    unread: int


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _code(request, phone: str, purpose: str):
    try:
        accounts.code_request(phone=phone, purpose=purpose, ip=_client_ip(request))
    except accounts.TooManyCodes as exc:
        response = JsonResponse(
            {"detail": _("Too many codes asked for. Try again in %(s)d seconds.") % {"s": exc.retry_after}},
            status=429,
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
    return Status(202, {"detail": _("If the number can use it, a code is on its way by SMS.")})


@router.post("/auth/register/code", auth=None, response={202: ErrorOut, 422: ErrorOut, 429: ErrorOut})
def register_code(request, payload: PhoneIn):
    """Send a sign-up code (valid 5 minutes; one a minute and 10 a day per phone)."""
    return _code(request, payload.phone, CodePurpose.REGISTER)


@router.post("/auth/register", auth=None, response={201: TokenOut, 422: ErrorOut})
def register(request, payload: RegisterIn):
    home = None
    if payload.home_id is not None:
        home = OrgUnit.objects.filter(pk=payload.home_id).first()
        if home is None:
            from django.core.exceptions import ValidationError

            raise ValidationError({"home_id": _("Unknown place.")})
    user = accounts.register(
        phone=payload.phone, code=payload.code, password=payload.password, name=payload.name, home=home
    )
    key, token = api_token_issue(user=user)
    return Status(201, {"token": key, "expires_at": token.expires_at})


@router.post("/auth/password/reset/code", auth=None, response={202: ErrorOut, 422: ErrorOut, 429: ErrorOut})
def reset_code(request, payload: PhoneIn):
    return _code(request, payload.phone, CodePurpose.RESET)


@router.post("/auth/password/reset", auth=None, response={200: ErrorOut, 422: ErrorOut})
def reset(request, payload: ResetIn):
    accounts.password_reset(phone=payload.phone, code=payload.code, password=payload.password)
    return Status(200, {"detail": _("Your password is changed. Log in with the new one.")})


@router.get("/notifications", response=InboxOut)
def notifications(request, unread: int = 0, page: int = 1):
    qs = selectors.inbox(request.user, unread=bool(unread))
    total = qs.count()
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 1), pages)
    items = list(qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    return {"unread": selectors.unread_count(request.user), "page": page, "pages": pages, "items": items}


@router.post("/notifications/read-all", response=OkOut)
def notifications_read_all(request):
    services.notification_read_all(actor=request.user)
    return {"ok": True, "unread": 0}


@router.post("/notifications/{notification_id}/read", response={200: OkOut, 404: ErrorOut})
def notification_read(request, notification_id: int):
    services.notification_read(actor=request.user, notification_id=notification_id)
    return {"ok": True, "unread": selectors.unread_count(request.user)}


@router.post("/broadcasts", response={201: BroadcastOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def broadcast_create(request, payload: BroadcastIn):
    """通知公告 to a building, estate, grid or community in your scope; 403 outside it."""
    unit = OrgUnit.objects.filter(pk=payload.unit_id).first()
    if unit is None:
        raise Http404
    sent = services.broadcast_send(actor=request.user, unit=unit, title=payload.title, body=payload.body)
    return Status(201, {"id": sent.pk, "recipients": sent.recipients})
