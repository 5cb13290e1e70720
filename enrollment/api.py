"""/api/v1/letters/ and /api/v1/applications/ (see /work/shared/API.md). Thin: services and
selectors do the work, with the same scoping as the pages."""
from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.services import audit_read_many
from schools.models import Student, Term
from shahe_afterschool.api import IdField
from shahe_afterschool.ids import parse_int

from . import selectors, services
from .idempotency import idempotent
from .models import Application, ParentLetter, PriorityGroup, ServiceGroup, Session


# --- letters ---------------------------------------------------------------------------------
class LetterSerializer(serializers.ModelSerializer):
    text = serializers.CharField(read_only=True)

    class Meta:
        model = ParentLetter
        fields = ["id", "school", "term", "version", "title", "text", "service_scope", "times", "content",
                  "safety_measures", "published_at"]


class LetterViewSet(viewsets.ReadOnlyModelViewSet):
    """The current letter to parents of each school and term (`?school=&term=`; term defaults to the
    current one). Older versions stay readable by id."""

    serializer_class = LetterSerializer

    def get_queryset(self):
        return ParentLetter.objects.visible_to(self.request.user).order_by("school_id", "term_id")

    def _int_param(self, name):
        value = self.request.query_params.get(name)
        if value in (None, ""):
            return None
        number = parse_int(value)
        if number is None:
            raise ValidationError({name: [_("Enter a whole number.")]})
        return number

    @extend_schema(parameters=[OpenApiParameter("school", int), OpenApiParameter("term", int)])
    def list(self, request, *args, **kwargs):
        newer = ParentLetter.objects.filter(school=OuterRef("school"), term=OuterRef("term"),
                                            version__gt=OuterRef("version"))
        qs = self.get_queryset().filter(~Exists(newer))
        school, term = self._int_param("school"), self._int_param("term")
        if school:
            qs = qs.filter(school_id=school)
        if term is None:
            current = Term.current()
            term = current.pk if current else None
        if term:
            qs = qs.filter(term_id=term)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=None, responses={200: None})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        letter = self.get_object()
        ack = services.letter_acknowledge(letter=letter, guardian=request.user)
        return Response({"letter": letter.pk, "version": letter.version, "acknowledged_at": ack.acknowledged_at})


# --- applications ----------------------------------------------------------------------------
class ClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    group = serializers.CharField()
    note = serializers.CharField()
    status = serializers.CharField()


class ApplicationSerializer(serializers.ModelSerializer):
    student_name = serializers.CharField(source="student.name", read_only=True)
    # A plain string in the schema: an enum called "status" would collide with Student.status.
    status = serializers.CharField(read_only=True, help_text=" | ".join(Application.Status.values))
    waitlist_position = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField()
    groups = serializers.SerializerMethodField()
    priority_claim_count = serializers.IntegerField(source="claim_count", read_only=True)
    priority_groups = serializers.SerializerMethodField()
    priority_claims = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = ["id", "student", "student_name", "school", "term", "status", "sessions", "weekdays",
                  "pickup_plan", "departure_time", "letter", "letter_version", "letter_acknowledged_at",
                  "submitted_at", "reviewed_at", "reject_reason", "waitlist_position", "groups", "explanation",
                  "priority_claim_count", "priority_groups", "priority_claims"]

    def _shows_claims(self, obj) -> bool:
        cache = self.context.setdefault("_claims_visible", {})
        if obj.pk not in cache:
            guarded = self.context.get("guarded")
            if guarded is None:
                guarded = self.context["guarded"] = selectors.guarded_student_ids(self.context["request"].user)
            cache[obj.pk] = selectors.claims_visible(user=self.context["request"].user, application=obj,
                                                     guardian_student_ids=guarded)
        return cache[obj.pk]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_waitlist_position(self, obj):
        return obj.waitlist_position if obj.status == Application.Status.WAITLISTED else None

    @extend_schema_field(serializers.CharField())
    def get_explanation(self, obj):
        return selectors.explanation_text(obj, show_priority=self._shows_claims(obj))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_groups(self, obj):
        return [p.group.name for p in getattr(obj, "active_placements", [])]

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_priority_groups(self, obj):
        """Sensitive: only the guardians, the homeroom teacher and the principal; others get null."""
        if not self._shows_claims(obj):
            return None
        return [c.group for c in obj.claims.all()]

    @extend_schema_field(ClaimSerializer(many=True, allow_null=True))
    def get_priority_claims(self, obj):
        if not self._shows_claims(obj):
            return None
        return [{"id": c.id, "group": c.group, "note": c.note, "status": c.status} for c in obj.claims.all()]


