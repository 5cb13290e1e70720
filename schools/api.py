from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from accounts.services import audit_record

from . import selectors
from .models import School, Student


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



def register_api(router):
    router.register("schools", SchoolViewSet, basename="school")
    router.register("students", StudentViewSet, basename="student")
    return []
