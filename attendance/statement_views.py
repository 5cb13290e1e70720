"""Pages of the monthly hours statements (desktop): the list, one statement (check, correct, sign
off, XLSX), the city's summary (bureau, districts) with its XLSX, the bureau's rates, and a
teacher's own hours month by month. Thin: `attendance.statements` does the work; a statement out of
the user's scope is a 404, a visible action the user may not take a 403."""
from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import Role
from accounts.scoping import scope_of
from schools.models import School, Term
from shahe_afterschool.errors import DomainError
from shahe_afterschool.exports import xlsx_response
from shahe_afterschool.ids import parse_id

from . import hours_cache
from . import statements as st
from .hours import KINDS, month_range, teacher_hours, teacher_hours_by_month
from .statement_models import Statement


def _month(request, default: datetime.date | None = None) -> tuple[datetime.date | None, str]:
    raw = (request.GET.get("month") or request.POST.get("month") or "").strip()
    if not raw:
        return default, ""
    try:
        return st.parse_month(raw), ""
    except DomainError as exc:
        return default, str(exc.message)


def _school(request, raw) -> School | None:
    if raw in (None, ""):
        return None
    pk = parse_id(raw)
    school = School.objects.visible_to(request.user).filter(pk=pk).first() if pk is not None else None
    if school is None:
        raise Http404
    return school


def _staff(request):
    if not scope_of(request.user).is_staff_member:
        raise PermissionDenied(_("The statements are for staff."))


@login_required
def statement_list(request):
    """The statements the user may see by month (every version), a month and school filter; the
    teaching-affairs office and the principal build a month's draft now."""
    _staff(request)
    scope = scope_of(request.user)
    month, error = _month(request)
    school = _school(request, request.GET.get("school"))
    rows = list(st.statement_list(user=request.user, school=school, month=month)[:300])
    builders = list(School.objects.filter(pk__in=scope.schools_with(Role.ACADEMIC, Role.PRINCIPAL)).order_by("code"))
    return render(request, "attendance/statements/list.html", {
        "statements": rows, "month": month, "school": school, "error": error, "builders": builders,
        "default_month": st.previous_month(), "sees_summary": st.may_read_summary(request.user),
        "sets_rates": st.may_set_rates(request.user),
    }, status=400 if error else 200)


@login_required
@require_POST
def statement_build(request):
    school = _school(request, request.POST.get("school"))
    if school is None:
        raise Http404
    try:
        month = st.parse_month(request.POST.get("month"))
        statement, what = st.statement_build_on_demand(user=request.user, school=school, month=month)
    except DomainError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(str(exc.message)) from None
        messages.error(request, str(exc.message))
        return redirect("attendance:statements")
    text = {"created": _("The statement was built from the rolls."),
            "rebuilt": _("The draft was rebuilt from the rolls."),
            "unchanged": _("The draft already matches the rolls."),
            "kept": _("The statement is checked or signed, so it was not rebuilt."),
            "empty": _("No teacher held or was planned a session that month: nothing to build.")}[what]
    messages.info(request, text)
    if statement is None:
        return redirect("attendance:statements")
    return redirect("attendance:statement", pk=statement.pk)


def _render_detail(request, statement: Statement, *, status: int = 200, error: str = "", form_line=None,
                   form_values=None):
    detail = st.statement_detail(statement=statement, user=request.user)
    school = statement.school
    versions = list(Statement.objects.visible_to(request.user).filter(school=school, month=statement.month)
                    .order_by("version").only("pk", "version", "status"))
    return render(request, "attendance/statements/detail.html", {
        **detail, "school": school, "kinds": KINDS, "versions": versions, "error": error,
        "form_line": form_line, "form_values": form_values or {},
        "can_check": detail["is_latest"] and statement.status == Statement.Status.DRAFT
        and st.may_check(request.user, school),
        "can_correct": detail["is_latest"] and st.may_check(request.user, school),
        "can_sign": detail["is_latest"] and statement.status == Statement.Status.CHECKED
        and st.may_sign(request.user, school),
        "can_rebuild": detail["is_latest"] and statement.status == Statement.Status.DRAFT
        and st.may_build(request.user, school),
    }, status=status)


