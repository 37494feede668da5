"""Open311 keys in the admin site: create (the key is shown once), edit, deactivate; never delete."""

from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jinlin.core.audit import audit_record

from . import services
from .models import ApiKey, Submission


def _jsonable(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | models.QuerySet):
        return sorted(_jsonable(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "key_prefix", "channel", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active", "channel")
    search_fields = ("name", "organisation", "key_prefix")
    fields = (
        "name",
        "organisation",
        "owner",
        "channel",
        "services",
        "key_prefix",
        "is_active",
        "created_at",
        "last_used_at",
        "deactivated_at",
    )
    # A key is switched off with the action below (audited); a new key is issued rather than
    # an old one revived, so a leaked key stays dead.
    readonly_fields = ("key_prefix", "is_active", "created_at", "last_used_at", "deactivated_at")
    raw_id_fields = ("owner",)
    filter_horizontal = ("services",)
    actions = ("deactivate",)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        raw_key, created = services.api_key_create(
            actor=request.user,
            name=obj.name,
            organisation=obj.organisation,
            owner=obj.owner,
            channel=obj.channel,
        )
        # The form saves the chosen services onto its instance next (save_related): make the
        # instance the row the service created.
        obj.pk, obj.key_digest, obj.key_prefix, obj.created_at = (
            created.pk,
            created.key_digest,
            created.key_prefix,
            created.created_at,
        )
        obj._state.adding, obj._state.db = False, created._state.db
        request._open311_new_key = raw_key

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Audited here, after the services (many-to-many) are saved; creation is audited by
        # the service that made the key.
        if change and form.changed_data:
            audit_record(
                actor=request.user,
                action="admin.change",
                obj=form.instance,
                before={name: _jsonable(form.initial.get(name)) for name in form.changed_data},
                after={name: _jsonable(form.cleaned_data.get(name)) for name in form.changed_data},
            )

    def response_add(self, request, obj, post_url_continue=None):
        raw_key = getattr(request, "_open311_new_key", None)
        if raw_key:
            self.message_user(
                request,
                gettext("The new key is %(key)s — copy it now: it is not stored and will not be shown again.")
                % {"key": raw_key},
                messages.WARNING,
            )
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Deactivate the selected keys"))
    def deactivate(self, request, queryset):
        for api_key in queryset:
            services.api_key_deactivate(actor=request.user, api_key=api_key)
        self.message_user(request, gettext("%(n)d keys deactivated.") % {"n": queryset.count()}, messages.SUCCESS)


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    actions = None
    list_display = ("created_at", "api_key", "case", "token")
    search_fields = ("token", "case__number")
    list_select_related = ("api_key", "case")
    fields = ("created_at", "api_key", "case", "token", "idempotency_key")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
