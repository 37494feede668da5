"""Public and residents' pages of the neighbourhood centre: find the nearest centre, read its
catalogue, book a room, register for an activity and show the QR code at the door, ask for 代办,
order a meal. The catalogue needs no login; everything a person does needs one."""

from datetime import timedelta

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Avg, Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from jinlin.core import policy

from . import errands, forms, selectors, services, stats
from .models import (
    Activity,
    Booking,
    Centre,
    Domain,
    Errand,
    GovItem,
    MealMenu,
    MealOrder,
    Provider,
    Rating,
    Registration,
    Room,
)

PAGE_SIZE = 20


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def qr_data_uri(code: str) -> str:
    """The check-in code as an SVG QR code (a data: URI, which the CSP allows for images)."""
    return segno.make(code, error="m").svg_data_uri(scale=8, border=2)


@require_safe
def index(request):
    form = forms.SearchForm(request.GET or None)
    q = domain = ""
    if form.is_valid():
        q, domain = form.cleaned_data["q"].strip(), form.cleaned_data["domain"]
    centres = selectors.centre_search(q=q, domain=domain)
    page = Paginator(centres, PAGE_SIZE).get_page(request.GET.get("page"))
    services_found = selectors.service_search(q=q, domain=domain)[:30] if (q or domain) else []
    nearest = selectors.nearest_centres(request.user) if request.user.is_authenticated else []
    return render(
        request,
        "centre/index.html",
        {
            "form": form,
            "page": page,
            "nearest": nearest,
            "services_found": services_found,
            "searched": bool(q or domain),
            "domains": Domain.choices,
            "managed": selectors.centres_managed_by(request.user)[:5] if request.user.is_authenticated else [],
        },
    )


@require_safe
def centre_detail(request, pk: int):
    centre = get_object_or_404(Centre.objects.select_related("unit"), pk=pk, is_active=True)
    domain = request.GET.get("domain", "")
    catalogue = selectors.service_search(centre=centre, domain=domain if domain in Domain.values else "")
    groups: dict[str, list] = {str(label): [] for _value, label in Domain.choices}
    for service in catalogue:
        groups[service.get_domain_display()].append(service)
    groups = {label: rows for label, rows in groups.items() if rows}
    today = timezone.localdate()
    return render(
        request,
        "centre/centre.html",
        {
            "centre": centre,
            "groups": groups,
            "domain": domain,
            "domains": Domain.choices,
            "activities": selectors.upcoming_activities(centre=centre, days=14)[:30],
            "rooms": selectors.rooms_of(centre),
            "menus": MealMenu.objects.filter(centre=centre, date__gte=today, date__lte=today + timedelta(days=2)),
            "grade": stats.star_grade(centre),
            "providers": Provider.objects.filter(centre=centre, is_active=True).annotate(
                n_ratings=Count("ratings"), avg_stars=Avg("ratings__stars")
            ),
            "can_manage": policy.allows(request.user, "centre.manage", centre),
        },
    )


@require_safe
def activity_detail(request, pk: int):
    activity = get_object_or_404(Activity.objects.select_related("centre", "room"), pk=pk)
    counts = services.activity_counts(activity)
    mine = selectors.my_registration(request.user, activity)
    return render(
        request,
        "centre/activity.html",
        {
            "activity": activity,
            "counts": counts,
            "mine": mine,
            "qr": qr_data_uri(mine.code) if mine is not None and mine.status == "registered" else None,
            "can_register": policy.allows(request.user, "centre.activity.register", activity)
            or not request.user.is_authenticated,
            "can_check_in": policy.allows(request.user, "centre.activity.check_in", activity),
        },
    )


@require_POST
@login_required
def activity_register(request, pk: int):
    activity = get_object_or_404(Activity, pk=pk)
    try:
        registration = services.activity_register(actor=request.user, activity=activity)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
    else:
        if registration.status == "registered":
            messages.success(request, _("You are registered. Show the QR code at the door."))
        else:
            messages.info(
                request,
                _("The activity is full: you are number %(n)s on the waitlist. We will tell you if a place frees up.")
                % {"n": registration.position},
            )
    return redirect("centre:activity", pk=pk)


@require_POST
@login_required
def activity_leave(request, pk: int):
    activity = get_object_or_404(Activity, pk=pk)
    try:
        services.activity_registration_cancel(actor=request.user, activity=activity)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("Your registration is cancelled."))
    return redirect("centre:activity", pk=pk)


@require_http_methods(["GET", "POST"])
@login_required
def room_book(request, pk: int):
    room = get_object_or_404(Room.objects.select_related("centre"), pk=pk, is_active=True)
    form = forms.BookingForm(request.POST or None, initial={"day": timezone.localdate() + timedelta(days=1)})
    conflict = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                booking = services.booking_create(
                    actor=request.user, room=room, start=data["start_at"], end=data["end_at"], purpose=data["purpose"]
                )
            except services.Conflict as exc:
                conflict = exc.slot
                form.add_error(None, str(exc))
                status = 409
            except ValidationError as exc:
                for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                    form.add_error(field if field in form.fields else None, errors)
                status = 422
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
                status = 403
            else:
                if booking.status == "pending":
                    messages.info(request, _("Your booking request was sent; the centre's staff will confirm it."))
                else:
                    messages.success(request, _("Booked. The room is yours at that time."))
                return redirect("centre:mine")
        else:
            status = 422
    week_start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return render(
        request,
        "centre/book.html",
        {
            "room": room,
            "form": form,
            "conflict": conflict,
            "schedule": selectors.room_schedule(room, week_start, days=14),
        },
        status=status,
    )