@login_required
def statement_detail(request, pk: int):
    statement = st.statement_get_for_user(user=request.user, pk=pk)
    return _render_detail(request, statement)


def _act(request, pk, action, done: str):
    statement = st.statement_get_for_user(user=request.user, pk=pk)
    try:
        action(statement=statement, by=request.user)
    except DomainError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(str(exc.message)) from None
        statement.refresh_from_db()
        return _render_detail(request, statement, status=exc.status_code, error=str(exc.message))
    messages.success(request, done)
    return redirect("attendance:statement", pk=statement.pk)


@login_required
@require_POST
def statement_check(request, pk: int):
    return _act(request, pk, st.statement_check, _("Checked: the statement goes to the principal for sign-off."))


@login_required
@require_POST
def statement_sign(request, pk: int):
    return _act(request, pk, st.statement_sign, _("Signed off. The statement is now read-only."))


@login_required
@require_POST
def statement_line_correct(request, pk: int):
    line = st.line_get_for_user(user=request.user, pk=pk)
    minutes = {k: request.POST.get(f"{k}_minutes", "") for k in KINDS}
    try:
        corrected = st.statement_line_correct(line=line, by=request.user, minutes=minutes,
                                              reason=request.POST.get("reason", ""))
    except DomainError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(str(exc.message)) from None
        statement = st.statement_get_for_user(user=request.user, pk=line.statement_id)
        return _render_detail(request, statement, status=exc.status_code, error=str(exc.message), form_line=line.pk,
                              form_values={**minutes, "reason": request.POST.get("reason", "")})
    if corrected.statement_id != line.statement_id:
        messages.success(request, _("The statement was signed, so the correction made version %(v)d; it goes "
                                    "through check and sign-off again.") % {"v": corrected.statement.version})
    else:
        messages.success(request, _("The line was corrected; the reason is kept."))
    return redirect("attendance:statement", pk=corrected.statement_id)


@login_required
def statement_xlsx(request, pk: int):
    statement = st.statement_get_for_user(user=request.user, pk=pk)
    detail = st.statement_detail(statement=statement, user=request.user)
    return xlsx_response(f"statement-{statement.school.code}-{statement.month:%Y-%m}-v{statement.version}.xlsx",
                         [st.xlsx_sheet(detail)])


@login_required
def statement_summary(request):
    """The city's sums of signed statements of a month, by district and school, with the amounts."""
    _staff(request)
    if not st.may_read_summary(request.user):
        raise PermissionDenied(_("The city's summary is for the education bureau and the districts."))
    month, error = _month(request, default=st.previous_month())
    summary = st.city_summary(user=request.user, month=month)
    if request.GET.get("format") == "xlsx" and not error:
        return xlsx_response(f"hours-summary-{month:%Y-%m}.xlsx", st.summary_sheets(summary))
    return render(request, "attendance/statements/summary.html", {**summary, "error": error, "kinds": KINDS},
                  status=400 if error else 200)


@login_required
def service_rates(request):
    """The terms' rates per hour (课后服务补助标准): staff read them, the bureau sets them."""
    _staff(request)
    can_edit = st.may_set_rates(request.user)
    error, field, values = "", "", {}
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the education bureau sets the rates."))
        pk = parse_id(request.POST.get("term", ""))
        term = Term.objects.filter(pk=pk).first() if pk is not None else None
        if term is None:
            raise Http404
        values = {k: request.POST.get(k, "") for k in KINDS}
        try:
            st.service_rate_set(user=request.user, term=term, **values)
        except DomainError as exc:
            error, field, status = str(exc.message), exc.field or "", exc.status_code
            values["term"] = term.pk
        else:
            messages.success(request, _("Rates saved for %(term)s.") % {"term": term.name})
            return redirect("attendance:service_rates")
    return render(request, "attendance/statements/rates.html", {
        "rates": st.service_rates(), "can_edit": can_edit, "error": error, "field": field, "values": values,
        "kinds": KINDS,
    }, status=status)


