"""Monthly statements of teachers' service hours for performance pay (课后服务课时月报), and the
bureau's rates per hour (课后服务补助标准). Reads and writes in one module, like `hours.py`.

- **Build** (`statements_build`, the beat task `attendance.tasks.build_statements` on the 1st of
  each month for the month before): per school, the teachers' held hours of the month from
  `attendance.hours.teacher_hours` (the one rule for planned and held hours). A school's month
  without a statement gets version 1 (a draft); a draft is rebuilt in place (lines corrected by the
  office keep their correction); a checked or signed statement is left alone. Running it twice
  changes nothing.
- **Check, correct, sign**: the teaching-affairs office (教务处) corrects a line with a reason
  (`StatementCorrection`, kept) and marks the statement checked; the principal signs it off, which
  fixes the term's rates on it. A signed statement is read-only: a correction makes the next
  version (a draft copying the lines) that goes through check and sign-off again.
- **Amounts**: minutes by kind × the term's rate per hour (yuan, to the fen, per teacher).
- **The city's sums** (`city_summary`): the latest signed version of each school's month, by
  school and district, for the bureau (every school) and district staff (their schools).
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.scoping import get_for_user, scope_of
from schools.models import School, Term
from shahe_afterschool.errors import ConflictError, DomainError

from .hours import month_range, teacher_hours
from .statement_models import (
    KINDS,
    ServiceRate,
    Statement,
    StatementCorrection,
    StatementLine,
)

#: The most minutes a line may carry for one kind in a month (31 days × 24 hours).
MAX_MINUTES = 31 * 24 * 60
MAX_RATE = Decimal("99999.99")
FULL_WIDTH = str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+")


class StatementForbidden(DomainError):
    status_code = 403


# --- months and terms ---------------------------------------------------------------------------
def previous_month(day: datetime.date | None = None) -> datetime.date:
    """The first day of the month before `day` (today in Shanghai)."""
    day = day or timezone.localdate()
    last = day.replace(day=1) - datetime.timedelta(days=1)
    return last.replace(day=1)


def parse_month(value) -> datetime.date:
    """`YYYY-MM` → its first day; DomainError otherwise."""
    try:
        first, _last = month_range(str(value or "").strip())
    except ValueError:
        raise DomainError(_("Give the month as YYYY-MM."), field="month") from None
    return first


def term_for_month(first: datetime.date, terms=None) -> Term | None:
    """The term that covers most days of the month (the later one on a tie), or None."""
    last = month_range(f"{first:%Y-%m}")[1]
    terms = terms if terms is not None else Term.objects.filter(start_date__lte=last, end_date__gte=first)
    best, best_days = None, 0
    for term in terms:
        if term.start_date > last or term.end_date < first:
            continue
        days = (min(term.end_date, last) - max(term.start_date, first)).days + 1
        if days > best_days or (days == best_days and best is not None and term.start_date > best.start_date):
            best, best_days = term, days
    return best


# --- who may do what ----------------------------------------------------------------------------
def sees_every_line(user, school: School) -> bool:
    """The bureau, the admin, the school's district staff, principal and teaching-affairs office see
    every teacher's line; anyone else who sees the statement (a teacher) only their own."""
    scope = scope_of(user)
    return (scope.sees_city or school.pk in scope.schools_with(Role.PRINCIPAL, Role.ACADEMIC)
            or (school.district_id is not None and school.district_id in scope.district_ids))


def may_check(user, school: School) -> bool:
    scope = scope_of(user)
    return scope.is_admin or school.pk in scope.schools_with(Role.ACADEMIC)


def may_sign(user, school: School) -> bool:
    scope = scope_of(user)
    return scope.is_admin or school.pk in scope.schools_with(Role.PRINCIPAL)


def may_build(user, school: School) -> bool:
    scope = scope_of(user)
    return scope.is_admin or school.pk in scope.schools_with(Role.ACADEMIC, Role.PRINCIPAL)


def may_set_rates(user) -> bool:
    return scope_of(user).sees_city


def may_read_summary(user) -> bool:
    scope = scope_of(user)
    return scope.sees_city or bool(scope.district_ids)


