"""Django admin for enrollment. State changes go through the services (pages and API); the admin
is for looking things up, so applications and transitions are read-only here."""
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Application,
    ApplicationTransition,
    AuthorisedPickupPerson,
    ParentLetter,
    Placement,
    PriorityClaim,
    ServiceGroup,
)


@admin.register(ParentLetter)
class ParentLetterAdmin(SimpleHistoryAdmin):
    list_display = ["school", "term", "version", "title", "published_at"]
    list_filter = ["term"]
    list_select_related = ["school", "term"]
    search_fields = ["title", "school__name"]


@admin.register(ServiceGroup)
class ServiceGroupAdmin(SimpleHistoryAdmin):
    list_display = ["name", "school", "term", "session", "grade_from", "grade_to", "capacity", "teacher", "status"]
    list_filter = ["session", "status", "term"]
    list_select_related = ["school", "term", "teacher"]
    search_fields = ["name", "school__name"]


class TransitionInline(admin.TabularInline):
    model = ApplicationTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "by", "at", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(SimpleHistoryAdmin):
    list_display = ["student", "school", "term", "status", "waitlist_position", "submitted_at"]
    list_filter = ["status", "term"]
    list_select_related = ["student", "school", "term"]
    search_fields = ["student__name", "student__student_number"]
    inlines = [TransitionInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Placement)
class PlacementAdmin(SimpleHistoryAdmin):
    list_display = ["application", "group", "active", "placed_at", "ended_at"]
    list_filter = ["active"]
    list_select_related = ["application__student", "group"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(PriorityClaim, SimpleHistoryAdmin)
admin.site.register(AuthorisedPickupPerson, SimpleHistoryAdmin)
