"""Health notes go only to those who need them (issue 17, item 3; DESIGN.md: sensitive personal data).

The rule (`schools.selectors.health_notes_visible`): the child's guardians, the homeroom teacher, the
principal, the teachers who hold the child that day and the duty leader on their rostered day. The
bureau, the district, the moral-education and teaching-affairs offices, other teachers and other
parents never read them. "Today" matters, so the clock is fixed on a Wednesday of the test term.
"""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from accounts.roles import Role
from schools.selectors import health_notes_visible
from tests.attendance.factories import place
from tests.clubs.factories import ClubFactory
from tests.enrollment.factories import ServiceGroupFactory
from tests.factories import StudentFactory, UserFactory, give_role

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine("2026-12-02T15:00+08:00")]

WEDNESDAY = datetime.date(2026, 12, 2)
NOTE = "花生严重过敏，书包里有肾上腺素笔"


@pytest.fixture
def health(world_offices):
    """world + school_a's offices; child_a has a health note and is placed in teacher_a's group
    (Monday to Friday); teacher_other teaches another group of school_a, with child_a2 in it."""
    w = world_offices
    w.child_a.health_notes = NOTE
    w.child_a.save()
    w.child_a2.health_notes = "哮喘，运动前先用药"
    w.child_a2.save()
    w.teacher_a = UserFactory(username="teacher_holding", name="钱老师")
    give_role(w.teacher_a, Role.TEACHER, school=w.school_a)
    w.teacher_other = UserFactory(username="teacher_other", name="吴老师")
    give_role(w.teacher_other, Role.TEACHER, school=w.school_a)
    w.group = ServiceGroupFactory(school=w.school_a, term=w.term, teacher=w.teacher_a, capacity=30)
    w.other_group = ServiceGroupFactory(school=w.school_a, term=w.term, teacher=w.teacher_other, capacity=30)
    place(w.child_a, w.group)
    place(w.child_a2, w.other_group)
    return w


#: role -> what GET /api/v1/students/{child_a}/ answers: the note, null (sees the child, not the
#: note) or 404 (does not see the child at all).
EXPECTED = {
    "bureau": 404,
    "district": 404,
    "principal": NOTE,
    "moral_a": None,
    "academic_a": None,
    "duty_a": NOTE,  # the duty leader on today's rota
    "duty_off_a": None,  # a duty leader whose rota day is tomorrow
    "homeroom": NOTE,
    "teacher_a": NOTE,  # holds child_a today (a placement in a group meeting on Wednesdays)
    "teacher_other": 404,  # another teacher of the school
    "parent_a": NOTE,  # the guardian
    "other_parent": 404,
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_health_notes_by_role(health, api, role):
    user = getattr(health, role)
    response = api.as_user(user).get(f"/api/v1/students/{health.child_a.pk}/")
    expected = EXPECTED[role]
    if expected == 404:
        assert response.status_code == 404
        assert health_notes_visible(user, [health.child_a]) == set()
        return
    assert response.status_code == 200
    data = response.json()
    assert data["health_notes"] == expected
    assert data["name"] == health.child_a.name  # the rest of the child is still shown
    assert (health_notes_visible(user, [health.child_a]) == {health.child_a.pk}) == (expected == NOTE)
    audit = AuditEvent.objects.get(user=user, object_type="schools.student", object_id=str(health.child_a.pk))
    assert ("health notes" in audit.detail) == (expected == NOTE)


def test_duty_leader_reads_notes_on_the_rota_day_only(health):
    thursday = WEDNESDAY + datetime.timedelta(days=1)
    kids = [health.child_a, health.child_a2]
    assert health_notes_visible(health.duty_a, kids) == {health.child_a.pk, health.child_a2.pk}
    assert health_notes_visible(health.duty_a, kids, thursday) == set()
    assert health_notes_visible(health.duty_off_a, kids, thursday) == {health.child_a.pk, health.child_a2.pk}
    # the rota of school_a gives nothing at another school
    assert health_notes_visible(health.duty_a, [health.child_b]) == set()


def test_teacher_holds_only_on_the_days_the_child_is_with_them(health):
    saturday = WEDNESDAY + datetime.timedelta(days=3)
    assert health_notes_visible(health.teacher_a, [health.child_a, health.child_a2]) == {health.child_a.pk}
    assert health_notes_visible(health.teacher_a, [health.child_a], saturday) == set()  # the group does not meet
    # a child who comes on Mondays only is not held on a Wednesday
    monday_child = StudentFactory(homeroom_class=health.class_a, health_notes="癫痫")
    place(monday_child, health.group, weekdays=(1,))
    assert health_notes_visible(health.teacher_a, [monday_child]) == set()
    assert health_notes_visible(health.teacher_a, [monday_child], WEDNESDAY - datetime.timedelta(days=2)) \
        == {monday_child.pk}
    # a closed group holds nobody
    health.group.status = "closed"
    health.group.save()
    assert health_notes_visible(health.teacher_a, [health.child_a]) == set()


def test_club_teacher_holds_the_members_on_the_club_day(health):
    from clubs.models import ClubChoice

    teacher = UserFactory(username="club_teacher")
    give_role(teacher, Role.TEACHER, school=health.school_a)
    club = ClubFactory(school=health.school_a, term=health.term, teachers=[teacher], slots=[(3, "16:00", "17:00")])
    ClubChoice.objects.create(club=club, student=health.child_a, term=health.term, status="enrolled",
                              chosen_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC))
    assert health_notes_visible(teacher, [health.child_a, health.child_a2]) == {health.child_a.pk}
    assert health_notes_visible(teacher, [health.child_a], WEDNESDAY + datetime.timedelta(days=1)) == set()


def test_a_teacher_of_another_school_holds_nobody_here(health):
    """teacher_b teaching a group of school_a without a role there (stale data) reads no note."""
    group = ServiceGroupFactory(school=health.school_a, term=health.term, teacher=health.teacher_b, capacity=30)
    child = StudentFactory(homeroom_class=health.class_a, health_notes="癫痫")
    place(child, group)
    assert health_notes_visible(health.teacher_b, [child]) == set()


def test_ids_or_objects_and_a_fixed_number_of_queries(health):
    many = [StudentFactory(homeroom_class=health.class_a, health_notes=f"note {i}") for i in range(15)]
    for child in many:
        place(child, health.group)
    assert health_notes_visible(health.teacher_a, [c.pk for c in many[:2]]) == {c.pk for c in many[:2]}
    counts = []
    for kids in (many[:2], many):
        with CaptureQueriesContext(connection) as ctx:
            assert health_notes_visible(health.teacher_a, kids) == {c.pk for c in kids}
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert health.principal.scope  # read once per request (the roles), not by the rule
    with CaptureQueriesContext(connection) as ctx:
        assert health_notes_visible(health.principal, many) == {c.pk for c in many}
    assert len(ctx.captured_queries) == 0  # the principal's school decides, no query


def test_the_guardians_data_download_keeps_the_note_and_is_theirs_only(health, client):
    client.force_login(health.parent_a)
    body = client.get(f"/privacy/children/{health.child_a.pk}/data.json").content.decode()
    assert "花生严重过敏" in body
    for user in (health.principal, health.homeroom, health.teacher_a, health.duty_a):
        client.force_login(user)
        assert client.get(f"/privacy/children/{health.child_a.pk}/data.json").status_code == 404


def test_the_student_list_never_carries_notes(health, api):
    data = api.as_user(health.principal).get("/api/v1/students/").json()
    assert data["results"] and all("health_notes" not in row for row in data["results"])
