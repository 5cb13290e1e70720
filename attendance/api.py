"""/api/v1/rolls/, /api/v1/custody-events/ and /api/v1/days/{school}/{date}/close/ (API.md).

Thin: the services and selectors do the work with the same scoping as the pages. Marks and
custody events accept an `Idempotency-Key` (enrollment.idempotency); marks are idempotent by
their `client_id` as well, so a tablet that retries without the header writes nothing twice.
"""
from __future__ import annotations

import datetime

from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.scoping import get_for_user
from accounts.services import audit_read_many
from enrollment.idempotency import idempotent
from schools.models import Student
from shahe_afterschool.api import IdField
from shahe_afterschool.ids import parse_id

from . import hours, pickup_codes, selectors, services
from .models import AbsenceFollowUp, CustodyEvent, Mark, PickupRefusal, Roll


def _date_param(value, name="date") -> datetime.date:
    if value in (None, ""):
        return timezone.localdate()
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({name: [_("Enter a date as YYYY-MM-DD.")]}) from None


STATUS_HELP = "present, absent, late or leave"
KIND_HELP = ("pickup, leave_alone or handover (also: class_to_group, group_to_club, teacher_to_teacher, "
             "flexible_departure)")


class MarkSerializer(serializers.ModelSerializer):
    # Plain strings (not enums): the OpenAPI schema keeps one enum name per choice set.
    status = serializers.CharField(read_only=True, help_text=STATUS_HELP)

    class Meta:
        model = Mark
        fields = ["student", "status", "client_id", "marked_at", "marked_by", "received_at"]


class RollSerializer(serializers.ModelSerializer):
    venue_name = serializers.CharField(source="venue.name", default=None, read_only=True)
    teacher_name = serializers.CharField(source="teacher.name", default=None, read_only=True)
    roll_status = serializers.CharField(source="status", read_only=True,
                                        help_text="open, submitted or cancelled (the calendar made the day a holiday)")
    cancelled_reason = serializers.CharField(read_only=True, help_text="Why the roll was cancelled (empty if not)")
    kind = serializers.CharField(read_only=True, help_text="group or club")
    session = serializers.CharField(read_only=True, help_text="noon, after_school or club")
    counts = serializers.SerializerMethodField()

    class Meta:
        model = Roll
        fields = ["id", "school", "date", "kind", "session", "name", "group", "club", "starts_at", "ends_at",
                  "venue", "venue_name", "teacher", "teacher_name", "roll_status", "submitted_at", "cancelled_reason",
                  "counts"]

    def get_counts(self, obj) -> dict:
        return self.context.get("counts", {}).get(obj.pk, {})


class RollDetailSerializer(RollSerializer):
    children = serializers.SerializerMethodField()

    class Meta(RollSerializer.Meta):
        fields = [*RollSerializer.Meta.fields, "children"]

    def get_children(self, obj) -> list:
        view = self.context["roll_view"]
        return [{"id": e.student.pk, "name": e.student.name, "initials": e.student.initials,
                 "class": e.student.homeroom_class.name,
                 "mark": MarkSerializer(e.mark).data if e.mark else None,
                 "leave": {"reason": e.leave.reason} if e.leave else None,
                 "health_notes": e.health_note or None} for e in view.entries]


MARK_ITEM = inline_serializer("MarkItem", fields={
    "student": serializers.IntegerField(), "status": serializers.CharField(help_text=STATUS_HELP),
    "client_id": serializers.CharField(max_length=64), "marked_at": serializers.DateTimeField(required=False)})


