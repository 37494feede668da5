"""Pages of the closed loop (七单工作法): resident, grid worker and handler, dispatcher, supervisor,
and the public disclosure board. Thin: reads through selectors.py, writes through services.py;
a service's ValidationError goes back on the form (422), a refusal is 403, a case outside the
viewer's scope is 404, an action the case's state does not allow is 409."""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from jinlin.core import policy, ratelimit
from jinlin.core.http import AuthedRequest
from jinlin.core.models import Role, User
from jinlin.core.scope import has_role
from jinlin.core.selectors import COUNT_CAP, capped_count

from . import forms, rules, selectors, services, views_place
from .machine import Status, TransitionNotAllowed, action_label
from .models import Case, Channel, PhotoKind, TimelineEntry

PAGE_SIZE = 20
PUBLIC_PAGE_SIZE = 10


def _page(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


@dataclass
class KeysetPage:
    object_list: list
    count: int
    count_capped: bool
    next_cursor: str | None
    is_first: bool


def _keyset_page(request: AuthedRequest, queryset: QuerySet, size: int | None = None) -> KeysetPage:
    """One page of a list ordered by (due_at, id), after the `?after=` cursor (selectors.cursor_of):
    every page costs the same however deep, unlike an OFFSET. A cursor that does not decode
    (an old or edited link) starts again from the first page."""
    size = size or PAGE_SIZE
    after = request.GET.get("after") or None
    matching = queryset
    if after is not None:
        try:
            matching = selectors.after_cursor(queryset, after)
        except ValidationError:
            after = None
    rows = list(matching[: size + 1])
    count = capped_count(queryset)  # "more than 1,000" past the cap, as the home cards count
    return KeysetPage(
        object_list=rows[:size],
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
        next_cursor=selectors.cursor_of(rows[size - 1]) if len(rows) > size else None,
        is_first=after is None,
    )


def _with_lights(cases):
    now = timezone.now()
    for case in cases:
        case.light = selectors.sla_light(case, now)
        case.light_label = _sla_label(case.light)
        case.late_label = late_words(selectors.overdue_by(case, now))
    return cases


def late_words(late: timedelta) -> str:
    """ "超期 2 天 3 小时": how late a case is, to the hour (to the minute in its first hour)."""
    if late <= timedelta(0):
        return ""
    days, hours, minutes = late.days, late.seconds // 3600, late.seconds % 3600 // 60
    if days:
        return _("Overdue by %(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("Overdue by %(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("Overdue by %(minutes)d min") % {"minutes": max(1, minutes)}


def _sla_label(light: str) -> str:
    return {"green": _("On time"), "amber": _("Due soon"), "red": _("Overdue")}.get(light, "")


def _require(user, *roles):
    if not (user.is_superuser or has_role(user, *roles)):
        raise PermissionDenied


# ---------------------------------------------------------------- intake (点单)

# mode → (channel or None for a staff choice, roles allowed, page heading)
INTAKE_MODES = {
    "report": (Channel.RESIDENT_APP, None),
    "patrol": (Channel.GRID_PATROL, (Role.GRID_WORKER,)),
    "intake": (None, tuple(rules.RECORDING_ROLES)),
}


def _submit_page(request: AuthedRequest, mode: str) -> HttpResponse:
    channel, roles = INTAKE_MODES[mode]
    user = request.user
    if roles is not None:
        _require(user, *roles)
    form_class = forms.IntakeForm if channel is None else forms.SubmitForm
    categories = list(selectors.categories_active())
    status = 200
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, categories=categories)
        if form.is_valid():
            data = form.cleaned_data
            ratelimit.check("intake", user=user)
            try:
                # Photos are decoded before the transaction, never under its lock.
                prepared = services.photos_prepare(data["photos"]) if data["photos"] else []
                # One transaction: a photo refused by its content leaves no case without it.
                with transaction.atomic():
                    case, _created = services.case_submit(
                        actor=user,
                        title=data["title"],
                        description=data["description"],
                        category_code=data["category"] or None,
                        lat=data["lat"],
                        lng=data["lng"],
                        address=data["address"],
                        channel=data.get("channel") or channel,
                        on_behalf_of_phone=data.get("phone") or None,
                        contact_name=data.get("contact_name", ""),
                        idempotency_key=request.POST.get("idempotency_key", ""),
                    )
                    if prepared and _created:
                        services.case_photos_add(actor=user, case=case, kind=PhotoKind.INTAKE, uploads=prepared)
            except ValidationError as exc:
                forms.apply_errors(form, exc, form.FIELD_MAP)
            else:
                messages.success(
                    request, _("Case %(number)s is registered. We will keep you informed.") % {"number": case.number}
                )
                return redirect("cases:detail", pk=case.pk)
        status = 422
    else:
        form = form_class(categories=categories)
    center = selectors.map_center(user)
    return render(
        request,
        "cases/submit.html",
        {
            "form": form,
            "mode": mode,
            "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
            "map": views_place.map_settings(center),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def report(request):
    return _submit_page(request, "report")


@require_http_methods(["GET", "POST"])
@login_required
def patrol(request):
    return _submit_page(request, "patrol")


@require_http_methods(["GET", "POST"])
@login_required
def intake(request):
    return _submit_page(request, "intake")


# ---------------------------------------------------------------- lists


@require_safe
@login_required
def dispatch_people(request: AuthedRequest, pk: int) -> HttpResponse:
    """The handlers of the unit a dispatcher just picked, as <option>s for the person list."""
    case = _visible_case(request, pk)
    if "dispatch" not in selectors.allowed_actions(request.user, case):
        raise PermissionDenied
    unit = request.GET.get("unit", "")
    units = selectors.dispatch_units(request.user).filter(pk__in=[int(unit)] if unit.isdigit() else [])
    people = selectors.handlers_of(list(units)).order_by("name")
    return render(request, "cases/_dispatch_people.html", {"people": people})


@require_safe
@login_required
def mine(request):
    cases = selectors.my_cases(request.user)
    to_rate = cases.filter(status=Status.RESOLVED)
    filtering = request.GET.get("to_rate") == "1"
    page = _page(request, to_rate if filtering else cases)
    _with_lights(page.object_list)
    return render(request, "cases/mine.html", {"page": page, "to_rate": filtering, "to_rate_count": to_rate.count()})


@require_safe
@login_required
def inbox(request):
    _require(request.user, *rules.HANDLER_ROLES, Role.BUILDING_HEAD, Role.OWNERS_COMMITTEE_REP)
    page = _keyset_page(request, selectors.inbox(request.user))
    _with_lights(page.object_list)
    return render(request, "cases/inbox.html", {"page": page})


@require_safe
@login_required
def whistles(request):
    page = _page(request, selectors.pending_reports(request.user))
    return render(request, "cases/whistles.html", {"page": page})


@require_safe
@login_required
def queue(request):
    _require(request.user, Role.DISPATCHER)
    page = _keyset_page(request, selectors.dispatch_queue(request.user))
    _with_lights(page.object_list)
    return render(request, "cases/queue.html", {"page": page})


@require_safe
@login_required
def overdue(request):
    _require(request.user, Role.DISCIPLINE_SUPERVISOR, Role.DISPATCHER, Role.PLATFORM_ADMIN)
    page = _page(request, selectors.overdue_cases(request.user))
    _with_lights(page.object_list)
    history = selectors.urges_by_case([c.pk for c in page.object_list])
    for case in page.object_list:
        case.urges = [_step(entry, request.user) for entry in history[case.pk]]
    return render(request, "cases/overdue.html", {"page": page})


@require_safe
@login_required
def urges(request):
    _require(request.user, Role.DISCIPLINE_SUPERVISOR, Role.DISPATCHER, Role.PLATFORM_ADMIN)
    page = _page(request, selectors.urge_history(request.user))
    page.object_list = [_step(entry, request.user) for entry in page.object_list]
    return render(request, "cases/urges.html", {"page": page})


# ---------------------------------------------------------------- the case page


def _step(entry: TimelineEntry, viewer: User) -> dict:
    return {
        "entry": entry,
        "label": action_label(entry.action),
        "actor": selectors.actor_label(entry, viewer),
        "status": Status(entry.to_status).label if entry.to_status in Status.values else "",
        "changed": entry.to_status != entry.from_status,
    }


def _visible_case(request: AuthedRequest, pk: int) -> Case:
    case = selectors.case_get(request.user, pk)
    if case is None:
        # Out of scope reads as "no such case": never confirm that another grid's case exists.
        raise Http404
    return case


def _action_forms(
    user: User,
    case: Case,
    actions: list[str],
    bound_action: str | None = None,
    data: dict | None = None,
    files: Any = None,
) -> dict:
    """One form per action the viewer may take; the one just posted is bound to its input."""
    categories = list(selectors.categories_active())

    def make(action):
        args = (data, files) if action == bound_action else ()
        if action == "accept":
            return forms.AcceptForm(*args, categories=categories)
        if action == "dispatch":
            suggestions = selectors.route_suggestions(case)
            units = selectors.dispatch_units(user)
            chosen = units.filter(pk__in=[v for v in [(data or {}).get("unit")] if str(v).isdigit()])
            people = selectors.handlers_of(list(chosen) or [s.unit for s in suggestions if s.unit is not None])
            initial = {}
            if suggestions:  # 属地属事: the best suggestion is pre-selected; the dispatcher may override
                best = suggestions[0]
                initial = {"unit": best.unit.pk, "user": best.user.pk if best.user else None}
            # Triage's unit, learned from who handled similar cases, goes before the rules.
            triage_unit = ((case.suggestions or {}).get("unit") or {}).get("id")
            if triage_unit and triage_unit != initial.get("unit") and units.filter(pk=triage_unit).exists():
                initial = {"unit": triage_unit}
            first = initial.get("unit")
            suggested: list[int] = [int(first)] if first else []
            suggested += [s.unit.pk for s in suggestions if s.unit is not None]
            groups = selectors.dispatch_groups(case, list(units), suggested)
            dispatch = forms.DispatchForm(*args, units=units, people=people, initial=initial, groups=groups)
            # The person list follows the chosen unit (htmx swaps in that unit's handlers).
            dispatch.fields["unit"].widget.attrs.update(
                {
                    "hx-get": reverse("cases:dispatch_people", args=[case.pk]),
                    "hx-trigger": "change",
                    "hx-target": "[data-dispatch-people]",
                    "data-unit-picker": "",
                }
            )
            dispatch.fields["user"].widget.attrs["data-dispatch-people"] = ""
            return dispatch
        if action == "escalate":
            units = selectors.escalation_units(case)
            return forms.EscalateForm(*args, units=units, groups=selectors.escalation_groups(case, list(units)))
        if action in {"reject", "return"}:
            return forms.ReasonForm(*args)
        if action == "resolve":
            return forms.ResolveForm(*args)
        if action in {"evaluate", "visit"}:
            return forms.RateForm(*args)
        if action == "merge":
            return forms.MergeForm(*args)
        if action == "comment":
            form = forms.CommentForm(*args)
            if not selectors.is_staff_viewer(user, case):
                del form.fields["reply"]  # only staff notes can be internal
            return form
        if action == "supervise":
            return forms.SuperviseForm(*args)
        if action == "publish":
            return forms.PublishForm(*args, initial=services.publish_preview(case))
        if action in {"reopen", "urge"}:
            return forms.NoteForm(*args)
        return None  # claim, report_in: a button is enough

    return {action: make(action) for action in actions}


def _run(action, user, case, form):
    """Call the service of `action` with the form's input."""
    data = form.cleaned_data if form is not None else {}
    s = services
    if action == "accept":
        return s.case_accept(actor=user, case=case, category_code=data["category"] or None, note=data["note"])
    if action == "reject":
        return s.case_reject(actor=user, case=case, reason=data["reason"])
    if action == "dispatch":
        return s.case_dispatch(actor=user, case=case, unit=data["unit"], user=data["user"], note=data["note"])
    if action == "merge":
        into = selectors.cases_visible_to(user).filter(number=data["into"].strip()).first()
        if into is None:
            raise ValidationError({"into_case_id": _("No case with this number in your area.")})
        return s.case_merge(actor=user, case=case, into=into, note=data["note"])
    if action == "claim":
        return s.case_claim(actor=user, case=case)
    if action == "return":
        return s.case_return(actor=user, case=case, reason=data["reason"])
    if action == "resolve":
        # Photos are decoded before the transaction, never under its lock.
        prepared = s.photos_prepare(data["photos"]) if data["photos"] else []
        with transaction.atomic():
            if prepared:
                s.case_photos_add(actor=user, case=case, kind=PhotoKind.RESULT, uploads=prepared)
            return s.case_resolve(actor=user, case=case, result=data["result"])
    if action == "evaluate":
        return s.case_evaluate(actor=user, case=case, rating=data["rating"], comment=data["comment"])
    if action == "visit":
        return s.case_visit(actor=user, case=case, rating=data["rating"], comment=data["comment"])
    if action == "escalate":
        return s.case_escalate(
            actor=user, case=case, units=list(data["units"]), lead_unit=data["lead"], note=data["note"]
        )
    if action == "report_in":
        return s.case_report_in(actor=user, case=case)
    if action == "comment":
        return s.case_comment(actor=user, case=case, note=data["note"], reply=data.get("reply", False))
    if action == "publish":
        return s.case_publish(
            actor=user,
            case=case,
            note=data["note"],
            public_title=data["public_title"],
            public_result=data["public_result"],
        )
    service = {"reopen": s.case_reopen, "urge": s.case_urge, "supervise": s.case_supervise}[action]
    return service(actor=user, case=case, note=data["note"])


DONE_MESSAGES = {
    "accept": gettext_lazy("The case is accepted."),
    "reject": gettext_lazy("The case is rejected; the resident will see the reason."),
    "dispatch": gettext_lazy("The case is dispatched."),
    "merge": gettext_lazy("The case is merged into the other one."),
    "claim": gettext_lazy("You have taken the case."),
    "return": gettext_lazy("The case is returned to the command centre."),
    "resolve": gettext_lazy("The case is resolved; the resident can now rate it."),
    "evaluate": gettext_lazy("Thank you for your rating."),
    "visit": gettext_lazy("The follow-up rating is recorded."),
    "reopen": gettext_lazy("The case is reopened for rework."),
    "urge": gettext_lazy("The unit has been urged."),
    "supervise": gettext_lazy("The case is under supervision."),
    "escalate": gettext_lazy("The units are called in (吹哨)."),
    "report_in": gettext_lazy("Your unit has reported in (报到)."),
    "comment": gettext_lazy("Your comment is added."),
    "publish": gettext_lazy("The case is published on the disclosure board."),
}


# The next step of the loop for the viewer is shown open; the other actions stay folded.
PRIMARY_ORDER = ("evaluate", "claim", "resolve", "report_in", "accept", "dispatch", "supervise", "publish")


def _detail_context(request, case, actions, action_forms, error="", escalations=None):
    user = request.user
    suggestions = selectors.route_suggestions(case) if "dispatch" in actions else []
    follower = rules.is_follower(user, case)
    staff = selectors.is_staff_viewer(user, case)
    return {
        "triage": _triage_context(case, user, actions) if staff else None,
        "already_handled": _already_handled(case, user) if follower and not staff else [],
        "case": _with_lights([case])[0],
        "steps": [_step(e, user) for e in selectors.case_timeline_for(case, user)],
        "photos": list(case.photos.all()),
        # The resident's rating is the one step that is theirs: it goes to the top of the page as
        # three large choices, not into a folded box at the bottom.
        "rate_form": action_forms.get("evaluate"),
        "action_forms": [(a, action_label(a), f) for a, f in action_forms.items() if a != "evaluate"],
        "suggestions": suggestions,
        "reporter": selectors.reporter_view(case, user) if not follower else None,
        "address": case.address if follower else selectors.mask_address(case.address),
        "escalations": escalations if escalations is not None else list(case.escalations.select_related("unit")),
        "followers_count": case.followers.count() + case.follows.count(),
        "error": error,
        "open_action": next((a for a in PRIMARY_ORDER if a in actions), ""),
        "whistle_form": "escalate" in actions,
        "is_follower": follower,  # who reported it or follows it already: no "me too" link
        "dispatch_form": "dispatch" in actions,
    }


def _triage_context(case: Case, user: User, actions: list[str]) -> dict | None:
    """What triage suggested on intake, for staff: categories, unit, whether the platform
    dispatched it, and duplicate candidates (a merge button on those the viewer may open)."""
    stored = case.suggestions or {}
    if not stored:
        return None
    return {
        "source": stored.get("source"),
        "categories": [c | {"percent": round(c["probability"] * 100)} for c in stored.get("categories", [])],
        "unit": stored.get("unit"),
        "unit_percent": round(stored["unit"]["probability"] * 100) if stored.get("unit") else None,
        "auto_dispatched": stored.get("auto_dispatched"),
        "duplicates": selectors.duplicate_cards(case, user),
        "can_merge": "merge" in actions,
    }


def _already_handled(case: Case, user: User) -> list[dict]:
    """For the resident who reported it: open cases about the same problem nearby (已在办理)."""
    if not case.is_open:
        return []
    return selectors.duplicate_cards(case, user)


@require_safe
@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    escalations = list(case.escalations.select_related("unit"))  # read once for the actions and the page
    actions = selectors.allowed_actions(request.user, case, escalations=escalations)
    forms_ = _action_forms(request.user, case, actions)
    context = _detail_context(request, case, actions, forms_, escalations=escalations)
    context.update(views_place.place_context(request, case, staff=selectors.is_staff_viewer(request.user, case)))
    return render(request, "cases/detail.html", context)


@require_POST
@login_required
def act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    case = _visible_case(request, pk)
    if action not in DONE_MESSAGES:
        raise Http404
    actions = selectors.allowed_actions(user, case)
    action_forms = _action_forms(user, case, actions, action, request.POST, request.FILES)
    form = action_forms.get(action)
    error, status = "", 422
    if action not in actions:
        # Not this person's to do (403, with the policy's words), or not now (409).
        error = _refusal(user, case, action)
        status = 403 if error else 409
        error = error or _("This action is not possible for this case now.")
    elif action == "publish" and "preview" in request.POST and form is not None and form.is_valid():
        # 预览: the board's text as the publisher typed it, masked by the one masker; not published.
        typed = form.cleaned_data
        masked = services.publish_preview(case, title=typed["public_title"], result=typed["public_result"])
        action_forms[action] = forms.PublishForm(initial={**masked, "note": typed["note"]})
        status = 200
    elif form is None or form.is_valid():
        try:
            _run(action, user, case, form)
        except TransitionNotAllowed as exc:
            error, status = str(exc), 409
        except PermissionDenied as exc:
            error, status = str(exc) or _("You are not allowed to do this."), 403
        except ValidationError as exc:
            if form is None:
                error = " ".join(exc.messages)
            else:
                forms.apply_errors(form, exc, getattr(form, "FIELD_MAP", {}))
        else:
            messages.success(request, DONE_MESSAGES[action])
            return redirect("cases:detail", pk=case.pk)
    case.refresh_from_db()
    context = _detail_context(request, case, actions, action_forms, error=error)
    context["open_action"] = action
    context["previewed"] = status == 200
    context.update(views_place.place_context(request, case, staff=selectors.is_staff_viewer(user, case)))
    return render(request, "cases/detail.html", context, status=status)


def _refusal(user: User, case: Case, action: str) -> str:
    """The policy row's refusal when `user` may not do `action` to `case` in any state, else ""."""
    name = f"case.{action}"
    if name not in policy.actions("case."):
        return ""
    try:
        policy.require(user, name, case, state=False)
    except PermissionDenied as exc:
        return str(exc)
    return ""


@require_safe
@login_required
def photo(request: AuthedRequest, pk: int, photo_id: int) -> FileResponse:
    case = _visible_case(request, pk)
    item = case.photos.filter(pk=photo_id).first()
    if item is None:
        raise Http404
    return FileResponse(item.image.open("rb"))


# ---------------------------------------------------------------- the map


@require_safe
@login_required
def case_map(request):
    _require(request.user, Role.DISPATCHER, Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.DISCIPLINE_SUPERVISOR)
    return render(
        request,
        "cases/map.html",
        {"map": views_place.map_settings(selectors.map_center(request.user)), "data_url": reverse("cases:map_data")},
    )


@require_safe
@login_required
def map_data(request):
    """GeoJSON of the viewer's grids and open cases (WGS-84; the page shifts it for GCJ-02 tiles)."""
    user = request.user
    _require(user, Role.DISPATCHER, Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.DISCIPLINE_SUPERVISOR)
    now = timezone.now()
    grids = [
        {
            "type": "Feature",
            "geometry": unit.grid_boundary.boundary,
            "properties": {"kind": "grid", "code": unit.code, "name": unit.name},
        }
        for unit in selectors.map_grids(user)
    ]
    cases = []
    for case in selectors.map_cases(user):
        light = selectors.sla_light(case, now)
        cases.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [case.lng, case.lat]},
                "properties": {
                    "kind": "case",
                    "number": case.number,
                    "title": case.title,
                    "status": str(case.get_status_display()),
                    "light": light,
                    "light_label": str(_sla_label(light)),
                    "url": reverse("cases:detail", args=[case.pk]),
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": grids + cases})


# ---------------------------------------------------------------- the public board (晒单)


@require_safe
def public(request):
    """No login: published closed cases with their public fields only (no names, phones, addresses)."""
    categories = list(selectors.categories_active())
    form = forms.BoardFilterForm(request.GET, categories=categories)
    category = form.cleaned_data["category"] if form.is_valid() else ""
    cases = selectors.public_cases()
    if category:
        cases = cases.filter(Q(category__code=category) | Q(category__parent__code=category))
    page = _page(request, cases, PUBLIC_PAGE_SIZE)
    steps = selectors.public_steps([c.pk for c in page.object_list])
    for case in page.object_list:
        case.public_steps = [{"label": action_label(e.action), "at": e.at} for e in steps[case.pk]]
    return render(request, "cases/public.html", {"page": page, "form": form, "category": category})


@require_http_methods(["GET", "POST"])
@login_required
def follow(request: AuthedRequest, pk: int) -> HttpResponse:
    """我也关注: a card of a case the person can follow (theirs, in their grid, or on the public
    board) with the follow / unfollow button. Shows only what the public board shows."""
    from .models import Case, CaseFollow

    case = Case.objects.select_related("category").filter(pk=pk).first()
    if case is None or not services.can_follow(request.user, case):
        raise Http404
    if request.method == "POST":
        if request.POST.get("follow") == "1":
            services.case_follow(actor=request.user, case=case)
            messages.success(request, _("You follow this case and will be told its outcome."))
        else:
            services.case_unfollow(actor=request.user, case=case)
            messages.success(request, _("You no longer follow this case."))
        return redirect("cases:follow", pk=pk)
    context = {
        "case": case,
        "title": case.title,
        "following": CaseFollow.objects.filter(case=case, user=request.user).exists(),
        "followers": case.follows.count(),
    }
    return render(request, "cases/follow.html", context)
