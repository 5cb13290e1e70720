"""On PostgreSQL: a tablet retrying a batch on several connections at once, and two runs of the
roll task at once, still leave one mark per child and one roll per group and day."""
import threading

import pytest
from django.db import connections
from rest_framework.test import APIClient

from attendance.models import Mark, Roll
from attendance.services import rolls_create_for_day

from .conftest import MONDAY
from .factories import children_in_group

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 8


def _run(n, target):
    barrier = threading.Barrier(n)
    errors = []

    def body(i):
        try:
            barrier.wait(timeout=30)
            target(i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []


def test_the_same_batch_sent_eight_times_at_once_writes_one_mark_per_child(att):
    from rest_framework.authtoken.models import Token

    w = att
    kids = [w.child_a, w.child_a2, *children_in_group(w.group, w.class_a, 20)]
    batch = [{"student": k.pk, "status": "present", "client_id": f"tap-{k.pk}"} for k in kids]
    token = Token.objects.create(user=w.teacher_a)
    statuses = []

    def send(_i):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        statuses.append(client.post(f"/api/v1/rolls/{w.roll.pk}/marks/", batch, format="json").status_code)

    _run(THREADS, send)
    assert statuses == [200] * THREADS
    assert Mark.objects.filter(roll=w.roll).count() == len(kids)
    assert Mark.history.filter(roll_id=w.roll.pk).count() == len(kids)


def test_two_roll_tasks_at_once_create_each_roll_once(att):
    w = att
    _run(4, lambda _i: rolls_create_for_day(school=w.school_a, date=MONDAY))
    assert Roll.objects.filter(date=MONDAY).count() == 1
