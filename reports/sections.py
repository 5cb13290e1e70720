"""The sections of a weekly coverage report: a registry of section builders.

A `Section` knows how to compute its *raw*, additive figures for every school of a week in a few
aggregate queries (`per_school(ctx) -> {school_id: {...}}`: counts and sums, grouped in the
database, never a loop over students), and how to turn summed raw figures into the figures a
report shows (`finalize(raw, ctx)`: rates, averages). A district's or the city's figures are the
deep sum of its schools' raw figures, finalized once, so that a rate is always "sum of numerators
over sum of denominators" and never an average of rates.

A school's raw figures may carry `"flags": [code, ...]` (compliance flags, see `FLAG_LABELS`); the
builder collects them per school. `rows(figures, school=...)` gives the `(label, value)` lines that the
page, the XLSX and the CSV all print, so every export shows the same figures as the page; a value is a
number (a percentage marked with `shahe_afterschool.exports.percent`), a short text or None, never
several figures joined in one text. With `school=True` (a school's own report) the counts of schools
are left out. `tables(figures)` gives the section's tables (coverage by grade, priority groups): one
numeric column per figure, on the page and as sheets of the XLSX.

Adding a section (the attendance section is one, see `reports/attendance_section.py` once
attendance has landed): write the three functions and `register_section(Section(...))` at import
time of a module imported from `ReportsConfig.ready()`.
"""
from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shahe_afterschool.exports import percent

Raw = dict


