from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from . import selectors, services
from .models import OrgKind

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
def token_create(request, payload: TokenIn):
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


class OrgUnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None


@router.get("/org-units", response=list[OrgUnitOut], tags=["org units"])
def org_units_list(request, kind: str = "", parent: int | None = None, under: int | None = None, q: str = ""):
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
def org_unit_detail(request, unit_id: int):
    """One org unit; 404 if it does not exist or the caller may not see it."""
    unit = selectors.org_unit_get(request.user, unit_id)
    if unit is None:
        raise Http404
    return unit
