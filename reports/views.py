"""The bureau dashboard (city → district → school), exports, and the build/publish buttons."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shahe_afterschool.errors import DomainError
from shahe_afterschool.exports import csv_response, xlsx_response

from . import exports, selectors, services
from .models import ScopeKind, scope_display_name
from .sections import FLAG_LABELS, category_labels, main_labels
from .tasks import build_weekly_reports
from .weeks import iso_week, parse_week, previous_week_start, week_label


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Everyone with reports lands on their own scope: the city, their district or their school."""
    return redirect(selectors.home_scope_for(request.user).url)


def _charts(report, trend) -> dict:
    data = report.data
    categories = category_labels()
    from safety.models import IncidentType

    types = dict(IncidentType.choices)
    return {
        "coverage_by_child": [{"name": scope_display_name(r["kind"], r["name"]), "value": r.get("coverage_rate")}
                              for r in data.get("rows", [])],
        "trend": [{"week": t["week"], "label": week_label(t["week"]), "coverage_rate": t.get("coverage_rate"), "in_service": t.get("in_service")}
                  for t in trend],
        "clubs_by_category": [{"name": categories.get(code, code), "value": n}
                              for code, n in data["sections"].get("clubs", {}).get("by_category", {}).items()],
        "incidents_by_type": [{"name": str(types.get(t, t)), "value": n}
                              for t, n in data["sections"].get("safety", {}).get("by_type", {}).items()],
        "labels": {"coverage": _("Coverage rate (%)"), "in_service": _("Students in the service"),
                   "clubs": _("Clubs"), "incidents": _("Incidents")},
    }


@login_required
def scope_page(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    scope = selectors.scope_get_for_user(user=request.user, kind=kind, pk=pk)
    try:
        week = selectors.check_week(request.GET.get("week"))
    except DomainError as exc:
        messages.error(request, exc.message)
        week = None
    report = selectors.report_for_scope(user=request.user, scope=scope, week=week)
    context = {"scope": scope, "report": report, "week": week, "weeks": selectors.weeks_for_scope(
        user=request.user, scope=scope), "sees_city": request.user.scope.sees_city,
        "sees_district": request.user.scope.sees_city or scope.district_id in request.user.scope.district_ids,
        "default_build_week": iso_week(previous_week_start())}
    if report is not None:
        trend = selectors.trend(user=request.user, report=report)
        labels = main_labels()
        keys = list(labels)

        direct = str(ScopeKind.CITY_DIRECT.label)

        # A school's row has no "schools with compliance flags" (its own flags are listed below).
        school_keys = [k for k in keys if k != "flagged_schools"]

        def table(items, keys=keys):
            # scope names were stored in the language of the build; show the group's in the reader's
            return [{**r, "name": scope_display_name(r["kind"], r["name"]),
                     "district": direct if r.get("city_direct") else r.get("district"),
                     "cells": [r.get(k) for k in keys]} for r in items]

        context.update(
            sections=selectors.section_rows(report), main=selectors.main_rows(report),
            flags=selectors.flag_rows(report), charts=_charts(report, trend),
            columns=[(key, labels[key]) for key in labels], flag_labels=FLAG_LABELS,
            school_columns=[(key, labels[key]) for key in school_keys],
            rows=table(report.data.get("rows", [])), schools=table(report.data.get("schools", []), school_keys),
        )
    return render(request, "reports/scope.html", context)


@login_required
def report_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    report = selectors.report_get_for_user(user=request.user, pk=pk)
    filename = f"report-{report.week}-{report.scope_key.replace(':', '-')}-v{report.version}"
    if fmt == "xlsx":
        return xlsx_response(f"{filename}.xlsx", exports.report_sheets(report))
    if fmt == "csv":
        return csv_response(f"{filename}.csv", *exports.report_csv(report))
    return render(request, "reports/print.html", {
        "report": report, "sections": selectors.section_rows(report), "main": selectors.main_rows(report),
        "flags": selectors.flag_rows(report)})


@login_required
def term_summary(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get_for_user(user=request.user, pk=pk)
    reports = selectors.term_reports(user=request.user, report=report)
    filename = f"term-summary-{report.scope_key.replace(':', '-')}.xlsx"
    return xlsx_response(filename, exports.term_sheets(reports))


@require_POST
@login_required
def build(request: HttpRequest) -> HttpResponse:
    selectors.require_bureau(request.user)
    correction = request.POST.get("correction") == "1"
    try:
        week_start = parse_week(request.POST.get("week"))
        services.reports_check_buildable(week_start=week_start, correction=correction)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("reports:city")
    week = iso_week(week_start)
    build_weekly_reports.delay(week=week, user_id=request.user.pk, correction=correction)
    messages.success(request, _("The reports of week %(week)s are being built.") % {"week": week})
    return redirect(f"{selectors.scope_get_for_user(user=request.user, kind=ScopeKind.CITY).url}?week={week}")


@require_POST
@login_required
def publish(request: HttpRequest) -> HttpResponse:
    selectors.require_bureau(request.user)
    try:
        week = selectors.check_week(request.POST.get("week"))
        count = services.reports_publish(week=week or "", by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("reports:city")
    messages.success(request, _("%(count)d reports of week %(week)s are published.") % {"count": count,
                                                                                         "week": week})
    return redirect(f"{selectors.scope_get_for_user(user=request.user, kind=ScopeKind.CITY).url}?week={week}")
