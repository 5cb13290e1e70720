from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Announcement, Question, Questionnaire


@admin.register(Announcement)
class AnnouncementAdmin(SimpleHistoryAdmin):
    list_display = ["title", "school", "must_read", "published_at", "withdrawn"]
    list_filter = ["must_read", "withdrawn"]
    search_fields = ["title"]
    raw_id_fields = ["school", "author", "audience"]


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["position", "kind", "text", "required"]


@admin.register(Questionnaire)
class QuestionnaireAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "school", "term", "status", "per", "anonymous"]
    list_filter = ["status", "kind", "anonymous"]
    search_fields = ["title"]
    raw_id_fields = ["school", "author", "audience", "term"]
    inlines = [QuestionInline]