# --- reads ----------------------------------------------------------------------------------------
def statement_list(*, user, school: School | None = None, month: datetime.date | None = None):
    qs = (Statement.objects.visible_to(user).select_related("school", "school__district", "signed_by", "checked_by")
          .order_by("-month", "school__code", "-version"))
    if school is not None:
        qs = qs.filter(school=school)
    if month is not None:
        qs = qs.filter(month=month)
    return qs


def statement_get_for_user(*, user, pk) -> Statement:
    """The statement if the user may see it, else 404."""
    return get_for_user(Statement.objects.select_related("school", "term", "checked_by", "signed_by", "supersedes"),
                        user, pk)


def line_get_for_user(*, user, pk) -> StatementLine:
    """A line of a statement the user sees, and only a line the user may see (a teacher their own), else 404."""
    from shahe_afterschool.ids import parse_id

    pk = parse_id(pk) if isinstance(pk, str) else pk
    line = (StatementLine.objects.select_related("statement", "statement__school")
            .filter(pk=pk, statement__in=Statement.objects.visible_to(user)).first()) if pk is not None else None
    if line is None or not (sees_every_line(user, line.statement.school) or line.teacher_id == user.pk):
        raise Http404
    return line


def rates_for(statement: Statement) -> dict[str, Decimal] | None:
    """The rates of a statement: fixed when signed, the term's current ones before."""
    signed = statement.signed_rates()
    if signed is not None:
        return signed
    if statement.term_id is None:
        return None
    rate = ServiceRate.objects.filter(term_id=statement.term_id).first()
    return rate.as_dict() if rate else None


def statement_detail(*, statement: Statement, user) -> dict:
    """What the statement page and its XLSX show: the lines the user may see (every line, or a
    teacher's own) with hours and amounts, the totals, the rates, the corrections of this school's
    month (every version), whether a later version exists. A fixed number of queries."""
    lines = list(statement.lines.order_by("teacher_name", "teacher_id"))
    every = sees_every_line(user, statement.school)
    if not every:
        lines = [line for line in lines if line.teacher_id == user.pk]
    rates = rates_for(statement)
    rows = []
    totals = {"sessions": 0, "minutes": 0, "amount": Decimal("0.00") if rates else None,
              **{f"{k}_minutes": 0 for k in KINDS}, **{f"{k}_sessions": 0 for k in KINDS}}
    for line in lines:
        amounts = line.amounts(rates)
        rows.append({"line": line, "amounts": amounts, "hours": {k: round(line.minutes()[k] / 60, 2) for k in KINDS},
                     "total_hours": round(line.total_minutes / 60, 2)})
        totals["sessions"] += line.total_sessions
        totals["minutes"] += line.total_minutes
        for k in KINDS:
            totals[f"{k}_minutes"] += line.minutes()[k]
            totals[f"{k}_sessions"] += line.sessions()[k]
        if rates:
            totals["amount"] += amounts["total"]
    totals["hours"] = round(totals["minutes"] / 60, 2)
    corrections = (StatementCorrection.objects.filter(line__statement__school_id=statement.school_id,
                                                      line__statement__month=statement.month)
                   .select_related("by", "line", "line__statement").order_by("at", "pk"))
    if not every:
        corrections = corrections.filter(line__teacher_id=user.pk)
    latest = (Statement.objects.filter(school_id=statement.school_id, month=statement.month)
              .aggregate(v=Max("version"))["v"])
    return {"statement": statement, "rows": rows, "totals": totals, "rates": rates, "every_line": every,
            "corrections": list(corrections), "is_latest": latest == statement.version, "latest_version": latest}


def xlsx_sheet(detail: dict) -> tuple[str, list, list]:
    """One row per teacher, numbers as numbers (hours to 0.01, yuan to the fen)."""
    headers = [_("Teacher"), _("Noon sessions"), _("Noon hours"), _("Group sessions"), _("Group hours"),
               _("Club sessions"), _("Club hours"), _("Number of sessions"), _("Hours"), _("Amount (yuan)"), _("Corrected")]
    rows = []
    for row in detail["rows"]:
        line, amounts = row["line"], row["amounts"]
        rows.append([line.teacher_name, line.noon_sessions, row["hours"]["noon"], line.group_sessions,
                     row["hours"]["group"], line.club_sessions, row["hours"]["club"], line.total_sessions,
                     row["total_hours"], float(amounts["total"]) if amounts["total"] is not None else None,
                     str(_("yes")) if line.corrected else ""])
    statement = detail["statement"]
    return f"{statement.month:%Y-%m} v{statement.version}", headers, rows


