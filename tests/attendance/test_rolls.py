"""Roll creation: from the approved plan and timetable, idempotent, on demand."""
import datetime

import pytest
from django.core.management import call_command

from attendance import tasks
from attendance.models import Roll
from clubs.models import Club, ClubChoice, ClubSlot, ClubType, ReviewStatus

from .conftest import MONDAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def club(att):
    w = att
    club = Club.objects.create(school=w.school_a, term=w.term, club_type=ClubType.objects.first(), name="篆刻社",
                               venue=w.venue_a, capacity=20, status=ReviewStatus.APPROVED)
    club.teachers.set([w.homeroom])
    ClubSlot.objects.create(club=club, weekday=1, start=datetime.time(17, 0), end=datetime.time(18, 0))
    ClubSlot.objects.create(club=club, weekday=3, start=datetime.time(17, 0), end=datetime.time(18, 0))
    from django.utils import timezone

    ClubChoice.objects.create(club=club, student=w.child_a, term=w.term, rank=1, status=ClubChoice.Status.ENROLLED,
                              chosen_at=timezone.now())
    return club


def test_the_task_twice_creates_each_roll_once(att, club):
    assert tasks.create_rolls(MONDAY.isoformat()) == 2
    assert tasks.create_rolls(MONDAY.isoformat()) == 2
    rolls = Roll.objects.filter(date=MONDAY)
    assert rolls.count() == 2
    group_roll = rolls.get(kind="group")
    assert (group_roll.teacher, group_roll.venue, group_roll.starts_at) == (att.teacher_a, att.venue_a,
                                                                           datetime.time(16, 0))
    club_roll = rolls.get(kind="club")
    assert club_roll.teacher == att.homeroom and club_roll.starts_at == datetime.time(17, 0)


@pytest.mark.time_machine("2026-12-02T15:00+08:00")  # a Wednesday: the fixture's "today" is no Saturday
def test_days_without_service_get_no_roll(att, club):
    saturday = MONDAY + datetime.timedelta(days=5)
    tuesday = MONDAY + datetime.timedelta(days=1)
    tasks.create_rolls(saturday.isoformat())
    assert not Roll.objects.filter(date=saturday).exists()
    tasks.create_rolls(tuesday.isoformat())  # the group meets, the club does not
    assert list(Roll.objects.filter(date=tuesday).values_list("kind", flat=True)) == ["group"]


def test_roll_children_follow_the_weekdays_of_the_application(att):
    from attendance.selectors import roll_children

    from .factories import place

    w = att
    from tests.factories import StudentFactory

    wednesday_only = StudentFactory(homeroom_class=w.class_a)
    place(wednesday_only, w.group, guardian=w.parent_a, weekdays=[3])
    tasks.create_rolls(MONDAY.isoformat())
    roll = Roll.objects.get(date=MONDAY, group=w.group)
    assert {s.pk for s in roll_children([roll])[roll.pk]} == {w.child_a.pk, w.child_a2.pk}


def test_management_command_and_button(att, client):
    call_command("create_rolls", "--date", MONDAY.isoformat())
    call_command("create_rolls", "--date", MONDAY.isoformat())
    assert Roll.objects.filter(date=MONDAY).count() == 1
    client.force_login(att.teacher_a)
    day = MONDAY + datetime.timedelta(days=5)
    assert client.post("/attendance/generate/", {"school": att.school_a.pk, "date": day}).status_code == 403
    client.force_login(att.academic)
    assert client.post("/attendance/generate/", {"school": att.school_a.pk, "date": day}).status_code == 302
    assert Roll.objects.filter(date=day).count() == 1  # on demand: whatever the weekday
    client.force_login(att.teacher_b)
    assert client.post("/attendance/generate/", {"school": att.school_a.pk, "date": day}).status_code == 404


def test_beat_schedule_has_the_tasks():
    from django.conf import settings

    tasks_scheduled = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"attendance.tasks.create_rolls", "attendance.tasks.alert_unclosed_days"} <= tasks_scheduled