@dataclass
class BuildContext:
    """What every section builder gets: the week, its term and the schools (one query)."""

    week_start: datetime.date
    term: object | None
    schools: dict[int, dict]
    _class_grades: dict[int, int] = field(default_factory=dict, init=False, repr=False)
    _service_days: dict[int, list] = field(default_factory=dict, init=False, repr=False)
    _apart: dict = field(default_factory=dict, init=False, repr=False)

    @property
    def week_end(self) -> datetime.date:
        return self.week_start + datetime.timedelta(days=6)

    @property
    def school_ids(self) -> list[int]:
        return list(self.schools)

    @cached_property
    def term_days(self) -> list[datetime.date]:
        """The days of the week that fall inside the term."""
        if self.term is None:
            return []
        days = (self.week_start + datetime.timedelta(days=i) for i in range(7))
        return [d for d in days if self.term.start_date <= d <= self.term.end_date]

    @cached_property
    def summer(self) -> bool:
        return bool(self.term and self.term.is_summer(self.week_start))

    @cached_property
    def plans(self) -> dict[int, object]:
        """The approved service plan (highest revision) of each school for the term; one query."""
        from clubs.models import ReviewStatus, ServicePlan

        if self.term is None:
            return {}
        plans: dict[int, object] = {}
        for plan in (ServicePlan.objects.filter(term=self.term, status=ReviewStatus.APPROVED)
                     .order_by("school_id", "revision")):
            if plan.school_id in self.schools:
                plans[plan.school_id] = plan
        return plans

    @cached_property
    def windows(self) -> dict[int, dict]:
        """Each planned school's windows of the week's timetable (`ServicePlan.windows`)."""
        return {sid: plan.windows(self.summer) for sid, plan in self.plans.items()}

    def read_apart(self, submit) -> None:
        """Starts the build's largest reads with `submit` (a second connection's thread:
        `reports.services.reads_apart`): the coverage's grouped join of every enrolled student with
        its placed application, the term's applications by status and the priority claims. While
        PostgreSQL works on them, this thread reads and sums the other sections; the sections that
        use them (`Section.reads_apart`) are computed last and wait for what is not read yet."""
        if self.term is not None:
            for name, read in (("coverage", self._coverage_rows), ("statuses", self._status_rows),
                               ("claims", self._claim_rows)):
                self._apart[name] = submit(read)

    def _read(self, name: str, read):
        """The rows of `read`: from the read started apart, or read now."""
        future = self._apart.pop(name, None)
        return future.result() if future is not None else read()

    def _coverage_rows(self) -> list[tuple]:
        """(school, class, placed application's school, enrolled, placed) for `coverage`."""
        from django.db.models import FilteredRelation

        from enrollment.models import Application
        from schools.models import Student

        students = Student.objects.filter(status=Student.Status.ENROLLED).annotate(placed=FilteredRelation(
            "applications", condition=Q(applications__term=self.term,
                                        applications__status=Application.Status.PLACED)))
        return list(students.values_list("school_id", "homeroom_class_id", "placed__school_id")
                    .annotate(n=Count("pk"), n_placed=Count("placed__pk")).order_by())

    @cached_property
    def application_statuses(self) -> list[tuple]:
        """The term's applications by school and status: `(school, status, n)` for every school."""
        return self._read("statuses", self._status_rows)

    def _status_rows(self) -> list[tuple]:
        from enrollment.models import Application

        return list(Application.objects.filter(term=self.term).values_list("school_id", "status")
                    .annotate(n=Count("*")).order_by())  # COUNT(*): an index-only scan

    @cached_property
    def priority_claims(self) -> list[tuple]:
        """The term's priority claims not declined, of applications neither withdrawn nor rejected,
        by school and group: `(school, group, applied, placed, waitlisted)` for every school. A claim
        is one per application and group (`unique_claim_group`): counting claims of a group counts
        its applications (no DISTINCT)."""
        return self._read("claims", self._claim_rows)

    def _claim_rows(self) -> list[tuple]:
        from enrollment.models import Application, PriorityClaim

        claims = (PriorityClaim.objects.filter(application__term=self.term)
                  .exclude(status=PriorityClaim.Status.DECLINED)
                  .exclude(application__status__in=[Application.Status.WITHDRAWN, Application.Status.REJECTED]))
        return list(claims.values_list("application__school_id", "group").annotate(
            applied=Count("pk"), placed=Count("pk", filter=Q(application__status=Application.Status.PLACED)),
            waitlisted=Count("pk", filter=Q(application__status=Application.Status.WAITLISTED))).order_by())

    @cached_property
    def coverage(self) -> dict[str, dict[tuple[int, int], int]]:
        """Students enrolled in school and those of them placed in the service this term, by school
        and grade, from one grouped query shared by the students and service sections: every
        enrolled student with its placed application of the term if it has one (a LEFT JOIN: at most
        one per child and term, `one_open_application_per_term`), counted by the student's school and
        class and the application's school. `{"enrolled": {(school, grade): n}, "placed": {(school,
        grade): n}}`: enrolled by the student's school, placed by the application's (as the
        applications are counted), each class then given its grade (`grade_of_classes`). Every
        school's students are read (no list of the week's schools in the SQL) and the week's
        schools kept here."""
        from schools.models import Student

        if self.term is not None:
            rows = self._read("coverage", self._coverage_rows)
        else:
            students = Student.objects.filter(status=Student.Status.ENROLLED)
            rows = [(sid, class_id, None, n, 0) for sid, class_id, n in
                    students.values_list("school_id", "homeroom_class_id").annotate(n=Count("pk")).order_by()]
        schools = self.schools
        grades = self.grade_of_classes({class_id for sid, class_id, placed_sid, _n, n_placed in rows
                                        if sid in schools or (n_placed and placed_sid in schools)})
        enrolled: dict[tuple, int] = defaultdict(int)
        placed: dict[tuple, int] = defaultdict(int)
        for sid, class_id, placed_sid, n, n_placed in rows:
            if sid in schools:
                enrolled[(sid, grades[class_id])] += n
            if n_placed and placed_sid in schools:
                placed[(placed_sid, grades[class_id])] += n_placed
        return {"enrolled": enrolled, "placed": placed}

    @property
    def enrolled_by_grade(self) -> list[dict]:
        """Students enrolled in school, counted by school and grade (`coverage`)."""
        return [{"school_id": sid, "homeroom_class__grade__number": grade, "n": n}
                for (sid, grade), n in self.coverage["enrolled"].items()]

    def grade_of_classes(self, class_ids) -> dict[int, int]:
        """{class: its grade's number} for these classes (kept for the build). The first call reads
        the classes of the week's schools (one query on the schools, not thousands of class ids);
        a class of another school is read by id."""
        from schools.models import HomeroomClass

        classes = HomeroomClass.objects.order_by().values_list("pk", "grade__number")
        if not self._class_grades:
            self._class_grades.update(classes.filter(school_id__in=self.school_ids))
        missing = set(class_ids) - set(self._class_grades) - {None}
        if missing:
            self._class_grades.update(classes.filter(pk__in=missing))
        return self._class_grades

    @cached_property
    def week_rolls(self) -> list[tuple]:
        """The week's rolls not cancelled, counted by school, day, status and what a roll's held
        minutes depend on: `(school, date, status, kind, session, club slot, starts_at, ends_at, n)`.
        One query read by two sections: attendance (the days with rolls) and clubs (the teachers'
        held minutes). A school's group rolls of a day and session share their times, so the city's
        week is a few hundred rows, not every roll. Every school's rolls are read (by the date's
        index), the week's schools kept."""
        from attendance.models import Roll

        rows = (Roll.objects.filter(date__range=(self.week_start, self.week_end))
                .exclude(status=Roll.Status.CANCELLED)
                .values_list("school_id", "date", "status", "kind", "session", "club_slot_id", "starts_at", "ends_at")
                .annotate(n=Count("*")).order_by())
        return [row for row in rows if row[0] in self.schools]

    @cached_property
    def calendar(self) -> dict[int, dict]:
        """The calendar's answer (`schools.calendar.DayInfo`) for each school and term day of the
        week: one query for any number of schools."""
        from schools.calendar import calendar_for_schools

        if not self.term_days:
            return {sid: {} for sid in self.school_ids}
        return calendar_for_schools(school_ids=self.school_ids, date_from=self.term_days[0],
                                    date_to=self.term_days[-1],
                                    school_days={sid: tuple(p.school_days) for sid, p in self.plans.items()})

    def service_days(self, school_id: int) -> list[datetime.date]:
        """Planned service days of the week, from the calendar: term days on the plan's school days
        (Mon-Fri without a plan), less holidays and days without service, plus make-up school days."""
        found = self._service_days.get(school_id)
        if found is None:  # asked by three sections for every school: worked out once
            days = self.calendar.get(school_id, {})
            found = self._service_days[school_id] = [d for d in self.term_days if d in days and days[d].service]
        return list(found)

    def service_weekdays(self, school_id: int) -> list[int]:
        """For each planned service day, the weekday whose timetable it follows (a make-up Saturday
        following Monday's timetable: 1)."""
        days = self.calendar.get(school_id, {})
        return [days[d].weekday for d in self.service_days(school_id)]

    def week_bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.week_start, datetime.time.min, tzinfo=tz)
        return start, start + datetime.timedelta(days=7)


