from django.contrib import admin

from .models import Delivery, Notification, OutboxMessage


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at", "emailed_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "notification", "channel", "status", "attempts", "error_code", "sent_at"]
    list_filter = ["channel", "status"]
    raw_id_fields = ["notification"]
    readonly_fields = [f.name for f in Delivery._meta.fields]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "to", "text"]
    list_filter = ["channel"]
    search_fields = ["to"]
