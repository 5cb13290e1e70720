"""The weekly report reads day totals (attendance/totals.py), not the marks: over a generated month
its figures equal the figures worked out here from the marks and handovers themselves, for every
school and day, whichever way each day's total came to be (the day close, the nightly task, or
none yet)."""
import datetime
import random

import pytest
from django.utils import timezone

from attendance import services as attendance_services
from attendance import totals
from attendance.models import CustodyEvent, DayClose, DayTotal, Mark, Roll
from attendance.tasks import write_day_totals
from clubs.models import Club, ReviewStatus
from enrollment.models import Session
from reports.models import WeeklyCoverageReport as Report
from reports.services import reports_build
from schools.calendar import rolls_cancel_for_day
from schools.models import CalendarDay, Student
from tests.enrollment.factories import ServiceGroupFactory
from tests.reports.day_figures import by_hand

pytestmark = pytest.mark.django_db
STATUSES = [Mark.Status.PRESENT, Mark.Status.PRESENT, Mark.Status.PRESENT, Mark.Status.LATE, Mark.Status.ABSENT,
            Mark.Status.LEAVE]


def at(day, hhmm):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.fromisoformat(hhmm)))


@pytest.fixture
def month(city):
    """Four weeks before the report week, schools a and b: each school day an after-school roll
    (school_a also a noon roll and, on Wednesdays, a club roll), random marks and releases (some
    pickups after 18:00), a few rolls left open, one roll cancelled; about a third of the days
    closed by the duty leader, a third written by the nightly task, a third with no total yet."""
    w = city
    rng = random.Random(48)
    first = w.week_start - datetime.timedelta(days=28)
    last = w.week_start - datetime.timedelta(days=1)
    groups = {
        w.school_a.pk: [(ServiceGroupFactory(school=w.school_a, term=w.term, session=Session.AFTER_SCHOOL),
                         "16:00", "18:00"),
                        (ServiceGroupFactory(school=w.school_a, term=w.term, session=Session.NOON), "13:00", "14:00")],
        w.school_b.pk: [(ServiceGroupFactory(school=w.school_b, term=w.term, session=Session.AFTER_SCHOOL),
                         "16:30", "18:30")],
    }
    club = Club.objects.filter(school=w.school_a, status=ReviewStatus.APPROVED).order_by("pk").first()
    kids = {sid: list(Student.objects.filter(school_id=sid).order_by("pk")) for sid in groups}
    day, n = first, 0
    ways = []
    while day <= last:
        if day.weekday() < 5:
            for sid, gs in groups.items():
                rolls = []
                for group, start, end in gs:
                    status = Roll.Status.OPEN if rng.random() < 0.1 else Roll.Status.SUBMITTED
                    rolls.append(Roll.objects.create(
                        school_id=sid, date=day, kind=Roll.Kind.GROUP, session=group.session, group=group,
                        name=group.name, starts_at=datetime.time.fromisoformat(start),
                        ends_at=datetime.time.fromisoformat(end), status=status))
                if sid == w.school_a.pk and day.weekday() == 2:
                    rolls.append(Roll.objects.create(
                        school_id=sid, date=day, kind=Roll.Kind.CLUB, session=Roll.Session.CLUB, club=club, name=club.name,
                        starts_at=datetime.time(16, 0), ends_at=datetime.time(17, 0), status=Roll.Status.SUBMITTED))
                for roll in rolls:
                    for child in kids[sid]:
                        if rng.random() < 0.2:
                            continue  # not on this roll
                        n += 1
                        Mark.objects.create(roll=roll, student=child, status=rng.choice(STATUSES), client_id=f"m{n}",
                                            marked_at=at(day, "16:05"), marked_by=w.homeroom)
                for child in kids[sid]:
                    if rng.random() < 0.7:
                        kind = rng.choice([CustodyEvent.Kind.PICKUP, CustodyEvent.Kind.PICKUP,
                                           CustodyEvent.Kind.FLEXIBLE_DEPARTURE])
                        CustodyEvent.objects.create(school_id=sid, student=child, date=day, kind=kind,
                                                    to_user=w.parent_a, at=at(day, rng.choice(
                                                        ["17:00", "17:45", "18:05", "18:40"])),
                                                    recorded_by=w.homeroom)
                way = rng.choice(["close", "nightly", "none"])
                ways.append(way)
                if way == "close":
                    DayClose.objects.create(school_id=sid, date=day, closed_by=w.principal)
                    totals.write(school_ids=[sid], date=day)  # as services.day_close does
                elif way == "nightly":
                    write_day_totals(day.isoformat())
                    if rng.random() < 0.3:  # closed after the nightly task ran: the close rewrites
                        DayClose.objects.create(school_id=sid, date=day, closed_by=w.principal)
                        totals.write(school_ids=[sid], date=day)
        day += datetime.timedelta(days=1)
    # school_b's first day becomes a day without service after its total was written: the calendar
    # cancels its roll (left open for the purpose) and the day's total with it.
    Roll.objects.filter(school=w.school_b, date=first).update(status=Roll.Status.OPEN)
    totals.write(school_ids=[w.school_b.pk], date=first)
    CalendarDay.objects.create(date=first, kind=CalendarDay.Kind.NO_SERVICE, school=w.school_b, note="运动会",
                               created_by=w.principal)
    rolls_cancel_for_day(day=CalendarDay.objects.get(date=first, school=w.school_b))
    w.first, w.last, w.ways = first, last, ways
    return w


