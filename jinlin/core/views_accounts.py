"""Pages of account management (账号管理): the list with search, adding a staff account, and one
account's page with its roles and the reset / unlock / deactivate buttons. Thin: the rules and the
audit are in staff_accounts."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from . import policy
from . import staff_accounts as accounts
from .http import AuthedRequest
from .models import OrgUnit, RoleAssignment, User
from .scope import has_role

PAGE_SIZE = 30
UNIT_OPTIONS_CAP = 300


class AccountCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    phone = forms.CharField(label=_("Mobile number"), max_length=20)
    role = forms.ChoiceField(label=_("Role"))
    unit = forms.CharField(
        label=_("Unit (code)"), max_length=40, help_text=_("The unit the role is bound to, e.g. the grid's code.")
    )

    def __init__(self, *args: object, actor: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["role"].choices = accounts.grantable_roles(actor)  # type: ignore[attr-defined]
        self.fields["unit"].widget.attrs["list"] = "unit-options"
        self.units = accounts.grantable_units(actor)

    def clean_unit(self) -> OrgUnit:
        code = self.cleaned_data["unit"].strip()
        unit = self.units.filter(code=code).first()
        if unit is None:
            raise ValidationError(_("No unit with this code that you may give roles in."))
        return unit


class DeactivateForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=200)


def _require_manager(user: User) -> None:
    if not (user.is_superuser or has_role(user, *accounts.MANAGERS)):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
@login_required
def account_list(request: AuthedRequest) -> HttpResponse:
    _require_manager(request.user)
    q = request.GET.get("q", "")
    form = AccountCreateForm(request.POST or None, actor=request.user)
    created = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = accounts.staff_account_create(
                actor=request.user, phone=data["phone"], name=data["name"], role=data["role"], org=data["unit"]
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            created = {"user": user, "password": password}
            form = AccountCreateForm(actor=request.user)
    page = Paginator(accounts.managed_accounts(request.user, q), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "form": form,
        "created": created,
        "unit_options": form.units.values_list("code", "name")[:UNIT_OPTIONS_CAP],
    }
    status = 422 if request.method == "POST" and created is None else 200
    return render(request, "core/accounts.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def account_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_manager(request.user)
    user = User.objects.filter(pk=pk).first()
    if user is None or not policy.allows(request.user, "account.manage", user):
        raise Http404  # an account outside one's reach reads as no such account
    deactivate = DeactivateForm(request.POST if request.POST.get("do") == "deactivate" else None)
    password = None
    done = ""
    if request.method == "POST":
        action = request.POST.get("do")
        try:
            if action == "reset":
                password = accounts.staff_password_reset(actor=request.user, user=user)
            elif action == "unlock":
                accounts.staff_unlock(actor=request.user, user=user)
                done = str(_("The login lock is lifted."))
            elif action == "deactivate" and deactivate.is_valid():
                accounts.staff_deactivate(actor=request.user, user=user, reason=deactivate.cleaned_data["reason"])
                done = str(_("The account is deactivated."))
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                deactivate.add_error(None, errors)
        user.refresh_from_db()
    roles = RoleAssignment.objects.filter(user=user).select_related("org").order_by("-is_active", "role")
    context = {"account": user, "roles": roles, "password": password, "done": done, "deactivate": deactivate}
    return render(request, "core/account.html", context)
