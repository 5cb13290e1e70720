"""Reading the weekly reports: which scope a user may open, which report of it, its trend."""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.functional import Promise

from accounts.roles import Role
from accounts.scoping import scope_of
from schools.models import District, School

from .models import ScopeKind, WeeklyCoverageReport
from .sections import FLAG_LABELS, main_labels, sections
from .weeks import parse_week

Report = WeeklyCoverageReport


@dataclass(frozen=True)
class ReportScope:
    kind: str
    key: str
    name: str
    pk: int | None = None
    district_id: int | None = None
    #: a school's district, named on the school's breadcrumb
    district_name: str = ""

    @property
    def url(self) -> str:
        if self.kind == ScopeKind.SCHOOL:
            return reverse("reports:school", args=[self.pk])
        if self.kind == ScopeKind.DISTRICT:
            return reverse("reports:district", args=[self.pk])
        return reverse("reports:city_direct" if self.kind == ScopeKind.CITY_DIRECT else "reports:city")


def scope_get_for_user(*, user, kind: str, pk=None) -> ReportScope:
    """The scope if the user may read its reports (bureau: all; district staff: their district and its
    schools; a principal: their school), else 404 whether it exists or not."""
    scope = scope_of(user)
    if kind in (ScopeKind.CITY, ScopeKind.CITY_DIRECT):
        if not scope.sees_city:
            raise Http404
        return ReportScope(kind=kind, key=str(kind), name=str(ScopeKind(kind).label))
    if kind == ScopeKind.DISTRICT:
        if not (scope.sees_city or pk in scope.district_ids):
            raise Http404
        district = District.objects.filter(pk=pk).first()
        if district is None:
            raise Http404
        return ReportScope(kind=kind, key=f"district:{pk}", name=district.name, pk=pk, district_id=pk)
    school = School.objects.filter(pk=pk).values("pk", "name", "district_id", "district__name").first()
    if school is None or not (scope.sees_city or school["district_id"] in scope.district_ids
                              or pk in scope.schools_with(Role.PRINCIPAL)):
        raise Http404
    return ReportScope(kind=ScopeKind.SCHOOL, key=f"school:{pk}", name=school["name"], pk=pk,
                       district_id=school["district_id"], district_name=school["district__name"] or "")


def home_scope_for(user) -> ReportScope:
    """Where a user's reports start: the city, their district or their school."""
    scope = scope_of(user)
    if scope.sees_city:
        return scope_get_for_user(user=user, kind=ScopeKind.CITY)
    if scope.district_ids:
        return scope_get_for_user(user=user, kind=ScopeKind.DISTRICT, pk=min(scope.district_ids))
    schools = scope.schools_with(Role.PRINCIPAL)
    if schools:
        return scope_get_for_user(user=user, kind=ScopeKind.SCHOOL, pk=min(schools))
    raise Http404


def report_for_scope(*, user, scope: ReportScope, week: str | None = None,
                     published_only: bool = False) -> Report | None:
    """The newest readable version of the scope's report for the week (default: the latest week).
    The bureau sees a draft before it is published; everybody else the published version."""
    qs = Report.objects.visible_to(user).filter(scope_key=scope.key).current()
    if published_only:
        qs = qs.filter(status=Report.Status.PUBLISHED)
    if week:
        qs = qs.filter(week=week)
    return qs.order_by("-week_start", "-version").first()


def weeks_for_scope(*, user, scope: ReportScope) -> list[str]:
    qs = Report.objects.visible_to(user).filter(scope_key=scope.key).current()
    return list(qs.order_by("-week").values_list("week", flat=True).distinct())


def report_get_for_user(*, user, pk) -> Report:
    try:
        return Report.objects.visible_to(user).get(pk=int(pk))
    except (Report.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def term_reports(*, user, report: Report) -> list[Report]:
    """The scope's reports of the report's term, one per week (the version the user would see)."""
    qs = (Report.objects.visible_to(user).filter(scope_key=report.scope_key, term_id=report.term_id).current()
          .order_by("week_start", "version"))
    per_week: dict[str, Report] = {}
    for r in qs:
        if user.scope.sees_city or r.status == Report.Status.PUBLISHED:
            per_week[r.week] = r
    return list(per_week.values())


def trend(*, user, report: Report) -> list[dict]:
    """Main figures week by week over the term (one query; only the `main` part of each report)."""
    qs = (Report.objects.visible_to(user).filter(scope_key=report.scope_key, term_id=report.term_id).current()
          .order_by("week_start", "version").values_list("week", "status", "data__main"))
    per_week: dict[str, dict] = {}
    for week, status, main in qs:
        if user.scope.sees_city or status == Report.Status.PUBLISHED:
            per_week[week] = {"week": week, **(main or {})}
    return list(per_week.values())


def section_rows(report: Report) -> list[tuple]:
    """[(section, [(label, value), ...])] exactly as the page, the XLSX and the CSV print them."""
    from .sections import category_labels

    out = []
    categories = category_labels()
    for section in sections():
        figures = report.data.get("sections", {}).get(section.code)
        if figures is None:
            continue
        rows = section.rows(figures, categories) if section.code == "clubs" else section.rows(figures)
        out.append((section, [(str(label), str(value) if isinstance(value, Promise) else value)
                              for label, value in rows]))
    return out


def flag_rows(report: Report) -> list[tuple[str, str]]:
    return [(f["school"], "; ".join(str(FLAG_LABELS.get(c, c)) for c in f["codes"]))
            for f in report.data.get("flags", [])]


def main_rows(report: Report) -> list[tuple[str, object, object]]:
    main, changes = report.data.get("main", {}), report.data.get("changes", {})
    labels = main_labels()
    return [(str(labels[key]), main.get(key), changes.get(key)) for key in labels]


def check_week(value: str | None) -> str | None:
    """A week from the query string, normalised, or None; DomainError for a malformed one."""
    if not value:
        return None
    from .weeks import iso_week

    return iso_week(parse_week(value))


def require_bureau(user) -> None:
    if not scope_of(user).sees_city:
        raise PermissionDenied
