"""The calendar (校历): who may enter a day, the rules a day obeys, and the one question every
caller asks of it: "on this date, at this school, is there a service, and which weekday's timetable
does it follow?".

City days are the bureau's (holidays, make-up school days, days without service); a school adds its
own (sports day, early dismissal). A school's day overrides the city's for that school and date.
Rolls (`attendance.services.rolls_create_for_day`), planned sessions and held hours read
`calendar_for_schools`, which answers for any number of schools and dates in one query.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.scoping import scope_of
from shahe_afterschool.errors import DomainError

from .models import CalendarDay, School, Term

#: The ordinary school week when no plan says otherwise (ISO weekdays).
ORDINARY_WEEK = (1, 2, 3, 4, 5)


class CalendarForbidden(DomainError):
    status_code = 403


# --- reads --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DayInfo:
    """What the calendar says about one school's date."""

    date: datetime.date
    service: bool
    #: The ISO weekday whose timetable the day follows (a make-up Saturday following Monday: 1);
    #: None when there is no service.
    weekday: int | None
    kind: str = ""
    scope: str = ""
    note: str = ""
    ends_at: datetime.time | None = None
    entry_id: int | None = None


def _info(date: datetime.date, entry: CalendarDay | None, school_days) -> DayInfo:
    if entry is None:
        wd = date.isoweekday()
        return DayInfo(date=date, service=wd in school_days, weekday=wd if wd in school_days else None)
    common = {"kind": entry.kind, "scope": entry.scope, "note": entry.note, "entry_id": entry.pk}
    if entry.kind in CalendarDay.NO_SERVICE_KINDS:
        return DayInfo(date=date, service=False, weekday=None, **common)
    if entry.kind == CalendarDay.Kind.SCHOOL_DAY:
        return DayInfo(date=date, service=True, weekday=entry.follows_weekday, **common)
    wd = date.isoweekday()  # early dismissal: an ordinary day that ends early
    return DayInfo(date=date, service=wd in school_days, weekday=wd if wd in school_days else None,
                   ends_at=entry.ends_at, **common)


def _days(date_from: datetime.date, date_to: datetime.date):
    day = date_from
    while day <= date_to:
        yield day
        day += datetime.timedelta(days=1)


def calendar_for_schools(*, school_ids, date_from: datetime.date, date_to: datetime.date,
                         school_days: dict[int, tuple] | None = None) -> dict[int, dict[datetime.date, DayInfo]]:
    """For each school and each date of the range, the calendar's answer (`DayInfo`). One query:
    the city's days and the schools' own days of the range; a school's day overrides the city's.
    `school_days` (school id → ISO weekdays of its plan) defaults to Monday to Friday."""
    school_ids = list(school_ids)
    school_days = school_days or {}
    city: dict[datetime.date, CalendarDay] = {}
    own: dict[tuple[int, datetime.date], CalendarDay] = {}
    if school_ids and date_from <= date_to:
        for entry in CalendarDay.objects.filter(Q(school__isnull=True) | Q(school_id__in=school_ids),
                                                date__gte=date_from, date__lte=date_to):
            if entry.school_id is None:
                city[entry.date] = entry
            else:
                own[(entry.school_id, entry.date)] = entry
    out: dict[int, dict[datetime.date, DayInfo]] = {}
    dates = list(_days(date_from, date_to))
    # A day without the school's own entry has the same answer at every school with the same week
    # (DayInfo is frozen): worked out once, not once per school (the weekly report asks for 150).
    shared: dict[tuple, DayInfo] = {}
    for sid in school_ids:
        week = tuple(school_days.get(sid) or ORDINARY_WEEK)
        days = out[sid] = {}
        for d in dates:
            entry = own.get((sid, d))
            if entry is not None:
                days[d] = _info(d, entry, week)
                continue
            info = shared.get((d, week))
            if info is None:
                info = shared[(d, week)] = _info(d, city.get(d), week)
            days[d] = info
    return out


def day_info(*, school_id: int, date: datetime.date, school_days=None) -> DayInfo:
    """The calendar's answer for one school and one date (one query)."""
    days = {school_id: tuple(school_days)} if school_days else None
    return calendar_for_schools(school_ids=[school_id], date_from=date, date_to=date, school_days=days)[school_id][date]


def calendar_list(*, user, school: School | None = None, date_from=None, date_to=None):
    """The calendar days the user may see: the city's, and the school's when one is given (else every
    school's day the user may see), by date."""
    qs = CalendarDay.objects.visible_to(user).select_related("school")
    if school is not None:
        qs = qs.filter(Q(school__isnull=True) | Q(school=school))
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return qs.order_by("date", "school_id", "pk")


def may_edit_calendar(user, school: School | None) -> bool:
    scope = scope_of(user)
    if scope.is_admin:
        return True
    if school is None:
        return scope.is_bureau
    return school.pk in scope.schools_with(Role.PRINCIPAL, Role.ACADEMIC)


