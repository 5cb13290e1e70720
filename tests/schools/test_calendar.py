"""The calendar (校历): who enters days, the rules a day obeys, the selector, and how rolls follow it."""
import datetime

import pytest
from django.utils import translation

from accounts.roles import Role
from attendance import services as attendance_services
from attendance.models import Mark, Roll
from schools.calendar import calendar_day_create, calendar_for_schools
from schools.models import CalendarDay
from shahe_afterschool.errors import DomainError
from tests.factories import IN_TERM, UserFactory, give_role

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 30)
SATURDAY = MONDAY + datetime.timedelta(days=5)
TUESDAY = MONDAY + datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def cal(world):
    w = world
    w.academic = UserFactory(username="cal_academic", name="教务处 钟主任")
    give_role(w.academic, Role.ACADEMIC, school=w.school_a)
    return w


def test_the_bureau_sets_city_days_and_history_is_kept(cal):
    day = calendar_day_create(user=cal.bureau, date=TUESDAY, kind="holiday", note="元旦调休")
    assert day.scope == "city" and day.school is None
    assert day.history.count() == 1


@pytest.mark.parametrize("who", ["principal", "academic", "district", "teacher_b", "homeroom", "parent_a"])
def test_only_the_bureau_sets_city_days(cal, who):
    with pytest.raises(DomainError) as exc:
        calendar_day_create(user=getattr(cal, who), date=TUESDAY, kind="holiday")
    assert exc.value.status_code == 403


def test_a_school_day_is_set_by_its_principal_or_academic_office_only(cal):
    assert calendar_day_create(user=cal.principal, school=cal.school_a, date=TUESDAY, kind="no_service").scope == "school"
    calendar_day_create(user=cal.academic, school=cal.school_a, date=MONDAY, kind="early_dismissal",
                        ends_at=datetime.time(15, 30))
    for user in (cal.bureau, cal.district, cal.homeroom):  # the bureau sets city days, not a school's
        with pytest.raises(DomainError):
            calendar_day_create(user=user, school=cal.school_a, date=TUESDAY + datetime.timedelta(days=1),
                                kind="no_service")
    with pytest.raises(DomainError):
        calendar_day_create(user=cal.principal, school=cal.school_b, date=TUESDAY, kind="no_service")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"date": TUESDAY, "kind": "school_day", "follows_weekday": 1}, "Saturday or a Sunday"),
    ({"date": SATURDAY, "kind": "school_day"}, "which weekday"),
    ({"date": SATURDAY, "kind": "school_day", "follows_weekday": 8}, "which weekday"),
    ({"date": TUESDAY, "kind": "holiday", "follows_weekday": 1}, "Only a make-up school day"),
    ({"date": datetime.date(2027, 8, 1), "kind": "holiday"}, "inside a term"),
    ({"date": TUESDAY, "kind": "early_dismissal"}, "ends on an early-dismissal day"),
    ({"date": TUESDAY, "kind": "holiday", "ends_at": datetime.time(15)}, "Only an early dismissal"),
    ({"date": TUESDAY, "kind": "vacation"}, "The kind must be"),
    ({"date": "2026-12-01", "kind": "holiday"}, "YYYY-MM-DD"),
    ({"date": TUESDAY, "kind": "holiday", "note": "x" * 201}, "200 characters"),
])
def test_bad_days_are_refused_with_a_message(cal, kwargs, message):
    with pytest.raises(DomainError) as exc:
        calendar_day_create(user=cal.bureau, **kwargs)
    assert message in str(exc.value.message)
    assert not CalendarDay.objects.exists()


def test_early_dismissals_of_one_scope_do_not_overlap(cal):
    calendar_day_create(user=cal.principal, school=cal.school_a, date=TUESDAY, kind="early_dismissal",
                        ends_at=datetime.time(15, 0))
    with pytest.raises(DomainError) as exc:
        calendar_day_create(user=cal.academic, school=cal.school_a, date=TUESDAY, kind="early_dismissal",
                            ends_at=datetime.time(16, 0))
    assert "already set" in str(exc.value.message)
    # another scope on the same date is fine: the city's, and another school's
    calendar_day_create(user=cal.bureau, date=TUESDAY, kind="early_dismissal", ends_at=datetime.time(16, 0))
    assert CalendarDay.objects.filter(date=TUESDAY).count() == 2


