"""Pages of the time bank, 微心愿 and the volunteers (party pages: views_party.py). Thin: reads through
selectors, writes through services; a refusal or a conflict comes back as a message on the page."""

from collections.abc import Callable
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from jinlin.core import policy
from jinlin.core.http import AuthedRequest
from jinlin.core.models import User

from . import selectors, services, wishes
from .errors import Conflict
from .models import Need, NeedStatus, Reward, RewardKind, Team, TeamKind, Volunteer, VolunteerStatus, Wish


def _attempt(request: HttpRequest, fn: Callable, success: str) -> bool:
    """Run a service; its refusal becomes a message instead of an error page."""
    try:
        fn()
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return False
    except (PermissionDenied, Conflict) as exc:
        messages.error(request, str(exc) or _("你不能这样做。"))
        return False
    messages.success(request, success)
    return True


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next") or default
    return redirect(target if target.startswith("/") and not target.startswith("//") else default)


def _decorate_needs(user: User, needs) -> list:
    rows = list(needs)
    for n in rows:
        n.actions = policy.allowed_actions(
            user, n, "need.", among=["need.take", "need.done", "need.confirm", "need.dispute", "need.cancel"]
        )
    return rows


@login_required
@require_safe
def orders(request: AuthedRequest) -> HttpResponse:
    """时间银行: post a need, the open needs a volunteer may take, my needs, my services."""
    user = request.user
    visible = selectors.needs_visible_to(user)
    status = request.GET.get("status", "")
    volunteer = Volunteer.objects.filter(user=user).first()
    context = {
        "mine": _decorate_needs(user, visible.filter(requester=user).exclude(status=NeedStatus.CANCELLED)[:30]),
        "serving": _decorate_needs(user, visible.filter(volunteer=user).exclude(status=NeedStatus.CONFIRMED)[:30]),
        "open": _decorate_needs(user, visible.filter(status=NeedStatus.OPEN).exclude(requester=user)[:30])
        if volunteer and volunteer.status == VolunteerStatus.APPROVED
        else [],
        "volunteer": volunteer,
        "balance": selectors.account_entries(user, limit=0)["balance"],
        "statuses": NeedStatus.choices,
        "status": status,
    }
    if selectors.is_staff(user):
        staff_rows = visible.filter(selectors.staff_q(user))
        if status:
            staff_rows = staff_rows.filter(status=status)
        context["area"] = Paginator(staff_rows.order_by("-created_at"), 20).get_page(request.GET.get("page"))
        context["area"].object_list = _decorate_needs(user, context["area"].object_list)
        context["elders"] = [] if status else None
    return render(request, "volunteers/orders.html", context)


@login_required
@require_POST
def need_post(request: AuthedRequest) -> HttpResponse:
    requester = None
    phone = request.POST.get("for_phone", "").strip()
    if phone:
        requester = User.objects.filter(phone_digest=User.digest_phone(phone)).first()
        if requester is None:
            messages.error(request, _("没有找到这个手机号的居民。"))
            return _back(request, "/volunteers/orders/")
    _attempt(
        request,
        lambda: services.need_post(
            actor=request.user,
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
            hours=request.POST.get("hours", ""),
            requester=requester,
        ),
        _("需求已发布，志愿者接单后会通知你。"),
    )
    return _back(request, "/volunteers/orders/")


NEED_ACTIONS = {
    "take": (services.need_take, lambda r: {}, "接单成功，请按约定时间上门服务。"),
    "done": (
        services.need_done,
        lambda r: {"hours": r.POST.get("hours", ""), "note": r.POST.get("note", "")},
        "已标记服务完成，等待对方确认。",
    ),
    "confirm": (services.need_confirm, lambda r: {}, "已确认，服务时长已记入志愿者账户。"),
    "dispute": (services.need_dispute, lambda r: {"reason": r.POST.get("reason", "")}, "异议已提交，社区会核实。"),
    "cancel": (services.need_cancel, lambda r: {}, "需求已取消。"),
}


