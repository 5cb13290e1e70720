"""Teachers' service hours: planned from the timetable and the calendar, held from submitted rolls
(minutes capped by the plan), group teachers included; GET /api/v1/teacher-hours/ scoping, bad
input, and a query count that does not grow with the number of teachers and rolls."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from attendance import services
from attendance.hours import teacher_hours
from attendance.models import Roll
from clubs.models import Club, ClubSlot, ClubType, ReviewStatus
from schools.calendar import calendar_day_create
from tests.factories import IN_TERM, UserFactory, VenueFactory, give_role

from ..enrollment.factories import ServiceGroupFactory
from .factories import approved_plan

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]

URL = "/api/v1/teacher-hours/"
DEC = (datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))
TUE, WED = datetime.date(2026, 12, 1), datetime.date(2026, 12, 2)


@pytest.fixture
def hours_world(world):
    w = world
    w.teacher_a = UserFactory(username="hours_teacher", name="吕宇")
    give_role(w.teacher_a, Role.TEACHER, school=w.school_a)
    w.academic = UserFactory(username="hours_academic", name="教务处")
    give_role(w.academic, Role.ACADEMIC, school=w.school_a)
    w.moral = UserFactory(username="hours_moral", name="德育处")
    give_role(w.moral, Role.MORAL_ED, school=w.school_a)
    w.venue = VenueFactory(school=w.school_a, name="图书馆")
    approved_plan(w.school_a, w.term)  # winter: noon 13:00-14:00, after school 16:00-18:00
    w.group = ServiceGroupFactory(school=w.school_a, term=w.term, venue=w.venue, teacher=w.teacher_a,
                                  capacity=40, name="三四年级课后服务组")
    w.club = Club.objects.create(school=w.school_a, term=w.term, club_type=ClubType.objects.first(), name="篆刻社",
                                 venue=w.venue, capacity=20, status=ReviewStatus.APPROVED)
    w.club.teachers.set([w.homeroom])
    ClubSlot.objects.create(club=w.club, weekday=3, start=datetime.time(17, 0), end=datetime.time(18, 0))
    calendar_day_create(user=w.bureau, date=datetime.date(2026, 12, 31), kind="holiday", note="元旦")
    calendar_day_create(user=w.bureau, date=datetime.date(2026, 12, 26), kind="school_day", follows_weekday=1)
    return w


def _row(rows, user):
    return next(r for r in rows if r["teacher"] == user.pk)


def _submit(roll, user):
    return services.roll_submit(roll=roll, user=user, expected_ids=set())


def test_planned_sessions_follow_the_timetable_and_the_calendar(hours_world):
    w = hours_world
    rows = teacher_hours(school=w.school_a, date_from=DEC[0], date_to=DEC[1])
    group = _row(rows, w.teacher_a)
    # 23 weekdays in December 2026, less the holiday on Thursday 31st, plus the make-up Saturday 26th
    assert (group["planned_sessions"], group["planned_minutes"]) == (23, 23 * 120)
    assert group["by_kind"]["group"]["planned_sessions"] == 23 and group["by_kind"]["club"]["planned_sessions"] == 0
    club = _row(rows, w.homeroom)  # five Wednesdays (the make-up day follows Monday)
    assert (club["by_kind"]["club"]["planned_sessions"], club["planned_minutes"]) == (5, 300)
    assert group["held_sessions"] == club["held_sessions"] == 0


def test_a_submitted_roll_counts_an_open_one_does_not_minutes_capped_by_the_plan(hours_world):
    w = hours_world
    services.rolls_create_for_day(school=w.school_a, date=TUE)
    services.rolls_create_for_day(school=w.school_a, date=WED)
    tue = Roll.objects.get(group=w.group, date=TUE)
    Roll.objects.filter(pk=tue.pk).update(starts_at=datetime.time(15, 30), ends_at=datetime.time(19, 0))
    _submit(tue, w.teacher_a)  # 210 minutes on the roll, 120 in the plan
    club_roll = Roll.objects.get(club=w.club, date=WED)
    _submit(club_roll, w.homeroom)
    # Wednesday's group roll stays open: not held
    rows = teacher_hours(school=w.school_a, date_from=DEC[0], date_to=DEC[1])
    group = _row(rows, w.teacher_a)
    assert (group["held_sessions"], group["held_minutes"]) == (1, 120)
    assert group["by_kind"]["group"]["held_minutes"] == 120
    club = _row(rows, w.homeroom)
    assert (club["by_kind"]["club"]["held_sessions"], club["held_minutes"]) == (1, 60)


def test_a_shorter_roll_counts_its_own_minutes_and_noon_groups_count_as_noon(hours_world):
    w = hours_world
    noon_teacher = UserFactory(username="hours_noon", name="马嘉")
    give_role(noon_teacher, Role.TEACHER, school=w.school_a)
    noon = ServiceGroupFactory(school=w.school_a, term=w.term, venue=w.venue, teacher=noon_teacher, capacity=40,
                               name="午间组", session="noon")
    services.rolls_create_for_day(school=w.school_a, date=TUE)
    roll = Roll.objects.get(group=noon, date=TUE)
    Roll.objects.filter(pk=roll.pk).update(ends_at=datetime.time(13, 40))
    _submit(roll, noon_teacher)
    row = _row(teacher_hours(school=w.school_a, date_from=TUE, date_to=TUE), noon_teacher)
    assert row["by_kind"]["noon"] == {"planned_sessions": 1, "held_sessions": 1, "planned_minutes": 60,
                                      "held_minutes": 40}


def test_a_cancelled_roll_is_not_held(hours_world):
    w = hours_world
    services.rolls_create_for_day(school=w.school_a, date=TUE)
    calendar_day_create(user=w.principal, school=w.school_a, date=TUE, kind="no_service", note="运动会")
    rows = teacher_hours(school=w.school_a, date_from=TUE, date_to=TUE)
    assert all(r["held_sessions"] == 0 and r["planned_sessions"] == 0 for r in rows)


# --- the API ------------------------------------------------------------------------------------
@pytest.fixture
def held(hours_world):
    services.rolls_create_for_day(school=hours_world.school_a, date=TUE)
    _submit(Roll.objects.get(group=hours_world.group, date=TUE), hours_world.teacher_a)
    return hours_world


@pytest.mark.parametrize("who", ["academic", "principal", "district", "bureau"])
def test_the_office_principal_district_and_bureau_see_every_teacher(held, api, who):
    r = api.as_user(getattr(held, who)).get(URL, {"school": held.school_a.pk, "month": "2026-12"})
    assert r.status_code == 200, r.content
    rows = {row["teacher_name"]: row for row in r.json()}
    assert set(rows) == {"吕宇", held.homeroom.name}
    assert rows["吕宇"] | {"by_kind": None} == {
        "teacher": held.teacher_a.pk, "teacher_name": "吕宇", "planned_sessions": 23, "held_sessions": 1,
        "planned_minutes": 2760, "held_minutes": 120, "by_kind": None}
    assert set(rows["吕宇"]["by_kind"]) == {"noon", "group", "club"}


def test_a_teacher_sees_only_themselves(held, api):
    r = api.as_user(held.teacher_a).get(URL, {"school": held.school_a.pk, "month": "2026-12"})
    assert [row["teacher"] for row in r.json()] == [held.teacher_a.pk]
    r = api.as_user(held.homeroom).get(URL, {"school": held.school_a.pk, "month": "2026-12"})
    assert [row["teacher"] for row in r.json()] == [held.homeroom.pk]


@pytest.mark.parametrize(("who", "expected"), [("teacher_b", 404), ("parent_b", 404), ("parent_a", 403),
                                               ("moral", 403)])
def test_others_get_nothing(held, api, who, expected):
    r = api.as_user(getattr(held, who)).get(URL, {"school": held.school_a.pk, "month": "2026-12"})
    assert r.status_code == expected
    assert "吕宇" not in r.content.decode()


@pytest.mark.parametrize(("params", "expected"), [
    ({"month": "2026-12"}, 400), ({"school": "S", "month": "2026-12"}, 404), ({"school": "٣", "month": "2026-12"}, 404),
    ({"school": "A", "month": "2026-13"}, 400), ({"school": "A", "month": "2026/12"}, 400),
    ({"school": "A", "month": "２０２６-12"}, 400), ({"school": "A", "month": "202612"}, 400),
    ({"school": "A", "month": ""}, 400), ({"school": "A"}, 400), ({"school": "A", "month": "0000-01"}, 400)])
def test_bad_input_is_400_or_404_never_500(held, api, params, expected):
    if params.get("school") == "A":
        params = {**params, "school": held.school_a.pk}
    r = api.as_user(held.bureau).get(URL, params)
    assert r.status_code == expected, r.content
    assert r.json()


def test_the_endpoint_is_in_the_schema(held, api):
    assert "/api/v1/teacher-hours/" in api.as_user(held.bureau).get("/api/schema/").content.decode()


def _many(w, n: int, date: datetime.date):
    for i in range(n):
        teacher = UserFactory(username=f"hours_t{n}_{i}")
        give_role(teacher, Role.TEACHER, school=w.school_a)
        ServiceGroupFactory(school=w.school_a, term=w.term, venue=w.venue, teacher=teacher, capacity=40,
                            name=f"组{n}-{i}")
    services.rolls_create_for_day(school=w.school_a, date=date)
    Roll.objects.filter(school=w.school_a, date=date).update(status=Roll.Status.SUBMITTED)


def test_the_query_count_does_not_grow_with_teachers_and_rolls(hours_world, api):
    w = hours_world
    client = api.as_user(w.bureau)
    _many(w, 5, TUE)
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(URL, {"school": w.school_a.pk, "month": "2026-12"}).json()) == 7
    _many(w, 45, WED)
    with CaptureQueriesContext(connection) as fifty:
        assert len(client.get(URL, {"school": w.school_a.pk, "month": "2026-12"}).json()) == 52
    assert len(fifty) == len(five), [q["sql"][:120] for q in fifty.captured_queries]


def test_a_group_handed_to_a_substitute_counts_for_the_substitute(hours_world):
    """The group's teacher hands the whole group to a colleague (the handover screen); the colleague
    becomes the roll's teacher for the day, submits it, and the held session is the colleague's."""
    from attendance.models import Mark
    from tests.enrollment.factories import child_with_parent

    from .factories import place

    w = hours_world
    colleague = UserFactory(username="hours_substitute", name="马嘉")
    give_role(colleague, Role.TEACHER, school=w.school_a)
    child, _parent = child_with_parent(w.class_a, name="代课测试")
    place(child, w.group)
    services.rolls_create_for_day(school=w.school_a, date=WED)
    roll = Roll.objects.get(group=w.group, date=WED)
    Mark.objects.create(roll=roll, student=child, status=Mark.Status.PRESENT, client_id="sub-1",
                        marked_at=IN_TERM, marked_by=w.teacher_a)
    services.handover_record(user=w.teacher_a, source_kind="roll", source_pk=roll.pk, target_key="colleague",
                             to_teacher=colleague.pk, student_ids=[child.pk])
    roll.refresh_from_db()
    _submit(roll, colleague)
    rows = teacher_hours(school=w.school_a, date_from=WED, date_to=WED)
    assert _row(rows, colleague)["held_sessions"] == 1 and _row(rows, colleague)["held_minutes"] == 120
    assert _row(rows, w.teacher_a)["held_sessions"] == 0 and _row(rows, w.teacher_a)["planned_sessions"] == 1