@dataclass(frozen=True)
class SubTable:
    """A table of a section: a header per column, rows of numbers (the first cell names the row)."""

    title: object
    headers: list
    rows: list


@dataclass(frozen=True)
class Section:
    code: str
    title: object
    per_school: Callable[[BuildContext], dict[int, Raw]]
    finalize: Callable[[Raw, BuildContext], dict]
    #: rows(figures, school=False, categories=None) -> [(label, value)]
    rows: Callable[..., list[tuple[str, object]]]
    #: main figures: {main key: (figure key in the finalized section, label)}, for trends and changes
    main: dict = field(default_factory=dict)
    order: int = 50
    #: short column headers of main figures whose label is long (the full label is the tooltip)
    short: dict = field(default_factory=dict)
    #: the main figures that are percentages (0-100)
    percent: frozenset = frozenset()
    #: tables(figures) -> [SubTable]
    tables: Callable[[dict], list[SubTable]] | None = None
    #: reads what `BuildContext.read_apart` started: computed after the other sections
    reads_apart: bool = False


SECTIONS: dict[str, Section] = {}

#: Compliance flags (code -> label); sections add theirs.
FLAG_LABELS: dict[str, object] = {}


def register_section(section: Section, flags: dict | None = None) -> None:
    SECTIONS[section.code] = section
    FLAG_LABELS.update(flags or {})


def sections() -> list[Section]:
    return sorted(SECTIONS.values(), key=lambda s: (s.order, s.code))


def main_labels() -> dict[str, object]:
    labels = {}
    for section in sections():
        labels.update({key: label for key, (_fig, label) in section.main.items()})
    labels["flagged_schools"] = _("Schools with compliance flags")
    return labels


def short_labels() -> dict[str, object]:
    """Column headers of the main figures: the short one where the label is long, else the label."""
    short = {"flagged_schools": pgettext_lazy("report column", "Flagged")}
    for section in sections():
        short.update(section.short)
    return {key: short.get(key, label) for key, label in main_labels().items()}


def percent_keys() -> frozenset:
    """The main figures that are percentages (0-100)."""
    return frozenset().union(*(section.percent for section in sections()))


def combine(raws: list[Raw]) -> Raw:
    """Deep sum of raw figures: numbers add up, dicts merge key by key, lists concatenate. A new
    dict: the raws are never changed (a scope's sum is summed again into its parent's)."""
    out: Raw = {}
    for raw in raws:
        _add_into(out, raw)
    return out


def _add_into(out: Raw, raw: Raw) -> None:
    """Add `raw` into `out` in place (its own dicts and lists, never those of `raw`). Run some
    thousands of times a build: the exact type tested first (an int or float, then a dict), the
    general cases after."""
    for key, value in raw.items():
        kind = type(value)
        if kind is int or kind is float:
            out[key] = (out.get(key) or 0) + value
        elif kind is dict:
            into = out.get(key)
            if into is None and key not in out:
                into = out[key] = {}
            _add_into(into, value)
        elif isinstance(value, dict):
            _add_into(out.setdefault(key, {}), value)
        elif isinstance(value, list):
            out.setdefault(key, []).extend(value)
        elif value is None:
            out.setdefault(key, None)
        else:
            out[key] = (out.get(key) or 0) + value


def rate(part, whole) -> float | None:
    return round(part / whole * 100, 1) if whole else None


def _zero(ctx, make):
    return {sid: make() for sid in ctx.school_ids}


