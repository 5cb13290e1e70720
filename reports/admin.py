from django.contrib import admin

from .models import WeeklyCoverageReport


@admin.register(WeeklyCoverageReport)
class WeeklyCoverageReportAdmin(admin.ModelAdmin):
    """Read-only: reports are built by `reports.services` and corrected by a new version, never edited."""

    list_display = ["week", "scope_key", "version", "status", "built_at", "published_at"]
    list_filter = ["status", "kind", "week"]
    search_fields = ["week", "scope_key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
