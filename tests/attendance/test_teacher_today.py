"""The teacher's today page (issue 18, item 9): the teacher's own rolls first as large cards with
their counts, the handover screens they can open, the school's timetable of the day below; marking
late or on leave is one tap from the child on the roll page."""
import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance import services
from attendance.models import Leave, Mark
from tests.factories import IN_TERM

from .conftest import post_marks
from .factories import children_in_group

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]


def _today(client, login, user, **params):
    login(user)
    response = client.get("/attendance/", params)
    assert response.status_code == 200
    return response


def test_my_rolls_are_large_cards_with_counts(att, client, login, api):
    w = att
    extra = children_in_group(w.group, w.class_a, 2)
    Leave.objects.create(student=extra[1], date=w.today, reported_by=w.parent_a)
    post_marks(api, w.teacher_a, w.roll, [
        {"student": w.child_a.pk, "status": "present", "client_id": "1"},
        {"student": w.child_a2.pk, "status": "late", "client_id": "2"},
        {"student": extra[0].pk, "status": "absent", "client_id": "3"},
        {"student": extra[1].pk, "status": "leave", "client_id": "4"},
    ])
    children_in_group(w.group, w.class_a, 1)  # one more child, not marked yet
    body = _today(client, login, w.teacher_a).content.decode()
    card = re.search(r'data-testid="roll-card".*?</dl>', body, re.S).group(0)
    assert w.roll.name in card

    def count(name):
        return int(re.search(rf'data-count="{name}">(\d+)<', card).group(1))

    # present counts the late child too (who is there); "of whom 1 late" says so
    assert (count("present"), count("absent"), count("leave"), count("unmarked")) == (2, 1, 1, 1)
    assert "of whom 1 late" in body


def test_the_cards_come_first_with_their_handover_then_the_timetable(att, client, login):
    w = att
    body = _today(client, login, w.teacher_a).content.decode()
    cards, handover, timetable = (body.index('data-testid="my-rolls"'), body.index('data-testid="roll-handover"'),
                                  body.index('data-testid="day-timetable"'))
    assert cards < handover < timetable
    assert f'href="/attendance/handover/roll/{w.roll.pk}/"' in body
    assert f'href="/attendance/rolls/{w.roll.pk}/"' in body
    assert "handover-starts" not in body  # no homeroom class


def test_the_timetable_of_the_day_lists_the_schools_sessions(att, client, login):
    w = att
    response = _today(client, login, w.teacher_a)
    entries = response.context["timetable"].entries
    assert [e.booking.label for e in entries] == [w.group.name]  # the group's after-school window, once
    assert entries[0].teachers == ["钱老师"] and entries[0].venue == "图书馆"
    assert f"/clubs/timetable/?school={w.school_a.pk}" in response.content.decode()


def test_a_homeroom_teacher_can_hand_over_their_class(att, client, login):
    w = att
    body = _today(client, login, w.homeroom).content.decode()
    assert f'href="/attendance/handover/class/{w.class_a.pk}/"' in body


def test_another_day_offers_no_handover(att, client, login):
    w = att
    services.rolls_create_for_day(school=w.school_a, date=datetime.date(2026, 12, 3), any_weekday=True)
    body = _today(client, login, w.teacher_a, date="2026-12-03").content.decode()
    assert 'data-testid="roll-card"' in body and "roll-handover" not in body
    client.logout()
    body = _today(client, login, w.homeroom, date="2026-12-03").content.decode()
    assert "handover-starts" not in body


def test_parents_are_refused(att, client, login):
    login(att.parent_a)
    assert client.get("/attendance/").status_code == 403


def test_constant_queries_for_a_teacher_with_10_and_60_children(att, client, login):
    w = att
    login(w.teacher_a)

    def count():
        client.get("/attendance/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/attendance/").status_code == 200
        return len(ctx.captured_queries)

    children_in_group(w.group, w.class_a, 8)
    small = count()
    for kid in children_in_group(w.group, w.class_a, 50):
        Mark.objects.create(roll=w.roll, student=kid, status="present", client_id=f"c{kid.pk}",
                            marked_at=w.roll.created_at, marked_by=w.teacher_a)
    assert count() == small


# --- the roll page: late in one tap ---------------------------------------------------------------
def test_the_roll_offers_late_and_leave_as_one_tap_per_child(att, client, login):
    w = att
    login(w.teacher_a)
    body = client.get(f"/attendance/rolls/{w.roll.pk}/").content.decode()
    for child in (w.child_a, w.child_a2):
        assert re.search(rf'class="[^"]*roll-quick[^"]*" data-student="{child.pk}" data-set="late"', body)
        assert re.search(rf'class="[^"]*roll-quick[^"]*" data-student="{child.pk}" data-set="leave"', body)
    assert "Late and on leave are one tap" in body


def test_the_principal_reading_a_roll_gets_no_marking_buttons(att, client, login):
    w = att
    login(w.principal)
    body = client.get(f"/attendance/rolls/{w.roll.pk}/").content.decode()
    assert "roll-quick" not in body


def test_the_script_marks_late_directly():
    """roll.js: a tap on the child toggles present/absent; the child's own buttons set late or leave
    (no cycle through four states)."""
    from pathlib import Path

    js = (Path(__file__).resolve().parents[2] / "attendance/static/attendance/roll.js").read_text()
    assert "CYCLE" not in js
    assert 'closest(".roll-quick")' in js and "btn.dataset.set" in js