def test_the_selector_answers_for_many_schools_in_one_query(cal, django_assert_num_queries):
    calendar_day_create(user=cal.bureau, date=TUESDAY, kind="holiday", note="国庆")
    calendar_day_create(user=cal.bureau, date=SATURDAY, kind="school_day", follows_weekday=1)
    calendar_day_create(user=cal.principal, school=cal.school_a, date=MONDAY, kind="no_service", note="运动会")
    with django_assert_num_queries(1):
        days = calendar_for_schools(school_ids=[cal.school_a.pk, cal.school_b.pk], date_from=MONDAY,
                                    date_to=MONDAY + datetime.timedelta(days=6))
    a, b = days[cal.school_a.pk], days[cal.school_b.pk]
    assert (a[MONDAY].service, a[MONDAY].kind, a[MONDAY].scope) == (False, "no_service", "school")
    assert (b[MONDAY].service, b[MONDAY].weekday) == (True, 1)
    assert not a[TUESDAY].service and not b[TUESDAY].service and b[TUESDAY].note == "国庆"
    assert (a[SATURDAY].service, a[SATURDAY].weekday) == (True, 1)
    sunday = SATURDAY + datetime.timedelta(days=1)
    assert (b[sunday].service, b[sunday].weekday) == (False, None)


def test_a_school_day_overrides_the_city_day(cal):
    calendar_day_create(user=cal.bureau, date=SATURDAY, kind="school_day", follows_weekday=1)
    calendar_day_create(user=cal.principal, school=cal.school_a, date=SATURDAY, kind="no_service", note="期末考试")
    days = calendar_for_schools(school_ids=[cal.school_a.pk, cal.school_b.pk], date_from=SATURDAY, date_to=SATURDAY)
    assert not days[cal.school_a.pk][SATURDAY].service
    assert days[cal.school_b.pk][SATURDAY].weekday == 1


# --- rolls follow the calendar ------------------------------------------------------------------
@pytest.fixture
def rolls_world(cal):
    from tests.attendance.factories import approved_plan, place
    from tests.enrollment.factories import ServiceGroupFactory
    from tests.factories import VenueFactory

    w = cal
    w.teacher_a = UserFactory(username="cal_teacher", name="钱老师")
    give_role(w.teacher_a, Role.TEACHER, school=w.school_a)
    w.venue_a = VenueFactory(school=w.school_a, name="图书馆")
    approved_plan(w.school_a, w.term)
    w.monday_group = ServiceGroupFactory(school=w.school_a, term=w.term, venue=w.venue_a, teacher=w.teacher_a,
                                         capacity=50, name="周一组", weekdays=[1])
    w.friday_group = ServiceGroupFactory(school=w.school_a, term=w.term, venue=w.venue_a, teacher=w.teacher_a,
                                         capacity=50, name="周五组", weekdays=[5])
    place(w.child_a, w.monday_group)
    return w


def test_no_rolls_on_a_city_holiday(rolls_world):
    calendar_day_create(user=rolls_world.bureau, date=MONDAY, kind="holiday", note="国庆节")
    assert attendance_services.rolls_create_all(date=MONDAY) == 0
    assert not Roll.objects.filter(date=MONDAY).exists()


def test_a_make_up_saturday_following_monday_gets_mondays_rolls(rolls_world):
    assert attendance_services.rolls_create_all(date=SATURDAY) == 0  # an ordinary Saturday: none
    calendar_day_create(user=rolls_world.bureau, date=SATURDAY, kind="school_day", follows_weekday=1,
                        note="调休上课")
    attendance_services.rolls_create_all(date=SATURDAY)
    assert list(Roll.objects.filter(date=SATURDAY).values_list("group__name", flat=True)) == ["周一组"]