def test_every_school_day_reads_the_figures_of_its_marks(month):
    w = month
    ids = [w.school_a.pk, w.school_b.pk, w.school_c.pk]
    expected = by_hand(ids, w.first, w.last, w.term.latest_end)
    read = totals.for_range(school_ids=ids, first=w.first, last=w.last)
    assert {"close", "nightly", "none"} <= set(w.ways)  # every path is exercised
    assert set(read) == set(expected) and len(read) == 2 * 20 - 1  # both schools, every weekday but one
    for key, figures in expected.items():
        assert {f: read[key][f] for f in totals.FIGURES} == figures, key
    closed = set(DayClose.objects.values_list("school_id", "date"))
    assert all(read[key]["closed"] == (key in closed) for key in read)


def test_the_weekly_reports_of_the_month_equal_the_marks(month):
    w = month
    ids = [w.school_a.pk, w.school_b.pk]
    closed = set(DayClose.objects.values_list("school_id", "date"))
    for k in range(4):
        start = w.first + datetime.timedelta(days=7 * k)
        end = start + datetime.timedelta(days=6)
        reports_build(week_start=start)
        by_day = by_hand(ids, start, end, w.term.latest_end)
        for sid in ids:
            mine = {d: f for (s, d), f in by_day.items() if s == sid}
            report = Report.objects.get(week_start=start, scope_key=f"school:{sid}").data["sections"]["attendance"]
            for field in ("present", "late", "absent", "leave", "rolls", "rolls_open", "late_pickups"):
                assert report[field] == sum(f[field] for f in mine.values()), (start, sid, field)
            assert report["days_held"] == len(mine)
            assert report["days_not_closed"] == len([d for d in mine if (sid, d) not in closed])
            minutes = sum(f["minutes_held"] for f in mine.values())
            assert report["avg_minutes_per_day"] == (round(minutes / len(mine), 1) if mine else None)


def test_the_nightly_task_counts_what_changed_after_the_close_and_drops_a_day_made_a_holiday(month):
    w = month
    day = next(d for s, d in DayClose.objects.values_list("school_id", "date") if s == w.school_a.pk)
    stored = DayTotal.objects.get(school=w.school_a, date=day)
    assert stored.source == DayTotal.Source.CLOSE and stored.closed
    mark = Mark.objects.filter(roll__school=w.school_a, roll__date=day, status=Mark.Status.ABSENT).first() or \
        Mark.objects.filter(roll__school=w.school_a, roll__date=day).first()
    was = mark.status
    mark.status = Mark.Status.LEAVE if was != Mark.Status.LEAVE else Mark.Status.PRESENT
    mark.save()
    assert write_day_totals(day.isoformat()) >= 1
    again = DayTotal.objects.get(school=w.school_a, date=day)
    assert again.source == DayTotal.Source.CLOSE  # still the closed day's
    assert again.leave + again.present != stored.leave + stored.present or was == Mark.Status.LEAVE
    assert {f: getattr(again, f) for f in totals.FIGURES} == by_hand([w.school_a.pk], day, day,
                                                                      w.term.latest_end)[(w.school_a.pk, day)]
    Roll.objects.filter(school=w.school_a, date=day).update(status=Roll.Status.CANCELLED)
    write_day_totals(day.isoformat())
    assert DayTotal.objects.get(school=w.school_a, date=day).rolls == 0
    assert (w.school_a.pk, day) not in totals.for_range(school_ids=[w.school_a.pk], first=day, last=day)
    before = list(DayTotal.objects.filter(date=day).order_by("school").values("school", *totals.FIGURES, "closed"))
    write_day_totals(day.isoformat())  # idempotent: the same rows again
    assert list(DayTotal.objects.filter(date=day).order_by("school").values("school", *totals.FIGURES,
                                                                            "closed")) == before


def test_closing_the_day_through_the_service_writes_its_total(city):
    """The duty leader's close (here the principal's: nobody held, no absence without follow-up)."""
    w = city
    day = w.week_start
    group = ServiceGroupFactory(school=w.school_a, term=w.term, session=Session.AFTER_SCHOOL)
    roll = Roll.objects.create(school=w.school_a, date=day, kind=Roll.Kind.GROUP, session=group.session,
                               group=group, name=group.name, starts_at=datetime.time(16), ends_at=datetime.time(18),
                               status=Roll.Status.SUBMITTED)
    Mark.objects.create(roll=roll, student=w.child_a, status=Mark.Status.LEAVE, client_id="x", marked_at=at(day, "16:00"),
                        marked_by=w.homeroom)
    attendance_services.day_close(user=w.principal, school=w.school_a, date=day)
    total = DayTotal.objects.get(school=w.school_a, date=day)
    assert (total.source, total.closed, total.rolls, total.leave, total.expected, total.minutes_held) == (
        DayTotal.Source.CLOSE, True, 1, 1, 1, 120)


def test_a_week_reads_its_totals_not_its_marks(month, django_assert_max_num_queries):
    """Every day of the month has a total once the nightly task has run: the read is two queries
    (the totals, and the rolls' days to find one without a total), whatever the number of marks."""
    w = month
    day = w.first
    while day <= w.last:
        write_day_totals(day.isoformat())
        day += datetime.timedelta(days=1)
    with django_assert_max_num_queries(2) as ctx:
        read = totals.for_range(school_ids=[w.school_a.pk, w.school_b.pk], first=w.first, last=w.last)
    assert len(read) == 39
    assert not any('"attendance_mark"' in q["sql"] for q in ctx.captured_queries)