def city_summary(*, user, month: datetime.date) -> dict:
    """The latest signed version of each school's month, by district and school: teachers, sessions,
    hours and amounts by kind. The bureau sees every school, district staff their district's; a fixed
    number of queries. Schools whose month is not signed yet are counted as pending."""
    scope = scope_of(user)
    if not may_read_summary(user):
        raise StatementForbidden(_("The city's summary is for the education bureau and the districts."))
    schools = School.objects.filter(active=True).select_related("district").order_by("district__code", "code")
    if not scope.sees_city:
        schools = schools.filter(district_id__in=scope.district_ids)
    schools = list(schools)
    statements = (Statement.objects.filter(month=month, school__in=[s.pk for s in schools])
                  .order_by("school_id", "version"))
    latest_signed: dict[int, Statement] = {}
    status_of: dict[int, str] = {}
    for st in statements:
        status_of[st.school_id] = st.status
        if st.status == Statement.Status.SIGNED:
            latest_signed[st.school_id] = st
    per_statement: dict[int, dict] = defaultdict(lambda: {"teachers": 0, "sessions": 0,
                                                          **{f"{k}_minutes": 0 for k in KINDS},
                                                          "amount": Decimal("0.00")})
    by_id = {st.pk: st for st in latest_signed.values()}
    for line in StatementLine.objects.filter(statement_id__in=list(by_id)).only(
            "statement_id", *[f"{k}_minutes" for k in KINDS], *[f"{k}_sessions" for k in KINDS]):
        agg = per_statement[line.statement_id]
        rates = by_id[line.statement_id].signed_rates()
        agg["teachers"] += 1
        agg["sessions"] += line.total_sessions
        for k in KINDS:
            agg[f"{k}_minutes"] += getattr(line, f"{k}_minutes")
        agg["amount"] += line.amounts(rates)["total"] or Decimal("0.00")
    districts: dict = {}
    total = {"schools": 0, "signed": 0, "teachers": 0, "sessions": 0, "minutes": 0, "amount": Decimal("0.00"),
             **{f"{k}_minutes": 0 for k in KINDS}}
    rows = []
    for school in schools:
        st = latest_signed.get(school.pk)
        agg = per_statement[st.pk] if st else None
        row = {"school": school, "statement": st, "status": status_of.get(school.pk, ""),
               "teachers": agg["teachers"] if agg else 0, "sessions": agg["sessions"] if agg else 0,
               **{f"{k}_minutes": agg[f"{k}_minutes"] if agg else 0 for k in KINDS},
               "amount": agg["amount"] if agg else None}
        row["minutes"] = sum(row[f"{k}_minutes"] for k in KINDS)
        row["hours"] = round(row["minutes"] / 60, 2)
        rows.append(row)
        key = school.district_id or 0
        d = districts.setdefault(key, {"district": school.district, "schools": 0, "signed": 0, "teachers": 0,
                                       "sessions": 0, "minutes": 0, "amount": Decimal("0.00"),
                                       **{f"{k}_minutes": 0 for k in KINDS}})
        for bucket in (d, total):
            bucket["schools"] += 1
            if st:
                bucket["signed"] += 1
                bucket["amount"] += row["amount"]
            for f in ("teachers", "sessions", "minutes", *[f"{k}_minutes" for k in KINDS]):
                bucket[f] += row[f]
    for bucket in [*districts.values(), total]:
        bucket["hours"] = round(bucket["minutes"] / 60, 2)
    return {"month": month, "rows": rows, "districts": list(districts.values()), "total": total}


