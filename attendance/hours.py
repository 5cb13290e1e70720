"""Teachers' service hours (课后服务课时) for performance pay: planned and held, by kind.

- *Planned*: every session the timetable puts on a service day of the calendar (`schools.calendar`):
  each active after-school group on the weekdays it meets (noon groups count as `noon`, the others
  as `group`) and each approved club slot (`club`, for the club's first teacher, as the rolls are
  created), with the plan's minutes (cut short by an early dismissal).
- *Held*: every submitted roll, for the teacher holding it; the minutes are the roll's times capped
  by the plan's minutes for that session (a roll kept open, or cancelled by the calendar, is not held).

A fixed number of queries whatever the number of teachers, groups, clubs or rolls.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q

from schools.calendar import ORDINARY_WEEK, calendar_for_schools
from schools.models import CalendarDay, School, Term, pinyin_key

from .models import Roll

KINDS = ("noon", "group", "club")


def _minutes(start: datetime.time | None, end: datetime.time | None) -> int:
    if start is None or end is None:
        return 0
    return max(0, (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute))


def _capped(start, end, ends_at) -> int:
    """Minutes of a session, cut short by an early dismissal ending at `ends_at`."""
    if ends_at is not None and end is not None and end > ends_at:
        end = ends_at
    return _minutes(start, end)


def held_minutes(start: datetime.time | None, end: datetime.time | None, cap: tuple | None,
                 ends_at: datetime.time | None) -> int:
    """The minutes one held session counts: the roll's times, capped by the plan's (`cap`: the
    window or the club's slot, None for no cap), cut short by an early dismissal ending at `ends_at`."""
    minutes = _minutes(start, end)
    if cap is not None:
        minutes = min(minutes, _capped(cap[0], cap[1], ends_at))
    return minutes


class HeldRoll(NamedTuple):
    """The columns of a submitted roll the rule reads."""
    pk: int
    date: datetime.date
    kind: str
    session: str
    club_slot_id: int | None
    starts_at: datetime.time | None
    ends_at: datetime.time | None
    teacher_id: int | None
    submitted_by_id: int | None
    name: str


def _roll_kind(roll: Roll | HeldRoll) -> str:
    if roll.kind == Roll.Kind.CLUB:
        return "club"
    return "noon" if roll.session == Roll.Session.NOON else "group"


def month_range(month: str) -> tuple[datetime.date, datetime.date]:
    """`YYYY-MM` → its first and last day; ValueError for anything else."""
    if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isascii() \
            or not (month[:4] + month[5:]).isdigit():
        raise ValueError(month)
    first = datetime.date(int(month[:4]), int(month[5:]), 1)
    nxt = datetime.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, nxt - datetime.timedelta(days=1)


def teacher_hours(*, school: School, date_from: datetime.date, date_to: datetime.date,
                  teacher_id: int | None = None, sessions: list | None = None) -> list[dict]:
    """One row per teacher with planned or held sessions between the two dates (inclusive):
    `{"teacher", "teacher_name", "planned_sessions", "held_sessions", "planned_minutes",
    "held_minutes", "by_kind": {"noon"|"group"|"club": {the four figures}}}`, by name.
    `sessions`, when given, receives each held session counted (of `teacher_id`, else of everyone):
    `{"roll", "date", "name", "kind", "starts_at", "ends_at", "minutes", "teacher"}`."""
    return _hours(school=school, date_from=date_from, date_to=date_to, teacher_id=teacher_id,
                  sessions=sessions, bucket=lambda date: None).get(None, [])


def teacher_hours_by_month(*, school: School, date_from: datetime.date, date_to: datetime.date,
                           teacher_id: int | None = None, sessions: list | None = None
                           ) -> dict[datetime.date, list[dict]]:
    """`teacher_hours` of each month between the two dates, read once for the whole range (the same
    queries as one month): {first day of the month: rows}. Months without hours are left out."""
    return _hours(school=school, date_from=date_from, date_to=date_to, teacher_id=teacher_id,
                  sessions=sessions, bucket=lambda date: date.replace(day=1))


def _hours(*, school: School, date_from: datetime.date, date_to: datetime.date, teacher_id: int | None,
           sessions: list | None, bucket) -> dict:
    """The rule of planned and held hours, counted into `bucket(date)` (one bucket, or a month's)."""
    from clubs.models import Club, ClubSlot, ReviewStatus, ServicePlan
    from enrollment.models import ServiceGroup

    terms = list(Term.objects.filter(start_date__lte=date_to, end_date__gte=date_from))
    plans: dict[int, ServicePlan] = {}
    for plan in (ServicePlan.objects.filter(school=school, term__in=terms, status=ReviewStatus.APPROVED)
                 .order_by("term_id", "revision")):
        plans[plan.term_id] = plan  # the latest approved revision wins
    groups = ServiceGroup.objects.filter(school=school, term__in=terms, status=ServiceGroup.Status.ACTIVE)
    slots = ClubSlot.objects.filter(club__school=school, club__term__in=terms, club__status=ReviewStatus.APPROVED)
    rolls = Roll.objects.filter(school=school, date__gte=date_from, date__lte=date_to, status=Roll.Status.SUBMITTED)
    if teacher_id is not None:
        # One teacher's hours (a teacher's own page): only what can be theirs is read. A club's
        # planned sessions are its first teacher's, checked below, so its other teachers' clubs too.
        groups = groups.filter(teacher_id=teacher_id)
        slots = slots.filter(club__in=Club.objects.filter(teachers=teacher_id).values("pk"))
        rolls = rolls.filter(Q(teacher_id=teacher_id) | Q(teacher__isnull=True, submitted_by_id=teacher_id))
    groups = list(groups.only("pk", "term_id", "session", "weekdays", "teacher_id"))
    slots = list(slots
                 .select_related("club").prefetch_related(
                     Prefetch("club__teachers", queryset=get_user_model().objects.order_by("pk").only("pk"))))
    slot_by_id = {s.pk: s for s in slots}
    # One calendar query for the range, every weekday open; each term's plan then says its school days.
    calendar = calendar_for_schools(school_ids=[school.pk], date_from=date_from, date_to=date_to,
                                    school_days={school.pk: (1, 2, 3, 4, 5, 6, 7)})[school.pk]
    weeks = {t.pk: tuple(plans[t.pk].school_days) if t.pk in plans else ORDINARY_WEEK for t in terms}
    buckets: dict = defaultdict(lambda: defaultdict(lambda: {k: {"planned_sessions": 0, "held_sessions": 0,
                                                                 "planned_minutes": 0, "held_minutes": 0}
                                                             for k in KINDS}))

    windows: dict = {}  # (term, summer?) → the plan's windows, read once (not once a day and roll)

    def plan_window(term: Term, date: datetime.date, session: str):
        plan = plans.get(term.pk)
        if plan is None:
            return None
        key = (term.pk, term.is_summer(date))
        found = windows.get(key)
        if found is None:
            found = windows[key] = plan.windows(key[1])
        return found.get("noon" if session == "noon" else "after")

    term_of = {d: t for t in terms for d in calendar if t.start_date <= d <= t.end_date}
    for date, info in calendar.items():
        term = term_of.get(date)
        if term is None or not info.service:
            continue
        wd = info.weekday
        if info.kind != CalendarDay.Kind.SCHOOL_DAY and wd not in weeks[term.pk]:
            continue
        rows = buckets[bucket(date)]
        for g in groups:
            if g.term_id != term.pk or g.teacher_id is None or wd not in (g.weekdays or []):
                continue
            window = plan_window(term, date, g.session)
            if window and info.ends_at is not None and window[0] >= info.ends_at:
                continue  # an early dismissal before the session starts: not held
            kind = rows[g.teacher_id]["noon" if g.session == "noon" else "group"]
            kind["planned_sessions"] += 1
            kind["planned_minutes"] += _capped(*(window or (None, None)), info.ends_at)
        for s in slots:
            if s.club.term_id != term.pk or s.weekday != wd:
                continue
            teachers = s.club.teachers.all()
            if not teachers or (info.ends_at is not None and s.start >= info.ends_at):
                continue
            kind = rows[teachers[0].pk]["club"]
            kind["planned_sessions"] += 1
            kind["planned_minutes"] += _capped(s.start, s.end, info.ends_at)
    # Read as rows, not model instances (a school's half year is thousands of rolls).
    rolls = (HeldRoll(*row) for row in rolls.values_list(*HeldRoll._fields))
    for roll in rolls:
        holder = roll.teacher_id or roll.submitted_by_id
        if holder is None:
            continue
        minutes = _minutes(roll.starts_at, roll.ends_at)
        term = term_of.get(roll.date)
        info = calendar.get(roll.date)
        ends_at = info.ends_at if info else None
        if roll.kind == Roll.Kind.CLUB:
            slot = slot_by_id.get(roll.club_slot_id)
            if slot is not None:
                minutes = min(minutes, _capped(slot.start, slot.end, ends_at))
        elif term is not None:
            window = plan_window(term, roll.date, roll.session)
            if window is not None:
                minutes = min(minutes, _capped(*window, ends_at))
        kind = buckets[bucket(roll.date)][holder][_roll_kind(roll)]
        kind["held_sessions"] += 1
        kind["held_minutes"] += minutes
        if sessions is not None and (teacher_id is None or holder == teacher_id):
            sessions.append({"roll": roll.pk, "date": roll.date, "name": roll.name, "kind": _roll_kind(roll),
                             "starts_at": roll.starts_at, "ends_at": roll.ends_at, "minutes": minutes,
                             "teacher": holder})
    if teacher_id is not None:
        buckets = {b: {k: v for k, v in rows.items() if k == teacher_id} for b, rows in buckets.items()}
    people = {pk for rows in buckets.values() for pk in rows}
    names = dict(get_user_model().objects.filter(pk__in=list(people)).values_list("pk", "name")) if people else {}
    usernames = {}
    if any(not names.get(pk) for pk in people):
        usernames = dict(get_user_model().objects.filter(pk__in=list(people)).values_list("pk", "username"))
    result = {}
    for b, rows in buckets.items():
        if not rows:
            continue
        out = []
        for pk, by_kind in rows.items():
            row = {"teacher": pk, "teacher_name": names.get(pk) or usernames.get(pk, ""), "by_kind": by_kind}
            for figure in ("planned_sessions", "held_sessions", "planned_minutes", "held_minutes"):
                row[figure] = sum(by_kind[k][figure] for k in KINDS)
            out.append(row)
        result[b] = sorted(out, key=lambda r: (pinyin_key(r["teacher_name"]), r["teacher"]))
    return result

