"""Pages of the registry: the grid worker's households and visits (phone first), the community's
import, export and population profile. Thin: selectors read, services write; a household outside
the viewer's scope is 404, an action the policy refuses is 403, bad input goes back on the form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from jinlin.core import policy
from jinlin.core.models import OrgKind, OrgUnit
from jinlin.core.scope import area_codes, prefix_q

from . import exporter, importer, selectors, services
from .models import KEY_TAGS, RESTRICTED_TAGS, VisitKind
from .policies import VIEW_ROLES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(user, action: str, obj=None) -> None:
    if not policy.allows(user, action, obj):
        raise PermissionDenied


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _area_units(user) -> list[OrgUnit]:
    """Streets, communities and grids the user reaches, for the area filters."""
    codes = area_codes(user, VIEW_ROLES)
    if not codes:
        return []
    return list(
        OrgUnit.objects.filter(
            prefix_q("code", codes), kind__in=[OrgKind.STREET, OrgKind.COMMUNITY, OrgKind.GRID]
        ).order_by("code")[:300]
    )


def _tags_for(user) -> list[str]:
    return KEY_TAGS + (RESTRICTED_TAGS if selectors.sees_restricted(user) else [])


@require_safe
@login_required
def households(request):
    user = request.user
    visible = selectors.visible_households(user)
    if not policy.allows(user, "people.household.view") and not visible.exists():
        raise PermissionDenied
    unit_id = _int(request.GET.get("unit"))
    tag = request.GET.get("tag", "")
    q = request.GET.get("q", "")[:60]
    unit = selectors.visible_unit(user, unit_id)
    qs = selectors.household_queryset(user, unit=unit, tag=tag, q=q).order_by("unit_code", "room", "id")
    page = Paginator(qs, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.household_rows(user, list(page.object_list))
    return render(
        request,
        "people/households.html",
        {
            "page": page,
            "rows": rows,
            "units": _area_units(user),
            "tags": _tags_for(user),
            "filters": {"unit": unit_id, "tag": tag, "q": q},
            "may_import": policy.allows(user, "people.import"),
            "may_export": policy.allows(user, "people.export"),
            "coverage": selectors.coverage(user),
            "stale": selectors.stale_buildings(user)[:50],
        },
    )


@require_POST
@login_required
def building_confirm(request, building_id: int):
    building = OrgUnit.objects.select_related("grid").filter(pk=building_id, kind=OrgKind.BUILDING).first()
    if building is None:
        raise Http404
    count = services.building_confirm(actor=request.user, building=building)
    messages.success(
        request, _("%(name)s confirmed: %(n)d households are current.") % {"name": building.name, "n": count}
    )
    return redirect("people:households")


def _detail_context(request, household, revealed=None, visit_form_errors=None, status=200):
    user = request.user
    residents = selectors.residents_of(user, household)
    return render(
        request,
        "people/household.html",
        {
            "household": household,
            "residents": residents,
            "revealed": revealed or {},
            "may_reveal": policy.allows(user, "people.resident.reveal", household),
            "may_visit": policy.allows(user, "people.visit.create", household),
            "pairings": list(household.pairings.filter(ended_at=None).select_related("carer")),
            "visits": selectors.recent_visits(user, household),
            "visit_kinds": VisitKind.choices,
            "errors": visit_form_errors or {},
        },
        status=status,
    )


@require_safe
@login_required
def household(request, pk: int):
    return _detail_context(request, selectors.household_get(request.user, pk))


@require_POST
@login_required
def reveal(request, pk: int, resident_id: int):
    household = selectors.household_get(request.user, pk)
    resident = selectors.resident_get(request.user, resident_id)
    if resident.household_id != household.pk:
        raise PermissionDenied
    try:
        values = services.resident_reveal(actor=request.user, resident=resident, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        return _detail_context(request, household, visit_form_errors={"reveal": exc.messages}, status=422)
    return _detail_context(request, household, revealed={resident.pk: values})


@require_POST
@login_required
def visit(request, pk: int):
    household = selectors.household_get(request.user, pk)

    def number(name):
        try:
            return float(request.POST[name]) if request.POST.get(name) else None
        except ValueError:
            return None

    try:
        services.visit_create(
            actor=request.user,
            household=household,
            kind=request.POST.get("kind", ""),
            note=request.POST.get("note", ""),
            lat=number("lat"),
            lng=number("lng"),
            anti_fraud_app={"yes": True, "no": False}.get(request.POST.get("anti_fraud_app", "")),
            photos=request.FILES.getlist("photos"),
        )
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return _detail_context(request, household, visit_form_errors=errors, status=422)
    messages.success(request, _("The visit is logged."))
    return redirect("people:household", pk=household.pk)


@require_safe
@login_required
def visits(request):
    user = request.user
    return render(
        request,
        "people/visits.html",
        {
            "mine": list(selectors.my_pairings(user)[:100]),
            "overdue": list(selectors.overdue_pairings(user)[:50]),
            "coverage": selectors.coverage(user),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def import_page(request):
    _require(request.user, "people.import")
    context: dict = {"columns": importer.COLUMNS, "required": importer.REQUIRED}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["errors"] = [importer.err(0, "file", _("Choose a file first."))]
            status = 422
        else:
            try:
                context["result"] = importer.import_file(actor=request.user, upload=upload)
            except importer.ImportRejected as exc:
                context["errors"] = exc.errors
                status = 422
    return render(request, "people/import.html", context, status=status)


@require_safe
@login_required
def import_template(request):
    _require(request.user, "people.import")
    response = HttpResponse(importer.template_bytes(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="people-import-template.xlsx"'
    return response


@require_POST
@login_required
def export(request):
    _require(request.user, "people.export")
    try:
        data, _count = exporter.households_export(
            actor=request.user,
            reason=request.POST.get("reason", ""),
            unit_id=_int(request.POST.get("unit")),
            tag=request.POST.get("tag", ""),
            q=request.POST.get("q", ""),
            full=request.POST.get("full") == "1",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("people:households")
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="households.xlsx"'
    return response


@require_safe
@login_required
def profile(request):
    user = request.user
    _require(user, "people.profile.view")
    unit_id = _int(request.GET.get("unit"))
    figures = selectors.profile(user, unit_id)
    charts = {
        "text": {
            "age": _("Age bands"),
            "sex": _("Sex"),
            "tags": _("Key groups"),
            "education": _("Education"),
            "occupation": _("Occupation"),
            "male": _("Male"),
            "female": _("Female"),
            "people": _("people"),
        },
        **figures,
    }
    return render(
        request,
        "people/profile.html",
        {"figures": figures, "charts": charts, "units": _area_units(user), "unit_id": unit_id},
    )
