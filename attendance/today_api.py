"""`GET /api/v1/students/{id}/today/`: a child's day (issue 19), for the child's guardians and the
school's staff who may see the child (`Student.objects.visible_to`); any other child is a 404.
The same data as the parent's today card (`attendance.today`), from the same cache."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from accounts.services import audit_read_many
from schools.models import Guardianship
from schools.selectors import student_get_for_user

from .today import child_today, today_payload


class TodayServiceSerializer(serializers.Serializer):
    session = serializers.CharField(help_text="noon, after_school or club")
    group = serializers.CharField(help_text="The group's (or club's) name")
    venue = serializers.CharField(allow_null=True)
    teacher = serializers.CharField(allow_null=True)
    starts_at = serializers.CharField(allow_null=True, help_text="HH:MM")
    ends_at = serializers.CharField(allow_null=True, help_text="HH:MM")


class TodayAttendanceSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="The latest mark of the day: present, absent, late or leave")
    marked_at = serializers.DateTimeField()


class TodayLeaveSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class TodayDeparturePlanSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="guardian, authorised or flexible")
    slot = serializers.CharField(allow_null=True, help_text="HH:MM from which the child may leave alone (flexible)")
    person = serializers.CharField(allow_null=True, help_text="The authorised pickup persons, 名字（关系）")


class TodayEventSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="mark_present, mark_late, mark_absent, mark_leave, class_to_group, "
                                           "group_to_club, teacher_to_teacher, pickup or flexible_departure")
    at = serializers.DateTimeField()
    text = serializers.CharField(help_text="In the language of the request")


class TodayReleasedSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="pickup or flexible_departure")
    at = serializers.DateTimeField()
    to_name = serializers.CharField()
    to_relation = serializers.CharField(allow_blank=True)


class ChildTodaySerializer(serializers.Serializer):
    date = serializers.DateField()
    service = TodayServiceSerializer(allow_null=True, help_text="null: no service today (holiday, not one of "
                                                                "the child's days, no place)")
    attendance = TodayAttendanceSerializer(allow_null=True, help_text="null: not marked yet")
    leave = TodayLeaveSerializer(allow_null=True, help_text="null: no leave reported for today")
    departure_plan = TodayDeparturePlanSerializer()
    events = TodayEventSerializer(many=True)
    released = TodayReleasedSerializer(allow_null=True, help_text="null: not picked up or gone home yet")


@extend_schema(responses={200: ChildTodaySerializer}, operation_id="students_today")
@api_view(["GET"])
def student_today(request, pk: int):
    """Today for one child: the service, the latest mark, leave, the pickup plan, the handovers in
    order and how the child went home. The child's guardians and the school's staff who see the
    child; a staff member's read is audited. Any other child: 404."""
    student = student_get_for_user(user=request.user, pk=pk)
    if not Guardianship.objects.active().filter(student=student, guardian=request.user).exists():
        audit_read_many(request=request, objects=[student], object_type="schools.student", detail="today")
    return Response(ChildTodaySerializer(today_payload(child_today(student))).data)
