"""Pages for 部件 (a map and each one's cases) and for disputes in mediation."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from jinlin.core import policy
from jinlin.core.scope import area_codes, prefix_q

from .models import Component, ComponentKind, Dispute
from .policies import VIEW_ROLES


def _components(user):
    codes = area_codes(user, VIEW_ROLES)
    if not codes:
        raise PermissionDenied
    return Component.objects.filter(prefix_q("scope_code", codes), is_active=True)


@require_safe
@login_required
def components(request):
    rows = _components(request.user).order_by("code")
    kind = request.GET.get("kind", "")
    if kind:
        rows = rows.filter(kind=kind)
    rows = list(rows[:2000])
    points = [
        {
            "lat": c.lat,
            "lng": c.lng,
            "label": f"{c.kind} {c.code}",
            "url": f"/people/components/{c.pk}/",
            "kind": c.kind,
        }
        for c in rows
    ]
    center = (
        (sum(p["lat"] for p in points) / len(points), sum(p["lng"] for p in points) / len(points)) if points else None
    )
    return render(
        request,
        "people/components.html",
        {
            "components": rows[:200],
            "count": len(rows),
            "points": points,
            "kinds": ComponentKind.choices,
            "kind": kind,
            "map": {
                "tile_url": getattr(settings, "JINLIN_MAP_TILE_URL", ""),
                "tile_crs": getattr(settings, "JINLIN_MAP_TILE_CRS", "wgs84"),
                "center": f"{center[0]:.6f},{center[1]:.6f}" if center else "",
            },
        },
    )


@require_safe
@login_required
def component(request, pk: int):
    from jinlin.cases.selectors import cases_visible_to

    item = _components(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    cases = list(cases_visible_to(request.user).filter(components=item).order_by("-id")[:50])
    return render(request, "people/component.html", {"component": item, "cases": cases})


def _dispute_post(request):
    """The page's forms: open a dispute (two parties, an optional mediator), add a session, record the
    agreement or the referral. Every write is the service's (policy, audit, one transaction)."""
    from datetime import datetime

    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from . import services_more as s

    post, user = request.POST, request.user
    action = post.get("action", "open")
    try:
        if action == "open":
            parties = [
                {"name": post.get(f"party_{k}", ""), "role": role}
                for k, role in (("a", "applicant"), ("b", "respondent"))
                if post.get(f"party_{k}", "").strip()
            ]
            dispute = s.dispute_open(
                actor=user,
                title=post.get("title", ""),
                description=post.get("description", ""),
                intake_type=post.get("intake_type", ""),
                parties=parties,
            )
            if post.get("mediator_name", "").strip():
                s.dispute_assign_mediator(
                    actor=user, dispute=dispute, name=post["mediator_name"], kind=post.get("mediator_kind", "")
                )
            messages.success(request, _("Dispute %(number)s opened.") % {"number": dispute.case.number})
            return
        dispute = Dispute.objects.filter(pk=post.get("dispute_id") or 0).first()
        if dispute is None or not policy.allows(user, "people.dispute.view", dispute):
            raise Http404
        if action == "session":
            try:
                at = timezone.make_aware(datetime.fromisoformat(post.get("at", "")))
            except ValueError as exc:
                raise ValidationError({"at": _("Give the date and time of the session.")}) from exc
            s.mediation_session_add(
                actor=user,
                dispute=dispute,
                at=at,
                room=post.get("room", ""),
                attendees=post.get("attendees", ""),
                notes=post.get("notes", ""),
            )
        elif action == "agree":
            s.dispute_agree(
                actor=user, dispute=dispute, agreement=post.get("agreement", ""), scan=request.FILES.get("scan")
            )
        elif action == "refer":
            s.dispute_refer(actor=user, dispute=dispute, to=post.get("to", ""), note=post.get("note", ""))
        messages.success(request, _("Saved."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))


@login_required
def disputes(request):
    if not policy.allows(request.user, "people.dispute.view"):
        raise PermissionDenied
    if request.method == "POST":
        from django.shortcuts import redirect

        if not policy.allows(request.user, "people.dispute.manage"):
            raise PermissionDenied
        _dispute_post(request)
        return redirect("people:disputes")
    from .models_more import IntakeType, MediatorKind, ReferralTarget

    codes = area_codes(request.user, VIEW_ROLES)
    rows = (
        Dispute.objects.filter(prefix_q("scope_code", codes))
        .select_related("case")
        .prefetch_related("parties", "sessions")
        .order_by("-created_at")[:100]
    )
    return render(
        request,
        "people/disputes.html",
        {
            "disputes": rows,
            "may_manage": policy.allows(request.user, "people.dispute.manage"),
            "intake_types": IntakeType.choices,
            "mediator_kinds": MediatorKind.choices,
            "referral_targets": ReferralTarget.choices,
        },
    )


