"""A teacher's own service hours (issue 22, item 6): month by month with the held sessions listed,
linked from the teacher's rolls page; only their own."""
import datetime

import pytest

from attendance import services
from attendance.models import Roll
from tests.factories import IN_TERM

from .test_statements import MON, WED, sw  # noqa: F401  (the November world)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]


def test_the_teacher_sees_held_hours_by_month_and_the_sessions(sw, client):  # noqa: F811
    w = sw
    client.force_login(w.teacher_a)
    today = client.get("/attendance/").content.decode()
    assert 'href="/attendance/hours/mine/"' in today
    page = client.get("/attendance/hours/mine/?month=2026-11")
    assert page.status_code == 200
    nov = next(m for m in page.context["summary"] if m["month"] == datetime.date(2026, 11, 1))
    assert (nov["held_sessions"], nov["held_hours"], nov["planned_sessions"]) == (2, 4.0, 21)
    assert nov["by_kind"] == {"noon": 0.0, "group": 4.0, "club": 0.0}
    sessions = page.context["sessions"]
    assert [(s["date"], s["minutes"]) for s in sessions] == [(MON, 120), (WED, 120)]
    body = page.content.decode()
    assert "三四年级课后服务组" in body and "2026-11-04" in body
    # the homeroom teacher's club session is not listed for 吕宇
    assert all(s["kind"] == "group" for s in sessions)
    client.force_login(w.homeroom)
    club = client.get("/attendance/hours/mine/?month=2026-11").context["sessions"]
    assert [(s["date"], s["kind"], s["minutes"]) for s in club] == [(WED, "club", 60)]


def test_an_open_roll_is_not_listed_and_a_bad_month_is_400(sw, client):  # noqa: F811
    w = sw
    assert Roll.objects.filter(group=w.group, status=Roll.Status.OPEN).exists()
    client.force_login(w.teacher_a)
    page = client.get("/attendance/hours/mine/?month=2026-11")
    assert len(page.context["sessions"]) == 2
    assert client.get("/attendance/hours/mine/?month=11-2026").status_code == 400
    services.roll_submit(roll=Roll.objects.filter(group=w.group, status=Roll.Status.OPEN).first(), user=w.teacher_a,
                         expected_ids=set())
    assert len(client.get("/attendance/hours/mine/?month=2026-11").context["sessions"]) == 3


def test_the_page_is_for_school_staff(sw, client):  # noqa: F811
    w = sw
    for user in (w.parent_a, w.bureau, w.district):
        client.force_login(user)
        assert client.get("/attendance/hours/mine/").status_code == 403


def test_six_months_cost_the_queries_of_one(sw, client, django_assert_max_num_queries):  # noqa: F811
    """The six months of the summary are read at once (one pass of the hours rule per school), not
    month by month: the page costs as many queries as a single month's hours, plus the page's own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from attendance.hours import teacher_hours

    w = sw
    client.force_login(w.teacher_a)
    client.get("/attendance/hours/mine/?month=2026-11")  # sessions, caches of the menu warmed
    with CaptureQueriesContext(connection) as one_month:
        teacher_hours(school=w.school_a, date_from=datetime.date(2026, 11, 1), date_to=datetime.date(2026, 11, 30),
                      teacher_id=w.teacher_a.pk)
    from django.core.cache import cache

    cache.clear()  # the page computed, not read kept (attendance.hours_cache)
    with CaptureQueriesContext(connection) as page:
        assert client.get("/attendance/hours/mine/?month=2026-11").status_code == 200
    # the page around the hours (session, user, roles, menu badges, statement lines) is under 20
    assert len(page) < len(one_month) + 20, [q["sql"][:80] for q in page.captured_queries]