class RollViewSet(viewsets.ReadOnlyModelViewSet):
    """Rolls the caller holds (a teacher) or oversees (the school's principal, offices, duty leader)."""

    serializer_class = RollSerializer

    def get_queryset(self):
        return selectors.roll_list(user=self.request.user)

    @extend_schema(parameters=[OpenApiParameter("date", str, description="YYYY-MM-DD, default today"),
                               OpenApiParameter("school", int)])
    def list(self, request, *args, **kwargs):
        day = _date_param(request.query_params.get("date"))
        school = request.query_params.get("school")
        if school not in (None, ""):
            school = parse_id(school)
            if school is None:
                raise ValidationError({"school": [_("Enter a whole number.")]})
        qs = selectors.roll_list(user=request.user, date=day, school_id=school or None)
        page = self.paginate_queryset(qs)
        counts = selectors.roll_counts(page)
        return self.get_paginated_response(RollSerializer(page, many=True, context={"counts": counts}).data)

    def retrieve(self, request, *args, **kwargs):
        roll = selectors.roll_get_for_user(user=request.user, pk=kwargs["pk"])
        view = selectors.roll_view(roll)
        # Health notes: only for whom the caller may read them today (null otherwise); each read audited.
        shown = selectors.roll_health_notes(view, user=request.user)
        if shown:
            audit_read_many(request=request, objects=shown, object_type="schools.student",
                            detail="health notes (roll API)")
        counts = {roll.pk: {"expected": len(view.entries), "marked": view.marked}}
        return Response(RollDetailSerializer(roll, context={"roll_view": view, "counts": counts}).data)

    @extend_schema(request=MARK_ITEM, responses={200: inline_serializer("MarksResult", fields={
        "created": serializers.IntegerField(), "updated": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(), "stale": serializers.IntegerField(),
        "results": serializers.ListField(child=serializers.DictField())})})
    @action(detail=True, methods=["post"])
    def marks(self, request, pk=None):
        """A batch `[{"student", "status", "client_id", "marked_at"?}]`; idempotent."""
        # the school names an absence's notice; nothing else of the roll's relations is read
        roll = selectors.roll_get_for_user(user=request.user, pk=pk, related=("school",))
        data = request.data
        if isinstance(data, dict) and "marks" in data:
            data = data["marks"]

        def handler():
            ids = selectors.roll_child_ids(roll)
            outcome = services.marks_record(roll=roll, user=request.user, marks=data, roll_student_ids=ids)
            return Response(outcome, status=status.HTTP_200_OK)

        return idempotent(request, scope=f"attendance.marks:{roll.pk}", handler=handler)

    @extend_schema(request=None, responses={200: RollSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        roll = selectors.roll_get_for_user(user=request.user, pk=pk)
        ids = selectors.roll_child_ids(roll)
        roll = services.roll_submit(roll=roll, user=request.user, expected_ids=ids)
        return Response(RollSerializer(roll).data)


class CustodyEventInSerializer(serializers.Serializer):
    student = IdField(required=False, help_text="the child; may be left out with `pickup_code` (the code names the "
                                                "child), given with it the code must be this child's")
    kind = serializers.CharField(max_length=24, help_text=KIND_HELP)
    guardian = IdField(required=False, help_text="pickup: the user id of a guardian of the child")
    pickup_person = IdField(required=False, help_text="pickup: the id of an authorised pickup person of the child")
    to_teacher = IdField(required=False, help_text="handover: the receiving teacher's user id")
    to_user = IdField(required=False, help_text="handover: the receiving teacher's user id (older name of to_teacher)")
    roll = IdField(required=False, help_text="handover: the receiving roll")
    relation = serializers.CharField(required=False, allow_blank=True, max_length=32)
    date = serializers.DateField(required=False, help_text="set by the server from `at`; a different date is refused")
    at = serializers.DateTimeField(required=False, help_text="an offline replay's time: at most 15 minutes old "
                                                              "unless `correction_reason` is given; never future")
    correction_reason = serializers.CharField(required=False, allow_blank=True, max_length=200)
    corrects = IdField(required=False, help_text="a correction: the id of the event it corrects (kept)")
    to_person = serializers.CharField(required=False, allow_blank=True, max_length=64,
                                      help_text="refused: free text is never a pickup (see pickup-refusals)")
    pickup_code = serializers.CharField(required=False, allow_blank=True, max_length=32, trim_whitespace=False,
                                        help_text="pickup: today's pickup code (6 digits) a guardian fetched for "
                                                  "themselves or sent to an authorised person; the server resolves it "
                                                  "to the child and the adult. A wrong code is 400/409 naming what is "
                                                  "wrong, recorded nowhere but in the count of wrong codes (429 after "
                                                  "10 a day)")

    def validate(self, attrs):
        if attrs.get("student") is None and "pickup_code" not in attrs:
            raise ValidationError({"student": [self.fields["student"].error_messages["required"]]})
        return attrs


class CustodyEventSerializer(serializers.ModelSerializer):
    event_kind = serializers.CharField(source="kind", read_only=True)

    class Meta:
        model = CustodyEvent
        fields = ["id", "school", "student", "date", "event_kind", "from_user", "to_user", "pickup_person",
                  "to_name", "relation", "roll", "at", "recorded_by", "created_at", "correction_reason", "corrects"]


class CustodyEventViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Hand a child over (teacher, duty leader). The server sets `date` and `at`; a pickup names a
    guardian or an authorised pickup person of the child by id (400 otherwise, nothing recorded);
    leaving alone is 409 outside the plan or before the chosen slot."""

    serializer_class = CustodyEventInSerializer

    def get_queryset(self):
        return CustodyEvent.objects.visible_to(self.request.user)

    @extend_schema(request=CustodyEventInSerializer, responses={201: CustodyEventSerializer})
    def create(self, request, *args, **kwargs):
        from django.contrib.auth import get_user_model

        incoming = CustodyEventInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        v = incoming.validated_data
        if "pickup_code" in v:
            return self._create_by_code(request, v)
        student = get_for_user(Student.objects.all(), request.user, v["student"])
        if (v.get("to_person") or "").strip() and services.KIND_ALIASES.get(v["kind"], v["kind"]) == "pickup":
            raise ValidationError({"to_person": [_("A name is never a pickup: choose the guardian or the authorised "
                                                   "pickup person by id, or record a refusal.")]})
        roll = None
        if v.get("roll"):
            # Any roll of the child's school (the receiving teacher's, not necessarily the caller's).
            roll = Roll.objects.filter(pk=v["roll"], school_id=student.school_id).select_related("teacher").first()
            if roll is None:
                raise ValidationError({"roll": [_("No such roll at the child's school.")]})
        to_user = None
        teacher_id = v.get("to_teacher") or v.get("to_user")
        if teacher_id:
            to_user = get_user_model().objects.filter(pk=teacher_id).first()
            if to_user is None:
                raise ValidationError({"to_teacher": [_("No such user.")]})
        corrects = None
        if v.get("corrects"):
            corrects = CustodyEvent.objects.filter(pk=v["corrects"], student=student).first()
            if corrects is None:
                raise ValidationError({"corrects": [_("No such handover of this child.")]})

        def handler():
            event = services.custody_record(
                user=request.user, student=student, date=v.get("date"), kind=v["kind"], at=v.get("at"),
                to_user=to_user, relation=v.get("relation", ""), guardian_id=v.get("guardian"),
                pickup_person_id=v.get("pickup_person"), roll=roll,
                correction_reason=v.get("correction_reason", ""), corrects=corrects)
            return Response(CustodyEventSerializer(event).data, status=status.HTTP_201_CREATED)

        return idempotent(request, scope="attendance.custody", handler=handler)

    def _create_by_code(self, request, v):
        """A pickup by the code an adult shows: resolved to the child and the adult at the child's
        school (the caller's only school when no `student` is given) for today. A wrong code is
        counted outside the request's transaction (`pickup_codes.counting_wrong_codes`)."""
        if services.KIND_ALIASES.get(v["kind"], v["kind"]) != CustodyEvent.Kind.PICKUP:
            raise ValidationError({"pickup_code": [_("A pickup code is for a pickup (kind \"pickup\") only.")]})
        if any(v.get(k) for k in ("guardian", "pickup_person", "to_teacher", "to_user", "roll")) or (
                v.get("to_person") or "").strip():
            raise ValidationError({"pickup_code": [_("Give the pickup code alone: the code names the adult.")]})
        student = get_for_user(Student.objects.all(), request.user, v["student"]) if v.get("student") else None
        school = student.school if student else pickup_codes.school_of_caller(request.user)

        def handler():
            code = pickup_codes.check(user=request.user, raw=v["pickup_code"], school=school, student=student)
            event = pickup_codes.pickup_by_code(user=request.user, code=code, at=v.get("at"), date=v.get("date"),
                                                correction_reason=v.get("correction_reason", ""))
            return Response(CustodyEventSerializer(event).data, status=status.HTTP_201_CREATED)

        with pickup_codes.counting_wrong_codes(user=request.user):
            return idempotent(request, scope="attendance.custody", handler=handler)


# --- the pickup code (接送码): a guardian's view -------------------------------------------------
class PickupCodeSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="6 digits, valid on `valid_on` at the child's school only")
    valid_on = serializers.DateField()
    qr_svg = serializers.CharField(help_text="the code as a QR code, an inline SVG document")
    student = serializers.IntegerField()
    guardian = serializers.IntegerField(allow_null=True, help_text="the guardian the code belongs to, or null")
    pickup_person = serializers.IntegerField(allow_null=True,
                                             help_text="the authorised pickup person the code belongs to, or null")
    share_text = serializers.CharField(help_text="a text to forward to the adult")


@extend_schema(parameters=[OpenApiParameter("pickup_person", int, description="an authorised pickup person of the "
                                            "child: the code sent to that person (issued on first ask)")],
               responses={200: PickupCodeSerializer})
@api_view(["GET"])
def student_pickup_code(request, pk: int):
    """Today's pickup code of a child, for the guardian asking (or, with `?pickup_person=`, for one
    of the child's authorised pickup persons, to forward). Guardians of the child only: anyone
    else, staff included, gets 404. The same adult gets the same code all day."""
    from enrollment.models import AuthorisedPickupPerson

    child = pickup_codes.guardian_child(user=request.user, student_id=pk)
    person = None
    raw = request.query_params.get("pickup_person")
    if raw not in (None, ""):
        person_id = parse_id(raw)
        person = (AuthorisedPickupPerson.objects.active().filter(student=child, pk=person_id).first()
                  if person_id else None)
        if person is None:
            raise Http404
    code = pickup_codes.issue(user=request.user, student=child, pickup_person=person)
    label = _("Pickup code %(code)s of %(child)s") % {"code": code.code, "child": child.name}
    return Response({"code": code.code, "valid_on": code.date, "qr_svg": pickup_codes.qr_svg(code.code, label=label),
                     "student": child.pk, "guardian": code.guardian_id, "pickup_person": code.pickup_person_id,
                     "share_text": pickup_codes.share_text(code)})


class PickupRefusalInSerializer(serializers.Serializer):
    student = IdField()
    person = serializers.CharField(max_length=120, help_text="the name of the person not on the child's list")


class PickupRefusalSerializer(serializers.ModelSerializer):
    class Meta:
        model = PickupRefusal
        fields = ["id", "school", "student", "date", "person", "at", "recorded_by"]


class PickupRefusalViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The explicit refusal: someone not on the child's list came for the child. Recorded with the
    person's name; the duty leader and the guardians are alerted."""

    serializer_class = PickupRefusalInSerializer

    def get_queryset(self):
        return PickupRefusal.objects.visible_to(self.request.user)

    @extend_schema(request=PickupRefusalInSerializer, responses={201: PickupRefusalSerializer})
    def create(self, request, *args, **kwargs):
        incoming = PickupRefusalInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        v = incoming.validated_data
        student = get_for_user(Student.objects.all(), request.user, v["student"])
        refusal = services.pickup_refusal_record(user=request.user, student=student, person=v["person"])
        return Response(PickupRefusalSerializer(refusal).data, status=status.HTTP_201_CREATED)


class AbsenceFollowUpInSerializer(serializers.Serializer):
    student = IdField()
    date = serializers.DateField()
    contacted = IdField(help_text="the user id of the guardian contacted")
    outcome = serializers.CharField(max_length=16, help_text="reached_safe, not_reached or escalated")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AbsenceFollowUpSerializer(serializers.ModelSerializer):
    follow_up_outcome = serializers.CharField(source="outcome", read_only=True)

    class Meta:
        model = AbsenceFollowUp
        fields = ["id", "school", "student", "date", "contacted", "follow_up_outcome", "note", "at", "recorded_by"]


class AbsenceFollowUpViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Record who contacted which guardian of a child absent without leave, and the outcome."""

    serializer_class = AbsenceFollowUpInSerializer

    def get_queryset(self):
        return AbsenceFollowUp.objects.visible_to(self.request.user)

    @extend_schema(request=AbsenceFollowUpInSerializer, responses={201: AbsenceFollowUpSerializer})
    def create(self, request, *args, **kwargs):
        from django.contrib.auth import get_user_model

        incoming = AbsenceFollowUpInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        v = incoming.validated_data
        student = get_for_user(Student.objects.all(), request.user, v["student"])
        contacted = get_user_model().objects.filter(pk=v["contacted"]).first()
        follow_up = services.absence_follow_up_record(user=request.user, student=student, date=v["date"],
                                                      contacted=contacted, outcome=v["outcome"],
                                                      note=v.get("note", ""))
        return Response(AbsenceFollowUpSerializer(follow_up).data, status=status.HTTP_201_CREATED)


@extend_schema(request=None, responses={200: inline_serializer("DayClosed", fields={
    "school": serializers.IntegerField(), "date": serializers.DateField(), "closed_at": serializers.DateTimeField()}),
    409: inline_serializer("DayNotClosed", fields={"detail": serializers.CharField(),
                                                   "children": serializers.ListField(child=serializers.DictField()),
                                                   "absences": serializers.ListField(child=serializers.DictField())})})
@api_view(["POST"])
def day_close(request, school: int, date: str):
    """Close the school's day (the day's duty leader or the principal): 409 with the children
    present and not yet released and the absences without leave not followed up, or 200."""
    school_obj = selectors.school_for_day(user=request.user, school_id=school)
    day = _date_param(date)
    closed = services.day_close(user=request.user, school=school_obj, date=day)
    return Response({"school": school_obj.pk, "date": day.isoformat(), "closed_at": closed.closed_at,
                     "closed_by": closed.closed_by_id})


# --- teachers' service hours ---------------------------------------------------------------------
class HoursByKindSerializer(serializers.Serializer):
    planned_sessions = serializers.IntegerField()
    held_sessions = serializers.IntegerField()
    planned_minutes = serializers.IntegerField()
    held_minutes = serializers.IntegerField()


class TeacherHoursSerializer(serializers.Serializer):
    teacher = serializers.IntegerField()
    teacher_name = serializers.CharField()
    planned_sessions = serializers.IntegerField()
    held_sessions = serializers.IntegerField()
    planned_minutes = serializers.IntegerField()
    held_minutes = serializers.IntegerField()
    by_kind = inline_serializer("HoursByKinds", fields={
        "noon": HoursByKindSerializer(), "group": HoursByKindSerializer(), "club": HoursByKindSerializer()})


@extend_schema(parameters=[OpenApiParameter("school", int, required=True),
                           OpenApiParameter("month", str, required=True, description="YYYY-MM")],
               responses={200: TeacherHoursSerializer(many=True)})
@api_view(["GET"])
def teacher_hours(request):
    """Teachers' planned and held service hours of a school for a month (performance pay): the
    school's teaching-affairs office and principal, its district and the bureau see every teacher;
    a teacher sees only their own row. A school the caller does not see is a 404."""
    school = selectors.school_for_hours(user=request.user, school_id=request.query_params.get("school"))
    try:
        date_from, date_to = hours.month_range((request.query_params.get("month") or "").strip())
    except ValueError:
        raise ValidationError({"month": [_("Give the month as YYYY-MM.")]}) from None
    teacher_id = selectors.hours_teacher_filter(user=request.user, school=school)
    rows = hours.teacher_hours(school=school, date_from=date_from, date_to=date_to, teacher_id=teacher_id)
    return Response(TeacherHoursSerializer(rows, many=True).data)


def register_api(router):
    router.register("rolls", RollViewSet, basename="roll")
    router.register("custody-events", CustodyEventViewSet, basename="custody-event")
    router.register("pickup-refusals", PickupRefusalViewSet, basename="pickup-refusal")
    router.register("absence-follow-ups", AbsenceFollowUpViewSet, basename="absence-follow-up")
    from .today_api import student_today

    return [path("days/<int:school>/<str:date>/close/", day_close, name="day-close"),
            path("students/<int:pk>/pickup-code/", student_pickup_code, name="student-pickup-code"),
            path("students/<int:pk>/today/", student_today, name="student-today"),
            path("teacher-hours/", teacher_hours, name="teacher-hours")]
