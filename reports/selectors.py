"""Reading the weekly reports: which scope a user may open, which report of it, its trend."""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.roles import Role
from accounts.scoping import scope_of
from schools.models import District, School
from shahe_afterschool.exports import percent

from .models import ScopeKind, WeeklyCoverageReport
from .sections import FLAG_LABELS, SubTable, main_labels, percent_keys, sections, short_labels
from .targets import TARGETS, Target, headline_keys
from .weeks import parse_week

Report = WeeklyCoverageReport

#: The version subject of the rendered report pages (reports.views.scope_page; shahe_afterschool.fragments):
#: replaced when a week's reports are built or published (reports.services) and when a name the pages
#: show is saved (reports.receivers: a school, a district, a club category).
REPORTS_SUBJECT = "reports:pages"


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
    """[(section, [(label, value), ...])] exactly as the page, the XLSX and the CSV print them. A
    school's own report leaves out the counts of schools ("Schools: 1")."""
    from .sections import category_labels

    out = []
    categories = category_labels()
    school = report.kind == ScopeKind.SCHOOL
    for section in sections():
        figures = report.data.get("sections", {}).get(section.code)
        if figures is None:
            continue
        rows = section.rows(figures, school=school, categories=categories)
        out.append((section, [(str(label), str(value) if isinstance(value, Promise) else value)
                              for label, value in rows]))
    return out


def section_tables(report: Report) -> dict[str, list[SubTable]]:
    """{section code: [SubTable]}: the tables of each section (coverage by grade, priority groups)."""
    out = {}
    for section in sections():
        figures = report.data.get("sections", {}).get(section.code)
        if figures is not None and section.tables is not None:
            out[section.code] = [SubTable(str(t.title), [str(h) for h in t.headers], t.rows)
                                 for t in section.tables(figures)]
    return out


def flag_rows(report: Report) -> list[tuple[str, str]]:
    separator = pgettext("between the items of a list", "; ")
    return [(f["school"], separator.join(str(FLAG_LABELS.get(c, c)) for c in f["codes"]))
            for f in report.data.get("flags", [])]


def main_keys(report_or_kind) -> list[str]:
    """The main figures a scope's report shows, in order; a school's has no "schools with flags"."""
    kind = getattr(report_or_kind, "kind", report_or_kind)
    keys = list(main_labels())
    return [k for k in keys if k != "flagged_schools"] if kind == ScopeKind.SCHOOL else keys


def main_rows(report: Report) -> list[tuple[str, object, object]]:
    """(label, value, change on the week before) of each main figure; percentages marked."""
    main, changes = report.data.get("main", {}), report.data.get("changes", {})
    labels, percents = main_labels(), percent_keys()
    return [(str(labels[key]), percent(main.get(key)) if key in percents else main.get(key), changes.get(key))
            for key in main_keys(report)]


def table_columns(kind: str) -> list[tuple[str, str, str]]:
    """(key, label, short header) of the drill-down table of a scope's children: the headline figures
    first, then the rest in the report's order. Rows of schools have no "schools with flags"."""
    labels, short = main_labels(), short_labels()
    headline = [k for k in headline_keys("district") if k in labels]
    keys = headline + [k for k in labels if k not in headline]
    if kind == ScopeKind.SCHOOL:
        keys = [k for k in keys if k != "flagged_schools"]
    return [(k, str(labels[k]), str(short[k])) for k in keys]