# --- students enrolled in school (schools) ----------------------------------------------------
def _students(ctx: BuildContext) -> dict[int, Raw]:

    out = _zero(ctx, lambda: {"enrolled": 0, "by_grade": {}, "by_level": {}})
    for row in ctx.enrolled_by_grade:
        fig = out[row["school_id"]]
        fig["enrolled"] += row["n"]
        grade = str(row["homeroom_class__grade__number"])
        fig["by_grade"][grade] = fig["by_grade"].get(grade, 0) + row["n"]
    for sid, fig in out.items():
        fig["by_level"] = {ctx.schools[sid]["level"]: fig["enrolled"]}
        fig["schools"] = 1
    return out


def _students_final(raw: Raw, ctx) -> dict:
    return {"schools": raw.get("schools", 0), "enrolled": raw.get("enrolled", 0),
            "by_grade": dict(sorted(raw.get("by_grade", {}).items(), key=lambda kv: int(kv[0]))),
            "by_level": raw.get("by_level", {})}


def grade_label(number) -> str:
    return str(_("Grade %(n)s") % {"n": number})


def _students_rows(fig: dict, *, school: bool = False, **_options) -> list:
    from schools.models import School

    levels = dict(School.Level.choices)
    rows = [] if school else [(_("Schools"), fig["schools"])]
    rows += [(_("Students enrolled in school"), fig["enrolled"])]
    rows += [(grade_label(g), n) for g, n in fig["by_grade"].items()]
    if not school:  # a school's level is the school's, its count the one above
        rows += [(levels.get(level, level), n) for level, n in sorted(fig["by_level"].items())]
    return rows


register_section(Section(
    code="students", title=_("Students enrolled"), per_school=_students, finalize=_students_final,
    rows=_students_rows, order=10, main={"enrolled": ("enrolled", _("Students enrolled"))},
    short={"enrolled": pgettext_lazy("report column", "Enrolled")}, reads_apart=True,
))


# --- students in the service: coverage, priority groups (enrollment) --------------------------
def _service(ctx: BuildContext) -> dict[int, Raw]:
    from enrollment.models import PriorityGroup

    def zero():
        return {"enrolled": 0, "in_service": 0, "by_grade": {}, "applications": {},
                "priority": {g: {"applied": 0, "placed": 0, "waitlisted": 0} for g in PriorityGroup.values}}

    out = _zero(ctx, zero)
    for row in ctx.enrolled_by_grade:
        grade = out[row["school_id"]]["by_grade"].setdefault(str(row["homeroom_class__grade__number"]),
                                                              {"enrolled": 0, "in_service": 0})
        grade["enrolled"] += row["n"]
        out[row["school_id"]]["enrolled"] += row["n"]
    if ctx.term is None:
        return out
    # The placed children by grade (`ctx.coverage`, from the students' query), the term's
    # applications by school and status, the priority claims.
    # Every school's rows are read and the week's schools kept.
    for (school_id, grade), n in ctx.coverage["placed"].items():
        fig = out[school_id]
        fig["by_grade"].setdefault(str(grade), {"enrolled": 0, "in_service": 0})["in_service"] += n
        fig["in_service"] += n
    for school_id, status, n in ctx.application_statuses:
        if school_id in out:
            fig = out[school_id]
            fig["applications"][status] = fig["applications"].get(status, 0) + n
    for school_id, group, applied, placed, waitlisted in ctx.priority_claims:
        if school_id in out:
            out[school_id]["priority"][group] = {"applied": applied, "placed": placed, "waitlisted": waitlisted}
    return out


def _service_final(raw: Raw, ctx) -> dict:
    by_grade = {g: {**v, "coverage_rate": rate(v["in_service"], v["enrolled"])}
                for g, v in sorted(raw.get("by_grade", {}).items(), key=lambda kv: int(kv[0]))}
    return {"enrolled": raw.get("enrolled", 0), "in_service": raw.get("in_service", 0),
            "coverage_rate": rate(raw.get("in_service", 0), raw.get("enrolled", 0)),
            "by_grade": by_grade, "applications": raw.get("applications", {}), "priority": raw.get("priority", {})}


def _service_rows(fig: dict, **_options) -> list:
    from enrollment.models import Application

    statuses = dict(Application.Status.choices)
    rows = [(_("Students in the service"), fig["in_service"]),
            (_("Coverage rate (%)"), percent(fig["coverage_rate"]))]
    for status, n in sorted(fig["applications"].items()):
        rows.append((_("Applications: %(status)s") % {"status": statuses.get(status, status)}, n))
    return rows


