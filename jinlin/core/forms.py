"""Forms of the core pages: login (site and admin site) and the audit-log filters."""

from django import forms
from django.apps import apps
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .phones import normalize_mobile

PHONE_WIDGET_ATTRS = {"autocomplete": "username", "inputmode": "tel", "autofocus": True}


class LoginForm(forms.Form):
    """Phone and password; every check (format, password, failures, lock) is services.auth_login's."""

    phone = forms.CharField(
        label=_("Mobile phone number"), max_length=32, widget=forms.TextInput(attrs=PHONE_WIDGET_ATTRS)
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = None
        self.retry_after = None
        self.locked_until = None

    def clean_phone(self):
        # Checked here too, so a malformed number is reported at the phone field even when the
        # password is missing; auth_login checks it again on its own.
        return normalize_mobile(self.cleaned_data["phone"])

    def clean(self):
        phone = self.cleaned_data.get("phone")
        password = self.cleaned_data.get("password")
        if phone and password:
            try:
                self.user = services.auth_login(phone=phone, password=password)
            except services.AuthError as exc:
                self.retry_after = exc.retry_after
                self.locked_until = exc.locked_until
                raise ValidationError(exc.message, code=exc.code) from exc
        return self.cleaned_data

    @property
    def is_throttled(self) -> bool:
        return self.retry_after is not None


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class PhoneAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin site's login form, with the phone in Django's `username` field.

    It goes through services.auth_login like every other login, so the admin site counts
    failures and honours the lock too.
    """

    username = forms.CharField(
        label=_("Mobile phone number"), max_length=32, widget=forms.TextInput(attrs=PHONE_WIDGET_ATTRS)
    )
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _("Wrong phone number or password."),
        "inactive": _("This account is inactive."),
        "not_admin": _("This account may not use the admin site."),
    }

    def clean(self):
        phone = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if phone and password:
            try:
                user = services.auth_login(phone=phone, password=password)
            except services.AuthError as exc:
                raise ValidationError(exc.message, code=exc.code) from exc
            self.confirm_login_allowed(user)
            # Django's login() needs to know which backend vouched for the user.
            user.backend = "jinlin.core.auth.PhoneBackend"
            self.user_cache = user
        return self.cleaned_data

    def confirm_login_allowed(self, user):
        if not user.is_active:
            raise ValidationError(self.error_messages["inactive"], code="inactive")
        if not (user.is_staff and user.is_superuser):
            raise ValidationError(self.error_messages["not_admin"], code="not_admin")


def _object_type_suggestions() -> list[tuple[str, str]]:
    # Audit entries name their object by model label ("core.user"); offering the installed
    # models as suggestions needs no query over a log that may hold millions of rows.
    return sorted((m._meta.label_lower, str(m._meta.verbose_name)) for m in apps.get_models())


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        label=_("Action begins with"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": "auth."}),
    )
    object_type = forms.CharField(
        label=_("Object type"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"list": "audit-object-types", "placeholder": "core.user"}),
    )
    actor = forms.IntegerField(label=_("Actor (account number)"), required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.object_type_suggestions = _object_type_suggestions()

    def filters(self) -> dict:
        """The selector's keyword arguments; an invalid filter is dropped (and shown as an error)."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "action": (data.get("action") or "").strip(),
            "object_type": (data.get("object_type") or "").strip().lower(),
            "actor_id": data.get("actor"),
        }