@require_safe
@login_required
def patrols(request):
    from django.db.models import Q

    from .models import EBike, Patrol

    user = request.user
    codes = area_codes(user, VIEW_ROLES)
    mine = Q(pair__grid_worker=user) | Q(pair__officer=user)
    rows = Patrol.objects.filter(prefix_q("scope_code", codes) | mine).select_related(
        "pair__grid", "pair__grid_worker", "pair__officer"
    )
    if not codes and not rows.exists():
        raise PermissionDenied
    bikes = EBike.objects.filter(prefix_q("scope_code", codes) | Q(patrol__in=rows.values("pk")))
    return render(
        request,
        "people/patrols.html",
        {
            "patrols": rows.prefetch_related("ebikes")[:50],
            "ebikes": bikes[:200],
            "ebike_count": bikes.count(),
            "alert_units": _alert_units(user),
            "anti_fraud": _anti_fraud_coverage(user),
        },
    )


def _alert_units(user):
    """Where a 反诈预警 may go: the community, estates and buildings of the sender's area (the notify
    app's broadcast checks the same again on sending; its form receives the post)."""
    from django.db.models import Q

    from jinlin.core.models import OrgKind, OrgUnit, Role
    from jinlin.core.scope import active_assignments

    roles = {Role.POLICE_OFFICER, Role.GRID_WORKER, Role.COMMUNITY_STAFF}
    mine = [a for a in active_assignments(user) if a.role in roles]
    if not mine:
        return []
    q = prefix_q("code", [a.org.code for a in mine if a.org.kind != OrgKind.GRID])
    grids = [a.org_id for a in mine if a.org.kind == OrgKind.GRID]
    if grids:
        q |= Q(grid_id__in=grids) | Q(parent__grid_id__in=grids)
    kinds = (OrgKind.COMMUNITY, OrgKind.ESTATE, OrgKind.BUILDING)
    return list(OrgUnit.objects.filter(q, kind__in=kinds, is_active=True).order_by("code")[:300])


def _anti_fraud_coverage(user) -> dict:
    """Elders living alone (独居) in the area: how many had a one-to-one 反诈 visit, how many have the app."""
    from django.db.models import Exists, OuterRef

    from .models import Household, ResidentTag, Visit
    from .selectors import area_q

    alone = Household.objects.filter(
        area_q(user), Exists(ResidentTag.objects.filter(resident__household=OuterRef("pk"), tag="独居"))
    )
    visits = Visit.objects.filter(household=OuterRef("pk"), kind="反诈")
    return {
        "households": alone.count(),
        "visited": alone.filter(Exists(visits)).count(),
        "app_installed": alone.filter(Exists(visits.filter(anti_fraud_app=True))).count(),
    }


@login_required
def emergencies(request):
    """早发现、早核实、早拦截、早打击: open an emergency, record its steps, see the open ones (or all)."""
    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from jinlin.cases.selectors import cases_visible_to

    from . import emergency

    if not policy.allows(request.user, "people.emergency.manage"):
        raise PermissionDenied
    if request.method == "POST":
        try:
            if request.POST.get("case_id"):
                case = cases_visible_to(request.user).filter(pk=request.POST["case_id"]).first()
                if case is None:
                    raise Http404
                emergency.emergency_step_record(
                    actor=request.user, case=case, step=request.POST.get("step", ""), note=request.POST.get("note", "")
                )
                messages.success(request, _("Step recorded."))
            else:
                case = emergency.emergency_open(
                    actor=request.user,
                    title=request.POST.get("title", ""),
                    description=request.POST.get("description", ""),
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("Emergency %(number)s opened.") % {"number": case.number})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(request.get_full_path())
    show_all = request.GET.get("status") == "all"
    rows = list(emergency.emergencies_for(request.user, open_only=not show_all)[:100])
    return render(
        request,
        "people/emergencies.html",
        {"rows": [(c, emergency.checklist(c)) for c in rows], "show_all": show_all},
    )
