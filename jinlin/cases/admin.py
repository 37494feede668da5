"""Admin for what administrators configure: categories and SLA policies (CASE-3). Cases are
read-only here: every change to a case goes through the services and their timeline."""

from django.contrib import admin

from jinlin.core.admin import ReadOnlyAdmin

from .models import Case, Category, SlaPolicy, TimelineEntry


class SlaPolicyInline(admin.TabularInline):
    model = SlaPolicy
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "department", "default_tier", "is_active", "sort_order"]
    list_filter = ["is_active", "default_tier"]
    search_fields = ["code", "name"]
    raw_id_fields = ["department", "parent"]
    inlines = [SlaPolicyInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["category", "tier", "limit_amount", "limit_unit", "urge_before_hours", "urge_before_fraction"]
    list_filter = ["tier", "limit_unit"]
    list_select_related = ["category"]


class TimelineInline(admin.TabularInline):
    model = TimelineEntry
    fields = ["at", "action", "from_status", "to_status", "actor", "actor_unit", "owner_unit", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "status", "category", "tier", "owner_unit", "due_at", "created_at"]
    list_filter = ["status", "kind", "tier", "channel"]
    search_fields = ["number", "title"]
    list_select_related = ["category", "owner_unit"]
    exclude = ["address", "contact_phone"]
    inlines = [TimelineInline]
