"""The attendance section on the hand-built city (conftest.city): days held, minutes, attendance
rate, late pickups and the flags, worked out by hand here."""
import datetime

import pytest
from django.utils import timezone

from attendance.models import CustodyEvent, DayClose, DutyRota, Mark, Roll
from enrollment.models import Session
from reports.models import WeeklyCoverageReport as Report
from reports.services import reports_build
from schools.models import Student
from tests.enrollment.factories import ServiceGroupFactory

pytestmark = pytest.mark.django_db


def at(day, hhmm):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.fromisoformat(hhmm)))


@pytest.fixture
def attended(city):
    """school_a, last week: Monday a noon roll 13:00-14:00 and an after-school roll 16:00-18:00 (both
    submitted), Tuesday an after-school roll still open. Monday's after-school marks: child_a present,
    one child late, one absent, child_a2 on leave. Monday closed, Tuesday not. Duty rota Monday to
    Thursday. child_a picked up at 18:20 on Monday (late), another child at 17:50."""
    w = city
    mon, tue = w.week_start, w.week_start + datetime.timedelta(days=1)
    after = ServiceGroupFactory(school=w.school_a, term=w.term, session=Session.AFTER_SCHOOL)
    noon = ServiceGroupFactory(school=w.school_a, term=w.term, session=Session.NOON)

    def roll(group, day, start, end, status):
        return Roll.objects.create(school=w.school_a, date=day, kind=Roll.Kind.GROUP, session=group.session,
                                   group=group, name=group.name, starts_at=datetime.time.fromisoformat(start),
                                   ends_at=datetime.time.fromisoformat(end), status=status)

    roll(noon, mon, "13:00", "14:00", Roll.Status.SUBMITTED)
    monday = roll(after, mon, "16:00", "18:00", Roll.Status.SUBMITTED)
    roll(after, tue, "16:00", "18:00", Roll.Status.OPEN)
    grade4 = list(Student.objects.filter(homeroom_class__grade__number=4, school=w.school_a).order_by("pk"))
    for i, (child, status) in enumerate([(w.child_a, Mark.Status.PRESENT), (grade4[0], Mark.Status.LATE),
                                         (grade4[1], Mark.Status.ABSENT), (w.child_a2, Mark.Status.LEAVE)]):
        Mark.objects.create(roll=monday, student=child, status=status, client_id=f"c{i}", marked_at=at(mon, "16:05"),
                            marked_by=w.homeroom)
    DayClose.objects.create(school=w.school_a, date=mon, closed_by=w.principal)
    for d in range(4):
        DutyRota.objects.create(school=w.school_a, date=mon + datetime.timedelta(days=d), leader=w.principal)
    for child, time in ((w.child_a, "18:20"), (grade4[0], "17:50")):
        CustodyEvent.objects.create(school=w.school_a, student=child, date=mon, kind=CustodyEvent.Kind.PICKUP,
                                    to_user=w.parent_a, at=at(mon, time), recorded_by=w.homeroom)
    return w


def test_attendance_figures_and_flags(attended):
    w = attended
    reports_build(week_start=w.week_start)
    a = Report.objects.get(week=w.week, scope_key=f"school:{w.school_a.pk}").data
    s = a["sections"]["attendance"]
    assert (s["days_planned"], s["days_held"]) == (5, 2)
    assert s["avg_minutes_per_day"] == ((60 + 120) + 120) / 2
    assert s["attendance_rate"] == round(2 / 3 * 100, 1)  # present + late of present + late + absent
    assert (s["present"], s["late"], s["absent"], s["leave"]) == (1, 1, 1, 1)
    assert s["late_pickups"] == 1
    assert (s["rolls"], s["rolls_open"], s["days_not_closed"], s["days_without_leader"]) == (3, 1, 1, 1)
    assert {"day_not_closed", "rolls_not_taken", "no_duty_leader"} <= set(a["flags"][0]["codes"])
    b = Report.objects.get(week=w.week, scope_key=f"school:{w.school_b.pk}").data
    assert b["sections"]["attendance"]["days_held"] == 0 and b["sections"]["attendance"]["days_without_leader"] == 5
    assert "day_not_closed" not in b["flags"][0]["codes"]
    city = Report.objects.get(week=w.week, scope_key="city").data
    assert city["sections"]["attendance"]["days_held"] == 2
    assert city["sections"]["attendance"]["days_planned"] == 15
    assert city["sections"]["attendance"]["attendance_rate"] == round(2 / 3 * 100, 1)
    assert city["main"]["late_pickups"] == 1
    assert city["flag_counts"]["no_duty_leader"] == 3


def test_late_pickups_are_counted_in_shanghai_time_whatever_the_active_time_zone(attended):
    w = attended
    with timezone.override("UTC"):  # 18:20 Shanghai is 10:20 UTC: still the one late pickup
        reports_build(week_start=w.week_start)
    a = Report.objects.get(week=w.week, scope_key=f"school:{w.school_a.pk}").data
    assert a["sections"]["attendance"]["late_pickups"] == 1


@pytest.mark.postgres
def test_the_late_pickup_count_can_be_read_from_its_index(attended):
    """The report's query has the expression and the condition of attendance_custody_pickup_idx
    (migration attendance.0002): with sequential scans off, PostgreSQL answers it from that index."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        reports_build(week_start=attended.week_start)
    # the late pickups' query (the day totals' released children are another, over both release kinds)
    late = [q["sql"] for q in queries.captured_queries
            if '"attendance_custodyevent"' in q["sql"] and "= 'pickup'" in q["sql"] and "::time" in q["sql"]]
    assert len(late) == 1
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + late[0])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "attendance_custody_pickup_idx" in plan, plan