@login_required
@require_POST
def need_act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    if action not in NEED_ACTIONS:
        raise PermissionDenied
    need = selectors.need_get(request.user, pk)
    fn, kwargs, text = NEED_ACTIONS[action]
    _attempt(request, lambda: fn(actor=request.user, need=need, **kwargs(request)), _(text))
    return _back(request, "/volunteers/orders/")


@login_required
@require_safe
def ledger_page(request: AuthedRequest) -> HttpResponse:
    """My hours: balance, history (each transfer with its other side) and the rewards to redeem."""
    found = selectors.account_entries(request.user, limit=200)
    page = Paginator(found["entries"], 20).get_page(request.GET.get("page"))
    rewards = selectors.rewards_for(request.user).select_related("community")
    return render(
        request,
        "volunteers/ledger.html",
        {"balance": found["balance"], "page": page, "rewards": rewards, "account": found["account"]},
    )


@login_required
@require_POST
def redeem(request: AuthedRequest, pk: int) -> HttpResponse:
    reward = selectors.rewards_for(request.user).filter(pk=pk).first()
    if reward is None:
        messages.error(request, _("没有找到这个奖励。"))
    else:
        _attempt(
            request,
            lambda: services.reward_redeem(actor=request.user, reward=reward),
            _("兑换成功：%(name)s。请凭此记录到社区服务站领取。") % {"name": reward.name},
        )
    return _back(request, "/volunteers/ledger/")


@login_required
def apply(request: AuthedRequest) -> HttpResponse:
    vol = Volunteer.objects.filter(user=request.user).first()
    if request.method == "POST":
        ok = _attempt(
            request,
            lambda: services.volunteer_apply(
                actor=request.user,
                skills=request.POST.get("skills", ""),
                availability=request.POST.get("availability", ""),
                place=request.POST.get("place", ""),
            ),
            _("申请已提交，社区审核后即可接单。"),
        )
        if ok:
            return redirect("volunteers:orders")
    return render(request, "volunteers/apply.html", {"volunteer": vol})


# ------------------------------------------------------------------------ community staff


@login_required
def staff(request: AuthedRequest) -> HttpResponse:
    """Community staff: applications to approve, the talent pool, teams and hours, the rewards' stock."""
    if not selectors.is_staff(request.user):
        raise PermissionDenied(_("这个页面供社区工作人员使用。"))
    codes = selectors.my_area_codes(request.user)
    skill, place = request.GET.get("skill", "").strip(), request.GET.get("place", "").strip()
    context = {
        "applied": selectors.volunteers_visible_to(request.user, status=VolunteerStatus.APPLIED)[:50],
        "pool": Paginator(selectors.talent_pool(skill=skill, place=place, codes=codes), 20).get_page(
            request.GET.get("page")
        ),
        "skill": skill,
        "place": place,
        "teams": selectors.hours_by_team(codes),
        "people": selectors.hours_by_person(codes)[:10],
        "rewards": Reward.objects.filter(selectors.staff_q(request.user)).select_related("community").order_by("pk"),
        "reward_kinds": RewardKind.choices,
        "team_kinds": TeamKind.choices,
        "figures": selectors.figures(codes),
    }
    return render(request, "volunteers/staff.html", context)


@login_required
@require_POST
def volunteer_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    vol = selectors.volunteers_visible_to(request.user).filter(pk=pk).first()
    if vol is None:
        messages.error(request, _("没有找到这位志愿者。"))
    else:
        approve = request.POST.get("approve") == "1"
        _attempt(
            request,
            lambda: services.volunteer_decide(actor=request.user, volunteer=vol, approve=approve),
            _("已通过审核。") if approve else _("已退回申请。"),
        )
    return redirect("volunteers:staff")


