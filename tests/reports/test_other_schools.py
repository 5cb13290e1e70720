"""The weekly report reads every school's rows in several queries (no list of the week's schools in
the SQL) and keeps the active schools' in Python: a school that is no longer active adds nothing to
any scope, whatever it has in the week, and a child of an active school whose placed application is
at that school is enrolled here but not in the service here."""
import datetime

import pytest
from django.utils import timezone

from accounts.roles import Role
from attendance.models import DutyRota, Roll
from clubs.models import ReviewStatus
from enrollment.models import Application, PriorityClaim, Session
from reports.services import reports_compute
from safety import services as safety_services
from safety.models import Drill, EmergencyPlan, IncidentType, PlanType, RectificationItem, Severity
from schools.models import School
from tests.clubs.factories import ClubFactory, ServicePlanFactory, club_type
from tests.enrollment.factories import ParentLetterFactory, ServiceGroupFactory
from tests.factories import (
    GradeFactory,
    HomeroomClassFactory,
    SchoolFactory,
    StudentFactory,
    UserFactory,
    give_role,
)
from tests.safety.factories import add_item, inspect

from .conftest import placed

pytestmark = pytest.mark.django_db


def figures(week_start):
    return {item["key"]: item["data"] for item in reports_compute(week_start=week_start)}


def test_a_school_no_longer_active_counts_nowhere(city):
    w = city
    before = figures(w.week_start)
    closed = SchoolFactory(name="已撤并小学", district=w.district_a)
    pupils = StudentFactory.create_batch(
        3, homeroom_class=HomeroomClassFactory(school=closed, grade=GradeFactory(school=closed, number=3)))
    letter = ParentLetterFactory(school=closed, term=w.term)
    placed(pupils[0], w.term, letter, w.parent_a, claims=[("migrant", PriorityClaim.Status.VERIFIED)])
    placed(pupils[1], w.term, letter, w.parent_a, status=Application.Status.WAITLISTED,
           claims=[("left_behind", PriorityClaim.Status.CLAIMED)])
    # a child of school_a enrolled there, placed by the closed school
    moved = StudentFactory(homeroom_class=w.child_a.homeroom_class)
    app = placed(moved, w.term, letter, w.parent_a)
    Application.objects.filter(pk=app.pk).update(school=closed)
    teacher = UserFactory()
    give_role(teacher, Role.TEACHER, school=closed)
    give_role(UserFactory(), Role.PRINCIPAL, school=closed)
    ServicePlanFactory(school=closed, status=ReviewStatus.APPROVED, term=w.term)
    ClubFactory(school=closed, term=w.term, club_type=club_type("basketball"), teachers=[teacher],
                slots=[(1, "16:00", "17:00")])
    group = ServiceGroupFactory(school=closed, term=w.term, session=Session.AFTER_SCHOOL, teacher=teacher)
    mon = w.week_start
    Roll.objects.create(school=closed, date=mon, kind=Roll.Kind.GROUP, session=group.session, group=group,
                        name=group.name, starts_at=datetime.time(16), ends_at=datetime.time(18),
                        status=Roll.Status.SUBMITTED)
    DutyRota.objects.create(school=closed, date=mon, leader=teacher)
    when = timezone.make_aware(datetime.datetime.combine(mon, datetime.time(16, 30)))
    safety_services.incident_report(user=teacher, school=closed, occurred_at=when, type=IncidentType.INJURY,
                                    severity=Severity.SERIOUS, description="摔倒", children=[pupils[0]])
    plan = EmergencyPlan.objects.create(school=closed, plan_type=PlanType.values[0], text="预案",
                                        last_reviewed_on=mon - datetime.timedelta(days=400))
    Drill.objects.create(school=closed, plan=plan, held_on=mon, participants=30, duration_minutes=20,
                         recorded_by=teacher)
    inspection = inspect(w, school=closed, days_ago=(timezone.localdate() - mon).days)
    RectificationItem.objects.filter(pk=add_item(w, inspection).pk).update(deadline=mon)
    School.objects.filter(pk=closed.pk).update(active=False)  # closed after its week: its rows stay
    after = figures(w.week_start)
    assert after.keys() == before.keys()
    moved_grade = str(w.child_a.homeroom_class.grade.number)
    school_a = f"school:{w.school_a.pk}"
    # the moved child is enrolled at school_a: one more there (and in its district and the city)
    for key in (school_a, f"district:{w.district_a.pk}", "city"):
        assert after[key]["sections"]["students"]["enrolled"] == before[key]["sections"]["students"]["enrolled"] + 1
        assert after[key]["sections"]["service"]["in_service"] == before[key]["sections"]["service"]["in_service"]
        grade = after[key]["sections"]["service"]["by_grade"][moved_grade]
        was = before[key]["sections"]["service"]["by_grade"][moved_grade]
        assert grade["enrolled"] == was["enrolled"] + 1 and grade["in_service"] == was["in_service"]
        for section in ("applications", "priority"):
            assert after[key]["sections"]["service"][section] == before[key]["sections"]["service"][section]
        for section in ("plan", "attendance", "clubs", "safety", "voice"):
            assert after[key]["sections"][section] == before[key]["sections"][section], (key, section)
    # everything else is as it was
    for key in before.keys() - {school_a, f"district:{w.district_a.pk}", "city"}:
        assert after[key]["sections"] == before[key]["sections"], key
