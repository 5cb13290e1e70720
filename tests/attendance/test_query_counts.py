"""The roll page, the roll API and the console take the same number of queries for 10 or 60 children."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.models import Mark, Roll

from .factories import children_in_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def sized(att):
    """`grow(n)`: n more children placed in att's group, two of three marked present, the rest absent."""
    def grow(n, first=()):
        w = att
        kids = [*first, *children_in_group(w.group, w.class_a, n)]
        for i, kid in enumerate(kids):
            Mark.objects.create(roll=w.roll, student=kid, status="present" if i % 3 else "absent",
                                client_id=f"c{kid.pk}", marked_at=w.roll.created_at, marked_by=w.teacher_a)
        return w
    return grow


def _count(client, url, **headers) -> int:
    client.get(url, **headers)  # warm caches (sessions, scope)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["roll", "console", "console_live", "api_roll", "api_list", "today", "overview"])
def test_constant_queries_for_10_and_60_children(sized, client, page):
    w = sized(8)  # with child_a and child_a2 (unmarked): 10 children
    user = {"roll": w.teacher_a, "api_roll": w.teacher_a, "api_list": w.principal, "today": w.principal,
            "console": w.duty, "console_live": w.duty, "overview": w.principal}[page]
    url = {"roll": f"/attendance/rolls/{w.roll.pk}/", "console": f"/attendance/console/{w.school_a.pk}/",
           "console_live": f"/attendance/console/{w.school_a.pk}/",
           "api_roll": f"/api/v1/rolls/{w.roll.pk}/", "api_list": "/api/v1/rolls/", "today": "/attendance/",
           "overview": f"/attendance/overview/{w.school_a.pk}/"}[page]
    # the console's 30-second refresh of its figures (htmx)
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "console-live"} if page == "console_live" else {}
    client.force_login(user)
    small = _count(client, url, **headers)
    sized(50)
    assert Roll.objects.count() == 1 and Mark.objects.count() == 58  # 10 children, then 60
    large = _count(client, url, **headers)
    print(f"{page}: {small} queries for 10 children, {large} for 60")
    assert small == large, (page, small, large)
