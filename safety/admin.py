from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Drill, EmergencyPlan, Incident, Inspection, RectificationItem


class NoDeleteAdmin(SimpleHistoryAdmin):
    """Nothing a school records is deleted, not even from the admin."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(NoDeleteAdmin):
    list_display = ["occurred_at", "school", "type", "severity", "status", "escalated_at"]
    list_filter = ["type", "severity", "status"]
    list_select_related = ["school"]
    raw_id_fields = ["children", "staff", "venue", "reported_by"]


@admin.register(EmergencyPlan)
class EmergencyPlanAdmin(NoDeleteAdmin):
    list_display = ["school", "plan_type", "last_reviewed_on"]
    list_select_related = ["school"]


@admin.register(Drill)
class DrillAdmin(NoDeleteAdmin):
    list_display = ["school", "plan", "held_on", "participants", "duration_minutes"]
    list_select_related = ["school", "plan"]


@admin.register(Inspection)
class InspectionAdmin(NoDeleteAdmin):
    list_display = ["school", "inspected_on"]
    list_select_related = ["school"]


@admin.register(RectificationItem)
class RectificationItemAdmin(NoDeleteAdmin):
    list_display = ["inspection", "heading", "deadline", "status"]
    list_filter = ["status", "heading"]
