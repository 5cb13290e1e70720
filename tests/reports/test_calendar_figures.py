"""The weekly report reads the calendar (issue 22, item 4), against a table worked out by hand.

The week of conftest.city: the bureau makes Tuesday a holiday and Saturday a make-up school day
following Wednesday's timetable; school_b has no service on Thursday. school_a holds an after-school
roll on Monday (16:00-18:30, submitted: 120 minutes within the plan's 16:00-18:00), the choir's club
roll on Wednesday (16:00-18:00, submitted: 90 minutes within its slot 16:00-17:30) and an open roll
on Saturday; nothing on Thursday and Friday. school_b and school_c hold nothing.

| school | planned days           | days with a roll | planned days without any roll | held hours | planned hours          |
|--------|------------------------|------------------|-------------------------------|------------|------------------------|
| a      | Mon Wed Thu Fri Sat: 5 | Mon Wed Sat: 3   | Thu Fri: 2                    | 3.5        | 1 + 1.5 × 2 (Wed, Sat) |
| b      | Mon Wed Fri Sat: 4     | 0                | 4                             | 0          | 0                      |
| c      | Mon Wed Thu Fri Sat: 5 | 0                | 5                             | 0          | 0                      |
| city   | 14                     | 3                | 11                            | 3.5        | 4.0                    |
"""
import datetime

import pytest

from attendance.models import Roll
from clubs.models import ClubSlot
from enrollment.models import Session
from reports.models import WeeklyCoverageReport as Report
from reports.services import reports_build
from schools.calendar import calendar_day_create
from schools.models import CalendarDay
from tests.enrollment.factories import ServiceGroupFactory

pytestmark = pytest.mark.django_db

T = datetime.time.fromisoformat


@pytest.fixture
def week(city):
    w = city
    mon = w.week_start
    day = {name: mon + datetime.timedelta(days=i) for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat"))}
    calendar_day_create(user=w.bureau, date=day["tue"], kind="holiday", note="调休放假")
    calendar_day_create(user=w.bureau, date=day["sat"], kind="school_day", follows_weekday=3, note="调休上课")
    CalendarDay.objects.create(school=w.school_b, date=day["thu"], kind="no_service", note="运动会")
    group = ServiceGroupFactory(school=w.school_a, term=w.term, session=Session.AFTER_SCHOOL)
    Roll.objects.create(school=w.school_a, date=day["mon"], kind=Roll.Kind.GROUP, session=Roll.Session.AFTER_SCHOOL,
                        group=group, name=group.name, starts_at=T("16:00"), ends_at=T("18:30"), teacher=w.teacher_a,
                        status=Roll.Status.SUBMITTED)
    choir = ClubSlot.objects.get(club__school=w.school_a, weekday=3)
    Roll.objects.create(school=w.school_a, date=day["wed"], kind=Roll.Kind.CLUB, session=Roll.Session.CLUB,
                        club=choir.club, club_slot=choir, name="合唱", starts_at=T("16:00"), ends_at=T("18:00"),
                        teacher=w.teacher_a, status=Roll.Status.SUBMITTED)
    Roll.objects.create(school=w.school_a, date=day["sat"], kind=Roll.Kind.GROUP, session=Roll.Session.AFTER_SCHOOL,
                        group=group, name=group.name, starts_at=T("16:00"), ends_at=T("18:00"), teacher=w.teacher_a,
                        status=Roll.Status.OPEN)
    reports_build(week_start=w.week_start)
    return w


TABLE = {  # school: (planned days, days with a roll, planned days without any roll, held hours, planned hours)
    "a": (5, 3, 2, 3.5, 4.0),
    "b": (4, 0, 4, 0.0, 0.0),
    "c": (5, 0, 5, 0.0, 0.0),
}


def _data(w, key):
    return Report.objects.get(week=w.week, scope_key=key).data


@pytest.mark.parametrize("school", sorted(TABLE))
def test_the_schools_figures_match_the_table(week, school):
    w = week
    data = _data(week, f"school:{getattr(w, f'school_{school}').pk}")
    att, clubs = data["sections"]["attendance"], data["sections"]["clubs"]
    planned, held, without, held_hours, planned_hours = TABLE[school]
    assert (att["days_planned"], att["days_held"], att["days_without_roll"]) == (planned, held, without)
    assert data["sections"]["plan"]["planned_days"] == planned
    assert (clubs["held_service_hours"], clubs["service_hours"]) == (held_hours, planned_hours)
    assert "days_without_roll" in data["flags"][0]["codes"]


def test_the_citys_figures_add_up_and_the_flag_is_counted(week):
    data = _data(week, "city")
    att, clubs = data["sections"]["attendance"], data["sections"]["clubs"]
    assert (att["days_planned"], att["days_held"], att["days_without_roll"]) == (14, 3, 11)
    assert (clubs["held_service_hours"], clubs["service_hours"]) == (3.5, 4.0)
    assert data["flag_counts"]["days_without_roll"] == 3
    assert data["main"]["held_service_hours"] == 3.5


def test_a_school_that_held_every_planned_day_is_not_flagged(city):
    w = city
    group = ServiceGroupFactory(school=w.school_b, term=w.term, session=Session.AFTER_SCHOOL)
    for i in range(5):
        Roll.objects.create(school=w.school_b, date=w.week_start + datetime.timedelta(days=i), kind=Roll.Kind.GROUP,
                            session=Roll.Session.AFTER_SCHOOL, group=group, name=group.name, starts_at=T("16:30"),
                            ends_at=T("18:30"), status=Roll.Status.SUBMITTED)
    reports_build(week_start=w.week_start)
    data = _data(w, f"school:{w.school_b.pk}")
    assert data["sections"]["attendance"]["days_without_roll"] == 0
    assert "days_without_roll" not in data["flags"][0]["codes"]
    # five submitted rolls of 120 minutes within the plan's 16:30-18:30
    assert data["sections"]["clubs"]["held_service_hours"] == 5 * 2.0
