"""The safe handover (issue 18): the server dates custody events, pickups name an adult of the
child's list by id, leaving alone follows the plan and its slot, the explicit refusal, absence
follow-ups, the day close they block, the guardians told, and the console's pickup panel."""
import datetime
import re

import pytest
from django.utils import timezone

from attendance.models import AbsenceFollowUp, CustodyEvent, DayClose, Mark, PickupRefusal
from enrollment.models import Application, AuthorisedPickupPerson
from notices.models import Notification
from tests.factories import IN_TERM

from .conftest import post_marks

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]

SHANGHAI = IN_TERM.tzinfo


def _at(hour, minute=0, day=None):
    return datetime.datetime.combine(day or IN_TERM.date(), datetime.time(hour, minute), tzinfo=SHANGHAI)


def _mark(api, w, status, *children):
    response = post_marks(api, w.teacher_a, w.roll, [{"student": c.pk, "status": status, "client_id": f"{status}{c.pk}"}
                                                     for c in children])
    assert response.status_code == 200


def _event(api, user, **body):
    return api.as_user(user).post("/api/v1/custody-events/", body, format="json")


def _close(api, user, w):
    return api.as_user(user).post(f"/api/v1/days/{w.school_a.pk}/{w.today.isoformat()}/close/")


def _flexible(child, slot=datetime.time(17, 0)):
    Application.objects.filter(student=child).update(pickup_plan=Application.Pickup.FLEXIBLE, departure_time=slot)


def test_the_fixture_day_is_the_fixed_clock(att):
    assert att.today == IN_TERM.date()


# --- custody integrity -------------------------------------------------------------------------
def test_the_server_sets_date_and_time(att, api):
    w = att
    _mark(api, w, "present", w.child_a)
    # a date other than the day of the handover is refused; nothing is recorded
    response = _event(api, w.duty, student=w.child_a.pk, kind="pickup", guardian=w.parent_a.pk, date="2020-01-01")
    assert response.status_code == 400 and "set by the server" in response.json()["date"][0]
    assert not CustodyEvent.objects.exists()
    response = _event(api, w.duty, student=w.child_a.pk, kind="pickup", guardian=w.parent_a.pk)
    assert response.status_code == 201
    event = CustodyEvent.objects.get()
    assert event.date == IN_TERM.date() and abs(event.at - IN_TERM) < datetime.timedelta(minutes=1)


@pytest.mark.parametrize(("minutes_ago", "status", "message"), [
    (10, 201, None),  # an offline replay within the window keeps its time
    (16, 400, "more than 15 minutes ago"),
    (-5, 400, "in the future"),
    (60 * 24 * 365 * 6, 400, "more than 15 minutes ago"),  # "a pickup dated 2020"
])
def test_a_replayed_time_within_15_minutes_and_never_future(att, api, minutes_ago, status, message):
    w = att
    at = IN_TERM - datetime.timedelta(minutes=minutes_ago)
    response = _event(api, w.duty, student=w.child_a.pk, kind="pickup", guardian=w.parent_a.pk, at=at.isoformat())
    assert response.status_code == status, response.json()
    if message:
        assert message in response.json()["at"][0]
        assert not CustodyEvent.objects.exists()
    else:
        assert CustodyEvent.objects.get().at == at


