"""Issue 20's "done means", on the demo city (no provider configured: the outbox stands in for them).

- parent1 signs in with a phone code read from `manage.py outbox`;
- teacher1 takes today's roll on the roll page, marks a child absent without leave and submits: the
  outbox holds a text message to that child's guardian naming the child, within a minute of the
  submission (the Celery task runs in process, after the roll's transaction commits); the guardian
  signs in the same way and finds the notice in the inbox, and the duty console shows it delivered.

In the demo parent1's child has no application yet (parent1 applies in the enrollment demo), so the
child on teacher1's roll is parent2's (or a classmate's): the absence is theirs.
"""
import io
import json
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from attendance import selectors
from attendance.models import Leave, Roll
from notices.models import Notification, OutboxMessage

pytestmark = pytest.mark.django_db


def outbox(phone: str, last: int = 1) -> str:
    out = io.StringIO()
    call_command("outbox", "--to", phone, "--last", str(last), stdout=out)
    return out.getvalue()


def phone_sign_in(phone: str) -> Client:
    """As a person does: ask for a code, read it (here from `manage.py outbox`), type it."""
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert browser.post("/accounts/login/phone/", {"phone": phone, "action": "send"}).status_code == 200
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", outbox(phone)).group(1)
    response = browser.post("/accounts/login/phone/", {"phone": phone, "code": code, "action": "sign_in"})
    assert response.status_code == 302, response.content[:300]
    return browser


def test_the_demo_parent_signs_in_by_phone_code_and_an_absence_reaches_the_guardian_by_sms(
        demo_seeded, django_capture_on_commit_callbacks, django_user_model):
    cache.clear()  # the code counters of another test
    parent1 = django_user_model.objects.get(username="parent1")
    home = phone_sign_in(parent1.phone).get("/", follow=True)
    assert home.status_code == 200 and home.context["user"] == parent1

    # teacher1's roll of today (the demo makes it on any weekday): a child absent without leave
    teacher = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert teacher.post("/accounts/login/", {"username": "teacher1", "password": "shahe-demo-2026"}).status_code == 302
    roll = Roll.objects.get(teacher__username="teacher1", date=timezone.localdate())
    children = selectors.roll_children([roll])[roll.pk]
    on_leave = set(Leave.objects.active().filter(date=roll.date).values_list("student_id", flat=True))
    absent = next(c for c in children if c.pk not in on_leave and c.guardianships.filter(
        active=True, guardian__username="parent2").exists())
    guardian = absent.guardianships.get(active=True).guardian
    marks = [{"student": c.pk, "status": "absent" if c == absent else "present", "client_id": f"demo-{c.pk}"}
             for c in children]
    assert teacher.post(f"/api/v1/rolls/{roll.pk}/marks/", json.dumps(marks),
                        content_type="application/json").status_code == 200
    submitted = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert teacher.post(f"/attendance/rolls/{roll.pk}/").status_code == 302

    sms = OutboxMessage.objects.filter(to=guardian.phone, channel="sms", created_at__gte=submitted).get()
    assert absent.name in sms.text
    assert (sms.created_at - submitted).total_seconds() < 60
    assert absent.name in outbox(guardian.phone)  # as `manage.py outbox --to <phone>` prints it
    assert not OutboxMessage.objects.filter(channel="sms", created_at__gte=submitted).exclude(
        to=guardian.phone).exists()  # nobody else's child was absent

    # The guardian signs in the same way and reads it in the inbox; the console says it was delivered.
    inbox = phone_sign_in(guardian.phone).get("/notices/").content.decode()
    assert Notification.objects.get(recipient=guardian, kind="attendance.absent").title in inbox
    duty = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert duty.post("/accounts/login/", {"username": "duty1", "password": "shahe-demo-2026"}).status_code == 302
    console = duty.get(f"/attendance/console/{roll.school_id}/").content.decode()
    assert f"{guardian.name}：短信已送达" in console