def _service_tables(fig: dict) -> list[SubTable]:
    """Coverage by grade and the priority groups: a numeric column per figure (not "6 / 16 / 37.5")."""
    from enrollment.models import PriorityGroup

    groups = dict(PriorityGroup.choices)
    by_grade = SubTable(
        title=_("Coverage by grade"),
        headers=[_("Grade"), _("Students enrolled in school"), _("Students in the service"), _("Coverage rate (%)")],
        rows=[[grade_label(g), v["enrolled"], v["in_service"], percent(v["coverage_rate"])]
              for g, v in fig["by_grade"].items()])
    priority = SubTable(
        title=_("Priority groups"),
        headers=[_("Priority group"), pgettext_lazy("priority group", "Applied"),
                 pgettext_lazy("priority group", "Placed"), pgettext_lazy("priority group", "Waitlisted")],
        rows=[[str(groups.get(group, group)), v["applied"], v["placed"], v["waitlisted"]]
              for group, v in fig["priority"].items()])
    return [by_grade, priority]


register_section(Section(
    code="service", title=_("Coverage"), per_school=_service, finalize=_service_final, rows=_service_rows,
    order=20, main={"in_service": ("in_service", _("Students in the service")),
                    "coverage_rate": ("coverage_rate", _("Coverage rate (%)"))},
    short={"in_service": pgettext_lazy("report column", "In service"),
           "coverage_rate": pgettext_lazy("report column", "Cov. %")},
    percent=frozenset({"coverage_rate"}), tables=_service_tables, reads_apart=True,
))


# --- the service plan against the time rules (clubs/timerules.py) -----------------------------
def _plan(ctx: BuildContext) -> dict[int, Raw]:
    from clubs import timerules

    out = {}
    codes_of: dict[tuple, set] = {}  # the rules' verdict depends on the windows only: once per pair
    for sid in ctx.school_ids:
        plan = ctx.plans.get(sid)
        days = len(ctx.service_days(sid))
        fig = {"schools": 1, "schools_with_plan": 0, "plan_minutes_total": 0, "planned_days": days,
               "planned_minutes_week": 0, "schools_under_minimum": 0, "schools_past_latest_end": 0, "flags": []}
        if plan is None:
            fig["flags"].append("no_approved_plan")
        else:
            windows = ctx.windows[sid]
            per_day = timerules.window_minutes(windows["noon"]) + timerules.window_minutes(windows["after"])
            key = (windows["noon"], windows["after"])
            if key not in codes_of:
                codes_of[key] = {p.code for p in timerules.check_day(ctx.term, summer=ctx.summer, noon=windows["noon"],
                                                                     after=windows["after"])}
            codes = codes_of[key]
            fig.update(schools_with_plan=1, plan_minutes_total=per_day, planned_minutes_week=per_day * days)
            if "too_short" in codes:
                fig["schools_under_minimum"] = 1
                fig["flags"].append("plan_under_minimum")
            if "after_too_late" in codes:
                fig["schools_past_latest_end"] = 1
                fig["flags"].append("service_past_latest_end")
        out[sid] = fig
    return out


def _plan_final(raw: Raw, ctx) -> dict:
    with_plan = raw.get("schools_with_plan", 0)
    term = ctx.term
    return {
        "schools": raw.get("schools", 0), "schools_with_plan": with_plan,
        "avg_plan_minutes_per_day": round(raw.get("plan_minutes_total", 0) / with_plan, 1) if with_plan else None,
        "minimum_minutes": term.min_daily_minutes if term else None,
        "latest_end": f"{term.latest_end:%H:%M}" if term and not isinstance(term.latest_end, str) else None,
        "timetable": "summer" if ctx.summer else "winter",
        "planned_days": raw.get("planned_days", 0), "planned_minutes_week": raw.get("planned_minutes_week", 0),
        "schools_under_minimum": raw.get("schools_under_minimum", 0),
        "schools_past_latest_end": raw.get("schools_past_latest_end", 0),
    }


def _plan_rows(fig: dict, *, school: bool = False, **_options) -> list:
    if school:  # its own plan; breaking a time rule is one of its compliance flags
        rows = [(_("Approved service plan"), pgettext_lazy("answer", "Yes") if fig["schools_with_plan"]
                 else pgettext_lazy("answer", "No"))]
    else:
        rows = [(_("Schools with an approved service plan"), fig["schools_with_plan"])]
    rows += [
        (_("Timetable"), _("Summer timetable") if fig["timetable"] == "summer" else _("Winter timetable")),
        (_("Average planned service minutes per day"), fig["avg_plan_minutes_per_day"]),
        (_("Minimum minutes per day"), fig["minimum_minutes"]),
        (_("Service ends by"), fig["latest_end"]),
        (_("Planned service days (school-days)") if not school else _("Planned service days"), fig["planned_days"]),
        (_("Planned service minutes this week"), fig["planned_minutes_week"]),
    ]
    if not school:
        rows += [(_("Schools planning under the minimum"), fig["schools_under_minimum"]),
                 (_("Schools planning service past the latest end"), fig["schools_past_latest_end"])]
    return rows