class ClaimInputSerializer(serializers.Serializer):
    group = serializers.ChoiceField(choices=PriorityGroup.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PriorityGroupsField(serializers.ListField):
    """Accepts `["migrant", ...]` or `[{"group": "migrant", "note": "..."}, ...]`."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise ValidationError(_("Expected a list."))
        out = []
        for item in data:
            if isinstance(item, str):
                item = {"group": item}
            ser = ClaimInputSerializer(data=item)
            ser.is_valid(raise_exception=True)
            out.append((ser.validated_data["group"], ser.validated_data["note"]))
        return out


class ApplicationCreateSerializer(serializers.Serializer):
    student = IdField()
    term = IdField(required=False)
    sessions = serializers.ListField(child=serializers.ChoiceField(choices=Session.choices), allow_empty=False)
    weekdays = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=5), allow_empty=False)
    priority_groups = PriorityGroupsField(required=False, default=list)
    letter = IdField()
    letter_acknowledged = serializers.BooleanField(default=False)
    pickup_plan = serializers.ChoiceField(choices=Application.Pickup.choices, default=Application.Pickup.GUARDIAN)
    departure_time = serializers.TimeField(required=False, allow_null=True, default=None)


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class ClaimDecisionSerializer(serializers.Serializer):
    claim = IdField()
    verified = serializers.BooleanField()


class ApplicationViewSet(viewsets.ReadOnlyModelViewSet):
    """Applications the caller may see, with `status` and `waitlist_position`."""

    serializer_class = ApplicationSerializer
    filterset_fields = ["status", "term", "school"]

    def get_queryset(self):
        return selectors.application_list(user=self.request.user)

    def get_serializer_context(self):
        ctx = super().get_serializer_context()
        ctx["guarded"] = selectors.guarded_student_ids(self.request.user)
        return ctx

    def _audit(self, request, apps, serializer):
        shown = [a for a in apps if serializer.context.get("_claims_visible", {}).get(a.pk)]
        claims = [c for a in shown for c in a.claims.all()]
        if claims:
            audit_read_many(request=request, objects=claims, object_type="enrollment.priorityclaim",
                            detail="api priority claims")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        serializer = self.get_serializer(page, many=True)
        data = serializer.data
        self._audit(request, page, serializer.child)
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        app = self.get_object()
        serializer = self.get_serializer(app)
        data = serializer.data
        self._audit(request, [app], serializer)
        return Response(data)

    def _respond(self, app, code=status.HTTP_200_OK):
        app = selectors.application_get_for_user(user=self.request.user, pk=app.pk)
        serializer = self.get_serializer(app)
        data = serializer.data
        self._audit(self.request, [app], serializer)
        return Response(data, status=code)

    @extend_schema(request=ApplicationCreateSerializer, responses={201: ApplicationSerializer})
    def create(self, request, *args, **kwargs):
        return idempotent(request, scope="enrollment.applications.create", handler=lambda: self._create(request))

    def _create(self, request):
        ser = ApplicationCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        student = Student.objects.visible_to(request.user).filter(pk=d["student"]).select_related("school").first()
        if student is None:
            raise ValidationError({"student": [_("Unknown student.")]})
        term = Term.objects.filter(pk=d["term"]).first() if d.get("term") else Term.current()
        if term is None:
            raise ValidationError({"term": [_("Unknown term.")]})
        letter = ParentLetter.objects.filter(pk=d["letter"]).first()
        if letter is None:
            raise ValidationError({"letter": [_("Unknown letter.")]})
        app = services.application_submit(
            by=request.user, student=student, term=term, sessions=d["sessions"], weekdays=d["weekdays"],
            letter=letter, letter_acknowledged=d["letter_acknowledged"], pickup_plan=d["pickup_plan"],
            departure_time=d["departure_time"], priority_claims=d["priority_groups"])
        return self._respond(app, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        app = self.get_object()
        reason = request.data.get("reason", "") if isinstance(request.data, dict) else ""
        app = services.application_withdraw(application=app, by=request.user, reason=str(reason)[:255])
        return self._respond(app)

    @extend_schema(request=ReviewSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        app = self.get_object()
        ser = ReviewSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        app = services.application_review(application=app, by=request.user, **ser.validated_data)
        return self._respond(app)

    @extend_schema(request=ClaimDecisionSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"], url_path="decide-claim")
    def decide_claim(self, request, pk=None):
        app = self.get_object()
        ser = ClaimDecisionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        claim = app.claims.filter(pk=ser.validated_data["claim"]).first()
        if claim is None:
            raise ValidationError({"claim": [_("Unknown claim.")]})
        services.claim_decide(claim=claim, by=request.user, verified=ser.validated_data["verified"])
        return self._respond(app)


# --- groups (read-only: head-counts for tablets and other systems) ------------------------------
class ServiceGroupSerializer(serializers.ModelSerializer):
    placed = serializers.IntegerField(read_only=True)
    free_seats = serializers.SerializerMethodField()
    venue_name = serializers.CharField(source="venue.name", default=None, read_only=True)
    teacher_name = serializers.CharField(source="teacher.name", default=None, read_only=True)
    group_status = serializers.CharField(source="status", read_only=True)
    # Plain strings in the schema, so the Session choice set keeps one enum name (the request's).
    session = serializers.CharField(read_only=True, help_text=" | ".join(Session.values))

    class Meta:
        model = ServiceGroup
        fields = ["id", "school", "term", "name", "session", "grade_from", "grade_to", "weekdays", "capacity",
                  "placed", "free_seats", "venue", "venue_name", "teacher", "teacher_name", "group_status"]

    @extend_schema_field(serializers.IntegerField())
    def get_free_seats(self, obj) -> int:
        return max(obj.capacity - obj.placed, 0)


class ServiceGroupViewSet(viewsets.ReadOnlyModelViewSet):
    """After-school groups of the caller's schools with head-counts (staff, district, bureau)."""

    serializer_class = ServiceGroupSerializer
    filterset_fields = ["school", "term", "session"]

    def get_queryset(self):
        return selectors.group_list(user=self.request.user)


def register_api(router):
    router.register("service-groups", ServiceGroupViewSet, basename="service-group")
    router.register("letters", LetterViewSet, basename="letter")
    router.register("applications", ApplicationViewSet, basename="application")
    return []
