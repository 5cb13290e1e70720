"""Custody: the chain from class to pickup, refused pickups, flexible departure, the day close."""
import datetime

import pytest
from django.utils import timezone

from attendance import selectors, services
from attendance.models import CustodyEvent, DayClose, PickupRefusal, Roll
from enrollment.models import Application, AuthorisedPickupPerson
from notices.models import Notification

from .conftest import post_marks

pytestmark = pytest.mark.django_db


def _present(api, w, *children):
    post_marks(api, w.teacher_a, w.roll, [{"student": c.pk, "status": "present", "client_id": f"p{c.pk}"}
                                          for c in children])


def _event(api, user, **body):
    return api.as_user(user).post("/api/v1/custody-events/", body, format="json")


def test_a_childs_chain_from_class_to_pickup(att, api):
    w = att
    from clubs.models import Club, ClubChoice, ClubSlot, ClubType, ReviewStatus

    club = Club.objects.create(school=w.school_a, term=w.term, club_type=ClubType.objects.first(), name="合唱团",
                               venue=w.venue_a, capacity=20, status=ReviewStatus.APPROVED)
    club.teachers.set([w.homeroom])
    ClubSlot.objects.create(club=club, weekday=w.today.isoweekday(), start=datetime.time(17, 0),
                            end=datetime.time(18, 0))
    ClubChoice.objects.create(club=club, student=w.child_a, term=w.term, status="enrolled", chosen_at=timezone.now())
    services.rolls_create_for_day(school=w.school_a, date=w.today, any_weekday=True)
    club_roll = Roll.objects.get(club=club, date=w.today)
    day = w.today.isoformat()
    # the homeroom teacher hands the class over to the group's teacher, who takes the roll
    assert _event(api, w.homeroom, student=w.child_a.pk, date=day, kind="class_to_group",
                  roll=w.roll.pk).status_code == 201
    _present(api, w, w.child_a)
    # group to club: the club's roll
    assert _event(api, w.teacher_a, student=w.child_a.pk, date=day, kind="group_to_club",
                  roll=club_roll.pk).status_code == 201
    post_marks(api, w.homeroom, club_roll, [{"student": w.child_a.pk, "status": "present", "client_id": "c1"}])
    state = selectors.day_state(school=w.school_a, date=w.today,
                                now=timezone.make_aware(datetime.datetime.combine(w.today, datetime.time(17, 30))))
    assert [c.student for c in state.held] == [w.child_a]
    assert state.children[w.child_a.pk].location == club_roll
    # pickup by the mother (a guardian who may pick up), by id
    response = _event(api, w.duty, student=w.child_a.pk, date=day, kind="pickup", guardian=w.parent_a.pk)
    assert response.status_code == 201, response.json()
    assert response.json()["to_user"] == w.parent_a.pk
    chain = list(CustodyEvent.objects.filter(student=w.child_a).values_list("kind", "to_user"))
    assert chain == [("class_to_group", w.teacher_a.pk), ("group_to_club", w.homeroom.pk),
                     ("pickup", w.parent_a.pk)]
    assert selectors.day_state(school=w.school_a, date=w.today).held == []


def test_a_pickup_names_an_adult_of_the_list_by_id_or_records_nothing(att, api):
    w = att
    _present(api, w, w.child_a)
    # free text is never a pickup, and no adult chosen is no pickup: 400, nothing recorded, no refusal
    response = _event(api, w.teacher_a, student=w.child_a.pk, kind="pickup", to_person="王奶奶")
    assert response.status_code == 400 and "never a pickup" in response.json()["to_person"][0]
    response = _event(api, w.teacher_a, student=w.child_a.pk, kind="pickup")
    assert response.status_code == 400 and "Choose the adult" in response.json()["guardian"][0]
    # another child's guardian is not on this child's list
    response = _event(api, w.teacher_a, student=w.child_a.pk, kind="pickup", guardian=w.other_parent.pk)
    assert response.status_code == 400 and "not on" in response.json()["guardian"][0]
    # a guardian who may not pick up is refused too
    w.child_a.guardianships.update(may_pick_up=False)
    assert _event(api, w.teacher_a, student=w.child_a.pk, kind="pickup", guardian=w.parent_a.pk).status_code == 400
    assert not CustodyEvent.objects.exists() and not PickupRefusal.objects.exists()
    assert not Notification.objects.filter(kind="attendance.pickup_refused").exists()


