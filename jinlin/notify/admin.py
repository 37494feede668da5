"""Admin views of notify: deliveries with their status (dead letters), group channels with masked
URLs, broadcasts. Personal data (phone, e-mail, webhook URL) is never listed in full."""

from django.contrib import admin

from jinlin.core.masking import mask_phone

from .models import Broadcast, Delivery, UnitChannel


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "kind", "recipient", "status", "attempts", "next_attempt_at", "last_error")
    list_filter = ("status", "channel", "kind")
    fields = ("channel", "kind", "recipient", "status", "attempts", "next_attempt_at", "last_error", "sent_at")
    readonly_fields = fields

    @admin.display(description="recipient")
    def recipient(self, obj: Delivery) -> str:
        if obj.group_id:
            return obj.group.url_hint
        return mask_phone(obj.address) if obj.channel == "sms" else (obj.address[:2] + "***" if obj.address else "")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(UnitChannel)
class UnitChannelAdmin(admin.ModelAdmin):
    list_display = ("unit", "kind", "url_hint", "is_active", "created_at")
    list_filter = ("kind", "is_active")
    fields = ("unit", "kind", "url_hint", "is_active")
    readonly_fields = ("unit", "kind", "url_hint")

    def has_add_permission(self, request) -> bool:
        return False  # `jinlin notify channel add` encrypts and masks the URL


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    list_display = ("created_at", "title", "unit", "sender", "recipients")
    readonly_fields = ("sender", "sender_unit", "unit", "title", "body", "recipients", "created_at")

    def has_add_permission(self, request) -> bool:
        return False
