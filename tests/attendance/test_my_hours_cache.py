"""A teacher's own hours kept rendered (attendance.hours_cache): a second read costs the page around it
only; a roll submitted at the teacher's school, a calendar day, a club's teachers and a statement are
on the next read; each teacher, month and language has their own page."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance import services
from attendance import statements as st
from attendance.models import Roll
from schools.calendar import calendar_day_create
from schools.models import CalendarDay
from tests.factories import IN_TERM

from .test_statements import FRI, sw  # noqa: F401  (the November world)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]

URL = "/attendance/hours/mine/?month=2026-11"


def _nov(client):
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(URL)
    assert page.status_code == 200
    summary = page.context.get("summary") if page.context else None
    return page.content.decode(), len(ctx.captured_queries), summary


def _held(html):
    """The November row of the summary table: planned and held sessions as the page prints them."""
    row = html[html.index("2026-11</a></th>"):]
    return row[:row.index("</tr>")]


def test_a_second_read_is_the_page_kept(sw, client):  # noqa: F811
    client.force_login(sw.teacher_a)
    first, computed, summary = _nov(client)
    second, kept, kept_summary = _nov(client)
    assert summary is not None and kept_summary is None  # not computed again
    assert kept <= computed - 8
    assert _held(first) == _held(second)


def test_a_roll_submitted_and_a_rule_changed_are_on_the_next_read(sw, client):  # noqa: F811
    w = sw
    client.force_login(w.teacher_a)
    before = _nov(client)[2]
    nov = next(m for m in before if m["month"] == datetime.date(2026, 11, 1))
    services.roll_submit(roll=Roll.objects.get(group=w.group, date=FRI), user=w.teacher_a, expected_ids=set())
    after = _nov(client)[2]
    assert after is not None  # computed again
    assert next(m for m in after if m["month"] == datetime.date(2026, 11, 1))["held_sessions"] == \
        nov["held_sessions"] + 1
    _nov(client)
    calendar_day_create(user=w.bureau, date=datetime.date(2026, 11, 27), kind=CalendarDay.Kind.HOLIDAY)
    planned = next(m for m in _nov(client)[2] if m["month"] == datetime.date(2026, 11, 1))["planned_sessions"]
    assert planned == nov["planned_sessions"] - 1  # a Friday of the group became a holiday


def test_a_club_given_to_another_teacher_and_a_statement_are_on_the_next_read(sw, client):  # noqa: F811
    w = sw
    client.force_login(w.teacher_a)
    nov = next(m for m in _nov(client)[2] if m["month"] == datetime.date(2026, 11, 1))
    assert nov["by_kind"]["club"] == 0
    w.club.teachers.set([w.teacher_a])  # the Wednesday club is now 吕宇's
    summary = _nov(client)[2]
    assert summary is not None  # computed again
    after = next(m for m in summary if m["month"] == datetime.date(2026, 11, 1))
    assert after["planned_sessions"] > nov["planned_sessions"]  # the club's Wednesdays are planned for 吕宇
    html = _nov(client)[0]
    assert "2026-11 · v1" not in html
    st.statements_build(month=datetime.date(2026, 11, 1))  # the month's statement: 吕宇's line is listed
    html, _, computed = _nov(client)
    assert computed is not None and "2026-11 · v1" in html


def test_each_teacher_and_language_reads_their_own(sw, client):  # noqa: F811
    w = sw
    client.force_login(w.teacher_a)
    zh = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "我的课后服务课时" in zh
    client.force_login(w.homeroom)
    page = client.get(URL)
    assert page.context is not None  # computed: the homeroom teacher's own page, not 吕宇's
    assert [s["kind"] for s in page.context["sessions"]] == ["club"]
    client.force_login(w.teacher_a)
    en = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My service hours" in en and "我的课后服务课时" not in en
    assert "我的课后服务课时" in client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def test_a_staff_role_changed_is_on_the_next_read(sw, client):  # noqa: F811
    """Which statements' lines a teacher sees depends on their roles (Statement.visible_to)."""
    from accounts.models import RoleAssignment
    from accounts.roles import Role

    w = sw
    st.statements_build(month=datetime.date(2026, 11, 1))
    client.force_login(w.teacher_a)
    assert "2026-11 · v1" in _nov(client)[0]
    role = RoleAssignment.objects.get(user=w.teacher_a, role=Role.TEACHER)
    role.role = Role.MORAL_ED
    role.save()
    assert "2026-11 · v1" not in _nov(client)[0]  # a moral-education office opens no statement
