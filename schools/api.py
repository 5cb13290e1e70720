import datetime
import re

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from accounts.services import audit_record
from shahe_afterschool.api import IdField
from shahe_afterschool.errors import DomainError
from shahe_afterschool.ids import parse_id

from . import calendar, selectors
from .models import CalendarDay, School, Student


class SchoolSerializer(serializers.ModelSerializer):
    district_name = serializers.CharField(source="district.name", default=None, read_only=True)

    class Meta:
        model = School
        fields = ["id", "code", "name", "district", "district_name", "level", "city_direct", "demonstration"]


class StudentSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", read_only=True)
    class_name = serializers.CharField(source="homeroom_class.name", read_only=True)
    grade = serializers.IntegerField(source="homeroom_class.grade.number", read_only=True)

    class Meta:
        model = Student
        fields = ["id", "student_number", "name", "gender", "school", "school_name", "homeroom_class",
                  "class_name", "grade", "status"]


class StudentDetailSerializer(StudentSerializer):
    health_notes = serializers.SerializerMethodField()

    class Meta(StudentSerializer.Meta):
        fields = [*StudentSerializer.Meta.fields, "birth_date", "health_notes"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_health_notes(self, obj):
        """Need to know (`selectors.health_notes_visible`): null for whoever may not read them today."""
        visible = self.context.get("health_notes_visible")
        if visible is None:
            visible = selectors.health_notes_visible(self.context["request"].user, [obj])
        return obj.health_notes if obj.pk in visible else None


class SchoolFilter(filters.FilterSet):
    class Meta:
        model = School
        fields = ["district", "level", "city_direct"]


class SchoolViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SchoolSerializer
    filterset_class = SchoolFilter

    def get_queryset(self):
        return selectors.school_list(user=self.request.user)


class StudentFilter(filters.FilterSet):
    class Meta:
        model = Student
        fields = ["school", "homeroom_class", "status"]


class StudentViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = StudentFilter

    def get_queryset(self):
        return selectors.student_list(user=self.request.user)

    def get_serializer_class(self):
        return StudentDetailSerializer if self.action == "retrieve" else StudentSerializer

    def retrieve(self, request, *args, **kwargs):
        student = self.get_object()
        response = Response(self.get_serializer(student).data)
        # The resolved key, never the URL's text: the access log finds reads by child through it. A
        # health note shown is a read of it: said in the same audit row.
        detail = "api student detail" + (", health notes" if response.data.get("health_notes") else "")
        audit_record(request=request, action="read", obj=student, detail=detail)
        return response



# --- the calendar (校历) -------------------------------------------------------------------------
class CalendarDaySerializer(serializers.ModelSerializer):
    # plain strings: a second "kind" enum in the schema would collide with other models' (drf-spectacular W001)
    kind = serializers.CharField(help_text="holiday | school_day | no_service | early_dismissal")
    scope = serializers.CharField(help_text="city | school")
    school = IdField(source="school_id", required=False, allow_null=True,
                     help_text="The school of a school's day (scope school); empty for a city day.")
    school_name = serializers.CharField(source="school.name", default=None, read_only=True)
    follows_weekday = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=7,
                                               help_text="A make-up school day: the ISO weekday (1 = Monday) whose "
                                                         "timetable it follows.")
    ends_at = serializers.TimeField(required=False, allow_null=True, format="%H:%M",
                                    help_text="An early dismissal: the time the service ends.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")

    class Meta:
        model = CalendarDay
        fields = ["id", "date", "kind", "follows_weekday", "ends_at", "note", "scope", "school", "school_name"]
        read_only_fields = ["id"]

    def validate_scope(self, value):
        if value not in ("city", "school"):
            raise serializers.ValidationError(_("The scope must be city or school."))
        return value


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _query_date(params, name: str) -> datetime.date | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise DomainError(_("Give the date as YYYY-MM-DD."), field=name) from None


def _school_for(user, value) -> School | None:
    """The school of `?school=` / `"school"`: None when not given; 404 when not visible to the user."""
    if value in (None, ""):
        return None
    pk = parse_id(value)
    school = School.objects.visible_to(user).filter(pk=pk).first() if pk is not None else None
    if school is None:
        raise Http404
    return school


@extend_schema(parameters=[
    OpenApiParameter("school", OpenApiTypes.INT, description="The city's days and this school's"),
    OpenApiParameter("from", OpenApiTypes.DATE), OpenApiParameter("to", OpenApiTypes.DATE)])
class CalendarDayViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """校历: `GET` the calendar days the caller may see (the city's and, with `school`, that
    school's); `POST` one day: the bureau a city day (`scope` city), a school's principal or
    teaching-affairs office a day of that school (`scope` school with `school`)."""

    serializer_class = CalendarDaySerializer

    def get_queryset(self):
        params = self.request.query_params
        return calendar.calendar_list(user=self.request.user, school=_school_for(self.request.user, params.get("school")),
                                      date_from=_query_date(params, "from"), date_to=_query_date(params, "to"))

    @extend_schema(responses={201: CalendarDaySerializer})
    def create(self, request, *args, **kwargs):
        data = CalendarDaySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        school = None
        if v["scope"] == "school":
            school = _school_for(request.user, v.get("school_id") or request.query_params.get("school"))
            if school is None:
                raise DomainError(_("Say which school the day is for."), field="school")
        elif v.get("school_id"):
            raise DomainError(_("A city day belongs to no school."), field="school")
        day = calendar.calendar_day_create(user=request.user, school=school, date=v["date"], kind=v["kind"],
                                           follows_weekday=v.get("follows_weekday"), ends_at=v.get("ends_at"),
                                           note=v.get("note", ""))
        return Response(CalendarDaySerializer(day).data, status=status.HTTP_201_CREATED)


def register_api(router):
    router.register("calendar-days", CalendarDayViewSet, basename="calendar-day")
    router.register("schools", SchoolViewSet, basename="school")
    router.register("students", StudentViewSet, basename="student")
    return []
