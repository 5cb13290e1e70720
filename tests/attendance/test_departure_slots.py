"""Flexible departure (弹性离校, issue 18, item 5): the school sets its departure slots per term (the
principal's page, validated), guardians choose among them, the console lists the children due at
the next slot and those whose slot passed, and a child due to leave alone at 17:00 who is still held
at 17:15 alerts the duty leader once (the beat task, fixed clocks)."""
import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from attendance import selectors, services
from attendance.models import DepartureSlot, DutyRota
from attendance.tasks import alert_overdue_departures
from enrollment.models import Application
from notices.models import Notification
from tests.factories import IN_TERM

from .conftest import post_marks

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]
SHANGHAI = IN_TERM.tzinfo
T = datetime.time


def _at(hour, minute=0):
    return datetime.datetime.combine(IN_TERM.date(), T(hour, minute), tzinfo=SHANGHAI)


def _url(w):
    return f"/attendance/departure-slots/{w.school_a.pk}/"


def _slots(w):
    return list(DepartureSlot.objects.filter(school=w.school_a, term=w.term, active=True)
                .order_by("time").values_list("time", flat=True))


# --- the principal's page ------------------------------------------------------------------------
def test_the_principal_sets_the_slots_and_a_change_keeps_history(att, client, login):
    w = att
    login(w.principal)
    page = client.get(_url(w))
    assert page.status_code == 200 and "Departure slots" in page.content.decode()
    response = client.post(_url(w), {"term": w.term.pk, "slot": ["17:30", "17:00", "18:00", ""]})
    assert response.status_code == 302
    assert _slots(w) == [T(17, 0), T(17, 30), T(18, 0)]
    assert client.post(_url(w), {"term": w.term.pk, "slot": ["17:00", "18:00"]}).status_code == 302
    assert _slots(w) == [T(17, 0), T(18, 0)]
    ended = DepartureSlot.objects.get(time=T(17, 30))
    assert not ended.active and ended.history.count() == 2  # ended, not deleted
    assert [t.strftime("%H:%M") for t in client.get(_url(w)).context["current"]] == ["17:00", "18:00"]


@pytest.mark.parametrize(("slots", "message"), [
    (["25:00"], "“25:00” is not a time: write it as HH:MM, e.g. 17:30."),
    (["five pm"], "“five pm” is not a time"),
    (["１７:００"], "is not a time"),  # full-width digits
    (["17:00", "17:00"], "17:00 is given twice."),
    (["18:30"], "18:30 is outside the after-school service (16:00–18:00)."),
    (["15:30"], "15:30 is outside the after-school service (16:00–18:00)."),
    (["", ""], "Give at least one departure time."),
    ([f"17:{m:02d}" for m in range(0, 50, 5)], "Give at most 8 departure times."),
])
def test_invalid_slots_are_a_400_naming_the_problem_and_change_nothing(att, client, login, slots, message):
    w = att
    services.departure_slots_set(user=w.principal, school=w.school_a, term=w.term, times=["17:00", "17:30"])
    login(w.principal)
    response = client.post(_url(w), {"term": w.term.pk, "slot": slots})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _slots(w) == [T(17, 0), T(17, 30)]


def test_an_ended_term_is_refused(att):
    w = att
    from shahe_afterschool.errors import DomainError

    w.term.end_date = IN_TERM.date() - datetime.timedelta(days=1)
    w.term.start_date = w.term.end_date - datetime.timedelta(days=100)
    w.term.save()
    with pytest.raises(DomainError, match="has ended"):
        services.departure_slots_set(user=w.principal, school=w.school_a, term=w.term, times=["17:00"])
    assert not DepartureSlot.objects.exists()


@pytest.mark.parametrize(("who", "status"), [
    ("principal", 200), ("teacher_a", 403), ("homeroom", 403), ("duty", 403), ("academic", 403),
    ("teacher_b", 404), ("parent_b", 404), ("district", 403), ("bureau", 403),
])
def test_who_sees_the_slots_page(att, client, login, who, status):
    w = att
    login(getattr(w, who))
    assert client.get(_url(w)).status_code == status
    if status != 200:
        assert client.post(_url(w), {"term": w.term.pk, "slot": ["17:00"]}).status_code == status
        assert not DepartureSlot.objects.exists()