@require_POST
@login_required
def booking_cancel(request, pk: int):
    booking = get_object_or_404(selectors.bookings_visible_to(request.user), pk=pk)
    try:
        services.booking_cancel(actor=request.user, booking=booking)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The booking is cancelled."))
    return redirect("centre:mine")


@require_safe
@login_required
def mine(request):
    registrations = list(selectors.my_registrations(request.user))
    rated = set(Rating.objects.filter(user=request.user).values_list("registration_id", "errand_id", "meal_order_id"))
    rated_ids = {("registration", a) for a, _e, _m in rated} | {("errand", e) for _a, e, _m in rated}
    rated_ids |= {("meal", m) for _a, _e, m in rated}
    for r in registrations:
        r.qr = qr_data_uri(r.code) if r.status == "registered" and not r.checked_in_at else None
        r.can_rate = r.checked_in_at is not None and ("registration", r.pk) not in rated_ids
    errand_rows = list(selectors.my_errands(request.user)[:20])
    for e in errand_rows:
        e.can_rate = e.status == "done" and ("errand", e.pk) not in rated_ids
    return render(
        request,
        "centre/mine.html",
        {
            "registrations": registrations,
            "bookings": selectors.my_bookings(request.user),
            "errands": errand_rows,
            "orders": MealOrder.objects.filter(
                user=request.user, menu__date__gte=timezone.localdate() - timedelta(days=7)
            )
            .select_related("menu__centre")
            .order_by("-menu__date"),
        },
    )


RATEABLE = {"registration": Registration, "errand": Errand, "meal": MealOrder, "booking": Booking}


@require_POST
@login_required
def rate(request, kind: str, pk: int):
    """A resident rates something they used (an activity attended, an errand done, a meal served)."""
    model = RATEABLE.get(kind)
    if model is None:
        raise Http404
    target = get_object_or_404(model, pk=pk)
    try:
        errands.rating_create(
            actor=request.user,
            target=target,
            stars=int(request.POST.get("stars") or 0),
            comment=request.POST.get("comment", ""),
        )
    except (ValidationError, PermissionDenied, ValueError) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect("centre:mine")


@require_safe
def gov_items(request):
    q = request.GET.get("q", "").strip()[:60]
    category = request.GET.get("category", "")
    items = selectors.gov_items(q=q, category=category)
    categories = (
        GovItem.objects.filter(is_active=True).values_list("category", flat=True).distinct().order_by("category")
    )
    return render(
        request,
        "centre/gov_items.html",
        {
            "page": Paginator(items, PAGE_SIZE).get_page(request.GET.get("page")),
            "q": q,
            "category": category,
            "categories": categories,
        },
    )


@require_http_methods(["GET", "POST"])
def gov_item_detail(request, pk: int):
    item = get_object_or_404(GovItem, pk=pk, is_active=True)
    form = forms.ErrandForm(request.POST or None)
    centre = selectors.nearest_centre(request.user) if request.user.is_authenticated else None
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{_login_url()}?next={request.path}")
        if form.is_valid() and centre is not None:
            try:
                errand = errands.errand_request(actor=request.user, item=item, centre=centre, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
                status = 422
            else:
                messages.success(
                    request,
                    _("Your request is with %(centre)s; it is due by %(due)s.")
                    % {"centre": centre.name, "due": timezone.localtime(errand.due_at).strftime("%Y-%m-%d %H:%M")},
                )
                return redirect("centre:mine")
        else:
            if centre is None:
                form.add_error(None, _("We could not find your centre: ask your community office."))
            status = 422
    return render(request, "centre/gov_item.html", {"item": item, "form": form, "centre": centre}, status=status)


def _login_url() -> str:
    from django.conf import settings
    from django.shortcuts import resolve_url

    return resolve_url(settings.LOGIN_URL)


@require_http_methods(["GET", "POST"])
def meals(request, pk: int):
    centre = get_object_or_404(Centre, pk=pk, is_active=True)
    today = timezone.localdate()
    menus = list(MealMenu.objects.filter(centre=centre, date__gte=today, date__lte=today + timedelta(days=6)))
    if request.user.is_authenticated:
        for menu in menus:
            menu.price_for_me, menu.band_for_me = errands.meal_price(request.user, menu)
            menu.my_order = MealOrder.objects.filter(menu=menu, user=request.user).exclude(status="cancelled").first()
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{_login_url()}?next={request.path}")
        menu = get_object_or_404(MealMenu, pk=request.POST.get("menu"), centre=centre)
        form = forms.MealOrderForm(request.POST)
        if form.is_valid():
            try:
                errands.meal_order(actor=request.user, menu=menu, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, _errors(exc))
            else:
                messages.success(request, _("Your meal is ordered."))
        return redirect("centre:meals", pk=pk)
    return render(request, "centre/meals.html", {"centre": centre, "menus": menus, "form": forms.MealOrderForm()})