def test_a_correction_is_a_separate_event_that_keeps_the_original(att, api):
    w = att
    first = _event(api, w.duty, student=w.child_a.pk, kind="pickup", guardian=w.parent_a.pk).json()
    # the pickup actually happened an hour earlier: a correction with a reason, the original kept
    at = (IN_TERM - datetime.timedelta(hours=1)).isoformat()
    refused = _event(api, w.duty, student=w.child_a.pk, kind="pickup", guardian=w.parent_a.pk, at=at,
                     corrects=first["id"])
    assert refused.status_code == 400 and "Say why" in refused.json()["correction_reason"][0]
    no_reason = _event(api, w.duty, student=w.child_a.pk, kind="pickup", guardian=w.parent_a.pk, at=at)
    assert no_reason.status_code == 400 and "more than 15 minutes" in no_reason.json()["at"][0]
    fixed = _event(api, w.duty, student=w.child_a.pk, kind="pickup", guardian=w.parent_a.pk, at=at,
                   corrects=first["id"], correction_reason="recorded late, the father came at 14:00")
    assert fixed.status_code == 201, fixed.json()
    original, correction = CustodyEvent.objects.order_by("pk")
    assert original.pk == first["id"] and original.correction_reason == ""
    assert correction.corrects == original and correction.correction_reason.startswith("recorded late")
    # the console counts the corrected release, once
    from attendance import selectors

    state = selectors.day_state(school=w.school_a, date=w.today)
    assert state.children[w.child_a.pk].released.at == correction.at
    # a correction of another child's event is refused
    other = _event(api, w.duty, student=w.child_a2.pk, kind="pickup", guardian=w.other_parent.pk, at=at,
                   corrects=first["id"], correction_reason="x")
    assert other.status_code == 400 and "corrects" in other.json()


def test_an_event_earlier_than_the_last_one_of_the_child_is_a_correction(att, api):
    w = att
    assert _event(api, w.duty, student=w.child_a.pk, kind="handover", to_teacher=w.teacher_a.pk).status_code == 201
    late = _event(api, w.duty, student=w.child_a.pk, kind="handover", to_teacher=w.duty.pk,
                  at=(IN_TERM - datetime.timedelta(minutes=5)).isoformat())
    assert late.status_code == 409 and "correction" in late.json()["detail"]


def test_leave_alone_outside_the_plan_or_before_the_slot_is_409_naming_the_slot(att, api, time_machine):
    w = att
    _mark(api, w, "present", w.child_a)
    outside = _event(api, w.duty, student=w.child_a.pk, kind="leave_alone")
    assert outside.status_code == 409 and "did not choose flexible departure" in outside.json()["detail"]
    _flexible(w.child_a, datetime.time(15, 10))
    early = _event(api, w.duty, student=w.child_a.pk, kind="leave_alone")
    assert early.status_code == 409 and "15:10" in early.json()["detail"]
    assert not CustodyEvent.objects.exists()
    time_machine.move_to(_at(15, 11))
    assert _event(api, w.duty, student=w.child_a.pk, kind="leave_alone").status_code == 201
    assert CustodyEvent.objects.get().kind == CustodyEvent.Kind.FLEXIBLE_DEPARTURE


def test_handover_to_a_teacher_of_another_school_is_400(att, api):
    w = att
    response = _event(api, w.duty, student=w.child_a.pk, kind="handover", to_teacher=w.teacher_b.pk)
    assert response.status_code == 400 and "staff of the school" in response.json()["to_teacher"][0]
    assert _event(api, w.duty, student=w.child_a.pk, kind="handover", to_teacher=w.teacher_a.pk).status_code == 201


# --- the explicit refusal ----------------------------------------------------------------------
def _refuse(api, user, **body):
    return api.as_user(user).post("/api/v1/pickup-refusals/", body, format="json")


def test_the_explicit_refusal_is_recorded_with_the_name_and_alerted(att, api):
    w = att
    response = _refuse(api, w.teacher_a, student=w.child_a.pk, person="陌生人 李四")
    assert response.status_code == 201
    refusal = PickupRefusal.objects.get()
    assert (refusal.person, refusal.date, refusal.recorded_by) == ("陌生人 李四", IN_TERM.date(), w.teacher_a)
    alerted = set(Notification.objects.filter(kind="attendance.pickup_refused").values_list("recipient", flat=True))
    assert alerted == {w.duty.pk, w.parent_a.pk}  # the duty leader and the child's guardian
    assert "陌生人 李四" in Notification.objects.filter(recipient=w.duty).get().body
    assert not CustodyEvent.objects.exists()
    blank = _refuse(api, w.teacher_a, student=w.child_a.pk, person="  ")
    assert blank.status_code == 400 and PickupRefusal.objects.count() == 1


