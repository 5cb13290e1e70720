"""`/api/v1/incidents/`: the incident log for tablets and the bureau's systems (API.md).

Staff of a school see its incidents in full; the bureau escalated ones city-wide, district staff
those of their district; a guardian only incidents involving own children, through the guardian
serializer (type, time, status, the school's message, own children)."""
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.services import audit_record
from schools.models import School, Student
from shahe_afterschool.api import IdField, IdListField
from shahe_afterschool.errors import DomainError
from shahe_afterschool.ids import parse_id

from . import selectors, services
from .models import FollowUpAnswer, FollowUpRequest, Incident


class ChildSerializer(serializers.ModelSerializer):
    class Meta:
        model = Student
        fields = ["id", "name"]


STATUS_HELP = "open, reviewing or closed"
TYPE_HELP = "injury, illness, missing_child, conflict, food, fire, traffic, property or other"


class IncidentSerializer(serializers.ModelSerializer):
    """The full record, for staff of the school (and the bureau/district for escalated ones)."""

    # Plain fields (not enums) so the OpenAPI schema does not clash with other apps' `status`.
    type = serializers.CharField(read_only=True, help_text=TYPE_HELP)
    severity = serializers.IntegerField(read_only=True, help_text="1 general, 2 serious, 3 major, 4 critical")
    status = serializers.CharField(read_only=True, help_text=STATUS_HELP)

    school_name = serializers.CharField(source="school.name", read_only=True)
    venue_name = serializers.CharField(source="venue.name", default=None, read_only=True)
    type_label = serializers.CharField(source="get_type_display", read_only=True)
    severity_label = serializers.CharField(source="get_severity_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    children = ChildSerializer(many=True, read_only=True)
    reported_by_name = serializers.CharField(source="reported_by.name", read_only=True)
    escalated = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = ["id", "school", "school_name", "occurred_at", "venue", "venue_name", "location_note", "type",
                  "type_label", "severity", "severity_label", "status", "status_label", "escalated", "escalated_at",
                  "children", "staff", "description", "actions_taken", "guardian_message", "guardians_notified_at",
                  "closing_summary", "closed_at", "reported_by", "reported_by_name", "created_at"]
        read_only_fields = fields

    def get_escalated(self, obj) -> bool:
        return obj.escalated_at is not None

    def to_representation(self, instance):
        request = self.context.get("request")
        if request is not None and not selectors.incident_staff_view(user=request.user, incident=instance):
            return GuardianIncidentSerializer(instance, context=self.context).data
        data = super().to_representation(instance)
        if request is not None and not selectors.incident_names_visible(user=request.user, incident=instance):
            data["children"] = []  # the bureau and the district: the record without the children's names
        return data


class GuardianIncidentSerializer(serializers.ModelSerializer):
    """Only the parts meant for a guardian: no description, staff, other children or severity."""

    type = serializers.CharField(read_only=True, help_text=TYPE_HELP)
    status = serializers.CharField(read_only=True, help_text=STATUS_HELP)

    school_name = serializers.CharField(source="school.name", read_only=True)
    type_label = serializers.CharField(source="get_type_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    children = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = ["id", "school_name", "occurred_at", "type", "type_label", "status", "status_label", "children",
                  "guardian_message", "guardians_notified_at"]
        read_only_fields = fields

    def get_children(self, obj) -> list[dict]:
        own = self.context.setdefault("_own_children", selectors.own_children_ids(user=self.context["request"].user))
        return [{"id": c.pk, "name": c.name} for c in obj.children.all() if c.pk in own]


class IncidentCreateSerializer(serializers.Serializer):
    school = IdField(required=False, help_text="Needed only for staff of several schools.")
    occurred_at = serializers.DateTimeField()
    type = serializers.CharField(max_length=32, help_text=TYPE_HELP)
    severity = serializers.IntegerField(help_text="1 general, 2 serious, 3 major, 4 critical")
    venue = IdField(required=False, allow_null=True)
    location_note = serializers.CharField(required=False, allow_blank=True, max_length=128)
    description = serializers.CharField(allow_blank=True)
    children = IdListField(required=False, max_length=200)
    staff = IdListField(required=False, max_length=50)
    actions_taken = serializers.CharField(required=False, allow_blank=True)


class TransitionSerializer(serializers.Serializer):
    to = serializers.CharField(max_length=16, help_text="reviewing or closed")
    summary = serializers.CharField(required=False, allow_blank=True)


class FollowUpSerializer(serializers.Serializer):
    text = serializers.CharField()


class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):
    serializer_class = IncidentSerializer

    def get_queryset(self):
        qs = Incident.objects.visible_to(self.request.user).select_related("school", "venue", "reported_by")
        if self.action in ("list", "retrieve"):
            qs = qs.prefetch_related(Prefetch("children", queryset=Student.objects.only("id", "name")), "staff")
        params = self.request.query_params
        if params.get("status") in Incident.Status.values:
            qs = qs.filter(status=params["status"])
        if params.get("escalated") in ("1", "true"):
            qs = qs.filter(escalated_at__isnull=False)
        return qs.order_by("-occurred_at", "-id")

    def _school(self, wanted) -> School:
        schools = selectors.staff_schools(user=self.request.user)
        if wanted is not None:
            school = schools.filter(pk=wanted).first()
            if school is None:
                raise DomainError(_("Choose one of your schools."), field="school")
            return school
        found = list(schools[:2])
        if not found:
            raise PermissionDenied(_("Only staff of a school may log incidents."))
        if len(found) > 1:
            raise DomainError(_("Say which school: you work at more than one."), field="school")
        return found[0]

    def retrieve(self, request, *args, **kwargs):
        incident = self.get_object()
        response = Response(self.get_serializer(incident).data)
        # An incident names children and what happened to them: reads are audited (by its key).
        audit_record(request=request, action="read", obj=incident, detail="api incident detail")
        return response

    @extend_schema(request=IncidentCreateSerializer, responses={201: IncidentSerializer})
    def create(self, request, *args, **kwargs):
        data = IncidentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        school = self._school(fields.pop("school", None))
        incident = services.incident_report(user=request.user, school=school,
                                            client_key=request.headers.get("Idempotency-Key", ""), **fields)
        incident = self.get_queryset().get(pk=incident.pk)
        return Response(IncidentSerializer(incident, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=TransitionSerializer, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        incident = self.get_object()
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.incident_transition(incident=incident, user=request.user, to=body.validated_data["to"],
                                     summary=body.validated_data.get("summary", ""))
        return Response(IncidentSerializer(self.get_object(), context={"request": request}).data)

    @extend_schema(request=FollowUpSerializer, responses={201: FollowUpSerializer})
    @action(detail=True, methods=["post"], url_path="follow-ups")
    def follow_ups(self, request, pk=None):
        incident = self.get_object()
        body = FollowUpSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.incident_add_follow_up(incident=incident, user=request.user, text=body.validated_data["text"])
        return Response({"id": entry.pk, "text": entry.text}, status=status.HTTP_201_CREATED)


# --- 督办: follow-up requests -----------------------------------------------------------------
FOLLOW_UP_STATUS_HELP = "open (waiting for the school's answer), answered or closed"


class FollowUpAnswerSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.name", read_only=True)

    class Meta:
        model = FollowUpAnswer
        fields = ["id", "author", "author_name", "text", "created_at"]
        read_only_fields = fields


# 督办 in the schema: "FollowUpRequest" is already the request body of `FollowUpSerializer` (the
# school's own follow-up notes) under COMPONENT_SPLIT_REQUEST.
@extend_schema_serializer(component_name="SupervisionRequest")
class FollowUpRequestSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text=FOLLOW_UP_STATUS_HELP)
    status_label = serializers.CharField(read_only=True)
    school_name = serializers.CharField(source="school.name", read_only=True)
    requested_by_name = serializers.CharField(source="requested_by.name", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True,
                                       help_text="still waiting for an answer after its deadline")
    answers = FollowUpAnswerSerializer(many=True, read_only=True)

    class Meta:
        model = FollowUpRequest
        fields = ["id", "incident", "school", "school_name", "text", "due_at", "status", "status_label", "overdue",
                  "requested_by", "requested_by_name", "requested_at", "answered_at", "answers", "closed_by",
                  "closed_at", "closing_note"]
        read_only_fields = fields


class FollowUpRequestCreateSerializer(serializers.Serializer):
    incident = IdField(help_text="An escalated, not closed incident the caller sees.")
    text = serializers.CharField(allow_blank=True, max_length=2000,
                                 help_text="What the school must report, e.g. 请于 30 分钟内报告学生下落")
    due_in_minutes = serializers.IntegerField(help_text="Minutes to answer: 5 to 10080 (7 days).")


class FollowUpAnswerCreateSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, max_length=4000)


class FollowUpCloseSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                 help_text="Needed when the school has not answered.")


class FollowUpRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                             viewsets.GenericViewSet):
    """督办: the bureau and the incident's district ask the school's principal about an escalated incident;
    the principal answers; the bureau or the district closes. Visible to the bureau, the incident's
    district and the school's principal and offices; anyone else gets 404."""

    serializer_class = FollowUpRequestSerializer

    def get_queryset(self):
        params = self.request.query_params
        incident = parse_id(params.get("incident")) if params.get("incident") else None
        qs = selectors.follow_up_list(user=self.request.user, status=params.get("status", ""),
                                      incident_id=incident if incident is not None else None)
        if params.get("incident") and incident is None:
            return qs.none()
        return qs

    @extend_schema(request=FollowUpRequestCreateSerializer, responses={201: FollowUpRequestSerializer})
    def create(self, request, *args, **kwargs):
        body = FollowUpRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        incident = selectors.incident_get_for_user(user=request.user, pk=body.validated_data["incident"])
        item = services.follow_up_request_open(user=request.user, incident=incident,
                                               text=body.validated_data["text"],
                                               due_in_minutes=body.validated_data["due_in_minutes"])
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=FollowUpAnswerCreateSerializer, responses={201: FollowUpRequestSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        item = self.get_object()
        body = FollowUpAnswerCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.follow_up_request_answer(user=request.user, request=item, text=body.validated_data["text"])
        return Response(self.get_serializer(self.get_object()).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FollowUpCloseSerializer, responses={200: FollowUpRequestSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        item = self.get_object()
        body = FollowUpCloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.follow_up_request_close(user=request.user, request=item, note=body.validated_data.get("note", ""))
        return Response(self.get_serializer(self.get_object()).data)


def register_api(router):
    router.register("incidents", IncidentViewSet, basename="incident")
    router.register("follow-up-requests", FollowUpRequestViewSet, basename="follow-up-request")
    return []