def test_an_early_dismissal_ends_the_sessions_early(rolls_world):
    calendar_day_create(user=rolls_world.principal, school=rolls_world.school_a, date=MONDAY,
                        kind="early_dismissal", ends_at=datetime.time(17, 0))
    (roll,) = attendance_services.rolls_create_for_day(school=rolls_world.school_a, date=MONDAY)
    assert (roll.starts_at, roll.ends_at) == (datetime.time(16, 0), datetime.time(17, 0))


@pytest.mark.time_machine(IN_TERM)
def test_a_day_made_a_holiday_after_its_rolls_cancels_them_with_the_reason_marks_kept(rolls_world):
    w = rolls_world
    (roll,) = attendance_services.rolls_create_for_day(school=w.school_a, date=MONDAY)
    attendance_services.marks_record(roll=roll, user=w.teacher_a, roll_student_ids={w.child_a.pk},
                                     marks=[{"student": w.child_a.pk, "status": "present", "client_id": "t1"}])
    calendar_day_create(user=w.bureau, date=MONDAY, kind="holiday", note="暴雨停课")
    roll.refresh_from_db()
    assert roll.status == Roll.Status.CANCELLED and roll.cancelled_at is not None
    assert "暴雨停课" in roll.cancelled_reason and roll.cancelled_by_day.kind == "holiday"
    assert Mark.objects.filter(roll=roll).count() == 1
    assert Roll.objects.filter(pk=roll.pk).exists()
    with pytest.raises(DomainError, match="cancelled"):
        attendance_services.marks_record(roll=roll, user=w.teacher_a, roll_student_ids={w.child_a.pk},
                                         marks=[{"student": w.child_a.pk, "status": "absent", "client_id": "t2"}])
    # creating the day's rolls again creates nothing
    assert attendance_services.rolls_create_all(date=MONDAY) == 0


def test_a_school_day_without_service_cancels_only_that_schools_rolls(rolls_world):
    w = rolls_world
    (roll,) = attendance_services.rolls_create_for_day(school=w.school_a, date=MONDAY)
    calendar_day_create(user=w.principal, school=w.school_a, date=MONDAY, kind="no_service", note="运动会")
    roll.refresh_from_db()
    assert roll.status == Roll.Status.CANCELLED


def test_the_on_demand_button_refuses_a_holiday(rolls_world):
    calendar_day_create(user=rolls_world.bureau, date=MONDAY, kind="holiday")
    with pytest.raises(DomainError, match="no service"):
        attendance_services.rolls_create_on_demand(user=rolls_world.academic, school=rolls_world.school_a,
                                                   date=MONDAY)


@pytest.mark.time_machine(IN_TERM)
def test_a_cancelled_roll_holds_nobody_the_day_closes_and_the_teacher_no_longer_lists_it(rolls_world):
    from attendance.selectors import my_rolls_today

    w = rolls_world
    (roll,) = attendance_services.rolls_create_for_day(school=w.school_a, date=MONDAY)
    attendance_services.marks_record(roll=roll, user=w.teacher_a, roll_student_ids={w.child_a.pk},
                                     marks=[{"student": w.child_a.pk, "status": "present", "client_id": "t1"}])
    with pytest.raises(DomainError):  # child_a is present and not released
        attendance_services.day_close(user=w.principal, school=w.school_a, date=MONDAY)
    calendar_day_create(user=w.bureau, date=MONDAY, kind="holiday", note="台风停课")
    assert attendance_services.day_close(user=w.principal, school=w.school_a, date=MONDAY).closed_at is not None
    assert list(my_rolls_today(user=w.teacher_a, date=MONDAY)) == []


def test_the_roll_api_shows_a_cancelled_roll_with_its_reason(rolls_world, api):
    w = rolls_world
    (roll,) = attendance_services.rolls_create_for_day(school=w.school_a, date=MONDAY)
    calendar_day_create(user=w.bureau, date=MONDAY, kind="holiday", note="暴雨")
    body = api.as_user(w.teacher_a).get(f"/api/v1/rolls/{roll.pk}/").json()
    assert body["roll_status"] == "cancelled" and "暴雨" in body["cancelled_reason"]
