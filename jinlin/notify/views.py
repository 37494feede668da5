"""Notify's pages: the inbox and its bell, preferences, broadcasts, resident sign-up and password
reset, home confirmation, the account's data and deletion, and the delivery log for admins."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from jinlin.core.models import OrgKind, OrgUnit, Role
from jinlin.core.scope import has_role

from . import accounts, conf, selectors, services
from .forms import BroadcastForm, HomeForm, PhoneForm, PreferencesForm, ResetForm, SignupForm
from .models import CodePurpose, Consent, DeliveryStatus, HomeClaim, NotifyProfile

PHONE_BACKEND = "jinlin.core.auth.PhoneBackend"


def _page(request, qs, size=20):
    return Paginator(qs, size).get_page(request.GET.get("page"))


@require_safe
@login_required
def inbox(request):
    unread = request.GET.get("unread") == "1"
    page = _page(request, selectors.inbox(request.user, unread=unread))
    return render(request, "notify/inbox.html", {"page": page, "unread_only": unread})


@require_POST
@login_required
def read(request, pk: int):
    note = services.notification_read(actor=request.user, notification_id=pk)
    if note.link and url_has_allowed_host_and_scheme(note.link, allowed_hosts={request.get_host()}):
        return redirect(note.link)
    return redirect("notify:inbox")


@require_POST
@login_required
def read_all(request):
    n = services.notification_read_all(actor=request.user)
    messages.success(request, _("%(n)d messages marked as read.") % {"n": n})
    return redirect("notify:inbox")


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request):
    profile = NotifyProfile.objects.filter(user=request.user).first()
    from .kinds import KINDS, default_channels

    chosen = {k: (profile.channels.get(k, default_channels(k)) if profile else default_channels(k)) for k in KINDS}
    initial = {
        "quiet_start": profile.quiet_start if profile else conf.QUIET_START,
        "quiet_end": profile.quiet_end if profile else conf.QUIET_END,
        "email": profile.email if profile else "",
    }
    form = PreferencesForm(request.POST or None, initial=initial, chosen=chosen)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.preferences_set(
                    actor=request.user,
                    channels=form.channels(),
                    quiet_start=form.cleaned_data["quiet_start"],
                    quiet_end=form.cleaned_data["quiet_end"],
                    email=form.cleaned_data["email"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Your notification settings are saved."))
                return redirect("notify:preferences")
        status = 400
    return render(request, "notify/preferences.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def broadcast(request):
    units = selectors.broadcast_targets(request.user)
    if not has_role(request.user, *selectors.BROADCAST_ROLES):
        raise PermissionDenied(_("Only community staff, grid workers and community police send notices."))
    form = BroadcastForm(request.POST or None, units=units)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                sent = services.broadcast_send(actor=request.user, unit=d["unit"], title=d["title"], body=d["body"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request, _("Sent to %(n)d residents of %(unit)s.") % {"n": sent.recipients, "unit": sent.unit.name}
                )
                return redirect("notify:broadcast")
        status = 400
    sent = _page(request, selectors.broadcasts_sent(request.user), 10)
    return render(request, "notify/broadcast.html", {"form": form, "page": sent}, status=status)


@require_safe
@login_required
def alerts(request):
    """反诈预警: the police officer's notices are broadcasts like any other."""
    return redirect("notify:broadcast")


# ---------------------------------------------------------------- sign-up and reset


def _client_ip(request):
    return request.META.get("REMOTE_ADDR") or None


