"""GET/POST /api/v1/calendar-days/: scoping, who may post, bad input 400 (never 500), the schema."""
import datetime

import pytest

from accounts.roles import Role
from schools.models import CalendarDay
from tests.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db

URL = "/api/v1/calendar-days/"
TUESDAY = datetime.date(2026, 12, 1)
SATURDAY = datetime.date(2026, 12, 5)


@pytest.fixture
def api(api):
    api.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return api


@pytest.fixture
def days(world):
    w = world
    w.academic = UserFactory(username="calapi_academic")
    give_role(w.academic, Role.ACADEMIC, school=w.school_a)
    w.city_day = CalendarDay.objects.create(date=TUESDAY, kind="holiday", note="city")
    w.day_a = CalendarDay.objects.create(date=SATURDAY, kind="no_service", school=w.school_a, note="only-a")
    w.day_b = CalendarDay.objects.create(date=SATURDAY, kind="no_service", school=w.school_b, note="only-b")
    return w


def notes(response):
    return sorted(row["note"] for row in response.json()["results"])


def test_the_bureau_posts_a_city_make_up_day(days, api):
    r = api.as_user(days.bureau).post(URL, {"date": "2026-12-12", "kind": "school_day", "follows_weekday": 1,
                                            "note": "调休", "scope": "city"}, format="json")
    assert r.status_code == 201, r.content
    assert r.json() | {"id": 0} == {"id": 0, "date": "2026-12-12", "kind": "school_day", "follows_weekday": 1,
                                     "ends_at": None, "note": "调休", "scope": "city", "school": None,
                                     "school_name": None}


def test_a_principal_posts_an_early_dismissal_for_the_school(days, api):
    r = api.as_user(days.principal).post(URL, {"date": "2026-12-03", "kind": "early_dismissal", "ends_at": "15:30",
                                               "scope": "school", "school": days.school_a.pk}, format="json")
    assert r.status_code == 201, r.content
    assert (r.json()["scope"], r.json()["ends_at"], r.json()["school"]) == ("school", "15:30", days.school_a.pk)


@pytest.mark.parametrize(("who", "scope", "expected"), [
    ("principal", "city", 403), ("district", "city", 403), ("teacher_b", "city", 403),
    ("homeroom", "school", 403), ("district", "school", 403), ("bureau", "school", 403),
    ("teacher_b", "school", 404), ("parent_b", "school", 404),
])
def test_others_are_refused(days, api, who, scope, expected):
    body = {"date": "2026-12-03", "kind": "no_service", "scope": scope}
    if scope == "school":
        body["school"] = days.school_a.pk
    r = api.as_user(getattr(days, who)).post(URL, body, format="json")
    assert r.status_code == expected, r.content
    assert not CalendarDay.objects.filter(date="2026-12-03").exists()


def test_the_list_is_scoped(days, api):
    assert notes(api.as_user(days.bureau).get(URL)) == ["city", "only-a", "only-b"]
    assert notes(api.as_user(days.principal).get(URL)) == ["city", "only-a"]
    assert notes(api.as_user(days.district).get(URL, {"school": days.school_a.pk})) == ["city", "only-a"]
    assert notes(api.as_user(days.bureau).get(URL, {"school": days.school_b.pk, "from": "2026-12-02"})) == ["only-b"]
    assert api.as_user(days.parent_a).get(URL).json()["results"] == []


def test_another_schools_user_gets_404_for_the_school(days, api):
    assert api.as_user(days.teacher_b).get(URL, {"school": days.school_a.pk}).status_code == 404
    assert api.as_user(days.principal).get(URL, {"school": days.school_b.pk}).status_code == 404


@pytest.mark.parametrize("body", [
    {"date": "2026-12-01", "kind": "school_day", "follows_weekday": 1, "scope": "city"},  # a Tuesday
    {"date": "2026-12-12", "kind": "school_day", "scope": "city"},
    {"date": "2026-12-12", "kind": "school_day", "follows_weekday": 9, "scope": "city"},
    {"date": "2027-08-01", "kind": "holiday", "scope": "city"},
    {"date": "2026-12-01", "kind": "holiday", "scope": "city"},  # already in the calendar
    {"date": "2026-12-03", "kind": "early_dismissal", "scope": "city"},
    {"date": "2026-12-03", "kind": "early_dismissal", "ends_at": "25:00", "scope": "city"},
    {"date": "2026-13-03", "kind": "holiday", "scope": "city"},
    {"date": "2026-12-03", "kind": "party", "scope": "city"},
    {"date": "2026-12-03", "kind": "holiday", "scope": "district"},
    {"date": "2026-12-03", "kind": "holiday", "scope": "school"},
    {"date": "2026-12-03", "kind": "holiday", "scope": "city", "school": "abc"},
    {"date": "2026-12-03", "kind": "holiday", "scope": "city", "note": "x" * 500},
    {"date": ["2026-12-03"], "kind": {"x": 1}, "scope": None},
    {},
])
def test_bad_input_is_a_400_with_a_message(days, api, body):
    before = CalendarDay.objects.count()
    r = api.as_user(days.bureau).post(URL, body, format="json")
    assert r.status_code == 400, r.content
    assert r.json()
    assert CalendarDay.objects.count() == before


@pytest.mark.parametrize("params", [{"from": "2026-13-01"}, {"to": "yesterday"}, {"from": "２０２６-12-01"}])
def test_bad_query_is_a_400(days, api, params):
    assert api.as_user(days.bureau).get(URL, params).status_code == 400


def test_a_malformed_school_is_404(days, api):
    assert api.as_user(days.bureau).get(URL, {"school": "٣"}).status_code == 404


def test_the_endpoint_is_in_the_schema(days, client, login):
    login(days.bureau)
    body = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/calendar-days/" in body
