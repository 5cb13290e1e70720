"""Day totals: each school's figures for a day, computed from its rolls, marks and handovers, kept
in `DayTotal` so that the weekly report reads about 750 rows for the city's week, not its marks.

- `compute(school_ids, dates)` answers from the marks (a handful of aggregate queries grouped by
  school and date, never a loop over children). The weekly report's figures are sums of these.
- `write(...)` stores them: `day_close` writes the closed day's total in the same transaction, and
  the nightly task (`attendance.tasks.write_day_totals`, 00:40) rewrites yesterday's for every
  school with rolls or a total that day, so that a day never closed still has its figures, a day made
  a holiday afterwards loses them (its rolls are cancelled: zero rolls), and marks corrected after
  the close are counted.
- `for_range(school_ids, first, last)` is what the report reads: the stored totals, and for a day
  with rolls but no total yet (today, or a night the task did not run) the figures computed on the spot.

Definitions (the weekly report's): rolls cancelled by the calendar do not count; minutes held on a
day are, per session, the span of the day's group rolls (earliest start to latest end); a late
pickup is a pickup after the term's latest end in Asia/Shanghai time; released children are those
with a pickup or a flexible departure that day.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from .models import PICKUP_LOCAL_TIME, CustodyEvent, DayClose, DayTotal, Mark, Roll

FIGURES = ("expected", "present", "late", "absent", "leave", "released", "late_pickups", "rolls", "rolls_open",
           "minutes_held")
_MARK_FIELD = {Mark.Status.PRESENT: "present", Mark.Status.LATE: "late", Mark.Status.ABSENT: "absent",
               Mark.Status.LEAVE: "leave"}

Key = tuple[int, datetime.date]


def _zero() -> dict:
    return dict.fromkeys(FIGURES, 0)


def compute(*, school_ids: Iterable[int], first: datetime.date, last: datetime.date,
            only: set[Key] | None = None) -> dict[Key, dict]:
    """{(school, date): figures} for the schools' days from `first` to `last` that had rolls (not
    cancelled), from the marks; `only` keeps just those keys (the queries still span the range)."""
    from clubs import timerules
    from schools.models import Term

    school_ids = list(school_ids)
    days = (first, last)
    out: dict[Key, dict] = defaultdict(_zero)
    rolls = Roll.objects.filter(school_id__in=school_ids, date__range=days).exclude(status=Roll.Status.CANCELLED)
    for row in rolls.values("school_id", "date").annotate(
            n=Count("pk"), open=Count("pk", filter=Q(status=Roll.Status.OPEN))).order_by():
        out[(row["school_id"], row["date"])].update(rolls=row["n"], rolls_open=row["open"])
    spans = (rolls.filter(kind=Roll.Kind.GROUP, starts_at__isnull=False, ends_at__isnull=False)
             .values("school_id", "date", "session").annotate(start=Min("starts_at"), end=Max("ends_at")).order_by())
    for row in spans:
        out[(row["school_id"], row["date"])]["minutes_held"] += timerules.window_minutes((row["start"], row["end"]))
    marks = (Mark.objects.filter(roll__school_id__in=school_ids, roll__date__range=days)
             .exclude(roll__status=Roll.Status.CANCELLED))
    for row in marks.values("roll__school_id", "roll__date", "status").annotate(n=Count("pk")).order_by():
        field = _MARK_FIELD.get(row["status"])
        if field:
            out[(row["roll__school_id"], row["roll__date"])][field] += row["n"]
    for row in (marks.values("roll__school_id", "roll__date").annotate(n=Count("student", distinct=True))
                .order_by()):
        out[(row["roll__school_id"], row["roll__date"])]["expected"] = row["n"]
    events = CustodyEvent.objects.filter(school_id__in=school_ids, date__range=days)
    for row in (events.filter(kind__in=CustodyEvent.RELEASES).values("school_id", "date")
                .annotate(n=Count("student", distinct=True)).order_by()):
        if (row["school_id"], row["date"]) in out:
            out[(row["school_id"], row["date"])]["released"] = row["n"]
    for term in Term.objects.filter(start_date__lte=last, end_date__gte=first):
        latest = timerules._as_time(term.latest_end)
        # The expression and condition of `attendance_custody_pickup_idx`: counted from the index.
        for row in (CustodyEvent.objects.alias(local_time=PICKUP_LOCAL_TIME)
                    .filter(school_id__in=school_ids, date__range=(max(first, term.start_date), min(last, term.end_date)),
                            kind=CustodyEvent.Kind.PICKUP, local_time__gt=latest)
                    .values("school_id", "date").annotate(n=Count("*")).order_by()):
            if (row["school_id"], row["date"]) in out:
                out[(row["school_id"], row["date"])]["late_pickups"] = row["n"]
    result = {k: v for k, v in out.items() if v["rolls"]}
    if only is not None:
        result = {k: v for k, v in result.items() if k in only}
    return result


def write(*, school_ids: Iterable[int], date: datetime.date) -> int:
    """Store the day's totals of these schools (and zero those whose rolls are all cancelled now).
    Idempotent; returns the number of rows written."""
    school_ids = set(school_ids)
    figures = compute(school_ids=school_ids, first=date, last=date)
    closed = set(DayClose.objects.filter(school_id__in=school_ids, date=date).values_list("school_id", flat=True))
    stale = set(DayTotal.objects.filter(school_id__in=school_ids, date=date).values_list("school_id", flat=True))
    now = timezone.now()
    rows = []
    for sid in {s for s, _d in figures} | stale:
        values = figures.get((sid, date), _zero())
        rows.append(DayTotal(school_id=sid, date=date, **values, closed=sid in closed,
                             source=DayTotal.Source.CLOSE if sid in closed else DayTotal.Source.NIGHTLY,
                             computed_at=now))
    with transaction.atomic():
        DayTotal.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["school", "date"],
            update_fields=[*FIGURES, "closed", "source", "computed_at"], batch_size=500)
    return len(rows)


def write_day(*, date: datetime.date) -> int:
    """The nightly task: the day's totals of every school with rolls or a total that day."""
    schools = set(Roll.objects.filter(date=date).values_list("school_id", flat=True).distinct())
    schools |= set(DayTotal.objects.filter(date=date).values_list("school_id", flat=True))
    return write(school_ids=schools, date=date) if schools else 0


