"""The roll page's grid of children (attendance/templatetags/roll_grid.py): each child's button with
its status, the leave reported, the health note where the reader may read it, the two quick buttons
for the teacher only; names escaped; in the reader's language."""
import re

import pytest

from attendance import services
from attendance.models import Roll
from tests.factories import IN_TERM, StudentFactory

from ..enrollment.factories import ServiceGroupFactory
from .conftest import post_marks
from .factories import place

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]


def _child(html, student):
    """The `<li>` of the child."""
    start = html.rindex("<li", 0, html.index(f'data-student="{student.pk}"'))
    return html[start:html.index("</li>", start) + 5]


def test_the_teacher_sees_marks_leave_health_notes_and_quick_buttons(att, client, api):
    w = att
    w.child_a.health_notes = "花生过敏\n随身带药"
    w.child_a.save()
    services.leave_report(by=w.parent_a, student=w.child_a, date=w.today, reason="看牙医")
    odd = StudentFactory(homeroom_class=w.class_a, name="<b>王&小</b>")
    place(odd, w.group)
    assert post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a2.pk, "status": "late",
                                                  "client_id": "a2"}]).status_code == 200
    client.force_login(w.teacher_a)
    html = client.get(f"/attendance/rolls/{w.roll.pk}/").content.decode()

    a = _child(html, w.child_a)
    assert 'data-status="" data-leave="1" aria-label="张小明"' in a and " disabled" not in a
    assert '<span class="badge text-bg-info">Leave reported: 看牙医</span>' in a
    assert 'data-status-label>Not marked</span>' in a
    assert "data-health-marker" in a and "<summary>Health note of 张小明</summary>" in a
    assert '<p class="mb-0">花生过敏<br>随身带药</p>' in a
    assert a.count("roll-quick") == 2 and 'aria-label="Late · 张小明"' in a

    a2 = _child(html, w.child_a2)
    assert 'data-status="late"' in a2 and "data-leave" not in a2 and "data-status-label>Late</span>" in a2
    assert "health" not in a2

    escaped = _child(html, odd)
    assert "&lt;b&gt;王&amp;小&lt;/b&gt;" in escaped and "<b>王" not in escaped
    assert len(re.findall(r'class="col d-flex flex-column"', html)) == 3


def test_another_reader_sees_disabled_buttons_without_quick_buttons_in_chinese(att, client):
    w = att
    client.force_login(w.principal)
    html = client.get(f"/attendance/rolls/{w.roll.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    a = _child(html, w.child_a)
    assert " disabled" in a and "roll-quick" not in a and "data-status-label>未点名</span>" in a


def test_an_empty_roll_says_so(att, client):
    w = att
    group = ServiceGroupFactory(school=w.school_a, term=w.term, teacher=w.teacher_a, name="空组")
    services.rolls_create_for_day(school=w.school_a, date=w.today, any_weekday=True)
    roll = Roll.objects.get(group=group, date=w.today)
    client.force_login(w.teacher_a)
    assert "No children on this roll." in client.get(f"/attendance/rolls/{roll.pk}/").content.decode()
