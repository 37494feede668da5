"""Pages of deliberation: 民声剧场 topics (propose, support, select), meetings to tasks, the public
topic page (晒账单), conversations with votes and the opinion groups. Thin: reads through
selectors.py, writes through services.py; a refusal is 403, a row outside reach 404."""

from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from jinlin.core import policy
from jinlin.core.models import OrgKind, OrgUnit

from . import selectors, services
from .models import MeetingKind, MeetingRoleKind, Statement, Topic, TopicSource, TopicStatus


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _community(request) -> OrgUnit | None:
    unit_id = request.GET.get("unit") or request.POST.get("unit_id")
    if unit_id and str(unit_id).isdigit():
        return OrgUnit.objects.filter(pk=unit_id, kind=OrgKind.COMMUNITY).first()
    home = selectors.home_community(request.user)
    if home is not None:
        return home
    codes = selectors.staff_codes(request.user)
    return (
        OrgUnit.objects.filter(kind=OrgKind.COMMUNITY, code__startswith=codes[0]).order_by("code").first()
        if codes
        else None
    )


@login_required
@require_http_methods(["GET", "POST"])
def topics(request):
    """征议题: the community's topics this month; propose (in the window), support; staff record and select."""
    community = _community(request)
    errors = []
    if community is not None and request.method == "POST":
        try:
            source = request.POST.get("source") or TopicSource.ONLINE
            services.topic_propose(
                actor=request.user,
                unit=community,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                source=source,
            )
            messages.success(request, _("Your topic is in. Neighbours can now support it."))
            return redirect(f"{request.path}?unit={community.pk}")
        except services.TopicWindowClosed as exc:
            errors = [exc.message]
        except ValidationError as exc:
            errors = _errors(exc)
        except PermissionDenied as exc:
            errors = [str(exc)]
    rows = selectors.topics(unit_id=community.pk) if community else Topic.objects.none()
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    probe = Topic(scope_code=community.code) if community else None
    context = {
        "community": community,
        "window": services.topic_window(community) if community else None,
        "page": page,
        "supported": selectors.topic_supported_by(request.user, [t.pk for t in page.object_list]),
        "can_record": probe is not None and policy.allows(request.user, "forum.topic.record", probe),
        "can_select": probe is not None and policy.allows(request.user, "forum.topic.select", probe),
        "sources": [c for c in TopicSource.choices if c[0] in (TopicSource.PHONE, TopicSource.VISIT)],
        "errors": errors,
    }
    return render(request, "forum/topics.html", context, status=422 if errors else 200)


@login_required
@require_POST
def topic_support(request, pk: int):
    topic = get_object_or_404(Topic, pk=pk)
    try:
        services.topic_support(actor=request.user, topic=topic)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    return redirect(f"/forum/topics/?unit={topic.unit_id}")


@login_required
@require_POST
def topic_select(request):
    ids = [int(x) for x in request.POST.getlist("topic") if x.isdigit()]
    chosen = list(Topic.objects.filter(pk__in=ids))
    try:
        services.topic_select(actor=request.user, topics=chosen)
        messages.success(request, _("The topics are on stage (定剧本)."))
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    unit = chosen[0].unit_id if chosen else ""
    return redirect(f"/forum/topics/?unit={unit}")