# --- writes -------------------------------------------------------------------------------------
def _check(*, date, kind, school, follows_weekday, ends_at) -> None:
    if not isinstance(date, datetime.date):
        raise DomainError(_("Give the date as YYYY-MM-DD."), field="date")
    if kind not in CalendarDay.Kind.values:
        raise DomainError(_("The kind must be holiday, school_day, no_service or early_dismissal."), field="kind")
    if kind == CalendarDay.Kind.SCHOOL_DAY:
        if date.isoweekday() < 6:
            raise DomainError(_("A make-up school day must fall on a Saturday or a Sunday."), field="date")
        if not isinstance(follows_weekday, int) or isinstance(follows_weekday, bool) or not 1 <= follows_weekday <= 7:
            raise DomainError(_("Say which weekday's timetable the make-up day follows (1 = Monday to 7 = Sunday)."),
                              field="follows_weekday")
    elif follows_weekday is not None:
        raise DomainError(_("Only a make-up school day follows another weekday's timetable."), field="follows_weekday")
    if kind == CalendarDay.Kind.EARLY_DISMISSAL:
        if not isinstance(ends_at, datetime.time):
            raise DomainError(_("Give the time the service ends on an early-dismissal day (HH:MM)."), field="ends_at")
    elif ends_at is not None:
        raise DomainError(_("Only an early dismissal has an end time."), field="ends_at")
    if kind == CalendarDay.Kind.HOLIDAY and not Term.objects.filter(start_date__lte=date, end_date__gte=date).exists():
        raise DomainError(_("A holiday must fall inside a term."), field="date")
    existing = CalendarDay.objects.filter(date=date, school=school).first()
    if existing is not None:
        if kind == CalendarDay.Kind.EARLY_DISMISSAL and existing.kind == kind:
            raise DomainError(_("An early dismissal (service ends at %(time)s) is already set on %(date)s.")
                              % {"time": f"{existing.ends_at:%H:%M}", "date": date.isoformat()}, field="date")
        raise DomainError(_("%(date)s is already in the calendar (%(kind)s).")
                          % {"date": date.isoformat(), "kind": existing.get_kind_display()}, field="date")


def calendar_day_create(*, user, date, kind: str, school: School | None = None, follows_weekday=None,
                        ends_at=None, note: str = "") -> CalendarDay:
    """Enter one calendar day: the bureau a city day (`school` None), a school's principal or
    teaching-affairs office a day of that school. A day without service (holiday, no service)
    cancels the open rolls already created for that date (marks kept; submitted rolls were held and
    stay as they are)."""
    if not may_edit_calendar(user, school):
        raise CalendarForbidden(_("Only the education bureau sets the city's calendar days.") if school is None
                                else _("Only the principal or the teaching-affairs office sets the school's calendar."))
    note = (note or "").strip()
    if len(note) > 200:
        raise DomainError(_("The note is at most 200 characters."), field="note")
    _check(date=date, kind=kind, school=school, follows_weekday=follows_weekday, ends_at=ends_at)
    try:
        with transaction.atomic():
            day = CalendarDay.objects.create(date=date, kind=kind, school=school, follows_weekday=follows_weekday,
                                             ends_at=ends_at, note=note, created_by=user)
            if kind in CalendarDay.NO_SERVICE_KINDS:
                rolls_cancel_for_day(day=day)
    except IntegrityError:  # a concurrent entry for the same scope and date
        raise DomainError(_("%(date)s is already in the calendar.") % {"date": date.isoformat()},
                          field="date") from None
    return day


def rolls_cancel_for_day(*, day: CalendarDay) -> int:
    """Cancel the open rolls of the day's date at the schools it applies to (a city day: every
    school without its own entry that date). The reason is kept on the roll, in the portal's
    language. Returns the number cancelled."""
    from attendance.models import Roll

    rolls = Roll.objects.filter(date=day.date, status=Roll.Status.OPEN)
    if day.school_id is not None:
        rolls = rolls.filter(school_id=day.school_id)
    else:
        rolls = rolls.exclude(school_id__in=CalendarDay.objects.filter(date=day.date, school__isnull=False)
                              .values("school_id"))
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(day.get_kind_display()) + (f"：{day.note}" if day.note else "")
    from attendance.totals import write as day_totals_write

    now = timezone.now()
    schools, cancelled = set(), 0
    for roll in rolls.select_for_update():  # one by one so that each change lands in the roll's history
        roll.status, roll.cancelled_at, roll.cancelled_reason, roll.cancelled_by_day = (
            Roll.Status.CANCELLED, now, reason[:255], day)
        roll.save(update_fields=["status", "cancelled_at", "cancelled_reason", "cancelled_by_day"])
        schools.add(roll.school_id)
        cancelled += 1
    if schools:  # the day's figures for the weekly report no longer count the cancelled rolls
        day_totals_write(school_ids=schools, date=day.date)
    return cancelled
