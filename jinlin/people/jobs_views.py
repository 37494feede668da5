"""Pages of jobs (订单式就业) for community staff, desktop and phone: vacancies with filters, search
and pages; the vacancy form; seekers' intentions (masked); a vacancy's proposed matches with why
they match; proposing a match; the follow-up to 已录用 / 未录用. Thin: jobs.py reads and writes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from jinlin.core.masking import mask_phone

from . import jobs
from .models_more import JobMatch, MatchStatus, Seeker

VACANCY_FIELDS = ("employer", "title", "skills", "place_code", "pay", "pay_max", "openings", "until")


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"form": exc.messages}


@require_safe
@login_required
def vacancies(request):
    user = request.user
    jobs.require_jobs(user)
    q = request.GET.get("q", "")[:60]
    place = request.GET.get("place", "")[:40]
    status = request.GET.get("status", "open")
    qs = jobs.vacancy_search(user, q=q, place=place, status=status)
    page = Paginator(qs, jobs.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    places = jobs.place_names(v.place_code for v in rows)
    return render(
        request,
        "people/jobs_vacancies.html",
        {
            "page": page,
            "rows": [(v, places.get(v.place_code, v.place_code)) for v in rows],
            "units": jobs.place_units(user),
            "filters": {"q": q, "place": place, "status": status},
            "counts": jobs.jobs_counts(user),
        },
    )


def _form(request, vacancy=None, data=None, errors=None, status=200):
    if data is None:
        data = {f: getattr(vacancy, f) for f in VACANCY_FIELDS} if vacancy else {"openings": 1, "place_code": ""}
        if vacancy and vacancy.until:
            data["until"] = vacancy.until.isoformat()
    return render(
        request,
        "people/jobs_vacancy_form.html",
        {"vacancy": vacancy, "data": data, "errors": errors or {}, "units": jobs.place_units(request.user)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def vacancy_new(request):
    jobs.require_jobs(request.user)
    if request.method == "GET":
        return _form(request)
    data = {f: request.POST.get(f, "") for f in VACANCY_FIELDS}
    try:
        vacancy = jobs.vacancy_save(actor=request.user, data=data)
    except ValidationError as exc:
        return _form(request, data=data, errors=_errors(exc), status=422)
    messages.success(request, _("Vacancy saved. Propose seekers for it below."))
    return redirect("people:vacancy", pk=vacancy.pk)


@require_http_methods(["GET", "POST"])
@login_required
def vacancy_edit(request, pk: int):
    jobs.require_jobs(request.user)
    vacancy = jobs.vacancy_get(request.user, pk)
    if request.method == "GET":
        return _form(request, vacancy)
    data = {f: request.POST.get(f, "") for f in VACANCY_FIELDS}
    try:
        jobs.vacancy_save(actor=request.user, vacancy=vacancy, data=data)
    except ValidationError as exc:
        return _form(request, vacancy, data=data, errors=_errors(exc), status=422)
    messages.success(request, _("Vacancy saved."))
    return redirect("people:vacancy", pk=vacancy.pk)


@require_safe
@login_required
def vacancy(request, pk: int):
    user = request.user
    jobs.require_jobs(user)
    item = jobs.vacancy_get(user, pk)
    matches = jobs.matches_of(user, item)
    matched = {m.seeker_id for m, _why in matches}
    candidates = [s for s in jobs.seeker_search(user)[:200] if s.pk not in matched]
    return render(
        request,
        "people/jobs_vacancy.html",
        {
            "vacancy": item,
            "place": jobs.place_names([item.place_code]).get(item.place_code, item.place_code),
            "matches": [(m, why, mask_phone(m.seeker.resident.phone)) for m, why in matches],
            "candidates": candidates,
            "hired": sum(1 for m, _why in matches if m.status == MatchStatus.HIRED),
        },
    )


@require_POST
@login_required
def vacancy_act(request, pk: int):
    """The vacancy page's buttons: find matches, propose one seeker, follow a match up, close."""
    user = request.user
    jobs.require_jobs(user)
    item = jobs.vacancy_get(user, pk)
    action = request.POST.get("action", "")
    try:
        if action == "match":
            found = jobs.jobs_match(actor=user, vacancy=item)
            if found:
                text = ngettext("%(n)d seeker proposed.", "%(n)d seekers proposed.", len(found))
                messages.success(request, text % {"n": len(found)})
            else:
                messages.info(request, _("No seeker in your area fits this vacancy yet."))
        elif action == "propose":
            seeker = jobs.seekers_visible(user).filter(pk=_int(request.POST.get("seeker_id"))).first()
            if seeker is None:
                raise ValidationError({"seeker": _("Choose a seeker.")})
            jobs.job_propose(actor=user, vacancy=item, seeker=seeker)
            messages.success(request, _("Proposed."))
        elif action in ("hired", "not_hired"):
            match = JobMatch.objects.filter(pk=_int(request.POST.get("match_id")), vacancy=item).first()
            if match is None:
                raise Http404
            jobs.job_follow_up(actor=user, match=match, hired=action == "hired", note=request.POST.get("note", ""))
            done = _("%(name)s: hired (已录用).") if action == "hired" else _("%(name)s: not hired (未录用).")
            messages.success(request, done % {"name": match.seeker.resident.name})
        elif action == "close":
            jobs.vacancy_close(actor=user, vacancy=item)
            messages.success(request, _("Vacancy closed."))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("people:vacancy", pk=item.pk)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@require_safe
@login_required
def seekers(request):
    user = request.user
    jobs.require_jobs(user)
    q = request.GET.get("q", "")[:60]
    status = request.GET.get("status", "seeking")
    qs = jobs.seeker_search(user, q=q, status=status)
    page = Paginator(qs, jobs.PAGE_SIZE).get_page(request.GET.get("page"))
    rows: list[Seeker] = list(page.object_list)
    places = jobs.place_names(s.near_code for s in rows)
    return render(
        request,
        "people/jobs_seekers.html",
        {
            "page": page,
            "rows": [(s, mask_phone(s.resident.phone), places.get(s.near_code, "")) for s in rows],
            "filters": {"q": q, "status": status},
            "counts": jobs.jobs_counts(user),
        },
    )


@require_safe
@login_required
def coverage(request):
    """Visit coverage per community and grid of the viewer's area."""
    from django.core.exceptions import PermissionDenied

    from jinlin.core import policy
    from jinlin.core.scope import area_codes

    from . import coverage as cov
    from .policies import VIEW_ROLES

    user = request.user
    if not area_codes(user, VIEW_ROLES):
        raise PermissionDenied
    rows = cov.coverage_by_area(user)
    never = list(cov.never_visited_key_households(user).order_by("unit_code", "room", "id")[:50])
    return render(
        request,
        "people/coverage.html",
        {
            "rows": rows,
            "total": cov.coverage_total(rows),
            "never": never,
            "may_export": policy.allows(user, "people.export"),
        },
    )


@require_POST
@login_required
def coverage_export(request):
    from django.core.exceptions import PermissionDenied
    from django.http import HttpResponse

    from jinlin.core import policy

    from . import coverage as cov

    if not policy.allows(request.user, "people.export"):
        raise PermissionDenied
    text, _count = cov.coverage_export(actor=request.user)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="visit-coverage.csv"'
    return response