register_section(Section(
    code="plan", title=_("Service plan and time rules"), per_school=_plan, finalize=_plan_final, rows=_plan_rows,
    order=30, main={"plan_minutes": ("avg_plan_minutes_per_day", _("Planned minutes per day"))},
    short={"plan_minutes": pgettext_lazy("report column", "Plan min")},
), flags={"no_approved_plan": _("No approved service plan"),
          "plan_under_minimum": _("Plan under 2 hours a day"),
          "service_past_latest_end": _("Service past 18:00")})


# --- clubs and teachers (clubs, enrollment's service groups) ----------------------------------
def _clubs(ctx: BuildContext) -> dict[int, Raw]:
    from accounts.models import RoleAssignment
    from accounts.roles import Role
    from clubs import timerules
    from clubs.models import Club, ClubCategory, ClubSlot, ReviewStatus
    from enrollment.models import ServiceGroup, Session

    categories = list(ClubCategory.objects.values_list("code", flat=True))
    out = _zero(ctx, lambda: {"clubs": 0, "by_category": dict.fromkeys(categories, 0), "type_codes": [],
                              "teachers_serving": 0, "teachers_total": 0, "service_minutes": 0, "held_minutes": 0})
    # (by the school's index: most role assignments are parents')
    for school_id, n in (RoleAssignment.objects.active().filter(role=Role.TEACHER, school_id__in=ctx.school_ids)
                         .values_list("school_id").annotate(n=Count("user", distinct=True)).order_by()):
        out[school_id]["teachers_total"] = n
    if ctx.term is None:
        return out
    # Every school's rows are read (no list of the week's schools in the SQL); the week's kept.
    approved = Club.objects.filter(term=ctx.term, status=ReviewStatus.APPROVED)
    for school_id, category, type_code, n in (approved.values_list("school_id", "club_type__category__code",
                                                                   "club_type__code")
                                              .annotate(n=Count("pk")).order_by()):
        if school_id in out:
            fig = out[school_id]
            fig["clubs"] += n
            fig["by_category"][category] = fig["by_category"].get(category, 0) + n
            fig["type_codes"].append(type_code)
    groups = ServiceGroup.objects.filter(term=ctx.term, status=ServiceGroup.Status.ACTIVE, teacher__isnull=False)
    # Teachers serving: of an approved club or a group, each counted once (a UNION removes the pairs
    # found twice).
    serving = Counter(school_id for school_id, _user in (
        Club.teachers.through.objects.filter(club__in=approved).order_by().values_list("club__school_id", "user_id")
        .union(groups.order_by().values_list("school_id", "teacher_id"))))
    for school_id, n in serving.items():
        if school_id in out:
            out[school_id]["teachers_serving"] = n
    # Planned minutes of the week: each club slot on each service day of its weekday (a make-up day
    # counts as the weekday whose timetable it follows).
    days = {sid: ctx.service_weekdays(sid) for sid in ctx.school_ids}
    slots = {}
    for pk, school_id, weekday, start, end in (ClubSlot.objects.filter(club__in=approved).order_by()
                                               .values_list("pk", "club__school_id", "weekday", "start", "end")):
        if school_id in out:
            slots[pk] = (start, end)
            out[school_id]["service_minutes"] += days[school_id].count(weekday) * timerules.window_minutes((start,
                                                                                                              end))
    # A group meets on the service days of its weekdays, for its school's window of its session:
    # counted by school, session and weekdays (a few hundred rows, not every group).
    day_count = {sid: Counter(weekdays) for sid, weekdays in days.items()}
    window_minutes = {sid: {session: timerules.window_minutes(window) for session, window in windows.items()}
                      for sid, windows in ctx.windows.items()}
    for school_id, session, weekdays, n in (groups.values_list("school_id", "session", "weekdays")
                                            .annotate(n=Count("*")).order_by()):
        minutes = window_minutes.get(school_id)
        if school_id in out and minutes is not None:
            held = sum(day_count[school_id][weekday] for weekday in set(weekdays or []))
            out[school_id]["service_minutes"] += n * held * minutes["noon" if session == Session.NOON else "after"]
    _held_minutes(ctx, out, slots)
    return out


def _held_minutes(ctx: BuildContext, out: dict, slots: dict) -> None:
    """Teachers' held minutes of the week: the submitted rolls, each counted as `attendance.hours`
    counts it (the roll's times capped by the plan's window or the club's slot, cut short by an
    early dismissal), from the rolls grouped by what the count depends on (`ctx.week_rolls`)."""
    from attendance.hours import held_minutes
    from attendance.models import Roll

    windows = ctx.windows
    counted: dict[tuple, int] = {}
    for school_id, date, status, kind, session, slot_id, start, end, n in ctx.week_rolls:
        if status != Roll.Status.SUBMITTED:
            continue
        info = ctx.calendar.get(school_id, {}).get(date)
        if kind == Roll.Kind.CLUB:
            cap = slots.get(slot_id)
        else:
            plan = windows.get(school_id)
            cap = plan["noon" if session == Roll.Session.NOON else "after"] if plan else None
        # the same times, cap and dismissal recur across schools and days: each counted once
        key = (start, end, cap, info.ends_at if info else None)
        minutes = counted.get(key)
        if minutes is None:
            minutes = counted[key] = held_minutes(*key)
        out[school_id]["held_minutes"] += n * minutes