def test_new_endpoints_are_scoped(att, api):
    w = att
    _mark(api, w, "absent", w.child_a)
    follow = {"student": w.child_a.pk, "date": w.today.isoformat(), "contacted": w.parent_a.pk,
              "outcome": "reached_safe"}
    for outsider in (w.teacher_b, w.other_parent, w.district):  # another school; not the child's parent
        assert _refuse(api, outsider, student=w.child_a.pk, person="x").status_code == 404
        assert api.as_user(outsider).post("/api/v1/absence-follow-ups/", follow, format="json").status_code == 404
    # the child's own parent sees the child but records neither
    assert _refuse(api, w.parent_a, student=w.child_a.pk, person="x").status_code == 403
    assert api.as_user(w.parent_a).post("/api/v1/absence-follow-ups/", follow, format="json").status_code == 403
    assert not PickupRefusal.objects.exists() and not AbsenceFollowUp.objects.exists()


# --- absence follow-ups and the day close ------------------------------------------------------
def _follow_up(api, user, w, child, **extra):
    body = {"student": child.pk, "date": w.today.isoformat(), "contacted": w.parent_a.pk, "outcome": "reached_safe",
            "note": "母亲说孩子生病在家", **extra}
    return api.as_user(user).post("/api/v1/absence-follow-ups/", body, format="json")


def test_follow_up_rules(att, api):
    w = att
    # child_a was not absent: nothing to follow up
    response = _follow_up(api, w.duty, w, w.child_a)
    assert response.status_code == 400 and "not absent without leave" in response.json()["student"][0]
    _mark(api, w, "absent", w.child_a)
    assert "outcome" in _follow_up(api, w.duty, w, w.child_a, outcome="fine").json()
    # the contacted person must be a guardian of the child
    assert "contacted" in _follow_up(api, w.duty, w, w.child_a, contacted=w.other_parent.pk).json()
    assert not AbsenceFollowUp.objects.exists()
    response = _follow_up(api, w.duty, w, w.child_a)
    assert response.status_code == 201, response.json()
    f = AbsenceFollowUp.objects.get()
    assert (f.contacted, f.recorded_by, f.outcome, f.date) == (w.parent_a, w.duty, "reached_safe", w.today)
    # an absence with leave is not "without leave"
    from attendance.models import Leave

    Leave.objects.create(student=w.child_a2, date=w.today, reported_by=w.other_parent)
    _mark(api, w, "absent", w.child_a2)
    assert _follow_up(api, w.duty, w, w.child_a2, contacted=w.other_parent.pk).status_code == 400


def test_close_refused_while_held_or_absent_without_follow_up_then_accepted(att, api):
    w = att
    _mark(api, w, "present", w.child_a2)
    _mark(api, w, "absent", w.child_a)
    refused = _close(api, w.duty, w)
    assert refused.status_code == 409
    body = refused.json()
    assert [c["id"] for c in body["children"]] == [w.child_a2.pk]
    assert [c["id"] for c in body["absences"]] == [w.child_a.pk]
    assert "not yet released" in body["detail"] and "no follow-up" in body["detail"]
    _event(api, w.duty, student=w.child_a2.pk, kind="pickup", guardian=w.other_parent.pk)
    refused = _close(api, w.duty, w).json()
    assert refused["children"] == [] and [c["name"] for c in refused["absences"]] == [w.child_a.name]
    assert not DayClose.objects.exists()
    assert _follow_up(api, w.duty, w, w.child_a, outcome="not_reached").status_code == 201
    assert _close(api, w.duty, w).status_code == 200
    assert DayClose.objects.count() == 1


