"""The calendar page (校历): the bureau adds city days, a school's principal or teaching-affairs office its
own; other staff read it; parents are refused; Chinese by default; bad input redisplays with a message."""
import pytest

from accounts.roles import Role
from schools.models import CalendarDay
from tests.factories import IN_TERM, UserFactory, give_role

#: the page lists the days of the current term: the clock is fixed inside TermFactory's term
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]

URL = "/schools/calendar/"


def test_the_bureau_adds_a_holiday_and_sees_it(world, client, login):
    login(world.bureau)
    page = client.get(URL)
    assert page.status_code == 200 and "校历" in page.content.decode()
    r = client.post(URL, {"date": "2026-10-01", "kind": "holiday", "note": "国庆节"})
    assert r.status_code == 302
    day = CalendarDay.objects.get()
    assert (day.school, day.kind, day.created_by) == (None, "holiday", world.bureau)
    assert "国庆节" in client.get(URL).content.decode()


def test_a_principal_adds_a_make_up_day_of_the_school(world, client, login):
    login(world.principal)
    r = client.post(URL, {"date": "2026-10-10", "kind": "school_day", "follows_weekday": "5", "note": "调休"})
    assert r.status_code == 302
    day = CalendarDay.objects.get()
    assert (day.school, day.follows_weekday) == (world.school_a, 5)


def test_the_academic_office_adds_an_early_dismissal(world, client, login):
    academic = UserFactory(username="calpage_academic")
    give_role(academic, Role.ACADEMIC, school=world.school_a)
    login(academic)
    r = client.post(f"{URL}?school={world.school_a.pk}", {"date": "2026-12-03", "kind": "early_dismissal",
                                                           "ends_at": "15:00"})
    assert r.status_code == 302
    assert CalendarDay.objects.get().ends_at.hour == 15


def test_bad_input_redisplays_the_form_with_a_chinese_message(world, client, login):
    login(world.bureau)
    r = client.post(URL, {"date": "2026-12-01", "kind": "school_day", "follows_weekday": "1"})
    assert r.status_code == 400
    assert "调休上课日必须是星期六或星期日" in r.content.decode()
    assert not CalendarDay.objects.exists()


def test_other_staff_read_the_calendar_without_a_form(world, client, login):
    CalendarDay.objects.create(date="2026-10-01", kind="holiday", note="国庆节")
    login(world.district)
    page = client.get(f"{URL}?school={world.school_a.pk}")
    assert page.status_code == 200 and "国庆节" in page.content.decode()
    assert 'name="kind"' not in page.content.decode()
    assert client.post(f"{URL}?school={world.school_a.pk}", {"date": "2026-10-02", "kind": "holiday"}).status_code == 403


def test_a_parent_is_refused_and_another_schools_teacher_gets_404(world, client, login):
    login(world.parent_a)
    assert client.get(URL).status_code == 403
    client.logout()
    login(world.teacher_b)
    assert client.get(f"{URL}?school={world.school_a.pk}").status_code == 404


def test_the_menu_links_the_calendar_for_the_bureau_and_the_principal(world, client, login):
    login(world.bureau)
    assert URL in client.get("/schools/terms/").content.decode()
    client.logout()
    login(world.principal)
    assert URL in client.get("/schools/terms/").content.decode()


def test_a_make_up_day_shows_the_weekday_it_follows(world, client, login):
    CalendarDay.objects.create(date="2026-10-10", kind="school_day", follows_weekday=5, note="调休")
    login(world.bureau)
    assert "按星期五的课表上课" in client.get(URL).content.decode()
