"""API of parent voice (for the phone app): announcements, questionnaires, answers, results.

Same services and scoping as the pages: out of scope is 404, a visible but forbidden action 403.
"""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from schools.models import Student
from shahe_afterschool.api import IdField
from shahe_afterschool.ids import parse_id

from . import selectors, services
from .models import Announcement, Choice, Question, Questionnaire


class AnnouncementSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", default=None, read_only=True)
    unread = serializers.BooleanField(source="unread_by_me", read_only=True)

    class Meta:
        model = Announcement
        fields = ["id", "title", "body", "must_read", "school", "school_name", "published_at", "unread"]


class AnnouncementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Announcements the caller may see; reading one as a recipient marks it read."""

    serializer_class = AnnouncementSerializer
    queryset = Announcement.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Announcement.objects.none()
        return selectors.announcement_list(user=self.request.user)

    def retrieve(self, request, *args, **kwargs):
        announcement = self.get_object()
        if services.announcement_mark_read(announcement=announcement, user=request.user):
            announcement.unread_by_me = False
        return Response(self.get_serializer(announcement).data)


@extend_schema_serializer(component_name="QuestionChoice")  # "Choice" is both a club choice and a question's choice
class ChoiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Choice
        fields = ["id", "text"]


class QuestionSerializer(serializers.ModelSerializer):
    choices = ChoiceSerializer(many=True, read_only=True)
    # Plain strings in the schema: shared enum names ("kind", "status") would collide across apps.
    kind = serializers.CharField(read_only=True, help_text="single | multiple | rating | text")

    class Meta:
        model = Question
        fields = ["id", "position", "kind", "text", "required", "choices"]


class QuestionnaireSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", default=None, read_only=True)
    kind = serializers.CharField(read_only=True, help_text="custom | term_satisfaction")
    status = serializers.CharField(read_only=True, help_text="draft | open | closed")
    per = serializers.CharField(read_only=True, help_text="child | family")

    class Meta:
        model = Questionnaire
        fields = ["id", "title", "intro", "kind", "status", "per", "anonymous", "school", "school_name", "opened_at",
                  "closed_at"]


class QuestionnaireDetailSerializer(QuestionnaireSerializer):
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta(QuestionnaireSerializer.Meta):
        fields = [*QuestionnaireSerializer.Meta.fields, "questions"]


class AnswerInputSerializer(serializers.Serializer):
    student = IdField(required=False, allow_null=True)
    answers = serializers.DictField(
        child=serializers.JSONField(), help_text=_("Question id → choice id, [choice ids], rating 1-5 or text."))


class QuestionnaireViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Questionnaires: staff see what they manage or may read results of; parents what they were asked."""

    queryset = Questionnaire.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Questionnaire.objects.none()
        qs = selectors.questionnaire_list(user=self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related("questions__choices")
        return qs

    def get_serializer_class(self):
        return QuestionnaireDetailSerializer if self.action == "retrieve" else QuestionnaireSerializer

    @extend_schema(request=AnswerInputSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def answers(self, request, pk=None):
        """Answer as a parent: `{"student": id (per child), "answers": {"<question id>": value}}`."""
        questionnaire = self.get_object()
        invitations = selectors.parent_invitations(user=request.user, questionnaire=questionnaire)
        if not invitations:
            raise PermissionDenied
        data = AnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        student = None
        if data.validated_data.get("student"):
            student = next((inv.student for inv in invitations if inv.student_id == data.validated_data["student"]),
                           None)
            if student is None:
                student = Student(pk=data.validated_data["student"])
        answers = {}
        for key, value in data.validated_data["answers"].items():
            question_id = parse_id(key)
            if question_id is None:
                raise serializers.ValidationError({"answers": [_("Question ids are numbers.")]})
            answers[question_id] = value
        services.survey_answer(user=request.user, questionnaire=questionnaire, answers=answers, student=student)
        return Response({"detail": str(_("Thank you. Your answers were recorded."))}, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """Counts, percentages and satisfaction index per question, school and district (staff only)."""
        questionnaire = selectors.questionnaire_results_get_for_user(user=request.user, pk=pk)
        data = selectors.questionnaire_results(user=request.user, questionnaire=questionnaire)
        return Response({
            "responses": data["responses"], "invited": data["invited"], "rate": data["rate"], "index": data["index"],
            "questions": [{
                "id": r.question.pk, "text": r.question.text, "kind": r.question.kind, "answered": r.answered,
                "choices": [{"id": c.pk, "text": c.text, "count": n, "percent": p} for c, n, p in r.choices],
                "ratings": [{"rating": v, "count": n, "percent": p} for v, n, p in r.ratings],
                "mean": r.mean, "index": r.index, "written": r.text_count,
            } for r in data["questions"]],
            "schools": [{k: s[k] for k in ("school_id", "name", "district", "invited", "responses", "rate", "index")}
                        for s in data["schools"]],
            "districts": [{k: d[k] for k in ("district_id", "name", "invited", "responses", "rate", "index")}
                          for d in data["districts"]],
        })


def register_api(router):
    router.register("announcements", AnnouncementViewSet, basename="announcement")
    router.register("questionnaires", QuestionnaireViewSet, basename="questionnaire")
    return []
