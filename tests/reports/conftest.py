"""A hand-built city for the report tests; the right answers are worked out in the tests."""
import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.roles import Role
from clubs.models import ReviewStatus
from enrollment.models import Application, PriorityClaim
from reports.weeks import iso_week, previous_week_start
from safety import services as safety_services
from safety.models import IncidentType, Severity
from tests.clubs.factories import ClubFactory, ServicePlanFactory, club_type
from tests.enrollment.factories import ParentLetterFactory
from tests.factories import (
    GradeFactory,
    HomeroomClassFactory,
    SchoolFactory,
    StudentFactory,
    UserFactory,
    give_role,
)


def placed(child, term, letter, parent, status=Application.Status.PLACED, claims=()):
    app = Application.objects.create(
        student=child, term=term, school=child.school, sessions=["after_school"], weekdays=[1, 2, 3, 4, 5],
        letter=letter, letter_version=letter.version, letter_acknowledged_at=timezone.now(), status=status,
        submitted_by=parent, submitted_at=timezone.now())
    for group, claim_status in claims:
        PriorityClaim.objects.create(application=app, group=group, status=claim_status)
    return app


@pytest.fixture
def city(world):
    """Three schools, last week, inside a winter-timetable term:

    - school_a (district_a): grade 3: child_a (placed), child_a2 (waitlisted, claims left-behind);
      grade 4: three children, two placed (one with a verified migrant claim). Plan 13:00-14:00 +
      16:00-18:00 (180 min). Clubs: basketball Mon 16:00-17:00 (teacher_a), choir Wed 16:00-17:30
      (teacher_a, teacher_a2). Teachers: homeroom, teacher_a, teacher_a2. One injury (general).
    - school_b (district_b): grade 3: child_b (placed) and one more. Plan 16:30-18:30 (120 min, past
      18:00). One illness (serious, escalated).
    - school_c (city-direct): grade 1: two children, none placed. Plan 16:30-18:00 (90 min).
    """
    w = world
    week_start = previous_week_start()
    term = w.term
    term.start_date = week_start - datetime.timedelta(days=56)
    term.end_date = week_start + datetime.timedelta(days=120)
    term.summer_timetable_from = None
    term.winter_timetable_from = None
    term.save()
    school_c = SchoolFactory(name="沙河市直属实验小学", district=None, city_direct=True)
    grade4 = GradeFactory(school=w.school_a, number=4)
    class_a4 = HomeroomClassFactory(school=w.school_a, grade=grade4, name="四年级（1）班")
    a4 = [StudentFactory(homeroom_class=class_a4) for _ in range(3)]
    StudentFactory(homeroom_class=w.class_b)
    class_c1 = HomeroomClassFactory(school=school_c, grade=GradeFactory(school=school_c, number=1), name="一年级（1）班")
    StudentFactory.create_batch(2, homeroom_class=class_c1)
    letters = {s.pk: ParentLetterFactory(school=s, term=term) for s in (w.school_a, w.school_b, school_c)}
    la, lb = letters[w.school_a.pk], letters[w.school_b.pk]
    placed(w.child_a, term, la, w.parent_a)
    placed(w.child_a2, term, la, w.other_parent, status=Application.Status.WAITLISTED,
           claims=[("left_behind", PriorityClaim.Status.CLAIMED)])
    placed(a4[0], term, la, w.parent_a, claims=[("migrant", PriorityClaim.Status.VERIFIED)])
    placed(a4[1], term, la, w.parent_a)
    placed(w.child_b, term, lb, w.parent_b)
    approved = {"status": ReviewStatus.APPROVED, "term": term}
    ServicePlanFactory(school=w.school_a, **approved)
    ServicePlanFactory(school=w.school_b, winter_noon_start=None, winter_noon_end=None,
                       winter_after_start=datetime.time(16, 30), winter_after_end=datetime.time(18, 30), **approved)
    ServicePlanFactory(school=school_c, winter_noon_start=None, winter_noon_end=None,
                       winter_after_start=datetime.time(16, 30), winter_after_end=datetime.time(18, 0), **approved)
    teacher_a = UserFactory(username="teacher_a", name="吴老师")
    teacher_a2 = UserFactory(username="teacher_a2", name="郑老师")
    for t in (teacher_a, teacher_a2):
        give_role(t, Role.TEACHER, school=w.school_a)
    ClubFactory(school=w.school_a, term=term, club_type=club_type("basketball"), teachers=[teacher_a],
                slots=[(1, "16:00", "17:00")])
    ClubFactory(school=w.school_a, term=term, club_type=club_type("choir"), teachers=[teacher_a, teacher_a2],
                slots=[(3, "16:00", "17:30")])
    ClubFactory(school=w.school_a, term=term, club_type=club_type("football"), status=ReviewStatus.DRAFT,
                teachers=[teacher_a2])
    when = timezone.make_aware(datetime.datetime.combine(week_start + datetime.timedelta(days=1),
                                                         datetime.time(16, 30)))
    safety_services.incident_report(user=w.homeroom, school=w.school_a, occurred_at=when, type=IncidentType.INJURY,
                                    severity=Severity.GENERAL, description="摔倒擦伤膝盖", children=[w.child_a])
    safety_services.incident_report(user=w.teacher_b, school=w.school_b, occurred_at=when, type=IncidentType.ILLNESS,
                                    severity=Severity.SERIOUS, description="发烧送医", children=[w.child_b])
    w.school_c, w.week_start, w.week = school_c, week_start, iso_week(week_start)
    w.teacher_a, w.teacher_a2 = teacher_a, teacher_a2
    return w


@pytest.fixture
def principal_b(world):
    user = UserFactory(username="principal_b", name="郑校长")
    give_role(user, Role.PRINCIPAL, school=world.school_b)
    return user


@pytest.fixture
def ns():
    return SimpleNamespace


@pytest.fixture
def published(city):
    """The city with its week built and published by the bureau."""
    from reports.services import reports_build, reports_publish

    reports_build(week_start=city.week_start)
    reports_publish(week=city.week, by=city.bureau)
    return city
