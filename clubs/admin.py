from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ChoiceWindow, Club, ClubCategory, ClubChoice, ClubSlot, ClubType, ServicePlan


@admin.register(ClubCategory)
class ClubCategoryAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_zh", "name_en", "order"]


@admin.register(ClubType)
class ClubTypeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_zh", "name_en", "category", "active"]
    list_filter = ["category", "active"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(ServicePlan)
class ServicePlanAdmin(SimpleHistoryAdmin):
    list_display = ["school", "term", "revision", "status"]
    list_filter = ["status", "term"]
    list_select_related = ["school", "term"]


class ClubSlotInline(admin.TabularInline):
    model = ClubSlot
    extra = 0


@admin.register(Club)
class ClubAdmin(SimpleHistoryAdmin):
    list_display = ["name", "school", "term", "club_type", "status", "capacity"]
    list_filter = ["status", "club_type__category", "term"]
    search_fields = ["name", "school__name"]
    list_select_related = ["school", "term", "club_type"]
    inlines = [ClubSlotInline]


@admin.register(ChoiceWindow)
class ChoiceWindowAdmin(SimpleHistoryAdmin):
    list_display = ["school", "term", "opens_at", "closes_at", "allocated_at"]


@admin.register(ClubChoice)
class ClubChoiceAdmin(SimpleHistoryAdmin):
    list_display = ["student", "club", "rank", "status", "reason", "chosen_at"]
    list_filter = ["status"]
    raw_id_fields = ["student", "club", "chosen_by"]