def _clubs_final(raw: Raw, ctx) -> dict:
    return {"clubs": raw.get("clubs", 0), "by_category": raw.get("by_category", {}),
            "types_in_use": len(set(raw.get("type_codes", []))),
            "teachers_serving": raw.get("teachers_serving", 0), "teachers_total": raw.get("teachers_total", 0),
            "teacher_share": rate(raw.get("teachers_serving", 0), raw.get("teachers_total", 0)),
            "service_hours": round(raw.get("service_minutes", 0) / 60, 1),
            "held_service_hours": round(raw.get("held_minutes", 0) / 60, 1)}


def category_labels() -> dict[str, str]:
    from clubs.models import ClubCategory

    return {c.code: c.name for c in ClubCategory.objects.all()}


def _clubs_rows(fig: dict, *, categories: dict | None = None, **_options) -> list:
    labels = categories if categories is not None else category_labels()
    rows = [(_("Approved clubs"), fig["clubs"])]
    rows += [(labels.get(code, code), n) for code, n in fig["by_category"].items()]
    rows += [(_("Club types in use"), fig["types_in_use"]), (_("Teachers serving"), fig["teachers_serving"]),
             (_("Teachers in all"), fig["teachers_total"]),
             (_("Share of teachers serving (%)"), percent(fig["teacher_share"])),
             (_("Service hours of teachers held this week (from the rolls)"), fig.get("held_service_hours")),
             (_("Planned service hours of teachers this week"), fig["service_hours"])]
    return rows


register_section(Section(
    code="clubs", title=_("Clubs and teachers"), per_school=_clubs, finalize=_clubs_final, rows=_clubs_rows,
    order=40, main={"clubs": ("clubs", _("Clubs")), "teachers_serving": ("teachers_serving", _("Teachers serving")),
                    "held_service_hours": ("held_service_hours", _("Hours held")),
                    "service_hours": ("service_hours", _("Hours planned"))},
    short={"teachers_serving": pgettext_lazy("report column", "Teachers"),
           "held_service_hours": pgettext_lazy("report column", "Hrs held"),
           "service_hours": pgettext_lazy("report column", "Hrs plan")},
))


# --- safety (incidents, drills, inspections, rectification; safety.selectors.safety_flags) ---
def _safety(ctx: BuildContext) -> dict[int, Raw]:
    from safety.models import Drill, Incident, IncidentType, Inspection, RectificationItem, Severity
    from safety.selectors import safety_flags

    types, severities = IncidentType.values, [str(v) for v in Severity.values]
    out = _zero(ctx, lambda: {"incidents": 0, "escalated": 0, "escalated_open": 0, "by_type": dict.fromkeys(types, 0),
                              "by_severity": dict.fromkeys(severities, 0), "drills": 0, "inspections": 0,
                              "overdue_rectifications": 0, "schools_plan_unreviewed": 0, "schools_no_drill": 0,
                              "flags": []})
    start, end = ctx.week_bounds()
    # One pass over the week's incidents and the escalated incidents still open when the week ended
    # (escalated by then, not closed by then), of whichever week they happened in: what the bureau
    # is following. Each row counts the former by type and severity, and the latter.
    in_week = Q(occurred_at__gte=start, occurred_at__lt=end)
    still_open = (Q(closed_at__isnull=True, status__in=[Incident.Status.OPEN, Incident.Status.REVIEWING])
                  | Q(closed_at__gte=end)) & Q(escalated_at__lt=end)
    # Every school's rows are read (no list of the week's schools in the SQL); the week's kept.
    for row in (Incident.objects.filter(in_week | still_open)
                .values("school_id", "type", "severity")
                .annotate(n=Count("pk", filter=in_week), escalated=Count("pk", filter=in_week & Q(
                    escalated_at__isnull=False)), still_open=Count("pk", filter=still_open)).order_by()):
        fig = out.get(row["school_id"])
        if fig is None:
            continue
        fig["escalated_open"] += row["still_open"]
        if not row["n"]:
            continue
        fig["incidents"] += row["n"]
        fig["escalated"] += row["escalated"]
        fig["by_type"][row["type"]] = fig["by_type"].get(row["type"], 0) + row["n"]
        fig["by_severity"][str(row["severity"])] = fig["by_severity"].get(str(row["severity"]), 0) + row["n"]
    for school_id, n in (Drill.objects.filter(held_on__range=(ctx.week_start, ctx.week_end))
                         .values_list("school_id").annotate(n=Count("pk")).order_by()):
        if school_id in out:
            out[school_id]["drills"] = n
    for school_id, n in (Inspection.objects.filter(inspected_on__range=(ctx.week_start, ctx.week_end))
                         .values_list("school_id").annotate(n=Count("pk")).order_by()):
        if school_id in out:
            out[school_id]["inspections"] = n
    for school_id, n in (RectificationItem.objects.filter(status__in=RectificationItem.OPEN_STATES,
                                                          deadline__lt=ctx.week_end)
                         .values_list("inspection__school_id").annotate(n=Count("pk")).order_by()):
        if school_id in out:
            out[school_id]["overdue_rectifications"] = n
    for sid, flags in safety_flags(school_ids=ctx.school_ids, today=ctx.week_end).items():
        if flags.unreviewed_plans:
            out[sid]["schools_plan_unreviewed"] = 1
            out[sid]["flags"].append("emergency_plan_unreviewed")
        if flags.no_drill_this_term:
            out[sid]["schools_no_drill"] = 1
            out[sid]["flags"].append("no_drill_this_term")
        if out[sid]["overdue_rectifications"]:
            out[sid]["flags"].append("rectification_overdue")
    return out


