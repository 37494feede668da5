"""Triage models in the admin: which versions exist, how they scored, which one is active.

Read-only: models are made by training (`jinlin triage train`, `jinlin triage_retrain`, the
retrain task) and switched with the "activate" action, which goes through the service so the
switch is audited and the per-process caches pick it up. The model bytes are never shown.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from jinlin.core.admin import ReadOnlyAdmin

from . import services
from .models import TriageModel


@admin.register(TriageModel)
class TriageModelAdmin(ReadOnlyAdmin):
    list_display = ["kind", "version", "is_active", "created_at", "created_by", "source", "size"]
    list_filter = ["kind", "is_active"]
    exclude = ["blob"]
    readonly_fields = ["kind", "version", "is_active", "created_at", "created_by", "source", "metrics", "size"]
    actions = ["activate"]

    @admin.action(description=_("Activate the selected model (one per kind)"))
    def activate(self, request, queryset):
        chosen = list(queryset)
        if len({m.kind for m in chosen}) != len(chosen):
            self.message_user(request, _("Choose at most one model of each kind."), messages.ERROR)
            return
        for model in chosen:
            services.activate(actor=request.user, model=model)
        self.message_user(request, _("Activated."), messages.SUCCESS)
