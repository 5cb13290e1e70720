"""The roll page and the roll API show a child's health note to whom may read it today (the teacher
taking the roll, the principal, the rostered duty leader) and to nobody else; each note shown is an
audited read (issue 17, item 3)."""
import datetime

import pytest

from accounts.models import AuditEvent
from accounts.roles import Role
from attendance.models import Roll
from attendance.services import rolls_create_for_day
from tests.enrollment.factories import ServiceGroupFactory
from tests.factories import StudentFactory, UserFactory, give_role

from .factories import approved_plan, place

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine("2026-12-02T15:00+08:00")]

WEDNESDAY = datetime.date(2026, 12, 2)
NOTE_A = "花生严重过敏，书包里有肾上腺素笔"
NOTE_A2 = "哮喘，运动前先用药"


@pytest.fixture
def roll_day(world_offices):
    """Today's roll of teacher_a's group with child_a and child_a2 (both with a note) and a child
    without one; teacher_other of the same school holds nobody."""
    w = world_offices
    for child, note in ((w.child_a, NOTE_A), (w.child_a2, NOTE_A2)):
        child.health_notes = note
        child.save()
    w.teacher_a = UserFactory(username="teacher_holding", name="钱老师")
    give_role(w.teacher_a, Role.TEACHER, school=w.school_a)
    w.teacher_other = UserFactory(username="teacher_other", name="吴老师")
    give_role(w.teacher_other, Role.TEACHER, school=w.school_a)
    approved_plan(w.school_a, w.term)
    w.group = ServiceGroupFactory(school=w.school_a, term=w.term, teacher=w.teacher_a, capacity=30, name="三年级组")
    w.plain = StudentFactory(homeroom_class=w.class_a, name="陈小华", health_notes="")
    for child in (w.child_a, w.child_a2, w.plain):
        place(child, w.group)
    rolls_create_for_day(school=w.school_a, date=WEDNESDAY)
    w.roll = Roll.objects.get(group=w.group, date=WEDNESDAY)
    return w


#: role -> the roll page's status and whether it shows the notes
ROLL_PAGE = {
    "teacher_a": (200, True),
    "principal": (200, True),
    "duty_a": (200, True),
    "duty_off_a": (200, False),
    "moral_a": (200, False),
    "academic_a": (200, False),
    "homeroom": (404, False),  # the class's teacher does not see another teacher's roll
    "teacher_other": (404, False),
    "parent_a": (404, False),
    "district": (404, False),
    "bureau": (404, False),
}


@pytest.mark.parametrize("role", list(ROLL_PAGE))
def test_roll_page_shows_notes_to_whom_may_read_them(roll_day, client, role):
    user = getattr(roll_day, role)
    client.force_login(user)
    response = client.get(f"/attendance/rolls/{roll_day.roll.pk}/")
    status, shows = ROLL_PAGE[role]
    assert response.status_code == status
    body = response.content.decode()
    assert (NOTE_A in body, NOTE_A2 in body) == (shows, shows)
    assert ('data-testid="health-note"' in body) == shows
    assert body.count('data-testid="health-note"') == (2 if shows else 0)  # not for the child without one
    audited = set(AuditEvent.objects.filter(user=user, detail="health notes (roll)").values_list("object_id", flat=True))
    assert audited == ({str(roll_day.child_a.pk), str(roll_day.child_a2.pk)} if shows else set())


@pytest.mark.parametrize(("role", "shows"), [("teacher_a", True), ("principal", True), ("duty_a", True),
                                             ("duty_off_a", False), ("moral_a", False), ("academic_a", False)])
def test_roll_api_carries_notes_for_whom_may_read_them(roll_day, api, role, shows):
    user = getattr(roll_day, role)
    response = api.as_user(user).get(f"/api/v1/rolls/{roll_day.roll.pk}/")
    assert response.status_code == 200
    notes = {c["id"]: c["health_notes"] for c in response.json()["children"]}
    expected = {roll_day.child_a.pk: NOTE_A, roll_day.child_a2.pk: NOTE_A2} if shows else {}
    assert {k: v for k, v in notes.items() if v is not None} == expected
    assert notes[roll_day.plain.pk] is None
    assert AuditEvent.objects.filter(user=user, detail="health notes (roll API)").count() == (2 if shows else 0)


def test_yesterdays_roll_shows_no_note_to_a_teacher_who_does_not_hold_the_child_today(roll_day, client):
    """teacher_x held child_a on Tuesday's roll of a Tuesday group; on Wednesday that roll page
    shows the child without the note."""
    teacher_x = UserFactory(username="teacher_x")
    give_role(teacher_x, Role.TEACHER, school=roll_day.school_a)
    tuesday_group = ServiceGroupFactory(school=roll_day.school_a, term=roll_day.term, teacher=teacher_x,
                                        capacity=30, weekdays=[2], name="周二组")
    child = StudentFactory(homeroom_class=roll_day.class_a, name="周小东", health_notes="对青霉素过敏")
    place(child, tuesday_group, weekdays=(2,))
    rolls_create_for_day(school=roll_day.school_a, date=WEDNESDAY - datetime.timedelta(days=1))
    roll = Roll.objects.get(group=tuesday_group)
    client.force_login(teacher_x)
    body = client.get(f"/attendance/rolls/{roll.pk}/").content.decode()
    assert "周小东" in body and "对青霉素过敏" not in body