@require_http_methods(["GET", "POST"])
def topic_public(request, pk: int):
    """晒账单: a topic from proposal to result, public, with its tasks' progress and scores."""
    topic = get_object_or_404(Topic.objects.select_related("unit"), pk=pk)
    errors = []
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/login/?next={request.path}")
        try:
            services.topic_score(actor=request.user, topic=topic, score=int(request.POST.get("score") or 0))
            messages.success(request, _("Thank you for scoring the result."))
            return redirect("forum:topic", pk=pk)
        except (ValidationError, ValueError) as exc:
            errors = _errors(exc) if isinstance(exc, ValidationError) else [_("A score is from 1 to 5.")]
    context = {
        "topic": topic,
        "meetings": topic.meetings.order_by("starts_at"),
        "tasks": topic.tasks.select_related("owner_unit", "owner").prefetch_related("updates"),
        "scores": selectors.topic_score_summary(topic),
        "errors": errors,
        "steps": [
            (TopicStatus.PROPOSED, _("征议题 collected")),
            (TopicStatus.SELECTED, _("定剧本 selected")),
            (TopicStatus.DISCUSSED, _("开剧场 discussed")),
            (TopicStatus.IN_PROGRESS, _("抓落实 carried out")),
            (TopicStatus.DONE, _("晒账单 done")),
        ],
        "order": [
            TopicStatus.PROPOSED,
            TopicStatus.SELECTED,
            TopicStatus.DISCUSSED,
            TopicStatus.IN_PROGRESS,
            TopicStatus.DONE,
        ].index(TopicStatus(topic.status))
        if topic.status != TopicStatus.NOT_SELECTED
        else -1,
    }
    return render(request, "forum/topic.html", context, status=422 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def meetings(request):
    """Meetings of the places in reach (民声剧场, 三方联席会, 联席会议); staff schedule one."""
    errors = []
    community = _community(request)
    if request.method == "POST":
        unit = get_object_or_404(OrgUnit, pk=request.POST.get("unit_id") or 0)
        try:
            starts_at = timezone.make_aware(datetime.fromisoformat(request.POST.get("starts_at", "")))
            roles = [
                (role, request.POST.get(f"role_{role}", "").strip(), None)
                for role in MeetingRoleKind.values
                if request.POST.get(f"role_{role}", "").strip()
            ]
            topics_chosen = list(Topic.objects.filter(pk__in=request.POST.getlist("topic"), unit=unit))
            meeting = services.meeting_create(
                actor=request.user,
                unit=unit,
                title=request.POST.get("title", ""),
                kind=request.POST.get("kind") or MeetingKind.THEATRE,
                starts_at=starts_at,
                location=request.POST.get("location", ""),
                topics=topics_chosen,
                roles=roles,
            )
            return redirect("forum:meeting", pk=meeting.pk)
        except ValueError:
            errors = [_("Enter the start as a date and time.")]
        except ValidationError as exc:
            errors = _errors(exc)
        except PermissionDenied as exc:
            errors = [str(exc)]
    rows = selectors.meetings_for(request.user)
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    probe = Topic(scope_code=community.code) if community else None
    context = {
        "page": page,
        "community": community,
        "can_manage": probe is not None and policy.allows(request.user, "forum.meeting.manage", probe),
        "selected": Topic.objects.filter(unit=community, status=TopicStatus.SELECTED) if community else [],
        "kinds": MeetingKind.choices,
        "role_kinds": MeetingRoleKind.choices,
        "errors": errors,
        "tasks": selectors.tasks_for(request.user).filter(status="open")[:20],
    }
    return render(request, "forum/meetings.html", context, status=422 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def meeting(request, pk: int):
    m = get_object_or_404(selectors.meetings_for(request.user), pk=pk)
    can_manage = policy.allows(request.user, "forum.meeting.manage", m)
    errors = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "register":
                services.meeting_register(actor=request.user, meeting=m)
                messages.success(request, _("You are registered."))
            elif action == "minutes":
                attended = [int(x) for x in request.POST.getlist("attended") if x.isdigit()]
                services.meeting_record(
                    actor=request.user, meeting=m, minutes=request.POST.get("minutes", ""), attended_user_ids=attended
                )
                messages.success(request, _("Minutes recorded."))
            elif action == "task":
                owner_unit = get_object_or_404(OrgUnit, pk=request.POST.get("owner_unit") or 0)
                topic = Topic.objects.filter(pk=request.POST.get("topic") or 0).first()
                services.task_create(
                    actor=request.user,
                    meeting=m,
                    title=request.POST.get("title", ""),
                    owner_unit=owner_unit,
                    deadline=date.fromisoformat(request.POST.get("deadline", "")),
                    topic=topic,
                )
                messages.success(request, _("Decision recorded as a task."))
            elif action == "progress":
                task = get_object_or_404(m.tasks, pk=request.POST.get("task") or 0)
                services.task_progress(
                    actor=request.user,
                    task=task,
                    progress=int(request.POST.get("progress") or 0),
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("Progress recorded."))
            return redirect("forum:meeting", pk=pk)
        except ValueError:
            errors = [_("Check the date and the numbers.")]
        except ValidationError as exc:
            errors = _errors(exc)
        except PermissionDenied as exc:
            errors = [str(exc)]
    units = (
        OrgUnit.objects.filter(code__startswith=m.scope_code[:6], is_active=True)
        .exclude(kind__in=[OrgKind.BUILDING, OrgKind.ENTRANCE, OrgKind.PARTY_GROUP, OrgKind.PARTY_HOUSEHOLD])
        .order_by("code")[:300]
        if can_manage
        else []
    )
    context = {
        "m": m,
        "can_manage": can_manage,
        "registrations": m.registrations.select_related("user") if can_manage else [],
        "registered": request.user.is_authenticated and m.registrations.filter(user=request.user).exists(),
        "tasks": m.tasks.select_related("owner_unit", "owner", "topic"),
        "units": units,
        "errors": errors,
    }
    return render(request, "forum/meeting.html", context, status=422 if errors else 200)


@login_required
@require_safe
def conversations(request):
    rows = selectors.conversations_for(request.user)
    return render(request, "forum/conversations.html", {"rows": rows[:50]})


@login_required
@require_http_methods(["GET", "POST"])
def conversation(request, pk: int):
    """Vote on the statements (random order), add one, see the opinion groups."""
    c = get_object_or_404(selectors.conversations_for(request.user), pk=pk)
    can_manage = policy.allows(request.user, "forum.conversation.manage", c)
    errors = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "vote":
                statement = get_object_or_404(selectors.shown_statements(c), pk=request.POST.get("statement") or 0)
                services.vote_cast(actor=request.user, statement=statement, vote=int(request.POST.get("vote", "x")))
            elif action == "statement":
                s = services.statement_add(actor=request.user, conversation=c, text=request.POST.get("text", ""))
                messages.success(
                    request,
                    _("Thank you. Your statement is shown once a moderator has read it.")
                    if s.status == "pending"
                    else _("Statement added."),
                )
            elif action in ("approve", "reject"):
                s = get_object_or_404(Statement, pk=request.POST.get("statement") or 0, conversation=c)
                services.statement_moderate(actor=request.user, statement=s, approve=action == "approve")
            return redirect("forum:conversation", pk=pk)
        except ValueError:
            errors = [_("A vote is agree, disagree or pass.")]
        except ValidationError as exc:
            errors = _errors(exc)
        except PermissionDenied as exc:
            errors = [str(exc)]
    remaining = selectors.statements_to_vote(c, request.user)
    context = {
        "c": c,
        "next_statement": remaining[0] if remaining else None,
        "remaining": len(remaining),
        "pending": selectors.pending_statements(c) if can_manage else [],
        "can_manage": can_manage,
        "errors": errors,
    }
    return render(request, "forum/conversation.html", context, status=422 if errors else 200)


@login_required
@require_safe
def groups(request, pk: int):
    """The opinion groups on a scatter plot, with each group's representative statements and the consensus."""
    c = get_object_or_404(selectors.conversations_for(request.user), pk=pk)
    data = c.groups
    if data is None:
        # Never analysed yet: the worker computes it; the page does not wait for scikit-learn.
        services.groups_schedule(c.pk)
        data = {"participants": 0, "groups": [], "consensus": [], "points": []}
    texts = {s.pk: s.text for s in c.statements.all()}
    member_group = {m: i for i, g in enumerate(data["groups"]) for m in g["members"]}
    points = data.get("points") or []
    span = max([abs(v) for p in points for v in p[1:]] or [1]) or 1
    dots = [
        {
            "x": round(150 + 130 * p[1] / span, 1),
            "y": round(150 - 130 * p[2] / span, 1),
            "group": member_group.get(p[0], 0),
        }
        for p in points
    ]
    groups_view = [
        {
            "number": i + 1,
            "size": g["size"],
            "representative": [{"text": texts.get(r["statement"], "?"), **r} for r in g["representative"]],
        }
        for i, g in enumerate(data["groups"])
    ]
    context = {
        "c": c,
        "data": data,
        "dots": dots,
        "groups": groups_view,
        "consensus": [texts.get(s, "?") for s in data["consensus"]],
        "tallies": selectors.statement_tallies(c),
    }
    return render(request, "forum/groups.html", context)