def for_range(*, school_ids: Iterable[int], first: datetime.date, last: datetime.date,
              held: set[Key] | None = None) -> dict[Key, dict]:
    """{(school, date): figures | {"closed"}} for the days with rolls: stored totals, and for a day
    with rolls but no total, the figures computed from its marks (marked not closed unless a close
    exists). `held`: the (school, date) pairs of these schools with rolls not cancelled from `first`
    to `last`, when the caller has read them already (else one query here)."""
    school_ids = list(school_ids)
    stored = {(t["school_id"], t["date"]): t for t in DayTotal.objects.filter(
        school_id__in=school_ids, date__range=(first, last), rolls__gt=0).order_by().values(
        "school_id", "date", "closed", *FIGURES)}
    today = timezone.localdate()
    # Only days up to today can have rolls; a day the nightly task has not reached is read from the
    # rolls' (school, date) pairs: one small query on the rolls' index, not the marks.
    missing = set()
    if first <= today:
        if held is None:
            held = set(Roll.objects.filter(school_id__in=school_ids, date__range=(first, min(last, today)))
                       .exclude(status=Roll.Status.CANCELLED).order_by().values_list("school_id", "date").distinct())
        else:
            held = {(sid, day) for sid, day in held if day <= today}
        missing = held - set(stored)
    out = {k: {f: v[f] for f in FIGURES} | {"closed": v["closed"]} for k, v in stored.items()}
    if missing:
        dates = sorted(d for _s, d in missing)
        closes = set(DayClose.objects.filter(school_id__in={s for s, _d in missing},
                                             date__range=(dates[0], dates[-1])).values_list("school_id", "date"))
        live = compute(school_ids={s for s, _d in missing}, first=dates[0], last=dates[-1], only=missing)
        for key, figures in live.items():
            out[key] = figures | {"closed": key in closes}
    return out
