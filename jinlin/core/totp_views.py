"""Pages of the staff second factor: the code step after the password, and enrolment (QR code,
secret for manual entry, recovery codes shown once). Logic in core/totp.py."""

import time

from django import forms
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from . import totp
from .models import User

PHONE_BACKEND = "jinlin.core.auth.PhoneBackend"
# The password step is good for this long before the code must follow.
PENDING_SECONDS = 300


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=32,
        help_text=_("Six digits, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def begin_code_step(request: HttpRequest, user: User, next_url: str | None) -> HttpResponse:
    """After a good password of an enrolled user: remember who, not logged in yet."""
    request.session.cycle_key()
    request.session[totp.SESSION_PENDING] = {"user": user.pk, "next": next_url or "", "at": time.time()}
    return redirect("core:totp_verify")


def _pending_user(request: HttpRequest) -> tuple[User | None, str]:
    pending = request.session.get(totp.SESSION_PENDING) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, ""
    user = User.objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    return user, pending.get("next") or ""


@require_http_methods(["GET", "POST"])
def verify_view(request):
    user, next_url = _pending_user(request)
    if user is None:
        request.session.pop(totp.SESSION_PENDING, None)
        return redirect("core:login")
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    retry_after = None
    if request.method == "POST" and form.is_valid():
        try:
            totp.totp_verify(user=user, code=form.cleaned_data["code"])
        except totp.TotpError as exc:
            form.add_error("code", exc.message)
            retry_after = exc.retry_after
        else:
            request.session.pop(totp.SESSION_PENDING, None)
            login(request, user, backend=PHONE_BACKEND)
            request.session[totp.SESSION_OK] = True
            return redirect(next_url or "core:home")
    if request.method == "POST":
        status = 429 if retry_after else 400
    response = render(request, "core/totp_verify.html", {"form": form}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_http_methods(["GET", "POST"])
@login_required
def enrol_view(request):
    user = request.user
    if totp.device_of(user) is not None:
        return render(request, "core/totp_enrol.html", {"enrolled": True})
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = totp.totp_confirm(user=user, code=form.cleaned_data["code"])
        except totp.TotpError as exc:
            form.add_error("code", exc.message)
        else:
            request.session[totp.SESSION_OK] = True
            return render(request, "core/totp_enrol.html", {"recovery_codes": codes})
        status = 400
    device = totp.device_of(user, confirmed=False) if request.method == "POST" else None
    if device is None:
        device = totp.totp_begin(user=user)
    context = {
        "form": form,
        "qr_svg": mark_safe(totp.qr_svg(device)),  # noqa: S308 - segno's own SVG, no user input
        "secret": device.secret,
        "required": totp.must_enrol(user),
    }
    response = render(request, "core/totp_enrol.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response