def _send_code(request, purpose: str, phone_form: PhoneForm) -> str | None:
    """Ask for a code; returns the normalised phone, or None with the error on the form."""
    from jinlin.core.phones import normalize_mobile

    try:
        phone = normalize_mobile(phone_form.cleaned_data["phone"])
        accounts.code_request(phone=phone, purpose=purpose, ip=_client_ip(request))
    except ValidationError as exc:
        phone_form.add_error("phone", exc)
        return None
    except accounts.TooManyCodes as exc:
        phone_form.add_error(
            "phone", _("Too many codes asked for. Try again in %(s)d seconds.") % {"s": exc.retry_after}
        )
        return None
    return phone


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("core:home")
    phone = request.session.get("signup_phone")
    phone_form = PhoneForm(initial={"phone": phone})
    form = SignupForm()
    status = 200
    if request.method == "POST":
        if request.POST.get("step") == "code":
            phone_form = PhoneForm(request.POST)
            if phone_form.is_valid() and (phone := _send_code(request, CodePurpose.REGISTER, phone_form)):
                request.session["signup_phone"] = phone
                messages.info(request, _("A code was sent to %(phone)s. It is valid for 5 minutes.") % {"phone": phone})
                return redirect("notify:signup")
            status = 400
        elif phone:
            form = SignupForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                try:
                    user = accounts.register(
                        phone=phone,
                        code=d["code"],
                        password=d["password"],
                        name=d["name"],
                        home=form.home(),
                        channel="web",
                    )
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    request.session.pop("signup_phone", None)
                    login(request, user, backend=PHONE_BACKEND)
                    messages.success(
                        request, _("Welcome, %(name)s. You can report a problem now.") % {"name": user.name}
                    )
                    return redirect("core:home")
            status = 400
    return render(
        request,
        "notify/signup.html",
        {"phone": phone, "phone_form": phone_form, "form": form, "consent_version": conf.CONSENT_VERSION},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def reset(request):
    phone = request.session.get("reset_phone")
    phone_form = PhoneForm(initial={"phone": phone})
    form = ResetForm()
    status = 200
    if request.method == "POST":
        if request.POST.get("step") == "code":
            phone_form = PhoneForm(request.POST)
            if phone_form.is_valid() and (phone := _send_code(request, CodePurpose.RESET, phone_form)):
                request.session["reset_phone"] = phone
                messages.info(request, _("If %(phone)s has an account, a code is on its way.") % {"phone": phone})
                return redirect("notify:reset")
            status = 400
        elif phone:
            form = ResetForm(request.POST)
            if form.is_valid():
                try:
                    accounts.password_reset(
                        phone=phone, code=form.cleaned_data["code"], password=form.cleaned_data["password"]
                    )
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    request.session.pop("reset_phone", None)
                    messages.success(request, _("Your password is changed. Log in with the new one."))
                    return redirect("core:login")
            status = 400
    return render(request, "notify/reset.html", {"phone": phone, "phone_form": phone_form, "form": form}, status=status)


@require_safe
def places(request):
    """The options of the next list of the home picker (htmx): buildings of an estate, entrances
    of a building."""
    if request.GET.get("estate"):
        parent, kind = request.GET["estate"], OrgKind.BUILDING
    elif request.GET.get("building"):
        parent, kind = request.GET["building"], OrgKind.ENTRANCE
    else:
        return HttpResponse('<option value="">—</option>')
    units = OrgUnit.objects.filter(kind=kind, parent_id=parent if parent.isdigit() else -1, is_active=True).order_by(
        "code"
    )
    options = format_html_join("", '<option value="{}">{}</option>', ((u.pk, u.name) for u in units))
    return HttpResponse(f'<option value="">—</option>{options}')


# ---------------------------------------------------------------- my account, homes


@require_http_methods(["GET", "POST"])
@login_required
def account(request):
    form = HomeForm(request.POST or None)
    if request.method == "POST" and request.POST.get("step") == "delete":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm that you want your account deleted."))
            return redirect("notify:account")
        accounts.account_delete(actor=request.user)
        logout(request)
        messages.success(request, _("Your account is deleted. Your cases stay on record without your name or phone."))
        return redirect("core:login")
    if request.method == "POST" and form.is_valid():
        accounts.home_claim(actor=request.user, unit=form.home())
        messages.success(request, _("Your home is saved. Your grid worker will confirm it."))
        return redirect("notify:account")
    context = {
        "form": form,
        "claims": HomeClaim.objects.filter(user=request.user).select_related("unit")[:5],
        "consents": Consent.objects.filter(user=request.user).order_by("-at")[:5],
    }
    return render(request, "notify/account.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@login_required
def homes(request):
    if not has_role(request.user, Role.GRID_WORKER, Role.COMMUNITY_STAFF):
        raise PermissionDenied(_("Only grid workers and community staff confirm homes."))
    if request.method == "POST":
        claim = get_object_or_404(HomeClaim, pk=request.POST.get("claim") or 0)
        try:
            accounts.home_confirm(actor=request.user, claim=claim, accept=request.POST.get("decision") == "confirm")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
        return redirect("notify:homes")
    return render(request, "notify/homes.html", {"claims": accounts.pending_claims(request.user)})


@require_safe
@login_required
def deliveries(request):
    from jinlin.core.services import require_admin

    require_admin(request.user)
    status = request.GET.get("status", "")
    if status not in DeliveryStatus.values:
        status = ""
    page = _page(request, selectors.deliveries_for_admin(status=status), 50)
    return render(
        request, "notify/deliveries.html", {"page": page, "status": status, "statuses": DeliveryStatus.choices}
    )