def test_the_service_refuses_anyone_but_the_principal(att):
    w = att
    with pytest.raises(services.Forbidden):
        services.departure_slots_set(user=w.teacher_a, school=w.school_a, term=w.term, times=["17:00"])


# --- guardians choose among the school's slots ------------------------------------------------
@pytest.fixture
def consent():
    from privacy import notice
    from privacy.models import GuardianConsent

    def give(child, guardian):
        GuardianConsent.objects.create(student=child, guardian=guardian, notice_version=notice.current().version,
                                       decision=GuardianConsent.Decision.GIVEN, decided_at=timezone.now())
    return give


def _apply(w, child, parent, departure):
    from tests.enrollment.factories import ParentLetterFactory, submit

    letter = ParentLetterFactory._meta.model.objects.filter(school=w.school_a, term=w.term).first() \
        or ParentLetterFactory(school=w.school_a, term=w.term)
    return submit(parent=parent, child=child, term=w.term, letter=letter, pickup_plan=Application.Pickup.FLEXIBLE,
                  departure_time=departure)


def test_guardians_choose_among_the_schools_slots(world, consent):
    from shahe_afterschool.errors import DomainError
    from tests.attendance.factories import approved_plan

    w = world
    approved_plan(w.school_a, w.term)
    consent(w.child_a, w.parent_a)
    services.departure_slots_set(user=w.principal, school=w.school_a, term=w.term,
                                 times=["17:00", "17:30", "18:00"])
    with pytest.raises(DomainError, match="Choose one of the school's departure times: 17:00、17:30、18:00."):
        _apply(w, w.child_a, w.parent_a, T(17, 15))
    assert not Application.objects.exists()
    assert _apply(w, w.child_a, w.parent_a, T(17, 30)).departure_time == T(17, 30)


def test_without_slots_of_its_own_a_school_offers_the_defaults(world, consent):
    w = world
    consent(w.child_a, w.parent_a)
    assert selectors.departure_choices(school_id=w.school_a.pk, term_id=w.term.pk) == list(
        selectors.DEFAULT_DEPARTURE_SLOTS)
    assert _apply(w, w.child_a, w.parent_a, T(16, 30)).departure_time == T(16, 30)


def test_the_application_form_offers_the_schools_slots(world, client, login, consent):
    from enrollment.forms import ApplicationForm, unbound_form_html
    from tests.attendance.factories import approved_plan

    w = world
    approved_plan(w.school_a, w.term)
    services.departure_slots_set(user=w.principal, school=w.school_a, term=w.term, times=["17:00", "18:00"])
    times = selectors.departure_choices(school_id=w.school_a.pk, term_id=w.term.pk)
    form = ApplicationForm(departure_times=times)
    assert [v for v, _label in form.fields["departure_time"].choices] == ["", "17:00", "18:00"]
    html = unbound_form_html(ApplicationForm, departure_times=times)
    assert 'value="17:00"' in html and 'value="16:30"' not in html
    default_html = unbound_form_html(ApplicationForm, departure_times=list(selectors.DEFAULT_DEPARTURE_SLOTS))
    assert 'value="16:30"' in default_html  # the rendering is cached per set of times


# --- the console and the 17:15 alert ------------------------------------------------------------
def _flexible(child, slot):
    Application.objects.filter(student=child).update(pickup_plan=Application.Pickup.FLEXIBLE, departure_time=slot)


@pytest.fixture
def flexible_day(att, api):
    """child_a leaves alone at 17:00, child_a2 at 17:30; both marked present on today's roll."""
    w = att
    _flexible(w.child_a, T(17, 0))
    _flexible(w.child_a2, T(17, 30))
    assert post_marks(api, w.teacher_a, w.roll, [
        {"student": w.child_a.pk, "status": "present", "client_id": "p1"},
        {"student": w.child_a2.pk, "status": "late", "client_id": "p2"}]).status_code == 200
    return w


