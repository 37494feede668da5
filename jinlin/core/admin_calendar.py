"""Admin for the working calendar: a county enters next year's State Council holiday notice here.

Imported from core/admin.py. Saving or deleting a day drops the calendar cache (signal in
core.models), so new deadlines use it at once; every change is written to the audit log because
it moves SLA deadlines.
"""

from django.contrib import admin
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from .audit import audit_record, snapshot
from .models import CalendarDay

_FIELDS = ["date", "kind", "name", "source", "provisional"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name", "provisional", "source")
    list_filter = ("kind", "provisional")
    date_hierarchy = "date"
    search_fields = ("name", "source")
    ordering = ("date",)

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return WEEKDAYS[obj.date.weekday()]

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            before = snapshot(CalendarDay.objects.get(pk=obj.pk), _FIELDS)
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="calendar_day.update" if change else "calendar_day.create",
            obj=obj,
            before=before,
            after=snapshot(obj, _FIELDS),
        )

    def delete_model(self, request, obj):
        self._audit_delete(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._audit_delete(request, obj)
        super().delete_queryset(request, queryset)

    def _audit_delete(self, request, obj):
        audit_record(actor=request.user, action="calendar_day.delete", obj=obj, before=snapshot(obj, _FIELDS))