# --- a teacher's own hours ------------------------------------------------------------------------
def _months_back(today: datetime.date, n: int) -> list[datetime.date]:
    out, first = [], today.replace(day=1)
    for _i in range(n):
        out.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return out


@login_required
def my_hours(request):
    """A teacher's own held hours month by month (this month and the five before, by kind, planned
    beside held), the sessions of the chosen month listed, and their lines on the statements. Kept
    rendered until a roll of their schools or a rule of the hours changes (attendance.hours_cache)."""
    scope = scope_of(request.user)
    school_ids = sorted(scope.staff_school_ids)
    if not school_ids:
        raise PermissionDenied(_("Your hours are shown to a school's staff."))
    today = timezone.localdate()
    months = _months_back(today, 6)
    month, error = _month(request, default=months[0])
    if error:  # the page with its message, computed (a mistyped month is not kept)
        return render(request, "attendance/my_hours.html", {
            "body_html": _my_hours_body(request, school_ids, months, month, error)}, status=400)
    key = hours_cache.page_key(user_id=request.user.pk, school_ids=school_ids, parts=(today, month))
    body = cache.get(key)
    if body is None:
        body = _my_hours_body(request, school_ids, months, month, error)
        cache.set(key, body, MY_HOURS_SECONDS)
    return render(request, "attendance/my_hours.html", {
        "body_html": mark_safe(body)})  # noqa: S308 (the template's own output)


#: How long a teacher's rendered hours are kept (the key names the versions of what they count).
MY_HOURS_SECONDS = 3600


def _my_hours_body(request, school_ids, months, month, error) -> str:
    schools = list(School.objects.filter(pk__in=school_ids).order_by("code"))
    first, last = month_range(f"{month:%Y-%m}")
    summary, sessions = [], []
    if month not in months:  # a month further back: its sessions are read on their own
        for school in schools:
            teacher_hours(school=school, date_from=first, date_to=last, teacher_id=request.user.pk, sessions=sessions)
    # The six months are read at once for each school (the queries of one month), then split by month.
    held = []
    by_month: dict[datetime.date, list[dict]] = {}
    for school in schools:
        for m, rows in teacher_hours_by_month(school=school, date_from=months[-1],
                                              date_to=month_range(f"{months[0]:%Y-%m}")[1],
                                              teacher_id=request.user.pk, sessions=held).items():
            by_month.setdefault(m, []).extend(rows)
    if month in months:
        sessions = [s for s in held if first <= s["date"] <= last]
    for m in months:
        rows = by_month.get(m, [])
        total = {f: sum(r[f] for r in rows) for f in ("planned_sessions", "held_sessions", "planned_minutes",
                                                      "held_minutes")}
        by_kind = {k: sum(r["by_kind"][k]["held_minutes"] for r in rows) for k in KINDS}
        summary.append({"month": m, **total, "held_hours": round(total["held_minutes"] / 60, 2),
                        "planned_hours": round(total["planned_minutes"] / 60, 2),
                        "by_kind": {k: round(v / 60, 2) for k, v in by_kind.items()}})
    sessions.sort(key=lambda s: (s["date"], s["starts_at"] or datetime.time(0)))
    return render_to_string("attendance/_my_hours_body.html", {
        "summary": summary, "month": month, "sessions": sessions, "error": error, "kinds": KINDS,
        "lines": list(st.my_statement_lines(user=request.user)[:24]),
        "held_minutes": sum(s["minutes"] for s in sessions), "held_hours": round(sum(s["minutes"] for s in sessions) / 60, 2),
    }, request=request)

