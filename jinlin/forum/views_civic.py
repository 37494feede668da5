"""Pages of 居民公约, 民意测评 and 每月一题. Thin: reads and writes through civic.py / services.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from jinlin.core import policy

from . import civic, selectors, services
from .models import Convention, ConventionArticle, Survey


def _visible(model, user):
    """Rows of the user's community (and above it) or in the user's staff reach."""
    q = selectors.prefix_q("scope_code", selectors.staff_codes(user))
    community = selectors.home_community(user)
    if community is not None:
        q |= Q(scope_code__in=[community.code[:i] for i in range(1, len(community.code) + 1)])
    return model.objects.filter(q)


@login_required
@require_safe
def civic_home(request):
    context = {
        "conventions": _visible(Convention, request.user)[:20],
        "surveys": _visible(Survey, request.user)[:20],
        "themes": selectors.themes_for(request.user)[:20],
    }
    return render(request, "forum/civic_home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def convention(request, pk: int):
    c = get_object_or_404(_visible(Convention, request.user), pk=pk)
    can_manage = policy.allows(request.user, "forum.conversation.manage", c)
    errors = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "comment":
                article = get_object_or_404(ConventionArticle, pk=request.POST.get("article") or 0, convention=c)
                civic.article_comment(actor=request.user, article=article, body=request.POST.get("body", ""))
            elif action == "vote":
                civic.convention_vote(actor=request.user, convention=c, in_favour=request.POST.get("in_favour") == "1")
                messages.success(request, _("Your vote is counted."))
            elif action == "open_vote":
                civic.convention_open_vote(actor=request.user, convention=c)
            elif action == "close_vote":
                civic.convention_close_vote(actor=request.user, convention=c)
            return redirect("forum:convention", pk=pk)
        except ValidationError as exc:
            errors = [str(m) for m in exc.messages]
        except PermissionDenied as exc:
            errors = [str(exc)]
    context = {
        "c": c,
        "articles": c.articles.exclude(text="").prefetch_related("comments__author"),
        "tally": civic.convention_tally(c),
        "voted": c.ballots.filter(round=c.vote_round, user=request.user).exists(),
        "can_manage": can_manage,
        "versions": c.versions.all(),
        "errors": errors,
    }
    return render(request, "forum/convention.html", context, status=422 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def survey(request, pk: int):
    s = get_object_or_404(_visible(Survey, request.user), pk=pk)
    can_manage = policy.allows(request.user, "forum.conversation.manage", s)
    questions = list(s.questions.all())
    errors = []
    if request.method == "POST":
        answers = {}
        for q in questions:
            key = f"q{q.pk}"
            answers[str(q.pk)] = request.POST.getlist(key) if q.kind == "multiple" else request.POST.get(key)
        try:
            civic.survey_answer(actor=request.user, survey=s, answers=answers)
            messages.success(request, _("Thank you for answering."))
            return redirect("forum:survey", pk=pk)
        except ValidationError as exc:
            errors = [str(m) for m in exc.messages]
    answered = s.responses.filter(user=request.user).exists()
    context = {
        "s": s,
        "questions": questions,
        "answered": answered,
        "results": civic.survey_results(s) if (answered or can_manage) else None,
        "can_manage": can_manage,
        "errors": errors,
        "scale": range(1, 6),
    }
    return render(request, "forum/survey.html", context, status=422 if errors else 200)


@login_required
@require_safe
def survey_export(request, pk: int):
    s = get_object_or_404(_visible(Survey, request.user), pk=pk)
    data = civic.survey_export_xlsx(actor=request.user, survey=s)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="survey-{s.pk}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def theme(request, pk: int):
    t = get_object_or_404(selectors.themes_for(request.user), pk=pk)
    errors = []
    if request.method == "POST":
        try:
            services.theme_progress(actor=request.user, theme=t, progress=int(request.POST.get("progress") or 0))
            return redirect("forum:theme", pk=pk)
        except (ValueError, ValidationError) as exc:
            errors = (
                [str(m) for m in exc.messages] if isinstance(exc, ValidationError) else [_("Progress is a number.")]
            )
    cases = list(t.cases.all())
    closed = [c for c in cases if c.closed_at or c.resolved_at]
    metrics = {
        "cases": len(cases),
        "resolved": len(closed),
        "satisfied": sum(1 for c in cases if c.rating in ("satisfied", "basically_satisfied")),
    }
    return render(request, "forum/theme.html", {"t": t, "cases": cases, "metrics": metrics, "errors": errors})


@login_required
@require_http_methods(["GET", "POST"])
def themes(request):
    """每月一题: this month's themes, and the hotspot clusters (triage) staff may adopt as one."""
    from jinlin.cases.selectors import cases_visible_to

    from .services import community_of

    errors = []
    if request.method == "POST":
        ids = [int(x) for x in request.POST.getlist("case") if x.isdigit()]
        chosen = list(cases_visible_to(request.user).filter(pk__in=ids).select_related("community"))
        unit = chosen[0].community if chosen and chosen[0].community_id else None
        if unit is None:
            errors = [_("Choose the cases of one community.")]
        else:
            try:
                t = services.theme_adopt(
                    actor=request.user,
                    unit=community_of(unit),
                    title=request.POST.get("title", ""),
                    cases=chosen,
                    plan=request.POST.get("plan", ""),
                    owner=request.user,
                    open_topic=request.POST.get("open_topic") == "on",
                )
                return redirect("forum:theme", pk=t.pk)
            except ValidationError as exc:
                errors = [str(m) for m in exc.messages]
            except PermissionDenied as exc:
                errors = [str(exc)]
    spots = []
    if selectors.staff_codes(request.user):
        try:
            from jinlin.triage.adapter import hotspots_for

            spots = hotspots_for(request.user, days=60)[:10]
        except Exception:  # the candidates are a help; the page works without them
            spots = []
    context = {"themes": selectors.themes_for(request.user)[:30], "spots": spots, "errors": errors}
    return render(request, "forum/themes.html", context, status=422 if errors else 200)
