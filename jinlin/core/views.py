"""Pages of the core app: login and logout, the home page per role, the shell's preferences
(language, large text) and the audit log."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.i18n import set_language

from jinlin.core.models import User

from . import accounts, selectors, services, totp, totp_views
from .context_processors import LARGE_TEXT_COOKIE
from .forms import AuditFilterForm, LoginForm, PasswordChangeForm
from .models import Role
from .navigation import role_cards
from .scope import active_assignments, has_role

PHONE_BACKEND = "jinlin.core.auth.PhoneBackend"
PREFERENCE_COOKIE_AGE = timedelta(days=365)
AUDIT_PAGE_SIZE = 50
# The same readers audit_entries_visible_to admits; the page refuses everyone else outright
# (403) instead of showing them an empty log.
AUDIT_READER_ROLES = (Role.PLATFORM_ADMIN, Role.DISCIPLINE_SUPERVISOR)


def _next_url(request: HttpRequest) -> str | None:
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = _next_url(request)
    if request.user.is_authenticated:
        return redirect(next_url or "core:home")
    form = LoginForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            user = form.user
            assert user is not None  # a valid form has found its user
            if totp.code_required(user):
                return totp_views.begin_code_step(request, user, next_url)
            login(request, user, backend=PHONE_BACKEND)
            response: HttpResponse = redirect("core:totp_enrol" if totp.must_enrol(user) else next_url or "core:home")
            _carry_preferences(request, user, response)
            return response
        # 429 with Retry-After as on /api/auth/token; every other refusal is a plain bad request.
        status = 429 if form.is_throttled else 423 if form.locked_until else 400
    response = render(request, "core/login.html", {"form": form, "next": next_url}, status=status)
    if form.is_bound and form.is_throttled:
        response["Retry-After"] = str(form.retry_after)
    return response


def _carry_preferences(request: HttpRequest, user: User, response: HttpResponse) -> None:
    """Preferences follow the person, not the device: a login applies the stored language, and
    someone who needed large text to log in keeps it afterwards."""
    if request.COOKIES.get(LARGE_TEXT_COOKIE) == "1" and not user.large_text:
        services.user_set_preferences(actor=user, large_text=True)
    if user.language:
        _set_language_cookie(response, user.language)


@require_http_methods(["GET", "POST"])
@login_required
def password_view(request):
    """The owner changes their password; required after an administrator's reset."""
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                accounts.password_change(
                    user=request.user,
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password"],
                    request=request,
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    for message in messages:
                        form.add_error(field if field in form.fields else None, message)
            else:
                return redirect("core:home")
        status = 400
    return render(request, "core/password.html", {"form": form}, status=status)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("core:login")


@require_safe
@login_required
def home(request):
    cards = role_cards(request.user, active_assignments(request.user), figures=True)
    return render(request, "core/home.html", {"cards": cards})


@require_POST
def language_set(request):
    """Django's set_language (cookie + redirect), remembered on the account when logged in."""
    response = set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and language in dict(settings.LANGUAGES) and language != user.language:
        services.user_set_preferences(actor=user, language=language)
    return response


@require_POST
def large_text_set(request):
    """Large text, high contrast (适老化): on the account when logged in, and in a cookie so the
    login page and public pages show it too."""
    enabled = request.POST.get("large_text") == "1"
    user = request.user
    if user.is_authenticated and user.large_text != enabled:
        services.user_set_preferences(actor=user, large_text=enabled)
    response = redirect(_next_url(request) or resolve_url("core:home"))
    if enabled:
        response.set_cookie(
            LARGE_TEXT_COOKIE,
            "1",
            max_age=PREFERENCE_COOKIE_AGE,
            samesite="Lax",
            httponly=True,
            secure=settings.SESSION_COOKIE_SECURE,
        )
    else:
        response.delete_cookie(LARGE_TEXT_COOKIE, samesite="Lax")
    return response


@require_safe
@login_required
def audit_log(request):
    user = request.user
    if not (user.is_superuser or has_role(user, *AUDIT_READER_ROLES)):
        raise PermissionDenied
    form = AuditFilterForm(request.GET)
    filters = form.filters()
    entries = selectors.audit_entries_visible_to(user, **filters)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit_log.html",
        {"form": form, "page": page, "filtered": any(filters.values()), "actor_id": filters["actor_id"]},
    )
