"""Pages of the party members: 双报到 and posts to claim, the 4+1 duties, points (records and the
admin's approval, rankings), and 结对共建/双向认领."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jinlin.core import policy
from jinlin.core.models import OrgKind, OrgUnit

from . import party, selectors
from .models import Agreement, DutyKind, PairingItem, PartyMember, PartyPost, PointItem, PointRecord, RecordStatus
from .views import _attempt


@login_required
def members(request):
    """A member's own page (report in, posts to claim, 4+1 progress); staff also see who reported in."""
    member = PartyMember.objects.filter(user=request.user).select_related("community").first()
    posts = list(selectors.posts_visible_to(request.user)[:50])
    claimed = set(member.claims.values_list("post_id", flat=True)) if member else set()
    context = {
        "member": member,
        "progress": party.duty_progress(member) if member else None,
        "posts": posts,
        "claimed": claimed,
        "communities": OrgUnit.objects.filter(kind=OrgKind.COMMUNITY).order_by("code")[:200],
        "duty_kinds": DutyKind.choices,
    }
    if selectors.is_staff(request.user):
        reported = PartyMember.objects.filter(selectors.staff_q(request.user)).select_related("user", "community")
        rows = []
        for m in reported.order_by("-reported_at")[:100]:
            m.progress = party.duty_progress(m)
            rows.append(m)
        context["reported"] = rows
    return render(request, "volunteers/party.html", context)


@login_required
@require_POST
def report_in(request):
    community = OrgUnit.objects.filter(pk=request.POST.get("community_id") or 0, kind=OrgKind.COMMUNITY).first()
    if community is None:
        messages.error(request, _("请选择你居住的社区。"))
    else:
        _attempt(
            request,
            lambda: party.report_in(actor=request.user, community=community),
            _("已到 %(name)s 报到。") % {"name": community.name},
        )
    return redirect("volunteers:party_members")


@login_required
@require_POST
def post_claim(request, pk):
    post = get_object_or_404(PartyPost, pk=pk)
    if not selectors.posts_visible_to(request.user).filter(pk=pk).exists():
        messages.error(request, _("请先到这个社区报到，再认领岗位。"))
    else:
        _attempt(request, lambda: party.post_claim(actor=request.user, post=post), _("认领成功。"))
    return redirect("volunteers:party_members")


@login_required
@require_POST
def duty_add(request):
    member = PartyMember.objects.filter(user=request.user).first()
    if member is None:
        messages.error(request, _("请先报到。"))
    else:
        _attempt(
            request,
            lambda: party.duty_record(
                actor=request.user, member=member, kind=request.POST.get("kind", ""), note=request.POST.get("note", "")
            ),
            _("已记录。"),
        )
    return redirect("volunteers:party_members")


@login_required
def points(request):
    """积分: the admin's queue of records to approve, the items, and the ranking of the area."""
    if request.method == "POST":
        member = get_object_or_404(PartyMember, pk=request.POST.get("member_id") or 0)
        _attempt(
            request,
            lambda: party.points_record(
                actor=request.user,
                member=member,
                item_code=request.POST.get("item_code", ""),
                note=request.POST.get("note", ""),
                evidence=request.FILES.get("evidence"),
            ),
            _("已登记，等待党组织审核。"),
        )
        return redirect("volunteers:points")
    visible = PointRecord.objects.filter(
        selectors.staff_q(request.user, "member__scope_code") | selectors._q_own_records(request.user)
    ).select_related("member__user", "item")
    pending = list(visible.filter(status=RecordStatus.PENDING)[:100])
    for r in pending:
        r.can_decide = policy.allows(request.user, "party.points_decide", party._Scoped(r))
    codes = selectors.my_area_codes(request.user)
    unit = OrgUnit.objects.filter(code__in=codes).order_by("code").first() if codes else None
    member = PartyMember.objects.filter(user=request.user).first()
    if unit is None and member is not None:
        unit = member.community
    context = {
        "pending": pending,
        "recent": visible.exclude(status=RecordStatus.PENDING)[:30],
        "ranking": party.rankings(unit) if unit else [],
        "unit": unit,
        "items": PointItem.objects.order_by("org__code", "-points", "code")[:60],
        "members": PartyMember.objects.filter(selectors.staff_q(request.user)).select_related("user")[:300],
        "is_staff": selectors.is_staff(request.user),
    }
    return render(request, "volunteers/points.html", context)


@login_required
@require_POST
def points_decide(request, pk):
    record = get_object_or_404(PointRecord, pk=pk)
    approve = request.POST.get("approve") == "1"
    _attempt(
        request,
        lambda: party.points_decide(actor=request.user, record=record, approve=approve),
        _("已记分。") if approve else _("已退回。"),
    )
    return redirect("volunteers:points")


@login_required
def pairing(request):
    """结对共建: agreements in the area, each side's list, what was claimed and delivered."""
    if not selectors.is_staff(request.user):
        raise PermissionDenied(_("这个页面供社区和党组织工作人员使用。"))
    agreements = list(
        Agreement.objects.filter(selectors.staff_q(request.user))
        .select_related("unit", "community")
        .order_by("community__code")
    )
    for a in agreements:
        a.rows = list(a.items.order_by("side", "pk"))
        a.delivered = sum(1 for i in a.rows if i.delivered_at)
    return render(request, "volunteers/pairing.html", {"agreements": agreements})


@login_required
@require_POST
def pairing_act(request, pk, action):
    item = get_object_or_404(PairingItem, pk=pk)
    if action == "claim":
        _attempt(request, lambda: party.pairing_item_claim(actor=request.user, item=item), _("认领成功。"))
    elif action == "deliver":
        _attempt(request, lambda: party.pairing_item_deliver(actor=request.user, item=item), _("已标记兑现。"))
    else:
        raise PermissionDenied
    return redirect("volunteers:party_orgs")


@login_required
def points_export(request):
    """积分结果反馈单位: the approved records of the members in reach, one sheet per work unit."""
    if not selectors.is_staff(request.user):
        raise PermissionDenied(_("这个页面供社区和党组织工作人员使用。"))
    members = PartyMember.objects.filter(selectors.staff_q(request.user))
    data = party.points_workbook(actor=request.user, members=members)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="party-points.xlsx"'
    return response


@login_required
@require_POST
def aid_signup(request, pk):
    from .models import AidProject
    from .wishes import aid_signup as signup

    project = get_object_or_404(AidProject, pk=pk)
    _attempt(request, lambda: signup(actor=request.user, project=project), _("报名成功。"))
    return redirect("volunteers:wishes")
