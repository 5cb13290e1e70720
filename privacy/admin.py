"""Consents and correction requests are records of what guardians said: read-only in the admin."""
from django.contrib import admin

from .models import CorrectionRequest, GuardianConsent, StudentAnonymisation


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GuardianConsent)
class GuardianConsentAdmin(ReadOnlyAdmin):
    list_display = ["student", "guardian", "notice_version", "decision", "decided_at"]
    list_filter = ["decision", "notice_version"]
    list_select_related = ["student", "guardian"]


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(ReadOnlyAdmin):
    list_display = ["student", "requested_by", "status", "created_at", "done_at"]
    list_filter = ["status"]
    list_select_related = ["student", "requested_by"]


@admin.register(StudentAnonymisation)
class StudentAnonymisationAdmin(ReadOnlyAdmin):
    list_display = ["student", "left_at", "anonymised_at"]