# --- parents told ------------------------------------------------------------------------------
def test_guardians_are_told_of_the_pickup_and_of_leaving_alone(att, api, django_capture_on_commit_callbacks,
                                                                time_machine):
    w = att
    person = AuthorisedPickupPerson.objects.create(student=w.child_a, name="王奶奶", relation="祖母",
                                                   phone="13912345678", added_by=w.parent_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert _event(api, w.duty, student=w.child_a.pk, kind="pickup", pickup_person=person.pk).status_code == 201
    notice = Notification.objects.get(recipient=w.parent_a, kind="attendance.released")
    assert "王奶奶" in notice.title and "祖母" in notice.title and "15:0" in notice.title
    _flexible(w.child_a2, datetime.time(15, 10))
    time_machine.move_to(_at(15, 12))
    with django_capture_on_commit_callbacks(execute=True):
        assert _event(api, w.duty, student=w.child_a2.pk, kind="leave_alone").status_code == 201
    notice = Notification.objects.get(recipient=w.other_parent, kind="attendance.released")
    assert "15:12" in notice.title and w.child_a2.name in notice.title


def test_guardians_are_told_of_an_absence_without_leave(att, api, django_capture_on_commit_callbacks):
    w = att
    with django_capture_on_commit_callbacks(execute=True):
        _mark(api, w, "absent", w.child_a)
        _mark(api, w, "present", w.child_a2)
        assert api.as_user(w.teacher_a).post(f"/api/v1/rolls/{w.roll.pk}/submit/").status_code == 200
    assert Notification.objects.filter(recipient=w.parent_a, kind="attendance.absent").count() == 1
    assert not Notification.objects.filter(recipient=w.other_parent, kind="attendance.absent").exists()


# --- the console's pickup panel ----------------------------------------------------------------
def test_console_pickup_panel_has_no_default_and_shows_the_plan(att, api, client):
    w = att
    AuthorisedPickupPerson.objects.create(student=w.child_a, name="王奶奶", relation="祖母", phone="13912345678",
                                          added_by=w.parent_a)
    Application.objects.filter(student=w.child_a).update(pickup_plan=Application.Pickup.AUTHORISED)
    _flexible(w.child_a2, datetime.time(17, 0))
    _mark(api, w, "present", w.child_a, w.child_a2)
    client.force_login(w.duty)
    html = client.get(f"/attendance/console/{w.school_a.pk}/").content.decode()
    panel = html[html.index('data-testid="pickup-panel"'):html.index('data-testid="released"')]
    assert "<select" not in panel and "selected" not in panel and "checked" not in panel
    assert "Authorised pickup person: 王奶奶（祖母）" in panel and "17:00 leaves alone" in panel
    # the adults as buttons, with masked phones; the grandmother's and the mother's
    assert panel.count('data-testid="pickup-adult"') == 3  # parent_a and 王奶奶 for child_a, other_parent for child_a2
    assert "139****5678" in panel and "13912345678" not in panel
    # leaving alone: only child_a2's plan allows it, and before 17:00 the button is disabled and says when
    assert panel.count('data-testid="leave-alone"') == 1
    assert re.search(r'disabled data-testid="leave-alone">Leaves alone from 17:00</button>', panel)
    # someone not on the list is a separate form, the refusal
    assert panel.count('/refuse/"') == 2
    # the close button does not show while children are held
    assert 'data-testid="close-day"' not in html and 'data-testid="close-blocked"' in html


def test_console_follow_up_then_close_confirm(att, api, client):
    w = att
    _mark(api, w, "absent", w.child_a)
    Mark.objects.filter(student=w.child_a).update(status="absent")
    client.force_login(w.duty)
    url = f"/attendance/console/{w.school_a.pk}/"
    html = client.get(url).content.decode()
    assert 'data-testid="close-day"' not in html and "no follow-up yet" in html
    # the confirm page is not offered while something blocks the close
    assert client.get(f"{url}close/").status_code == 302
    client.post(f"{url}follow-up/", {"student": w.child_a.pk, "contacted": w.parent_a.pk, "outcome": "reached_safe",
                                     "date": w.today.isoformat()})
    assert AbsenceFollowUp.objects.count() == 1
    html = client.get(url).content.decode()
    assert 'data-testid="close-day"' in html and "followed up" in html
    confirm = client.get(f"{url}close/").content.decode()
    assert "Absent without leave (followed up)" in confirm and not DayClose.objects.exists()
    client.post(f"{url}close/", {"date": w.today.isoformat()})
    assert DayClose.objects.filter(school=w.school_a, date=w.today).exists()
    assert timezone.localdate() == IN_TERM.date()