def _console(client, login, w):
    login(w.duty)
    response = client.get(f"/attendance/console/{w.school_a.pk}/")
    assert response.status_code == 200
    return response


def test_the_console_lists_the_next_slot(flexible_day, client, login, time_machine):
    w = flexible_day
    time_machine.move_to(_at(16, 50))
    board = _console(client, login, w).context["departures"]
    assert board.next_slot == T(17, 0) and board.due[0].student == w.child_a and board.passed == []


def test_the_console_lists_the_slots_passed_and_flags_the_overdue(flexible_day, client, login, time_machine):
    w = flexible_day
    time_machine.move_to(_at(17, 35))
    response = _console(client, login, w)
    board = response.context["departures"]
    assert board.next_slot is None and board.due == []
    assert [(cs.student, slot, overdue) for cs, slot, overdue in board.passed] == [
        (w.child_a, T(17, 0), True), (w.child_a2, T(17, 30), False)]
    body = response.content.decode()
    assert "Slot passed, still here" in body and "overdue: the duty leader is alerted" in body


def test_another_day_shows_no_departures(flexible_day, client, login):
    w = flexible_day
    login(w.duty)
    yesterday = (IN_TERM.date() - datetime.timedelta(days=1)).isoformat()
    DutyRota.objects.create(school=w.school_a, date=IN_TERM.date() - datetime.timedelta(days=1), leader=w.duty)
    response = client.get(f"/attendance/console/{w.school_a.pk}/", {"date": yesterday})
    assert response.context["departures"].next_slot is None and response.context["departures"].passed == []


def _alerts():
    return list(Notification.objects.filter(kind="attendance.departure_overdue")
                .values_list("recipient_id", "title"))


def test_the_1715_alert_fires_once_and_only_when_due(flexible_day, time_machine):
    w = flexible_day
    time_machine.move_to(_at(17, 14))
    assert alert_overdue_departures() == 0
    assert _alerts() == []
    time_machine.move_to(_at(17, 15))
    assert alert_overdue_departures() == 1
    alerts = _alerts()
    assert alerts == [(w.duty.pk, "张小明 尚未离校：弹性离校时间 17:00")]  # in Chinese, to the duty leader
    time_machine.move_to(_at(17, 20))
    assert alert_overdue_departures() == 0  # once per child and day
    time_machine.move_to(_at(17, 45))  # child_a2 (17:30) is due now, child_a is not told twice
    assert alert_overdue_departures() == 1
    assert len(_alerts()) == 2


def test_a_released_or_absent_child_raises_no_alert(flexible_day, api, time_machine):
    w = flexible_day
    time_machine.move_to(_at(17, 5))
    services.custody_record(user=w.duty, student=w.child_a, kind="leave_alone")
    services.marks_record(roll=w.roll, user=w.teacher_a, roll_student_ids={w.child_a.pk, w.child_a2.pk},
                          marks=[{"student": w.child_a2.pk, "status": "absent", "client_id": "a2"}])
    time_machine.move_to(_at(18, 0))
    assert services.departure_overdue_alert() == 0


def test_a_child_picked_up_by_a_guardian_is_never_an_alert(att, api, time_machine):
    w = att
    post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "present", "client_id": "p"}])
    time_machine.move_to(_at(18, 0))
    assert services.departure_overdue_alert() == 0  # the plan is "a guardian picks up"


def test_without_a_rota_the_principal_is_alerted(flexible_day, time_machine):
    w = flexible_day
    DutyRota.objects.filter(school=w.school_a).delete()
    time_machine.move_to(_at(17, 16))
    assert services.departure_overdue_alert() == 1
    assert [r for r, _t in _alerts()] == [w.principal.pk]


def test_the_alert_runs_every_five_minutes_in_the_afternoon():
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values()
                 if e["task"] == "attendance.tasks.alert_overdue_departures")
    schedule = entry["schedule"]
    assert 15 in schedule.minute and 10 in schedule.minute and 17 in schedule.hour


def test_the_demo_offers_three_slots():
    from attendance.demo import DEMO_DEPARTURE_SLOTS

    assert (T(17, 0), T(17, 30), T(18, 0)) == DEMO_DEPARTURE_SLOTS
