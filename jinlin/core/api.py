from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from . import accounts, ratelimit, selectors, services, totp
from .http import AuthedRequest, json_response
from .models import OrgKind, OrgUnit

router = Router(tags=["accounts"])


class TokenIn(Schema):
    phone: str
    password: str
    totp: str | None = Field(
        default=None, description="Staff with two-step login: the six-digit code of the app, or a recovery code."
    )


class TokenOut(Schema):
    token: str
    expires_at: datetime


class ErrorOut(Schema):
    detail: str | list


class RoleOrgOut(Schema):
    id: int
    code: str
    name: str
    level: str


class RoleOut(Schema):
    role: str
    role_label: str
    org: RoleOrgOut


class MeOut(Schema):
    id: int
    name: str
    phone_masked: str
    roles: list[RoleOut]


@router.post("/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut, 423: ErrorOut, 429: ErrorOut})
def token_create(request: HttpRequest, payload: TokenIn) -> HttpResponse | Status:
    """Exchange a phone and password (and, for staff with two-step login, `totp`) for a bearer
    token. After a few wrong passwords from one address the address waits before trying that
    phone again, longer after each failure (429 with Retry-After); other addresses are not
    affected. Unknown phones are answered alike."""
    try:
        ratelimit.check("login")
        user = services.auth_login(phone=payload.phone, password=payload.password)
    except ratelimit.RateLimited as exc:
        return _too_many(request, exc.message, exc.retry_after)
    except services.AuthError as exc:
        if exc.code == "throttled":
            return _too_many(request, exc.message, exc.retry_after)
        return Status(423 if exc.code == "locked" else 401, {"detail": exc.message})
    if totp.code_required(user):
        if not payload.totp:
            return Status(401, {"detail": _("This account uses two-step login: send the app's code as totp.")})
        try:
            totp.totp_verify(user=user, code=payload.totp)
        except totp.TotpError as exc:
            if exc.retry_after:
                return _too_many(request, exc.message, exc.retry_after)
            return Status(401, {"detail": exc.message})
    elif totp.must_enrol(user):
        return Status(401, {"detail": _("Your role needs two-step login: set it up on the web first.")})
    key, token = services.api_token_issue(user=user)
    return Status(200, {"token": key, "expires_at": token.expires_at})


def _too_many(request: HttpRequest, detail: str, retry_after: int | None) -> HttpResponse:
    response = json_response(request, {"detail": detail}, status=429)
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
def password_change(request: AuthedRequest, payload: PasswordIn) -> Status:
    """Change the caller's password. Every bearer token of the account is revoked, this one too:
    ask for a new token with the new password."""
    accounts.password_change(user=request.user, old_password=payload.old_password, new_password=payload.new_password)
    return Status(204, None)


@router.get("/me", response=MeOut)
def me(request):
    return selectors.user_profile(request.user)


class OrgUnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None


@router.get("/org-units", response=list[OrgUnitOut], tags=["org units"])
def org_units_list(
    request: AuthedRequest, kind: str = "", parent: int | None = None, under: int | None = None, q: str = ""
) -> list[OrgUnit]:
    """The org units the caller may see (the scope rule: the areas their roles reach and the units
    they work for), in tree order, at most 2,000. `kind`: one kind (city, district, street,
    community, grid, department …); `parent`: the id of the parent; `under`: the id of a unit whose
    subtree (itself included) to list — 404 if the caller may not see it; `q`: words of the name or
    the beginning of the code."""
    kind = kind.strip()
    if kind and kind not in OrgKind.values:
        raise ValidationError({"kind": _("Unknown kind %(kind)s.") % {"kind": kind[:40]}})
    root = None
    if under is not None:
        root = selectors.org_unit_get(request.user, under)
        if root is None:
            raise Http404
    units = selectors.org_units_search(request.user, kind=kind, parent_id=parent, under=root, q=q[:100])
    return list(units.only("pk", "code", "name", "kind", "parent_id")[: selectors.ORG_UNITS_MAX])


@router.get("/org-units/{unit_id}", response={200: OrgUnitOut, 404: ErrorOut}, tags=["org units"])
def org_unit_detail(request: AuthedRequest, unit_id: int) -> OrgUnit:
    """One org unit; 404 if it does not exist or the caller may not see it."""
    unit = selectors.org_unit_get(request.user, unit_id)
    if unit is None:
        raise Http404
    return unit
