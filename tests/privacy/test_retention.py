import datetime
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from accounts.models import AuditEvent
from notices.models import Notification
from notices.services import notify
from privacy.models import CorrectionRequest, StudentAnonymisation
from privacy.services import departed_students, retention_run
from privacy.tasks import anonymise_departed_students
from schools.models import Guardianship, Student

pytestmark = pytest.mark.django_db


def leave(student, *, days_ago: int, status="graduated"):
    """The child leaves; its history says it happened `days_ago` days ago."""
    student.status = status
    student.save()
    latest = student.history.order_by("-history_date", "-history_id").first()
    Student.history.filter(history_id=latest.history_id).update(
        history_date=timezone.now() - datetime.timedelta(days=days_ago)
    )
    # earlier rows are earlier still
    Student.history.filter(id=student.pk).exclude(history_id=latest.history_id).update(
        history_date=timezone.now() - datetime.timedelta(days=days_ago + 300)
    )


def test_departed_student_is_anonymised_and_history_scrubbed(world):
    child = world.child_a
    child.health_notes = "哮喘，需随身带药"
    child.save()
    original_name, original_number = child.name, child.student_number
    CorrectionRequest.objects.create(student=child, requested_by=world.parent_a, text=f"{original_name}的生日有误")
    notify(recipients=[world.parent_a], kind="test", title=f"{original_name}已离校", body=f"{original_name}今天16:30离校")
    notify(recipients=[world.parent_a], kind="test", title="全校通知")
    leave(child, days_ago=400)
    students_before = Student.objects.count()

    assert retention_run() == 1

    child.refresh_from_db()
    assert child.name != original_name and child.student_number != original_number
    assert child.birth_date is None and child.health_notes == ""
    assert child.status == "graduated" and child.school_id == world.school_a.pk  # the row and its counts stay
    assert Student.objects.count() == students_before
    assert not Guardianship.objects.filter(student=child, active=True).exists()
    # the anonymisation itself is in the history ...
    latest = child.history.order_by("-history_date", "-history_id").first()
    assert latest.history_change_reason == "retention: anonymised"
    # ... and no historical row keeps the personal data
    for row in Student.history.filter(id=child.pk):
        assert row.name == child.name and row.student_number == child.student_number
        assert row.birth_date is None and row.health_notes == ""
    assert not Student.history.filter(name=original_name).exists()
    assert not CorrectionRequest.history.filter(text__contains=original_name).exists()
    assert not CorrectionRequest.objects.filter(text__contains=original_name).exists()
    assert not Notification.objects.filter(title__contains=original_name).exists()
    assert not Notification.objects.filter(body__contains=original_name).exists()
    assert Notification.objects.filter(title=f"{child.name}已离校").exists()
    assert Notification.objects.filter(title="全校通知").exists()
    assert StudentAnonymisation.objects.filter(student=child).exists()
    assert AuditEvent.objects.filter(action="change", object_id=str(child.pk), username="retention").exists()
    # other children are untouched
    world.child_a2.refresh_from_db()
    assert world.child_a2.name == "李小红"


def test_recent_leavers_and_enrolled_children_are_kept(world):
    leave(world.child_a, days_ago=100, status="transferred")
    assert retention_run() == 0
    world.child_a.refresh_from_db()
    assert world.child_a.name == "张小明"
    assert world.child_b.name == "赵小刚"


def test_the_period_is_a_setting(world, settings):
    leave(world.child_a, days_ago=100, status="transferred")
    settings.STUDENT_RETENTION_DAYS = 30
    assert retention_run() == 1


def test_default_period_is_one_year():
    assert settings.STUDENT_RETENTION_DAYS == 365


def test_a_child_who_came_back_and_left_recently_is_kept(world):
    child = world.child_a
    leave(child, days_ago=700)
    child.status = "enrolled"
    child.save()
    child.status = "transferred"
    child.save()  # left again today
    assert departed_students() == []
    assert retention_run() == 0


def test_running_twice_changes_nothing_more(world):
    leave(world.child_a, days_ago=400)
    assert retention_run() == 1
    rows = Student.history.filter(id=world.child_a.pk).count()
    assert retention_run() == 0
    assert anonymise_departed_students.delay().get() == 0
    assert Student.history.filter(id=world.child_a.pk).count() == rows


def test_task_and_command(world):
    leave(world.child_a, days_ago=400)
    leave(world.child_b, days_ago=400, status="transferred")
    out = StringIO()
    call_command("anonymise_departed_students", "--dry-run", stdout=out)
    assert "2 students would be anonymised" in out.getvalue()
    assert StudentAnonymisation.objects.count() == 0
    assert anonymise_departed_students.delay().get() == 1 + 1
    out = StringIO()
    call_command("anonymise_departed_students", stdout=out)
    assert "0 students anonymised" in out.getvalue()


def test_command_with_days(world):
    leave(world.child_a, days_ago=10)
    out = StringIO()
    call_command("anonymise_departed_students", "--days", "5", stdout=out)
    assert "1 students anonymised" in out.getvalue()


def test_beat_schedule_runs_the_task():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "privacy.tasks.anonymise_departed_students" in tasks


def test_guardian_loses_access_after_anonymisation(world, client):
    leave(world.child_a, days_ago=400)
    retention_run()
    client.force_login(world.parent_a)
    from django.urls import reverse

    assert client.get(reverse("privacy:child_data_json", args=[world.child_a.pk])).status_code == 404
