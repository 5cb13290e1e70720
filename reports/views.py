"""The report pages (city → district → school): the four headline figures with their targets, the
drill-down table, the rest folded by section; exports; the report administrator's build/publish page."""
from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shahe_afterschool import fragments
from shahe_afterschool.errors import DomainError
from shahe_afterschool.exports import csv_response, xlsx_response

from . import exports, selectors, services
from .models import ScopeKind, scope_display_name
from .sections import category_labels
from .tasks import build_weekly_reports
from .weeks import iso_week, parse_week, previous_week_start, week_label


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Everyone with reports lands on their own scope: the city, their district or their school."""
    return redirect(selectors.home_scope_for(request.user).url)


def _charts(report, trend) -> dict:
    """The charts' data, and for each chart with nothing to draw the sentence that says so (the page
    prints it instead of an empty axis)."""
    data = report.data
    categories = category_labels()
    from safety.models import IncidentType

    types = dict(IncidentType.choices)
    coverage = [{"name": scope_display_name(r["kind"], r["name"]), "value": r.get("coverage_rate")}
                for r in data.get("rows", [])]
    clubs = [{"name": categories.get(code, code), "value": n}
             for code, n in data["sections"].get("clubs", {}).get("by_category", {}).items() if n]
    incidents = [{"name": str(types.get(t, t)), "value": n}
                 for t, n in data["sections"].get("safety", {}).get("by_type", {}).items() if n]
    empty = {}
    if not any(item["value"] is not None for item in coverage):
        empty["coverage"] = _("No coverage figures to compare this week.")
    elif not any(item["value"] for item in coverage):
        empty["coverage"] = _("No child is in the service here this week: coverage is 0% everywhere.")
    if len(trend) < 2:
        empty["trend"] = _("Only this week so far this term: no trend to draw yet.")
    elif not any(t.get("in_service") for t in trend):
        empty["trend"] = _("No child has been in the service so far this term: no trend to draw yet.")
    if not clubs:
        empty["clubs"] = _("No approved clubs this term.")
    if not incidents:
        empty["incidents"] = _("No incidents this week.")
    return {
        "coverage_by_child": coverage,
        "trend": [{"week": t["week"], "label": week_label(t["week"]), "coverage_rate": t.get("coverage_rate"),
                   "in_service": t.get("in_service")} for t in trend],
        "clubs_by_category": clubs,
        "incidents_by_type": incidents,
        "labels": {"coverage": _("Coverage rate (%)"), "in_service": _("Students in the service"),
                   "clubs": _("Clubs"), "incidents": _("Incidents")},
        "empty": empty,
    }


def _with_tables(report) -> list[tuple]:
    """(section, rows, tables) of each section, as the page prints them."""
    tables = selectors.section_tables(report)
    return [(section, rows, tables.get(section.code, [])) for section, rows in selectors.section_rows(report)]


@login_required
def scope_page(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    scope = selectors.scope_get_for_user(user=request.user, kind=kind, pk=pk)
    try:
        week = selectors.check_week(request.GET.get("week"))
    except DomainError as exc:
        messages.error(request, exc.message)
        week = None
    reader = request.user.scope
    sees_city = reader.sees_city
    sees_district = reader.sees_city or scope.district_id in reader.district_ids
    # Every reader of a scope sees the same page (the bureau also sees a week's draft): it is rendered
    # once per scope, week, language and what the reader may open (the city's and the district's
    # pages), and kept until a report is built or published, or a name it shows changes
    # (selectors.REPORTS_SUBJECT).
    key = fragments.key("report-page", selectors.REPORTS_SUBJECT, scope.key, week, sees_city, sees_district)
    cached = cache.get(key)
    if cached is None:
        cached = _scope_body(request, scope=scope, week=week, sees_city=sees_city, sees_district=sees_district)
        cache.set(key, cached, PAGE_SECONDS)
    body_html, has_report = cached
    return render(request, "reports/scope.html", {
        "scope": scope, "body_html": mark_safe(body_html),  # noqa: S308 (the template's own output)
        "has_report": has_report})


#: How long a rendered report page is kept (its key names the reports' version).
PAGE_SECONDS = 3600


def _scope_body(request, *, scope, week, sees_city: bool, sees_district: bool) -> tuple[str, bool]:
    report = selectors.report_for_scope(user=request.user, scope=scope, week=week)
    context = {"scope": scope, "report": report, "week": week, "weeks": selectors.weeks_for_scope(
        user=request.user, scope=scope), "sees_city": sees_city, "sees_district": sees_district}
    if report is not None:
        trend = selectors.trend(user=request.user, report=report)
        direct = str(ScopeKind.CITY_DIRECT.label)
        # The city's rows are districts (and the city-direct group); every other scope's are schools,
        # whose rows have no "schools with compliance flags" (a school's own flags are in its report).
        columns = selectors.table_columns(ScopeKind.DISTRICT if scope.kind == ScopeKind.CITY else ScopeKind.SCHOOL)
        school_columns = selectors.table_columns(ScopeKind.SCHOOL)

        def table(items, columns):
            # scope names were stored in the language of the build; show the group's in the reader's
            return [{**r, "name": scope_display_name(r["kind"], r["name"]),
                     "district": direct if r.get("city_direct") else r.get("district"),
                     "cells": [(key, r.get(key)) for key, _label, _short in columns]} for r in items]

        # The tables, sections, main figures and flags are printed inside the template's fragment
        # cache (one per report build and language): computed only when the fragment is rendered
        # (the city's 150 schools' rows were most of a cached page's time).
        context.update(
            headline=selectors.headline(report), charts=_charts(report, trend),
            sections=SimpleLazyObject(lambda: _with_tables(report)),
            main=SimpleLazyObject(lambda: selectors.main_rows(report)),
            flags=SimpleLazyObject(lambda: selectors.flag_rows(report)),
            columns=columns, school_columns=school_columns,
            rows=SimpleLazyObject(lambda: table(report.data.get("rows", []), columns)),
            schools=SimpleLazyObject(lambda: table(report.data.get("schools", []), school_columns)),
        )
    return render_to_string("reports/_scope_body.html", context, request=request), report is not None


@login_required
def report_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    report = selectors.report_get_for_user(user=request.user, pk=pk)
    filename = f"report-{report.week}-{report.scope_key.replace(':', '-')}-v{report.version}"
    if fmt == "xlsx":
        return xlsx_response(f"{filename}.xlsx", exports.report_sheets(report))
    if fmt == "csv":
        return csv_response(f"{filename}.csv", *exports.report_csv(report))
    return render(request, "reports/print.html", {
        "report": report, "sections": _with_tables(report), "main": selectors.main_rows(report),
        "headline": selectors.headline(report),
        "flags": selectors.flag_rows(report)})


@login_required
def term_summary(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get_for_user(user=request.user, pk=pk)
    reports = selectors.term_reports(user=request.user, report=report)
    filename = f"term-summary-{report.scope_key.replace(':', '-')}.xlsx"
    return xlsx_response(filename, exports.term_sheets(reports))


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    """The report administrator's page (whoever may build reports: the bureau): build a week or a
    correction, publish a draft. The dashboards link here; the figures stay on the dashboards."""
    if not request.user.scope.sees_city:
        raise Http404
    last = previous_week_start()
    # the weeks one may build, named as a person reads them: this week (so far) and the twelve before
    choices = [iso_week(last + datetime.timedelta(days=7 * (1 - i))) for i in range(13)]
    wanted = request.GET.get("week", "")
    return render(request, "reports/manage.html", {
        "weeks": selectors.build_weeks(user=request.user), "choices": choices,
        "selected": wanted if wanted in choices else iso_week(last),
    })


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
        return redirect("reports:manage")
    week = iso_week(week_start)
    build_weekly_reports.delay(week=week, user_id=request.user.pk, correction=correction)
    messages.success(request, _("The reports of %(week)s are being built.") % {"week": week_label(week)})
    return redirect("reports:manage")


@require_POST
@login_required
def publish(request: HttpRequest) -> HttpResponse:
    selectors.require_bureau(request.user)
    try:
        week = selectors.check_week(request.POST.get("week"))
        count = services.reports_publish(week=week or "", by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("reports:manage")
    messages.success(request, _("%(count)d reports of %(week)s are published.") % {"count": count,
                                                                                   "week": week_label(week)})
    return redirect("reports:manage")
