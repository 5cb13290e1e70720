"""The application page (a child's page for the family and the school) shows the child's health note
to the guardian, the homeroom teacher, the principal and the teacher of the child's group, never to
the offices (issue 17, item 3)."""
import pytest

from accounts.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine("2026-12-02T15:00+08:00")]

NOTE = "对青霉素过敏"


@pytest.fixture
def app_a(enr):
    from tests.attendance.factories import place

    w = enr.world
    w.child_a.health_notes = NOTE
    w.child_a.save()
    enr.group.teacher = enr.teacher_a
    enr.group.save()
    return place(w.child_a, enr.group, guardian=w.parent_a)


@pytest.mark.parametrize(("role", "shows"), [("parent_a", True), ("homeroom", True), ("principal", True),
                                             ("teacher_a", True), ("moral", False), ("academic", False)])
def test_application_page_shows_the_note_to_whom_may_read_it(enr, app_a, login_as, role, shows):
    user = getattr(enr, role, None) or getattr(enr.world, role)
    response = login_as(user).get(f"/enrollment/applications/{app_a.pk}/")
    assert response.status_code == 200
    assert (NOTE in response.content.decode()) == shows
    assert AuditEvent.objects.filter(user=user, detail="health notes (application)",
                                     object_id=str(enr.world.child_a.pk)).exists() == shows
