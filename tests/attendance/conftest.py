"""Attendance fixtures on the role matrix `world`: a teacher holding an after-school group of
school_a with child_a and child_a2 placed, the day's rostered duty leader, a duty leader who is not
on the rota today, and today's rolls."""
import datetime

import pytest
from django.utils import timezone

from accounts.roles import Role
from attendance import services
from attendance.models import DutyRota, Roll
from tests.factories import UserFactory, VenueFactory, give_role

from ..enrollment.factories import ServiceGroupFactory
from .factories import approved_plan, place

#: A Monday inside the test term (TermFactory: 2026-09-01 .. 2027-01-20).
MONDAY = datetime.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def english_messages():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def att(world):
    w = world
    w.teacher_a = UserFactory(username="teacher_a", name="钱老师")
    give_role(w.teacher_a, Role.TEACHER, school=w.school_a)
    w.duty = UserFactory(username="duty", name="带班周老师")
    give_role(w.duty, Role.DUTY_LEADER, school=w.school_a)
    give_role(w.duty, Role.TEACHER, school=w.school_a)
    w.duty_off = UserFactory(username="duty_off", name="吴老师")
    give_role(w.duty_off, Role.DUTY_LEADER, school=w.school_a)
    w.academic = UserFactory(username="academic", name="教务处")
    give_role(w.academic, Role.ACADEMIC, school=w.school_a)
    w.venue_a = VenueFactory(school=w.school_a, name="图书馆")
    w.plan = approved_plan(w.school_a, w.term)
    w.group = ServiceGroupFactory(school=w.school_a, term=w.term, venue=w.venue_a, teacher=w.teacher_a,
                                  capacity=100, name="三四年级课后服务组")
    place(w.child_a, w.group)
    place(w.child_a2, w.group)
    w.today = timezone.localdate()
    DutyRota.objects.create(school=w.school_a, date=w.today, leader=w.duty)
    services.rolls_create_for_day(school=w.school_a, date=w.today, any_weekday=True)
    w.roll = Roll.objects.get(group=w.group, date=w.today)
    return w


def post_marks(api, user, roll, marks, **headers):
    return api.as_user(user).post(f"/api/v1/rolls/{roll.pk}/marks/", marks, format="json", **headers)


@pytest.fixture
def api(api):
    """The API client, asking for English (the assertions read the English messages)."""
    api.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return api


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
