"""Who sees which roll, console and phone number."""
import datetime

import pytest
from django.utils import timezone

from accounts.roles import Role
from attendance import selectors
from attendance.models import Roll
from tests.factories import UserFactory, give_role

from ..enrollment.factories import ServiceGroupFactory
from .conftest import post_marks
from .factories import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_rolls(att):
    """A second group of school_a held by another teacher."""
    w = att
    w.teacher_c = UserFactory(username="teacher_c", name="冯老师")
    give_role(w.teacher_c, Role.TEACHER, school=w.school_a)
    other = ServiceGroupFactory(school=w.school_a, term=w.term, teacher=w.teacher_c, name="五六年级组")
    from tests.factories import StudentFactory

    kid = StudentFactory(homeroom_class=w.class_a)
    place(kid, other, guardian=w.parent_a)
    from attendance.services import rolls_create_for_day

    rolls_create_for_day(school=w.school_a, date=w.today, any_weekday=True)
    w.roll_c = Roll.objects.get(group=other, date=w.today)
    return w


def _ids(api, user, **params):
    response = api.as_user(user).get("/api/v1/rolls/", params)
    assert response.status_code == 200
    return {r["id"] for r in response.json()["results"]}


def test_a_teacher_sees_only_the_rolls_they_hold(two_rolls, api):
    w = two_rolls
    assert _ids(api, w.teacher_a) == {w.roll.pk}
    assert _ids(api, w.teacher_c) == {w.roll_c.pk}
    assert api.as_user(w.teacher_a).get(f"/api/v1/rolls/{w.roll_c.pk}/").status_code == 404
    assert _ids(api, w.principal) == _ids(api, w.duty) == {w.roll.pk, w.roll_c.pk}


@pytest.mark.parametrize("role", ["teacher_b", "parent_a", "other_parent", "parent_b", "homeroom", "district",
                                  "bureau"])
def test_others_get_404(att, api, role):
    w = att
    user = getattr(w, role)
    assert api.as_user(user).get(f"/api/v1/rolls/{w.roll.pk}/").status_code == 404
    assert _ids(api, user) == set()


def test_list_filters_and_bad_parameters(att, api):
    w = att
    client = api.as_user(w.principal)
    assert client.get("/api/v1/rolls/", {"date": "2026-02-30"}).status_code == 400
    assert client.get("/api/v1/rolls/", {"school": "x"}).status_code == 400
    assert _ids(api, w.principal, date=(w.today + datetime.timedelta(days=1)).isoformat()) == set()
    assert _ids(api, w.principal, school=w.school_b.pk) == set()


def _late(att, api):
    w = att
    post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "present", "client_id": "1"}])
    Roll.objects.filter(pk=w.roll.pk).update(starts_at=datetime.time(0, 0), ends_at=datetime.time(0, 1))


def test_phone_numbers_on_late_pickups_are_for_the_duty_leader_only(att, api, client):
    w = att
    _late(att, api)
    client.force_login(w.duty)
    page = client.get(f"/attendance/console/{w.school_a.pk}/").content.decode()
    assert w.parent_a.phone in page
    client.force_login(w.principal)
    page = client.get(f"/attendance/console/{w.school_a.pk}/").content.decode()
    assert w.child_a.name in page and w.parent_a.phone not in page and w.parent_a.phone[-4:] in page
    client.force_login(w.duty_off)
    assert client.get(f"/attendance/console/{w.school_a.pk}/").status_code == 403
    for outsider in (w.teacher_b, w.parent_a, w.district, w.bureau):
        client.force_login(outsider)
        assert client.get(f"/attendance/console/{w.school_a.pk}/").status_code == 404


def test_late_pickups_after_the_session_ends(att, api):
    w = att
    post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "present", "client_id": "1"}])
    at = lambda h, m: timezone.make_aware(datetime.datetime.combine(w.today, datetime.time(h, m)))  # noqa: E731
    assert selectors.day_state(school=w.school_a, date=w.today, now=at(17, 0)).late_pickups == []
    late = selectors.day_state(school=w.school_a, date=w.today, now=at(18, 20), with_guardians=True).late_pickups
    assert [c.student for c in late] == [w.child_a]
    assert selectors.guardian_phones(late[0], full=False)[0][2] != w.parent_a.phone


def test_roll_page_only_for_those_who_see_the_roll(att, client):
    w = att
    client.force_login(w.teacher_a)
    page = client.get(f"/attendance/rolls/{w.roll.pk}/")
    assert page.status_code == 200 and 'data-editable="1"' in page.content.decode()
    client.force_login(w.principal)
    page = client.get(f"/attendance/rolls/{w.roll.pk}/")
    assert page.status_code == 200 and 'data-editable=""' in page.content.decode()
    for outsider in (w.teacher_b, w.parent_a, w.homeroom, w.bureau):
        client.force_login(outsider)
        assert client.get(f"/attendance/rolls/{w.roll.pk}/").status_code == 404
