from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import District, Grade, Guardianship, HomeroomClass, School, Student, Term, Venue


@admin.register(District)
class DistrictAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name"]
    search_fields = ["name", "code"]


@admin.register(School)
class SchoolAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "district", "city_direct", "level", "demonstration", "active"]
    list_filter = ["level", "city_direct", "demonstration", "district"]
    search_fields = ["name", "code"]
    list_select_related = ["district"]


@admin.register(Term)
class TermAdmin(SimpleHistoryAdmin):
    list_display = ["name", "start_date", "end_date", "summer_timetable_from", "winter_timetable_from"]


@admin.register(Grade)
class GradeAdmin(admin.ModelAdmin):
    list_display = ["school", "number", "name"]
    list_filter = ["number"]
    list_select_related = ["school"]


@admin.register(HomeroomClass)
class HomeroomClassAdmin(SimpleHistoryAdmin):
    list_display = ["name", "school", "grade", "homeroom_teacher", "active"]
    list_select_related = ["school", "grade", "homeroom_teacher"]
    search_fields = ["name", "school__name"]
    raw_id_fields = ["homeroom_teacher"]


@admin.register(Student)
class StudentAdmin(SimpleHistoryAdmin):
    list_display = ["student_number", "name", "school", "homeroom_class", "status"]
    list_filter = ["status", "gender"]
    search_fields = ["name", "student_number"]
    list_select_related = ["school", "homeroom_class"]
    raw_id_fields = ["homeroom_class", "school"]


@admin.register(Guardianship)
class GuardianshipAdmin(SimpleHistoryAdmin):
    list_display = ["guardian", "student", "relation", "may_pick_up", "active"]
    raw_id_fields = ["guardian", "student"]
    list_select_related = ["guardian", "student"]


@admin.register(Venue)
class VenueAdmin(SimpleHistoryAdmin):
    list_display = ["name", "school", "kind", "capacity", "active"]
    list_filter = ["kind"]
    list_select_related = ["school"]