# --- the headline: four figures with their targets -------------------------------------------
@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    value: float | int | None
    target: Target
    #: change on the week before (percentage points for a rate); None without a week before
    change: float | None
    #: the names of the flags, on a school's page
    detail: str = ""

    @property
    def percent(self) -> bool:
        return self.target.percent

    @property
    def met(self) -> bool | None:
        return self.target.met(self.value)

    @property
    def off_target(self) -> bool:
        return self.met is False

    @property
    def tone(self) -> str:
        if self.met is None:
            return "secondary"
        return "success" if self.met else self.target.tone

    @property
    def value_text(self) -> str:
        if self.value is None:
            return "–"
        return f"{self.value:.1f}%" if self.percent else _number(self.value)

    @property
    def target_text(self) -> str:
        figure = f"{self.target.value:g}%" if self.target.percent else _number(self.target.value)
        if self.target.at_least:
            return _("Target: at least %(figure)s") % {"figure": figure}
        if not self.target.value:
            return _("Target: %(figure)s") % {"figure": figure}
        return _("Target: at most %(figure)s") % {"figure": figure}

    @property
    def state_text(self) -> str:
        """The state in words (the colour is never the only sign)."""
        if self.met is None:
            return pgettext("target", "No figure")
        return pgettext("target", "On target") if self.met else pgettext("target", "Off target")

    @property
    def change_direction(self) -> str:
        """"up", "down", "same" or "" (no week before)."""
        if self.change is None:
            return ""
        return "up" if self.change > 0 else "down" if self.change < 0 else "same"

    @property
    def change_better(self) -> bool | None:
        """Whether the change moves towards the target (None: no change)."""
        if not self.change:
            return None
        return (self.change > 0) == self.target.higher_is_better

    @property
    def change_text(self) -> str:
        """"较上周 ↑2.5个百分点": the arrow and the figure, as read at a glance."""
        direction, n = self.change_direction, _number(abs(self.change or 0))
        if not direction:
            return _("No figure for last week")
        if direction == "same":
            return _("Same as last week")
        if self.percent:
            text = _("↑ %(n)s points on last week") if direction == "up" else _("↓ %(n)s points on last week")
        else:
            text = _("↑ %(n)s on last week") if direction == "up" else _("↓ %(n)s on last week")
        return text % {"n": n}

    @property
    def change_words(self) -> str:
        """The change in words, for a screen reader (the arrow is hidden from it)."""
        direction, n = self.change_direction, _number(abs(self.change or 0))
        if direction in ("", "same"):
            return self.change_text
        if self.percent:
            text = (_("Up %(n)s percentage points on last week") if direction == "up"
                    else _("Down %(n)s percentage points on last week"))
        else:
            text = _("Up %(n)s on last week") if direction == "up" else _("Down %(n)s on last week")
        return text % {"n": n}


def _number(value) -> str:
    """12 for 12.0, 2.5 for 2.5: a figure as a person writes it."""
    value = round(float(value), 1)
    return str(int(value)) if value == int(value) else f"{value:.1f}"


HEADLINE_LABELS = {
    "coverage_rate": lambda: pgettext("headline", "Coverage"),
    "attendance_rate": lambda: pgettext("headline", "Attendance rate"),
    "flagged_schools": lambda: _("Schools with compliance flags"),
    "flag_count": lambda: _("Compliance flags"),
    "escalated_open": lambda: pgettext("headline", "Escalated incidents open"),
}


def headline(report: Report) -> list[Headline]:
    """The four figures on top of a report page, each with its target (`reports.targets`), whether it
    meets it and its change on the week before. A school's page counts the school's own flags."""
    main, changes = report.data.get("main", {}), report.data.get("changes", {})
    out = []
    for key in headline_keys(report.kind):
        detail = ""
        if key == "flag_count":
            codes = [c for f in report.data.get("flags", []) for c in f["codes"]]
            detail = pgettext("between the items of a list", "; ").join(str(FLAG_LABELS.get(c, c)) for c in codes)
        out.append(Headline(key=key, label=str(HEADLINE_LABELS[key]()), value=main.get(key), target=TARGETS[key],
                            change=changes.get(key), detail=detail))
    return out


def build_weeks(*, user, limit: int = 8) -> list[dict]:
    """The report administrator's list: the latest weeks built, with the city report's state (draft,
    published, version). One query."""
    require_bureau(user)
    rows = (Report.objects.visible_to(user).filter(scope_key="city").current()
            .order_by("-week_start", "-version").values("week", "status", "version", "built_at", "published_at"))
    weeks: dict[str, dict] = {}
    for row in rows[: limit * 3]:
        weeks.setdefault(row["week"], {"week": row["week"], "draft": None, "published": None})
        weeks[row["week"]]["draft" if row["status"] == Report.Status.DRAFT else "published"] = row
    return list(weeks.values())[:limit]


def check_week(value: str | None) -> str | None:
    """A week from the query string, normalised, or None; DomainError for a malformed one."""
    if not value:
        return None
    from .weeks import iso_week

    return iso_week(parse_week(value))


def require_bureau(user) -> None:
    if not scope_of(user).sees_city:
        raise PermissionDenied
