"""Staff pages of the neighbourhood centre: the console of each centre (rooms and bookings to
approve, activities, recurring classes), the check-in page for a phone at the door, attendance,
the 代办 queue and the kitchen's meal counts. Every write goes through a service that checks the
policy; pages only offer what the policy allows."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from jinlin.core import policy
from jinlin.core.masking import mask_name, mask_phone

from . import errands, forms, selectors, services, stats
from .models import (
    OPEN_ERRAND,
    Activity,
    Booking,
    BookingStatus,
    Centre,
    Errand,
    ErrandStatus,
    MealMenu,
    MealOrder,
    RegistrationStatus,
)

ERRAND_ACTIONS = {
    "accept": (errands.errand_accept, _("Taken: the errand is yours.")),
    "start": (errands.errand_start, _("Started.")),
    "finish": (errands.errand_finish, _("Done: the resident is told.")),
    "return": (errands.errand_return, _("Returned to the resident with your reason.")),
}


def _managed(request, pk: int) -> Centre:
    centre = get_object_or_404(Centre.objects.select_related("unit"), pk=pk, is_active=True)
    if not policy.allows(request.user, "centre.manage", centre):
        raise PermissionDenied(_("Only the centre's staff may manage it."))
    return centre


@require_safe
@login_required
def figures(request):
    """The centres' figures of the last 30 days in the viewer's area: the stats dashboard loads
    this as a fragment after its own page (htmx); opened directly, a page of its own."""
    level = request.GET.get("centre_level", "centre")
    level = level if level in stats.PANEL_LEVELS else "centre"
    rows, since, until = stats.panel_rows(request.user, level)
    context = {"rows": rows, "level": level, "levels": stats.PANEL_LEVELS, "since": since, "until": until}
    if getattr(request, "htmx", False):
        if not rows:
            return HttpResponse("")  # no centre in the viewer's area: the slot goes away
        return render(request, "centre/_dashboard_panel.html", context)
    return render(request, "centre/figures.html", context)


@require_safe
@login_required
def manage(request):
    centres = list(selectors.centres_managed_by(request.user))
    if len(centres) == 1:
        return redirect("centre:console", pk=centres[0].pk)
    if not centres:
        raise PermissionDenied(_("You manage no neighbourhood centre."))
    return render(request, "centre/manage.html", {"centres": centres})


@require_http_methods(["GET", "POST"])
@login_required
def console(request, pk: int):
    centre = _managed(request, pk)
    form = forms.ActivityForm(request.POST or None, centre=centre)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["weekly"]:
                    series = services.series_create(
                        actor=request.user,
                        centre=centre,
                        title=data["title"],
                        kind=data["kind"],
                        weekday=data["day"].isoweekday(),
                        start_time=data["start"],
                        duration_minutes=int((data["end_at"] - data["start_at"]).total_seconds() // 60),
                        capacity=data["capacity"],
                        first_date=data["day"],
                        until=data["until"],
                        room=data["room"],
                        audience=data["audience"],
                        description=data["description"],
                    )
                    n = series.occurrences.count()
                    messages.success(request, _("Weekly activity added: %(n)s dates so far.") % {"n": n})
                else:
                    services.activity_create(
                        actor=request.user,
                        centre=centre,
                        title=data["title"],
                        kind=data["kind"],
                        start=data["start_at"],
                        end=data["end_at"],
                        capacity=data["capacity"],
                        room=data["room"],
                        audience=data["audience"],
                        description=data["description"],
                    )
                    messages.success(request, _("Activity added."))
                return redirect("centre:console", pk=pk)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                    form.add_error(field if field in form.fields else None, errors)
        status = 422
    now = timezone.now()
    activities = (
        Activity.objects.filter(centre=centre, end__gt=now - timedelta(days=1), start__lt=now + timedelta(days=14))
        .annotate(
            n_registered=Count("registrations", filter=Q(registrations__status=RegistrationStatus.REGISTERED)),
            n_waitlisted=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)),
            n_attended=Count("registrations", filter=Q(registrations__checked_in_at__isnull=False)),
        )
        .order_by("start")
    )
    pending = Booking.objects.filter(room__centre=centre, status=BookingStatus.PENDING).select_related("room", "user")
    upcoming = Booking.objects.filter(
        room__centre=centre, status=BookingStatus.CONFIRMED, end__gt=now, start__lt=now + timedelta(days=7)
    ).select_related("room", "user")
    errand_queue = Errand.objects.filter(centre=centre, status__in=OPEN_ERRAND).select_related("item", "agent")
    figures = stats.centre_figures([centre], since=now - timedelta(days=30), until=now)[0]
    return render(
        request,
        "centre/console.html",
        {
            "centre": centre,
            "form": form,
            "activities": activities,
            "pending": pending,
            "upcoming": upcoming,
            "rooms": selectors.rooms_of(centre),
            "errand_queue": errand_queue[:20],
            "errand_open": errand_queue.count(),
            "overdue": errand_queue.filter(due_at__lt=now).count(),
            "figures": figures,
            "grade": stats.star_grade(centre),
        },
        status=status,
    )


@require_POST
@login_required
def booking_decide(request, pk: int):
    booking = get_object_or_404(selectors.bookings_visible_to(request.user), pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.booking_decide(
            actor=request.user, booking=booking, approve=approve, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Booking approved.") if approve else _("Booking rejected."))
    return redirect("centre:console", pk=booking.room.centre_id)


@require_http_methods(["GET", "POST"])
@login_required
def check_in(request, pk: int):
    """A phone page at the door: scan the QR code (where the browser can) or type the code."""
    activity = get_object_or_404(Activity.objects.select_related("centre"), pk=pk)
    if not policy.allows(request.user, "centre.activity.check_in", activity):
        raise PermissionDenied(_("Only the centre's staff check people in."))
    form = forms.CheckInForm(request.POST or None)
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.activity_check_in(
                actor=request.user, activity=activity, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            form.add_error("code", exc.messages)
            status = 422
        else:
            result = {"name": mask_name(registration.user.name), "at": registration.checked_in_at}
            form = forms.CheckInForm()
    elif request.method == "POST":
        status = 422
    rows = activity.registrations.exclude(status=RegistrationStatus.CANCELLED).select_related("user")
    attendance = [
        {
            "name": mask_name(r.user.name),
            "phone": mask_phone(r.user.phone),
            "status": r.get_status_display(),
            "position": r.position,
            "checked_in_at": r.checked_in_at,
        }
        for r in rows.order_by("status", "position", "created_at")
    ]
    attended = sum(1 for r in attendance if r["checked_in_at"])
    registered = rows.filter(status=RegistrationStatus.REGISTERED).count()
    return render(
        request,
        "centre/check_in.html",
        {
            "activity": activity,
            "form": form,
            "result": result,
            "attendance": attendance,
            "attended": attended,
            "registered": registered,
        },
        status=status,
    )


@require_safe
@login_required
def errand_queue(request):
    rows = selectors.errands_visible_to(request.user).exclude(requester=request.user)
    state = request.GET.get("status", "open")
    if state == "open":
        rows = rows.filter(status__in=OPEN_ERRAND)
    elif state in ErrandStatus.values:
        rows = rows.filter(status=state)
    if not (selectors.is_centre_staff(request.user) or _is_agent(request.user)):
        raise PermissionDenied(_("The 代办 queue is for the centre's staff and its 代办员."))
    page = Paginator(rows.order_by("due_at"), 20).get_page(request.GET.get("page"))
    now = timezone.now()
    for errand in page.object_list:
        errand.actions = policy.allowed_actions(
            request.user, errand, "centre.errand.", among=[f"centre.errand.{a}" for a in ERRAND_ACTIONS]
        )
        errand.overdue = errand.is_open and errand.due_at < now
        errand.requester_masked = mask_name(errand.requester.name)
    per_item = rows.values("item__name").annotate(n=Count("id")).order_by("-n")[:10] if state != "open" else []
    per_agent = (
        selectors.errands_visible_to(request.user)
        .filter(status=ErrandStatus.DONE)
        .values("agent__name")
        .annotate(n=Count("id"))
        .order_by("-n")[:10]
    )
    return render(
        request,
        "centre/errands.html",
        {
            "page": page,
            "state": state,
            "states": [("open", _("Open")), *ErrandStatus.choices],
            "per_item": per_item,
            "per_agent": per_agent,
        },
    )


def _is_agent(user) -> bool:
    from .models import ErrandAgent

    return ErrandAgent.objects.filter(user=user, is_active=True).exists()


@require_POST
@login_required
def errand_act(request, pk: int, action: str):
    errand = get_object_or_404(selectors.errands_visible_to(request.user), pk=pk)
    if action not in ERRAND_ACTIONS:
        raise PermissionDenied
    service, done = ERRAND_ACTIONS[action]
    kwargs = {}
    if action == "return":
        kwargs["reason"] = request.POST.get("reason", "")
    if action == "finish":
        kwargs["result"] = request.POST.get("result", "")
    try:
        service(actor=request.user, errand=errand, **kwargs)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("centre:errands")


@require_http_methods(["GET", "POST"])
@login_required
def kitchen(request, pk: int):
    centre = _managed(request, pk)
    if request.method == "POST":
        order = get_object_or_404(MealOrder, pk=request.POST.get("order"), menu__centre=centre)
        try:
            errands.meal_serve(actor=request.user, order=order)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("centre:kitchen", pk=pk)
    today = timezone.localdate()
    menus = (
        MealMenu.objects.filter(centre=centre, date__gte=today, date__lte=today + timedelta(days=2))
        .annotate(
            n_dine_in=Count("orders", filter=Q(orders__delivery=False) & ~Q(orders__status="cancelled")),
            n_delivery=Count("orders", filter=Q(orders__delivery=True) & ~Q(orders__status="cancelled")),
            n_served=Count("orders", filter=Q(orders__status="served")),
        )
        .order_by("date", "meal")
    )
    orders = (
        MealOrder.objects.filter(menu__centre=centre, menu__date=today)
        .exclude(status="cancelled")
        .select_related("user", "menu")
    )
    for order in orders:
        order.name_masked = mask_name(order.user.name)
    return render(request, "centre/kitchen.html", {"centre": centre, "menus": menus, "orders": orders})
