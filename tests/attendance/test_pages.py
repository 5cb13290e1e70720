"""Pages: leave, patrol log, rota, overview, landing pages, the service worker."""
import datetime

import pytest

from attendance.models import DutyRota, Leave, PatrolLog
from notices.models import Notification

pytestmark = pytest.mark.django_db


def test_parent_reports_leave_and_the_roll_shows_it(att, client):
    w = att
    client.force_login(w.parent_a)
    assert client.get("/attendance/leave/").status_code == 200
    response = client.post("/attendance/leave/", {"student": w.child_a.pk, "date": w.today.isoformat(),
                                                  "reason": "看牙医"})
    assert response.status_code == 302
    assert Leave.objects.get().reason == "看牙医"
    client.post("/attendance/leave/", {"student": w.child_a.pk, "date": w.today.isoformat()})
    assert Leave.objects.count() == 1
    client.force_login(w.teacher_a)
    assert "看牙医" in client.get(f"/attendance/rolls/{w.roll.pk}/").content.decode()


def test_leave_bad_input_and_other_peoples_children(att, client):
    w = att
    client.force_login(w.parent_a)
    yesterday = (w.today - datetime.timedelta(days=1)).isoformat()
    page = client.post("/attendance/leave/", {"student": w.child_a.pk, "date": yesterday}, follow=True)
    assert "in advance" in page.content.decode()
    client.post("/attendance/leave/", {"student": w.child_a.pk, "date": "not a date"})
    assert client.post("/attendance/leave/", {"student": w.child_a2.pk, "date": w.today}).status_code == 404
    assert not Leave.objects.exists()
    leave = Leave.objects.create(student=w.child_a2, date=w.today, reported_by=w.other_parent)
    assert client.post(f"/attendance/leave/{leave.pk}/cancel/").status_code == 404
    client.force_login(w.other_parent)
    assert client.post(f"/attendance/leave/{leave.pk}/cancel/").status_code == 302
    leave.refresh_from_db()
    assert leave.cancelled_at is not None
    client.force_login(w.teacher_a)
    assert client.get("/attendance/leave/").status_code == 403


def test_duty_leader_writes_the_patrol_log(att, client):
    w = att
    client.force_login(w.duty)
    url = f"/attendance/patrol/{w.school_a.pk}/"
    assert client.get(url).status_code == 200
    client.post(url, {"venue": w.venue_a.pk, "note": "图书馆秩序良好，两名学生在看书"})
    client.post(url, {"place": "操场", "note": "   "})
    log = PatrolLog.objects.get()
    assert (log.venue, log.recorded_by, log.date) == (w.venue_a, w.duty, w.today)
    client.force_login(w.principal)
    assert "秩序良好" in client.get(f"/attendance/overview/{w.school_a.pk}/").content.decode()
    client.force_login(w.duty_off)
    assert client.post(url, {"note": "x"}).status_code == 403
    client.force_login(w.teacher_b)
    assert client.get(url).status_code == 404


def test_principal_sets_the_rota(att, client):
    w = att
    url = f"/attendance/rota/{w.school_a.pk}/"
    tomorrow = (w.today + datetime.timedelta(days=1)).isoformat()
    client.force_login(w.principal)
    assert client.get(url).status_code == 200
    client.post(url, {"date": tomorrow, "leader": w.duty_off.pk, "teachers": [w.teacher_a.pk]})
    rota = DutyRota.objects.get(date=tomorrow)
    assert rota.leader == w.duty_off and list(rota.teachers.all()) == [w.teacher_a]
    client.post(url, {"date": tomorrow, "leader": w.teacher_a.pk})  # not a duty leader: refused
    assert DutyRota.objects.get(date=tomorrow).leader == w.duty_off
    client.force_login(w.duty)
    assert client.get(url).status_code == 200
    assert client.post(url, {"date": tomorrow, "leader": w.duty.pk}).status_code == 403
    client.force_login(w.teacher_a)
    assert client.get(url).status_code == 403


def test_overview_for_the_principal_with_incidents(att, client):
    from django.utils import timezone

    from safety.models import Incident

    w = att
    Incident.objects.create(school=w.school_a, occurred_at=timezone.now(), type="injury", description="擦伤",
                            reported_by=w.teacher_a)
    client.force_login(w.principal)
    page = client.get(f"/attendance/overview/{w.school_a.pk}/")
    assert page.status_code == 200 and w.roll.name in page.content.decode()
    for user in (w.duty, w.teacher_a):
        client.force_login(user)
        assert client.get(f"/attendance/overview/{w.school_a.pk}/").status_code == 403
    client.force_login(w.teacher_b)
    assert client.get(f"/attendance/overview/{w.school_a.pk}/").status_code == 404