def test_an_authorised_pickup_person_collects_the_child(att, api):
    w = att
    person = AuthorisedPickupPerson.objects.create(student=w.child_a, name="王奶奶", relation="祖母",
                                                   phone="13912345678", added_by=w.parent_a)
    _present(api, w, w.child_a)
    response = _event(api, w.teacher_a, student=w.child_a.pk, kind="pickup", pickup_person=person.pk)
    assert response.status_code == 201
    event = CustodyEvent.objects.get()
    assert (event.pickup_person, event.relation, event.recorded_by) == (person, "祖母", w.teacher_a)
    # released once: a second release of the same child the same day is a conflict
    again = _event(api, w.teacher_a, student=w.child_a.pk, kind="pickup", guardian=w.parent_a.pk)
    assert again.status_code == 409 and "already released" in again.json()["detail"]
    person.active = False
    person.save()
    assert _event(api, w.teacher_a, student=w.child_a2.pk, kind="pickup", pickup_person=person.pk).status_code == 400
    # a person of another child is not on this child's list
    assert _event(api, w.teacher_a, student=w.child_a2.pk, kind="pickup",
                  pickup_person=person.pk).json()["pickup_person"]


def test_flexible_departure_only_if_the_pickup_plan_chose_it(att, api):
    w = att
    response = _event(api, w.teacher_a, student=w.child_a.pk, kind="leave_alone")
    assert response.status_code == 409 and "flexible departure" in response.json()["detail"]
    Application.objects.filter(student=w.child_a).update(pickup_plan="flexible")
    assert _event(api, w.teacher_a, student=w.child_a.pk, kind="flexible_departure").status_code == 201


def test_custody_idempotency_key(att, api):
    w = att
    body = {"student": w.child_a.pk, "kind": "pickup", "guardian": w.parent_a.pk}
    client = api.as_user(w.duty)
    first = client.post("/api/v1/custody-events/", body, format="json", HTTP_IDEMPOTENCY_KEY="pick-1")
    again = client.post("/api/v1/custody-events/", body, format="json", HTTP_IDEMPOTENCY_KEY="pick-1")
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert CustodyEvent.objects.count() == 1


def test_custody_scoping_and_bad_input(att, api):
    w = att
    assert _event(api, w.teacher_b, student=w.child_a.pk, kind="pickup", guardian=w.parent_a.pk).status_code == 404
    assert _event(api, w.parent_a, student=w.child_a.pk, kind="pickup", guardian=w.parent_a.pk).status_code == 403
    assert _event(api, w.teacher_a, student=w.child_a.pk, kind="teleport").status_code == 400
    assert _event(api, w.teacher_a, student="x", kind="pickup").status_code == 400
    assert _event(api, w.teacher_a, student=w.child_a.pk, kind="teacher_to_teacher").status_code == 400
    assert _event(api, w.teacher_a, student=w.child_a.pk, kind="teacher_to_teacher",
                  to_user=w.parent_b.pk).status_code == 400
    # a handover to a teacher of another school
    response = _event(api, w.teacher_a, student=w.child_a.pk, kind="handover", to_teacher=w.teacher_b.pk)
    assert response.status_code == 400 and "staff of the school" in response.json()["to_teacher"][0]
    assert not CustodyEvent.objects.exists()


def _close(api, user, w):
    return api.as_user(user).post(f"/api/v1/days/{w.school_a.pk}/{w.today.isoformat()}/close/")


