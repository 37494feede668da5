from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from . import selectors, services

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


@router.post("/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut, 423: ErrorOut})
def token_create(request: HttpRequest, payload: TokenIn) -> Status:
    """Exchange a phone and password for a bearer token. 5 failures in a row lock the account
    for 15 minutes (423 with the time it opens again)."""
    try:
        user = services.auth_login(phone=payload.phone, password=payload.password)
    except services.AuthError as exc:
        return Status(423 if exc.code == "locked" else 401, {"detail": exc.message})
    key, token = services.api_token_issue(user=user)
    return Status(200, {"token": key, "expires_at": token.expires_at})


@router.get("/me", response=MeOut)
def me(request):
    return selectors.user_profile(request.user)