def test_landing_pages(att, client):
    """Teachers and duty leaders land on their workbench (issue 21), which leads to today's rolls and,
    on the rostered day only, to the console."""
    w = att
    client.force_login(w.teacher_a)
    assert client.get("/").url == "/accounts/workbench/"
    assert 'href="/attendance/"' in client.get("/accounts/workbench/").content.decode()
    assert w.roll.name in client.get("/attendance/").content.decode()
    client.force_login(w.duty)
    assert client.get("/").url == "/accounts/workbench/"
    assert f'href="/attendance/console/{w.school_a.pk}/"' in client.get("/accounts/workbench/").content.decode()
    client.force_login(w.duty_off)  # eligible for the rota, not on duty today
    assert f'href="/attendance/console/{w.school_a.pk}/"' not in client.get("/accounts/workbench/").content.decode()
    assert "not the rostered" in client.get("/attendance/console/").content.decode()


def test_service_worker_is_served_for_the_attendance_scope(client):
    response = client.get("/attendance/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/attendance/"
    assert "attendance/roll.js" in response.content.decode()


def test_roll_page_submits_when_every_child_is_marked(att, api, client, django_capture_on_commit_callbacks):
    from .conftest import post_marks

    w = att
    client.force_login(w.teacher_a)
    client.post(f"/attendance/rolls/{w.roll.pk}/")
    w.roll.refresh_from_db()
    assert w.roll.status == "open"
    post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "absent", "client_id": "1"},
                                          {"student": w.child_a2.pk, "status": "present", "client_id": "2"}])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/attendance/rolls/{w.roll.pk}/")
    w.roll.refresh_from_db()
    assert w.roll.status == "submitted"
    assert Notification.objects.filter(recipient=w.parent_a, kind="attendance.absent").count() == 1


def test_demo_accounts_can_do_the_demo(db):
    """teacher1 has a roll today; duty1 is today's duty leader at S001."""
    from django.utils import timezone

    from attendance.models import Roll
    from schools.demo import DemoContext

    ctx = DemoContext()
    import importlib

    for app in ("schools", "privacy", "enrollment", "clubs", "attendance"):
        importlib.import_module(f"{app}.demo").seed(ctx)
    today = timezone.localdate()
    teacher1_roll = Roll.objects.get(teacher__username="teacher1", date=today, kind="group")
    from attendance.selectors import roll_view

    view = roll_view(teacher1_roll)
    assert len(view.entries) >= 3 and any(e.leave for e in view.entries)
    assert DutyRota.objects.get(school__code="S001", date=today).leader.username == "duty1"
    importlib.import_module("attendance.demo").seed(ctx)
    assert Roll.objects.filter(teacher__username="teacher1", date=today, kind="group").count() == 1


def test_held_hours_and_the_childs_data(att, api):
    from accounts.models import AuditEvent
    from attendance import selectors

    from .conftest import post_marks

    w = att
    post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "present", "client_id": "1"},
                                          {"student": w.child_a2.pk, "status": "present", "client_id": "2"}])
    assert selectors.held_hours(school_id=w.school_a.pk, date_from=w.today, date_to=w.today) == []
    api.as_user(w.teacher_a).post(f"/api/v1/rolls/{w.roll.pk}/submit/")
    rows = selectors.held_hours(school_id=w.school_a.pk, date_from=w.today, date_to=w.today)
    assert [(r["teacher_id"], r["sessions"], r["hours"], r["basis"]) for r in rows] == [
        (w.teacher_a.pk, 1, 2.0, "held")]
    data = selectors.child_data(w.child_a)
    assert data["marks"][0]["status"] == "present"
    # the duty leader's read of guardians' phones is audited
    from attendance.models import Roll

    Roll.objects.filter(pk=w.roll.pk).update(starts_at=datetime.time(0, 0), ends_at=datetime.time(0, 1))
    from django.test import Client

    client = Client()
    client.force_login(w.duty)
    client.get(f"/attendance/console/{w.school_a.pk}/")
    assert AuditEvent.objects.filter(user=w.duty, detail="guardian phones (late pickup)").count() == 2