def summary_sheets(summary: dict) -> list:
    def num(v):
        return float(v) if isinstance(v, Decimal) else v

    hours = [_("Noon hours"), _("Group hours"), _("Club hours")]
    by_school = [[r["school"].district.name if r["school"].district else str(_("City-direct")), r["school"].code,
                  r["school"].name, r["statement"].version if r["statement"] else None,
                  str(r["statement"].get_status_display()) if r["statement"] else str(_("Not signed")),
                  r["teachers"], r["sessions"], *[round(r[f"{k}_minutes"] / 60, 2) for k in KINDS], r["hours"],
                  num(r["amount"])] for r in summary["rows"]]
    by_district = [[d["district"].name if d["district"] else str(_("City-direct")), d["schools"], d["signed"],
                    d["teachers"], d["sessions"], *[round(d[f"{k}_minutes"] / 60, 2) for k in KINDS], d["hours"],
                    num(d["amount"])] for d in summary["districts"]]
    t = summary["total"]
    by_district.append([str(_("City total")), t["schools"], t["signed"], t["teachers"], t["sessions"],
                        *[round(t[f"{k}_minutes"] / 60, 2) for k in KINDS], t["hours"], num(t["amount"])])
    return [
        (_("By school"), [_("District"), _("Code"), _("School"), _("Version"), _("Status"), _("Teachers"),
                          _("Number of sessions"), *hours, _("Hours"), _("Amount (yuan)")], by_school),
        (_("By district"), [_("District"), _("Schools"), _("Signed"), _("Teachers"), _("Number of sessions"), *hours,
                            _("Hours"), _("Amount (yuan)")], by_district),
    ]


def service_rates(*, terms=None) -> list[tuple[Term, ServiceRate | None]]:
    terms = list(terms if terms is not None else Term.objects.order_by("-start_date")[:6])
    rates = {r.term_id: r for r in ServiceRate.objects.filter(term__in=terms)}
    return [(t, rates.get(t.pk)) for t in terms]


# --- writes ---------------------------------------------------------------------------------------
def _parse_rate(value, field: str) -> Decimal:
    text = str(value if value is not None else "").strip().translate(FULL_WIDTH)
    try:
        rate = Decimal(text)
    except (InvalidOperation, ValueError):
        raise DomainError(_("The rate must be a number of yuan per hour, e.g. 40 or 37.50."), field=field) from None
    if not rate.is_finite():
        raise DomainError(_("The rate must be a number of yuan per hour, e.g. 40 or 37.50."), field=field)
    if rate < 0:
        raise DomainError(_("The rate cannot be negative."), field=field)
    if rate > MAX_RATE or rate != rate.quantize(Decimal("0.01")):
        raise DomainError(_("The rate is at most 99999.99 yuan per hour, to the fen."), field=field)
    return rate.quantize(Decimal("0.01"))


def service_rate_set(*, user, term: Term, noon, group, club) -> ServiceRate:
    """The bureau sets the term's rates per hour (yuan) for noon service, after-school groups and
    clubs. Signed statements keep the rates they were signed with; drafts and checked ones show the
    new amounts."""
    if not may_set_rates(user):
        raise StatementForbidden(_("Only the education bureau sets the rates."))
    values = {"noon": _parse_rate(noon, "noon"), "group": _parse_rate(group, "group"),
              "club": _parse_rate(club, "club")}
    rate = ServiceRate.objects.filter(term=term).first()
    if rate is None:
        return ServiceRate.objects.create(term=term, set_by=user, **values)
    if rate.as_dict() != values:
        for k, v in values.items():
            setattr(rate, k, v)
        rate.set_by = user
        rate.save()
    return rate


LINE_FIELDS = ("teacher_name", "planned_sessions", "planned_minutes", *[f"{k}_sessions" for k in KINDS],
               *[f"held_{k}_minutes" for k in KINDS], *[f"{k}_minutes" for k in KINDS])


def _line_values(row: dict | None, line: StatementLine | None) -> dict:
    by_kind = row["by_kind"] if row else {k: {"held_sessions": 0, "held_minutes": 0} for k in KINDS}
    values = {"teacher_name": (row["teacher_name"] if row else line.teacher_name)[:150],
              "planned_sessions": row["planned_sessions"] if row else 0,
              "planned_minutes": row["planned_minutes"] if row else 0}
    for k in KINDS:
        values[f"{k}_sessions"] = by_kind[k]["held_sessions"]
        values[f"held_{k}_minutes"] = by_kind[k]["held_minutes"]
        if line is None or not line.corrected:
            values[f"{k}_minutes"] = by_kind[k]["held_minutes"]
    return values


