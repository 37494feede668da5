"""Pages of openness: 我要举报 (form, tracking, the discipline office's list), the public
disclosure page per community, the power list, live decisions (self-updating). Thin: reads through
selectors.py, writes through services.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from jinlin.core.models import OrgKind, OrgUnit

from . import selectors, services
from .models import DisclosureKind, ReportStatus


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _report_units():
    return OrgUnit.objects.filter(
        is_active=True, kind__in=[OrgKind.COMMUNITY, OrgKind.STREET, OrgKind.DISTRICT, OrgKind.DEPARTMENT]
    ).order_by("code")


@require_http_methods(["GET", "POST"])
def report_new(request):
    """我要举报: anyone, logged in or not, anonymous by default."""
    errors, code, values = [], None, {"anonymous": True}
    if request.method == "POST":
        values = {
            "unit_id": request.POST.get("unit_id", ""),
            "subject": request.POST.get("subject", ""),
            "body": request.POST.get("body", ""),
            "anonymous": request.POST.get("anonymous") == "on" or not request.user.is_authenticated,
        }
        unit = OrgUnit.objects.filter(
            pk=values["unit_id"] if values["unit_id"].isdigit() else 0, is_active=True
        ).first()
        if unit is None:
            errors.append(_("Choose the place the matter concerns."))
        else:
            try:
                _report, code = services.report_submit(
                    actor=request.user,
                    unit=unit,
                    subject=values["subject"],
                    body=values["body"],
                    anonymous=values["anonymous"],
                )
            except ValidationError as exc:
                errors = _errors(exc)
            except services.RateLimited as exc:
                errors = [str(exc)]
    status = 422 if errors else 200
    return render(
        request,
        "openness/report_new.html",
        {"units": _report_units(), "errors": errors, "code": code, "values": values},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def report_track(request):
    """Follow a report by its tracking code, without an account (the code is posted, not put in the URL)."""
    report, asked = None, False
    if request.method == "POST":
        asked = True
        report = services.report_track(request.POST.get("code", ""))
    return render(
        request,
        "openness/report_track.html",
        {"report": report, "asked": asked},
        status=404 if asked and report is None else 200,
    )


@login_required
@require_safe
def reports(request):
    """The discipline office's reports in its scope; 404 for everyone else."""
    if not selectors.area_codes(request.user, selectors.DISCIPLINE):
        raise Http404
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    rows = selectors.report_search(request.user, q=q, status=status if status in ReportStatus.values else "")
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    return render(
        request, "openness/reports.html", {"page": page, "q": q, "status": status, "statuses": ReportStatus.choices}
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request, pk: int):
    report = get_object_or_404(selectors.reports_for(request.user), pk=pk)
    errors = []
    if request.method == "POST":
        try:
            services.report_reply(
                actor=request.user,
                report=report,
                body=request.POST.get("body", ""),
                status=request.POST.get("status") or None,
            )
            messages.success(request, _("Reply recorded; the reporter sees it with the tracking code."))
            return redirect("openness:report_detail", pk=pk)
        except ValidationError as exc:
            errors = _errors(exc)
        except PermissionDenied as exc:
            errors = [str(exc)]
    return render(
        request,
        "openness/report_detail.html",
        {"report": report, "errors": errors, "statuses": ReportStatus.choices},
        status=422 if errors else 200,
    )


@require_safe
def disclosure_home(request):
    """Every community's public page, to choose from."""
    communities = OrgUnit.objects.filter(kind=OrgKind.COMMUNITY, is_active=True).order_by("code")
    return render(request, "openness/home.html", {"communities": communities})


@require_safe
def community_page(request, unit_id: int):
    """A community's public disclosures (no login): search, filter by kind, the power list, seals, live decisions."""
    unit = get_object_or_404(OrgUnit, pk=unit_id, is_active=True)
    kind = request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()[:60]
    rows = selectors.disclosures(
        unit_id=unit.pk, kind=kind if kind in DisclosureKind.values else None, q=q
    ).prefetch_related("attachments")
    page = Paginator(rows, 15).get_page(request.GET.get("page"))
    context = {
        "unit": unit,
        "page": page,
        "kind": kind,
        "q": q,
        "kinds": DisclosureKind.choices,
        "powers": selectors.power_list(unit)[:50],
        "seals": selectors.seal_summary(unit)[:12],
        "decisions": selectors.live_decisions(unit)[:10],
    }
    return render(request, "openness/community.html", context)


@require_safe
def live(request, unit_id: int):
    """Live decisions with their stages; the page polls this view itself (htmx) every 15 seconds."""
    unit = get_object_or_404(OrgUnit, pk=unit_id, is_active=True)
    template = "openness/_live.html" if request.htmx else "openness/live.html"
    return render(request, template, {"unit": unit, "decisions": selectors.live_decisions(unit)[:20]})
