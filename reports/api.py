"""GET /api/v1/reports/weekly/?week=YYYY-Www&scope=city|district|school&id= (API.md), and the bureau's
build and publish actions."""
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from shahe_afterschool.ids import parse_id

from . import selectors, services
from .models import ScopeKind, WeeklyCoverageReport
from .tasks import build_weekly_reports
from .weeks import iso_week, parse_week


class WeeklyReportSerializer(serializers.ModelSerializer):
    scope = serializers.CharField(source="kind")
    name = serializers.CharField(source="scope_name")
    # plain strings: the schema gets no extra enum named "status" or "scope" to collide with other apps'
    status = serializers.CharField()

    class Meta:
        model = WeeklyCoverageReport
        fields = ["id", "week", "week_start", "scope", "scope_key", "name", "version", "status", "supersedes",
                  "published_at", "data"]


SCOPES = {"city": ScopeKind.CITY, "city_direct": ScopeKind.CITY_DIRECT, "district": ScopeKind.DISTRICT,
          "school": ScopeKind.SCHOOL}


class WeeklyReportView(APIView):
    @extend_schema(parameters=[OpenApiParameter("week", str, description="YYYY-Www"),
                               OpenApiParameter("scope", str, enum=list(SCOPES)),
                               OpenApiParameter("id", int, required=False)],
                   responses=WeeklyReportSerializer)
    def get(self, request):
        """The published weekly coverage report of a scope (principal: own school; district staff: own
        district and its schools; bureau: all). 404 outside the caller's scope or when not published."""
        week = iso_week(parse_week(request.query_params.get("week")))
        kind = request.query_params.get("scope", "")
        if kind not in SCOPES:
            return Response({"scope": ["city, city_direct, district or school"]}, status=status.HTTP_400_BAD_REQUEST)
        pk = None
        if SCOPES[kind] in (ScopeKind.DISTRICT, ScopeKind.SCHOOL):
            pk = parse_id(request.query_params.get("id"))
            if pk is None:
                raise Http404
        scope = selectors.scope_get_for_user(user=request.user, kind=SCOPES[kind], pk=pk)
        report = selectors.report_for_scope(user=request.user, scope=scope, week=week, published_only=True)
        if report is None:
            raise Http404
        return Response(WeeklyReportSerializer(report).data)


WeekInput = inline_serializer("WeekInput", {"week": serializers.CharField(),
                                            "correction": serializers.BooleanField(required=False)})


class BuildView(APIView):
    @extend_schema(request=WeekInput, responses={202: inline_serializer("BuildQueued", {
        "week": serializers.CharField(), "queued": serializers.BooleanField()})})
    def post(self, request):
        """Bureau: build (or rebuild the drafts of) a week's reports; 409 once published, unless
        `correction` is true."""
        selectors.require_bureau(request.user)
        week_start = parse_week(request.data.get("week"))
        correction = request.data.get("correction") in (True, "true", "1", 1)
        services.reports_check_buildable(week_start=week_start, correction=correction)
        build_weekly_reports.delay(week=iso_week(week_start), user_id=request.user.pk, correction=correction)
        return Response({"week": iso_week(week_start), "queued": True}, status=status.HTTP_202_ACCEPTED)


class PublishView(APIView):
    @extend_schema(request=WeekInput, responses={200: inline_serializer("Published", {
        "week": serializers.CharField(), "published": serializers.IntegerField()})})
    def post(self, request):
        """Bureau: publish the drafts of a week."""
        selectors.require_bureau(request.user)
        week = iso_week(parse_week(request.data.get("week")))
        count = services.reports_publish(week=week, by=request.user)
        return Response({"week": week, "published": count})


def register_api(router):
    from django.urls import path

    return [
        path("reports/weekly/", WeeklyReportView.as_view(), name="reports-weekly"),
        path("reports/weekly/build/", BuildView.as_view(), name="reports-weekly-build"),
        path("reports/weekly/publish/", PublishView.as_view(), name="reports-weekly-publish"),
    ]