@login_required
@require_POST
def reward_add(request: AuthedRequest) -> HttpResponse:
    from .services import home_community

    community = home_community(request.user)
    if community is None:
        messages.error(request, _("没有找到你所在的社区。"))
        return redirect("volunteers:staff")
    try:
        stock = int(request.POST.get("stock", "0") or 0)
    except ValueError:
        stock = -1
    if stock < 0:
        messages.error(request, _("库存应为不小于 0 的整数。"))
        return redirect("volunteers:staff")
    _attempt(
        request,
        lambda: services.reward_create(
            actor=request.user,
            community=community,
            name=request.POST.get("name", ""),
            cost=request.POST.get("cost", ""),
            stock=stock,
            kind=request.POST.get("kind", RewardKind.GOODS),
        ),
        _("奖励已上架。"),
    )
    return redirect("volunteers:staff")


@login_required
@require_POST
def reward_restock(request: AuthedRequest, pk: int) -> HttpResponse:
    reward = get_object_or_404(Reward.objects.filter(selectors.staff_q(request.user)), pk=pk)
    try:
        add = int(request.POST.get("add", "0") or 0)
    except ValueError:
        add = 0
    _attempt(request, lambda: services.reward_restock(actor=request.user, reward=reward, add=add), _("库存已补充。"))
    return redirect("volunteers:staff")


# ------------------------------------------------------------------------------- wishes


@login_required
def wish_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        _attempt(
            request,
            lambda: wishes.wish_post(
                actor=user,
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                wisher_label=request.POST.get("wisher_label", ""),
            ),
            _("心愿已发布。"),
        )
        return redirect("volunteers:wishes")
    rows = list(selectors.wishes_visible_to(user)[:60])
    for w in rows:
        w.actions = policy.allowed_actions(user, w, "wish.", among=["wish.claim", "wish.fulfil", "wish.thank"])
    projects = list(selectors.aid_projects_for(user))
    return render(
        request, "volunteers/wishes.html", {"wishes": rows, "is_staff": selectors.is_staff(user), "projects": projects}
    )


WISH_ACTIONS = {"claim": "认领成功，请尽快帮助圆梦。", "fulfil": "已圆梦，谢谢你！", "thank": "感谢已送达。"}


@login_required
@require_POST
def wish_act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    if action not in WISH_ACTIONS:
        raise PermissionDenied
    wish = selectors.wish_get(request.user, pk)
    calls = {
        "claim": lambda: wishes.wish_claim(actor=request.user, wish=wish),
        "fulfil": lambda: wishes.wish_fulfil(actor=request.user, wish=wish, photo=request.FILES.get("photo")),
        "thank": lambda: wishes.wish_thank(actor=request.user, wish=wish, message=request.POST.get("message", "")),
    }
    _attempt(request, calls[action], _(WISH_ACTIONS[action]))
    return redirect("volunteers:wishes")


@require_safe
def wish_wall(request: HttpRequest) -> HttpResponse:
    """Public: fulfilled wishes with the community's name and the thanks, never a person."""
    return render(request, "volunteers/wall.html", {"rows": selectors.wish_wall()})


@require_safe
def wish_photo(request: HttpRequest, pk: int) -> HttpResponse:
    from django.http import FileResponse, Http404

    wish = get_object_or_404(Wish, pk=pk, status__in=["fulfilled", "thanked"])
    if not wish.photo:
        raise Http404
    return FileResponse(wish.photo.open("rb"), content_type="image/jpeg")  # type: ignore[return-value]


__all__ = ["Decimal", "Need", "Team"]


@login_required
@require_POST
def team_add(request: AuthedRequest) -> HttpResponse:
    from .services import home_community

    community = home_community(request.user)
    if community is None:
        messages.error(request, _("没有找到你所在的社区。"))
    else:
        _attempt(
            request,
            lambda: services.team_create(
                actor=request.user,
                community=community,
                name=request.POST.get("name", ""),
                kind=request.POST.get("kind", TeamKind.OTHER),
            ),
            _("服务队已建立。"),
        )
    return redirect("volunteers:staff")