def test_day_close_refused_with_the_children_then_accepted(att, api):
    w = att
    _present(api, w, w.child_a, w.child_a2)
    refused = _close(api, w.duty, w)
    assert refused.status_code == 409
    assert {c["name"] for c in refused.json()["children"]} == {w.child_a.name, w.child_a2.name}
    _event(api, w.duty, student=w.child_a.pk, kind="pickup", guardian=w.parent_a.pk)
    refused = _close(api, w.duty, w)
    assert [c["id"] for c in refused.json()["children"]] == [w.child_a2.pk]
    assert not DayClose.objects.exists()
    _event(api, w.duty, student=w.child_a2.pk, kind="pickup", guardian=w.other_parent.pk)
    closed = _close(api, w.duty, w)
    assert closed.status_code == 200 and closed.json()["closed_by"] == w.duty.pk
    assert _close(api, w.duty, w).status_code == 200
    assert DayClose.objects.count() == 1


def test_who_may_close_the_day(att, api):
    w = att
    assert _close(api, w.duty_off, w).status_code == 403  # duty-leader role, not on the rota today
    assert _close(api, w.teacher_a, w).status_code == 403
    for outsider in (w.teacher_b, w.parent_a, w.district):
        assert _close(api, outsider, w).status_code == 404
    assert api.as_user(w.duty).post(f"/api/v1/days/{w.school_a.pk}/2026-13-40/close/").status_code == 400
    assert _close(api, w.principal, w).status_code == 200


def test_unclosed_day_alerts_the_principal_once(att, api):
    from attendance import tasks

    w = att
    assert tasks.alert_unclosed_days(w.today.isoformat()) == 1
    assert tasks.alert_unclosed_days(w.today.isoformat()) == 0
    assert Notification.objects.filter(recipient=w.principal, kind="attendance.day_not_closed").count() == 1
    DayClose.objects.create(school=w.school_a, date=w.today + datetime.timedelta(days=1), closed_by=w.duty)


def test_console_page_pickup_refusal_and_close(att, api, client):
    w = att
    _present(api, w, w.child_a)
    client.force_login(w.duty)
    url = f"/attendance/console/{w.school_a.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and w.child_a.name in page.content.decode()
    assert 'data-testid="close-day"' not in page.content.decode()  # a child is held: no close button
    client.post(f"{url}close/", {"date": w.today.isoformat()})
    assert not DayClose.objects.exists()
    # the explicit refusal names the person
    response = client.post(f"{url}refuse/", {"student": w.child_a.pk, "person": "张三"}, follow=True)
    assert "张三" in response.content.decode() and PickupRefusal.objects.get().person == "张三"
    # a pickup posted without an adult records nothing
    client.post(f"{url}pickup/", {"student": w.child_a.pk, "person": ""})
    assert not CustodyEvent.objects.exists()
    # one tap on the guardian: a confirm naming child and adult; the confirm records the pickup
    confirm = client.get(f"{url}pickup/", {"student": w.child_a.pk, "person": f"guardian:{w.parent_a.pk}"})
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert w.child_a.name in text and w.parent_a.name in text and not CustodyEvent.objects.exists()
    client.post(f"{url}pickup/", {"student": w.child_a.pk, "person": f"guardian:{w.parent_a.pk}"})
    assert CustodyEvent.objects.filter(kind="pickup").count() == 1
    # now the close button shows, and closing asks for a confirmation listing the day's figures
    assert 'data-testid="close-day"' in client.get(url).content.decode()
    confirm = client.get(f"{url}close/", {"date": w.today.isoformat()})
    assert confirm.status_code == 200 and 'data-testid="day-figures"' in confirm.content.decode()
    assert not DayClose.objects.exists()
    client.post(f"{url}close/", {"date": w.today.isoformat()})
    assert DayClose.objects.filter(school=w.school_a, date=w.today).exists()
