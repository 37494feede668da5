"""The place of the problem on the case page: a map with the case's pin and its grid's outline for
staff, and the explicit, audited reveal of the exact address and the reporter's phone (PIPL:
purpose-bound — a reason is required — and every reveal is written to the audit log)."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from jinlin.core import places, policy
from jinlin.core.http import AuthedRequest
from jinlin.core.models import User

from . import rules, selectors, services
from .models import Case

# Place names change rarely; a phone panning back and forth asks the same (snapped) boxes again.
PLACES_MAX_AGE = 300


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need them?"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. to call the resident before the visit")}),
    )


def may_reveal(user: User, case: Case) -> bool:
    """Offered only to those the policy row case.reveal_contact names (not to the reporter, who
    sees their own data anyway)."""
    return not rules.is_follower(user, case) and policy.allows(user, "case.reveal_contact", case)


def map_settings(center: tuple[float, float] | None) -> dict:
    """What every case map needs in its data attributes: tiles (docs/map.md), where to open, and
    the URL of the platform's own layers."""
    return {
        "tile_url": getattr(settings, "JINLIN_MAP_TILE_URL", ""),
        "tile_crs": getattr(settings, "JINLIN_MAP_TILE_CRS", "wgs84"),
        "tile_overlay_url": getattr(settings, "JINLIN_MAP_TILE_OVERLAY_URL", ""),
        "center": f"{center[0]:.6f},{center[1]:.6f}" if center else "",
        # The platform's own layers (grids, estates, buildings with names): maps work without tiles.
        "places_url": reverse("cases:places_data"),
    }


def place_context(request: AuthedRequest, case: Case, *, staff: bool, reveal_form: RevealForm | None = None) -> dict:
    """The map (pin and grid outline) for staff who see the case, and the reveal form if allowed."""
    if not staff:
        return {"place_map": None, "reveal_form": None}
    boundary = None
    grid = case.grid
    if grid is not None and hasattr(grid, "grid_boundary"):
        boundary = grid.grid_boundary.boundary
    point = (case.lat, case.lng) if case.lat is not None and case.lng is not None else None
    center = point or (selectors._middle(boundary) if boundary else None)
    place_map = None
    if point or boundary:
        place_map = map_settings(center) | {
            "lat": f"{point[0]:.6f}" if point else "",
            "lng": f"{point[1]:.6f}" if point else "",
            "grid": {"type": "Feature", "geometry": boundary, "properties": {"name": grid.name}} if boundary else None,
        }
    allowed = may_reveal(request.user, case)
    return {"place_map": place_map, "reveal_form": (reveal_form or RevealForm()) if allowed else None}


@require_POST
@login_required
def reveal_contact(request: AuthedRequest, pk: int) -> HttpResponse:
    """查看完整地址和电话: with a reason, audited; the answer is the case page showing them."""
    from . import views

    case = views._visible_case(request, pk)
    if not may_reveal(request.user, case):
        raise PermissionDenied
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        revealed = services.case_reveal_contact(actor=request.user, case=case, reason=form.cleaned_data["reason"])
    escalations = list(case.escalations.select_related("unit"))
    actions = selectors.allowed_actions(request.user, case, escalations=escalations)
    action_forms = views._action_forms(request.user, case, actions)
    context = views._detail_context(request, case, actions, action_forms, escalations=escalations)
    context.update(place_context(request, case, staff=True, reveal_form=form))
    context["revealed"] = revealed
    response = render(request, "cases/detail.html", context, status=200 if revealed else 422)
    response["Cache-Control"] = "no-store"  # personal data: never kept by the browser or a proxy
    return response


@require_safe
@login_required
def places_data(request: AuthedRequest) -> HttpResponse:
    """GeoJSON of the grids, estates and buildings with their names in `?bbox=w,s,e,n` (WGS-84),
    for the maps that work without tiles (core.places: geography, no people or cases)."""
    try:
        box = places.bbox_parse(request.GET.get("bbox", ""))
    except ValueError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    compact = {"ensure_ascii": False, "separators": (",", ":")}
    response = JsonResponse(places.places_in_bbox(box), json_dumps_params=compact)
    response["Cache-Control"] = f"private, max-age={PLACES_MAX_AGE}"
    return response