def _safety_final(raw: Raw, ctx) -> dict:
    return {k: raw.get(k, 0) for k in ("incidents", "escalated", "escalated_open", "drills", "inspections",
                                       "overdue_rectifications", "schools_plan_unreviewed", "schools_no_drill")} | {
        "by_type": raw.get("by_type", {}), "by_severity": raw.get("by_severity", {})}


def _safety_rows(fig: dict, *, school: bool = False, **_options) -> list:
    from safety.models import IncidentType, Severity

    types, levels = dict(IncidentType.choices), dict(Severity.choices)
    rows = [(_("Incidents this week"), fig["incidents"]), (_("Escalated to the bureau"), fig["escalated"]),
            (_("Escalated incidents still open at the end of the week"), fig.get("escalated_open"))]
    rows += [(types.get(t, t), n) for t, n in fig["by_type"].items()]
    rows += [(_("Severity: %(level)s") % {"level": levels.get(int(s), s)}, n) for s, n in fig["by_severity"].items()]
    rows += [(_("Drills held"), fig["drills"]), (_("Inspections"), fig["inspections"]),
             (_("Overdue rectification items"), fig["overdue_rectifications"])]
    if not school:  # a school's own: among its compliance flags
        rows += [(_("Schools with an emergency plan unreviewed for over a year"), fig["schools_plan_unreviewed"]),
                 (_("Schools without a drill this term"), fig["schools_no_drill"])]
    return rows


register_section(Section(
    code="safety", title=_("Safety"), per_school=_safety, finalize=_safety_final, rows=_safety_rows, order=60,
    main={"incidents": ("incidents", _("Incidents")),
          "escalated_open": ("escalated_open", _("Escalated incidents open"))},
    short={"escalated_open": pgettext_lazy("report column", "Esc. open")},
), flags={"emergency_plan_unreviewed": _("Emergency plan unreviewed"),
          "no_drill_this_term": _("No drill this term"),
          "rectification_overdue": _("Rectification overdue")})


# --- parents' satisfaction (voice) ------------------------------------------------------------
def _voice(ctx: BuildContext) -> dict[int, Raw]:
    from voice.selectors import satisfaction_by_school

    out = _zero(ctx, lambda: {"responses": 0, "index_weighted": 0, "schools_surveyed": 0})
    if ctx.term is None:
        return out
    for row in satisfaction_by_school(term=ctx.term, questions=False):
        if row["school_id"] in out and row["index"] is not None:
            out[row["school_id"]] = {"responses": row["responses"], "schools_surveyed": 1,
                                     "index_weighted": row["index"] * row["responses"]}
    return out


def _voice_final(raw: Raw, ctx) -> dict:
    n = raw.get("responses", 0)
    # District and city: the schools' indexes weighted by their number of responses.
    return {"responses": n, "schools_surveyed": raw.get("schools_surveyed", 0),
            "satisfaction_index": round(raw.get("index_weighted", 0) / n, 1) if n else None}


def _voice_rows(fig: dict, *, school: bool = False, **_options) -> list:
    rows = [] if school else [(_("Schools with a closed satisfaction survey"), fig["schools_surveyed"])]
    return rows + [(_("Responses"), fig["responses"]), (_("Satisfaction index (0-100)"), fig["satisfaction_index"])]


register_section(Section(
    code="voice", title=_("Parents' satisfaction"), per_school=_voice, finalize=_voice_final, rows=_voice_rows,
    order=70, main={"satisfaction": ("satisfaction_index", _("Satisfaction index"))},
    short={"satisfaction": pgettext_lazy("report column", "Satisf.")},
))
