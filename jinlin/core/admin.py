"""The admin site, for platform administrators (superusers) only.

Nothing is ever deleted here: units and accounts are deactivated, so the audit trail can still
say who held what. Every change made through the admin site is audited like a service write.
The audit log, API tokens and grid boundaries are read-only: the log is append-only, tokens are
issued by logging in, and boundaries change only through the validated grid import.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import services
from .audit import audit_record, snapshot
from .forms import PhoneAdminAuthenticationForm
from .models import ApiToken, AuditEntry, Grid, OrgUnit, RoleAssignment, User
from .phones import normalize_mobile

admin.site.login_form = PhoneAdminAuthenticationForm
admin.site.site_header = _("Jinlin 近邻 administration")
admin.site.site_title = _("Jinlin 近邻 administration")
admin.site.index_title = _("Platform administration")
admin.site.site_url = "/"
admin.site.disable_action("delete_selected")
# Access comes from roles (RoleAssignment), not from Django's groups and permissions.
admin.site.unregister(Group)


def _jsonable(value):
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class AuditedAdmin(admin.ModelAdmin):
    """Records each add or change made through the admin site in the audit log; never deletes."""

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The admin site wraps the whole request in a transaction, so the change and its audit
        # entry are committed together.
        changed = list(form.changed_data)
        before = {name: _jsonable(form.initial.get(name)) for name in changed} if change else None
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="admin.change" if change else "admin.add",
            obj=obj,
            before=before,
            after=snapshot(obj, changed),
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedAdmin):
    list_display = ("code", "name", "kind", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name")
    ordering = ("code",)
    raw_id_fields = ("parent", "grid", "place")
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        # Scope is a prefix of the code: moving a unit or recoding it would silently change
        # who sees what, so once created these stay as they are.
        return ("code", "kind", "parent", "created_at") if obj else ("created_at",)


@admin.register(Grid)
class GridAdmin(ReadOnlyAdmin):
    list_display = ("unit", "area_m2", "updated_at")
    search_fields = ("unit__code", "unit__name")
    list_select_related = ("unit",)


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fields = ("role", "org", "is_active", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(AuditedAdmin):
    """Accounts are created through services.user_create (phone encryption, roles, audit); here an
    admin changes names, access and preferences. Passwords are never shown or edited here."""

    list_display = ("name", "phone_masked", "is_active", "is_staff", "is_superuser", "locked_until", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("name",)
    ordering = ("-date_joined",)
    fields = (
        "name",
        "phone_masked",
        "is_active",
        "is_staff",
        "is_superuser",
        "large_text",
        "language",
        "failed_logins",
        "locked_until",
        "last_login",
        "date_joined",
    )
    readonly_fields = ("phone_masked", "failed_logins", "locked_until", "last_login", "date_joined")
    inlines = (RoleAssignmentInline,)
    actions = ("unlock_logins", "reset_two_factor")

    @admin.action(description=_("Lift login throttles and locks (all addresses)"))
    def unlock_logins(self, request, queryset):
        for user in queryset:
            services.auth_unlock(actor=request.user, user=user)
        self.message_user(request, _("Login throttles lifted for %(count)d accounts.") % {"count": queryset.count()})

    @admin.action(description=_("Reset two-step login (lost phone)"))
    def reset_two_factor(self, request, queryset):
        from . import totp

        done = sum(totp.totp_reset(actor=request.user, user=user) for user in queryset)
        self.message_user(request, _("Two-step login reset for %(count)d accounts.") % {"count": done})

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "language":
            # Only the languages the platform speaks; empty means "as the browser asks".
            return forms.ChoiceField(
                label=db_field.verbose_name, choices=[("", "—"), *settings.LANGUAGES], required=False
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("mobile phone"))
    def phone_masked(self, obj):
        return obj.phone_masked

    def has_add_permission(self, request):
        return False

    def get_search_results(self, request, queryset, search_term):
        # Phones are stored encrypted; a full number is found through its digest.
        base = queryset
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            phone = normalize_mobile(search_term)
        except ValidationError:
            return queryset, may_have_duplicates
        return queryset | base.filter(phone_digest=User.digest_phone(phone)), may_have_duplicates


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    list_display = ("user", "role", "org", "is_active", "created_at")
    list_filter = ("role", "is_active")
    search_fields = ("user__name", "org__code", "org__name")
    raw_id_fields = ("user", "org")
    list_select_related = ("user", "org")
    readonly_fields = ("created_at",)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    # The key's digest is not shown: it is of no use to an admin and need not leave the table.
    list_display = ("user", "created_at", "expires_at", "revoked_at")
    fields = ("user", "created_at", "expires_at", "revoked_at")
    list_select_related = ("user",)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_repr", "ip")
    search_fields = ("action", "object_repr", "actor_label")
    date_hierarchy = "at"
    fields = (
        "at",
        "actor",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "before",
        "after",
        "ip",
    )
    list_select_related = ("actor",)

    def changelist_view(self, request, extra_context=None):
        # The chain's state on top of the log (等保 安全审计): intact, or the first broken entry.
        from . import audit_chain

        tail = getattr(settings, "AUDIT_ADMIN_VERIFY_TAIL", 20_000)
        verdict = audit_chain.verify(tail=tail)
        if verdict.ok:
            messages.success(request, _("Audit chain intact: %(n)d entries verified.") % {"n": verdict.checked})
            if verdict.checked >= tail:
                text = _("The page checks the latest %(n)d entries; `jinlin audit verify` checks them all.")
                messages.info(request, text % {"n": tail})
        else:
            messages.error(request, _("Audit chain BROKEN: %(message)s") % {"message": verdict.message})
        return super().changelist_view(request, extra_context)


# The working calendar's admin lives in its own module; importing it registers it.
from . import admin_calendar  # noqa: E402, F401