def _fill(statement: Statement, rows: list[dict]) -> bool:
    """Write the rows onto the statement's lines (new lines created, corrected minutes kept, a line
    whose teacher no longer has hours set to zero). Only changed lines are saved. True if anything changed."""
    existing = {line.teacher_id: line for line in statement.lines.all()}
    changed = False
    for row in rows:
        line = existing.pop(row["teacher"], None)
        values = _line_values(row, line)
        if line is None:
            StatementLine.objects.create(statement=statement, teacher_id=row["teacher"], **values)
            changed = True
        elif any(getattr(line, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(line, f, v)
            line.save()
            changed = True
    for line in existing.values():
        values = _line_values(None, line)
        if any(getattr(line, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(line, f, v)
            line.save()
            changed = True
    return changed


def statement_build(*, school: School, month: datetime.date, terms=None, now=None) -> tuple[Statement | None, str]:
    """Build or rebuild one school's statement of `month` (its first day). Returns the statement
    and what happened: `created`, `rebuilt`, `unchanged` (a draft whose figures did not change),
    `kept` (checked or signed: left alone) or `empty` (no teacher had hours, nothing written)."""
    first, last = month_range(f"{month:%Y-%m}")
    now = now or timezone.now()
    with transaction.atomic():
        latest = (Statement.objects.select_for_update().filter(school=school, month=first)
                  .order_by("-version").first())
        if latest is not None and latest.status != Statement.Status.DRAFT:
            return latest, "kept"
        rows = teacher_hours(school=school, date_from=first, date_to=last)
        if latest is None:
            if not rows:
                return None, "empty"
            term = term_for_month(first, terms)
            try:
                with transaction.atomic():
                    latest = Statement.objects.create(school=school, month=first, version=1, term=term, built_at=now)
            except IntegrityError:  # a concurrent build made it: that one is the statement
                return Statement.objects.filter(school=school, month=first).order_by("-version").first(), "kept"
            _fill(latest, rows)
            return latest, "created"
        if _fill(latest, rows):
            latest.built_at = now
            latest.save(update_fields=["built_at"])
            return latest, "rebuilt"
        return latest, "unchanged"


def statements_build(*, month: datetime.date | None = None, school_ids=None) -> dict[str, int]:
    """Every active school's statement of `month` (default: the month before this one). Safe to run
    twice: drafts are rebuilt, checked and signed statements are kept."""
    first = (month or previous_month()).replace(day=1)
    last = month_range(f"{first:%Y-%m}")[1]
    terms = list(Term.objects.filter(start_date__lte=last, end_date__gte=first))
    counts: dict[str, int] = defaultdict(int)
    if not terms:
        return dict(counts)
    schools = School.objects.filter(active=True).order_by("code")
    if school_ids is not None:
        schools = schools.filter(pk__in=list(school_ids))
    now = timezone.now()
    for school in schools:
        _st, what = statement_build(school=school, month=first, terms=terms, now=now)
        counts[what] += 1
    return dict(counts)


def statement_build_on_demand(*, user, school: School, month: datetime.date) -> tuple[Statement | None, str]:
    """The teaching-affairs office or the principal (re)builds a draft from the rolls now."""
    if not may_build(user, school):
        raise StatementForbidden(_("Only the teaching-affairs office or the principal builds the school's statement."))
    if month >= timezone.localdate().replace(day=1):
        raise DomainError(_("A statement is built once the month is over."), field="month")
    return statement_build(school=school, month=month)


def _locked_latest(statement: Statement) -> Statement:
    """The statement locked for a write, which must be the latest version of its month (409 otherwise)."""
    locked = Statement.objects.select_for_update().get(pk=statement.pk)
    newer = Statement.objects.filter(school_id=locked.school_id, month=locked.month, version__gt=locked.version)
    if newer.exists():
        raise ConflictError(_("A later version of this statement exists; work on that one."))
    return locked


def statement_check(*, statement: Statement, by) -> Statement:
    """The teaching-affairs office has checked the draft: it goes to the principal."""
    if not may_check(by, statement.school):
        raise StatementForbidden(_("Only the teaching-affairs office checks the statement."))
    with transaction.atomic():
        st = _locked_latest(statement)
        if st.status != Statement.Status.DRAFT:
            raise ConflictError(_("Only a draft can be checked; this statement is %(status)s.")
                                % {"status": st.get_status_display()})
        st.status, st.checked_by, st.checked_at = Statement.Status.CHECKED, by, timezone.now()
        st.save(update_fields=["status", "checked_by", "checked_at"])
    return st


def statement_sign(*, statement: Statement, by) -> Statement:
    """The principal signs off a checked statement; the term's rates are fixed on it and it is read-only."""
    if not may_sign(by, statement.school):
        raise StatementForbidden(_("Only the principal signs off the statement."))
    with transaction.atomic():
        st = _locked_latest(statement)
        if st.status != Statement.Status.CHECKED:
            raise ConflictError(_("The teaching-affairs office checks the statement before the principal signs it."))
        rate = ServiceRate.objects.filter(term_id=st.term_id).first() if st.term_id else None
        if rate is None:
            raise ConflictError(_("The education bureau has not set the term's rates yet, so the amounts are "
                                  "unknown; sign off once they are set."))
        st.status, st.signed_by, st.signed_at = Statement.Status.SIGNED, by, timezone.now()
        st.noon_rate, st.group_rate, st.club_rate = rate.noon, rate.group, rate.club
        st.save(update_fields=["status", "signed_by", "signed_at", "noon_rate", "group_rate", "club_rate"])
    return st


def _next_version(signed: Statement, now) -> Statement:
    new = Statement.objects.create(school_id=signed.school_id, month=signed.month, version=signed.version + 1,
                                   term_id=signed.term_id, supersedes=signed, built_at=now)
    for line in signed.lines.all().order_by("pk"):
        StatementLine.objects.create(statement=new, teacher_id=line.teacher_id, corrected=line.corrected,
                                     **{f: getattr(line, f) for f in LINE_FIELDS})
    return new


def _minutes_value(value, kind: str) -> int:
    text = str(value if value is not None else "").strip().translate(FULL_WIDTH)
    if not text.isascii() or not text.isdigit():
        raise DomainError(_("Give the minutes as a whole number, 0 or more."), field=f"{kind}_minutes")
    minutes = int(text)
    if minutes > MAX_MINUTES:
        raise DomainError(_("At most %(n)d minutes in a month.") % {"n": MAX_MINUTES}, field=f"{kind}_minutes")
    return minutes


def statement_line_correct(*, line: StatementLine, by, minutes: dict, reason: str) -> StatementLine:
    """The teaching-affairs office corrects a teacher's minutes by kind, with a reason (kept, with the
    figures before and after). A checked statement goes back to a draft (to be checked again); a
    signed one stays as it was and the correction makes its next version. Returns the corrected line
    (on the new version when one was made)."""
    statement = line.statement
    if not may_check(by, statement.school):
        raise StatementForbidden(_("Only the teaching-affairs office corrects the statement."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the figures are corrected."), field="reason")
    if len(reason) > 300:
        raise DomainError(_("The reason is at most 300 characters."), field="reason")
    values = {k: _minutes_value(minutes.get(k), k) for k in KINDS}
    now = timezone.now()
    with transaction.atomic():
        st = _locked_latest(statement)
        if st.status == Statement.Status.SIGNED:
            st = _next_version(st, now)
        elif st.status == Statement.Status.CHECKED:
            st.status, st.checked_by, st.checked_at = Statement.Status.DRAFT, None, None
            st.save(update_fields=["status", "checked_by", "checked_at"])
        target = StatementLine.objects.select_for_update().get(statement=st, teacher_id=line.teacher_id)
        before = target.minutes()
        if before == values:
            raise DomainError(_("These are the figures already on the statement."), field="reason")
        for k, v in values.items():
            setattr(target, f"{k}_minutes", v)
        target.corrected = True
        target.save()
        StatementCorrection.objects.create(line=target, by=by, reason=reason, before=before, after=values)
    return target


def my_statement_lines(*, user):
    """A teacher's own lines on the statements of their schools, newest month first (latest version)."""
    return (StatementLine.objects.filter(teacher=user, statement__in=Statement.objects.visible_to(user))
            .select_related("statement", "statement__school").order_by("-statement__month", "-statement__version"))

