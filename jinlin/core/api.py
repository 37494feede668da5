from datetime import datetime

from django.http import HttpResponse
from ninja import Router, Schema, Status

from . import accounts, ratelimit, selectors, services

router = Router(tags=["accounts"])


class TokenIn(Schema):
    phone: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: datetime


class ErrorOut(Schema):
    detail: str


class OrgOut(Schema):
    id: int
    code: str
    name: str
    level: str


class RoleOut(Schema):
    role: str
    role_label: str
    org: OrgOut


class MeOut(Schema):
    id: int
    name: str
    phone_masked: str
    roles: list[RoleOut]


@router.post("/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut, 423: ErrorOut, 429: ErrorOut})
def token_create(request, payload: TokenIn):
    """Exchange a phone and password for a bearer token. After a few wrong passwords from one
    address the address waits before trying that phone again, longer after each failure (429
    with Retry-After); other addresses are not affected. Unknown phones are answered alike."""
    try:
        ratelimit.check("login")
        user = services.auth_login(phone=payload.phone, password=payload.password)
    except ratelimit.RateLimited as exc:
        return _too_many(request, exc.message, exc.retry_after)
    except services.AuthError as exc:
        if exc.code == "throttled":
            return _too_many(request, exc.message, exc.retry_after)
        return Status(423 if exc.code == "locked" else 401, {"detail": exc.message})
    key, token = services.api_token_issue(user=user)
    return Status(200, {"token": key, "expires_at": token.expires_at})


def _too_many(request, detail: str, retry_after: int | None) -> HttpResponse:
    from jinlin.api import api

    response = api.create_response(request, {"detail": detail}, status=429)
    response["Retry-After"] = str(retry_after or 1)
    return response


class PasswordIn(Schema):
    old_password: str
    new_password: str


@router.post("/auth/logout", response={204: None, 401: ErrorOut})
def token_revoke(request):
    """Revoke the bearer token this request was made with; it is refused from now on."""
    accounts.api_token_revoke(user=request.user, key=request.auth_token_key)
    return Status(204, None)


@router.post("/auth/password", response={204: None, 401: ErrorOut, 422: ErrorOut})
def password_change(request, payload: PasswordIn):
    """Change the caller's password. Every bearer token of the account is revoked, this one too:
    ask for a new token with the new password."""
    accounts.password_change(user=request.user, old_password=payload.old_password, new_password=payload.new_password)
    return Status(204, None)


@router.get("/me", response=MeOut)
def me(request):
    return selectors.user_profile(request.user)
