"""API: the club menu and parents' choices (API.md: GET /api/v1/clubs/, POST /api/v1/clubs/{id}/choices/)."""
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.scoping import get_for_user
from schools.models import Student
from shahe_afterschool.api import IdField
from shahe_afterschool.ids import parse_id, parse_int

from . import allocation, selectors
from .models import Club, ClubChoice, ClubSlot


class SlotSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClubSlot
        fields = ["weekday", "start", "end"]


class ClubSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", read_only=True)
    category = serializers.CharField(source="club_type.category.code", read_only=True)
    category_name = serializers.CharField(source="club_type.category.name", read_only=True)
    type_name = serializers.CharField(source="club_type.name", read_only=True)
    venue_name = serializers.CharField(source="venue.name", read_only=True)
    teachers = serializers.SerializerMethodField()
    slots = SlotSerializer(many=True, read_only=True)
    enrolled = serializers.IntegerField(source="enrolled_count", read_only=True)
    free_seats = serializers.IntegerField(read_only=True)
    # plain strings: a second "status" enum in the schema would collide with students' (drf-spectacular W001)
    status = serializers.CharField(read_only=True, help_text="draft | submitted | approved | returned | superseded")

    class Meta:
        model = Club
        fields = ["id", "name", "school", "school_name", "term", "category", "category_name", "club_type",
                  "type_name", "teachers", "external_instructor", "venue", "venue_name", "capacity", "enrolled",
                  "free_seats", "grade_min", "grade_max", "slots", "status", "description"]

    def get_teachers(self, obj) -> list[str]:
        return [t.name or t.username for t in obj.teachers.all()]


class ChoiceInSerializer(serializers.Serializer):
    student = IdField()
    rank = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=3)


@extend_schema_serializer(component_name="ClubChoice")  # "Choice" is both a club choice and a question's choice
class ChoiceSerializer(serializers.ModelSerializer):
    club_name = serializers.CharField(source="club.name", read_only=True)
    reason = serializers.CharField(source="reason_text", read_only=True)
    reason_code = serializers.CharField(source="reason", read_only=True)
    status = serializers.CharField(
        read_only=True, help_text="pending | enrolled | waitlisted | not_placed | released | withdrawn")
    waitlist_position = serializers.SerializerMethodField()

    class Meta:
        model = ClubChoice
        fields = ["id", "club", "club_name", "student", "rank", "status", "reason", "reason_code", "waitlist_position",
                  "chosen_at", "decided_at"]

    def get_waitlist_position(self, obj) -> int | None:
        positions = self.context.get("positions")
        if positions is not None:
            return positions.get(obj.pk)
        return allocation.waitlist_position(obj)


class ClubViewSet(viewsets.ReadOnlyModelViewSet):
    """The club menu with free seats. Filters: `school`, `category` (code or id), `grade`,
    `status` (staff); `menu=1` keeps only approved clubs with a free seat."""

    serializer_class = ClubSerializer

    def get_queryset(self):
        params = self.request.query_params
        school = parse_id(params.get("school"))
        category = (params.get("category") or "").strip()[:32] or None
        grade = parse_int(params.get("grade"))
        if self.action == "list" and params.get("menu") in ("1", "true"):
            return selectors.club_menu(user=self.request.user, school_id=school, category=category, grade=grade)
        status_ = params.get("status") if params.get("status") in {c[0] for c in Club._meta.get_field(
            "status").choices} else None
        return selectors.club_list(user=self.request.user, school_id=school, category=category, status=status_)

    @extend_schema(request=ChoiceInSerializer, responses={201: ChoiceSerializer})
    @action(detail=True, methods=["post"])
    def choices(self, request, pk=None):
        club = selectors.club_get_for_user(user=request.user, pk=pk)
        data = ChoiceInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        student = Student.objects.visible_to(request.user).filter(pk=data.validated_data["student"]).first()
        if student is None:
            return Response({"student": [_("No such child.")]}, status=status.HTTP_400_BAD_REQUEST)
        choice = allocation.choice_make(user=request.user, student=student, club=club,
                                        rank=data.validated_data.get("rank"))
        return Response(ChoiceSerializer(choice).data, status=status.HTTP_201_CREATED)


class ClubChoiceViewSet(viewsets.ReadOnlyModelViewSet):
    """Club choices the caller may see (their children's; the school's for school-wide staff)."""

    serializer_class = ChoiceSerializer

    def get_queryset(self):
        return (ClubChoice.objects.visible_to(self.request.user).select_related("club")
                .order_by("student_id", "rank", "chosen_at", "pk"))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "list":
            context["positions"] = self._positions
        return context

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self._positions = allocation.waitlist_positions(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=None, responses={200: ChoiceSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        choice = get_for_user(ClubChoice.objects.select_related("club", "student"), request.user, pk)
        choice = allocation.choice_withdraw(user=request.user, choice=choice)
        return Response(ChoiceSerializer(choice).data)


def register_api(router):
    router.register("clubs", ClubViewSet, basename="club")
    router.register("club-choices", ClubChoiceViewSet, basename="club-choice")
    return []
