"""A child's day for the guardians (issue 19): `GET /api/v1/students/{id}/today/`, the today card on
the parent's home page and its htmx fragment, leave in two taps, the per-child cache."""
import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from attendance import services
from attendance.models import CustodyEvent, Leave, Roll
from attendance.today import children_today_cached, today_cache_key
from enrollment.models import AuthorisedPickupPerson
from schools.models import CalendarDay, Guardianship
from tests.factories import IN_TERM, GuardianshipFactory, StudentFactory, UserFactory, give_role

from .conftest import post_marks

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]


def _at(hour, minute):
    return datetime.datetime(2026, 12, 2, hour, minute, tzinfo=IN_TERM.tzinfo)


def _today(api, user, child):
    return api.as_user(user).get(f"/api/v1/students/{child.pk}/today/")


def _card(client, child):
    response = client.get(f"/attendance/today/{child.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _club(w, name="篮球社", start=(17, 0), end=(18, 0)):
    from clubs.models import Club, ClubChoice, ClubSlot, ClubType, ReviewStatus

    club = Club.objects.create(school=w.school_a, term=w.term, club_type=ClubType.objects.first(), name=name,
                               venue=w.venue_a, capacity=20, status=ReviewStatus.APPROVED)
    club.teachers.set([w.homeroom])
    ClubSlot.objects.create(club=club, weekday=w.today.isoweekday(), start=datetime.time(*start),
                            end=datetime.time(*end))
    ClubChoice.objects.create(club=club, student=w.child_a, term=w.term, status="enrolled", chosen_at=timezone.now())
    services.rolls_create_for_day(school=w.school_a, date=w.today, any_weekday=True)
    return Roll.objects.get(club=club, date=w.today)


def test_a_day_through_the_api_and_the_card(att, api, login, client, time_machine,
                                            django_capture_on_commit_callbacks):
    """Before the roll, present, handed to a club, picked up by the grandmother: the API and the card
    follow the day, each step read once more after the write dropped the cached day."""
    w = att
    grandma = AuthorisedPickupPerson.objects.create(student=w.child_a, name="王奶奶", relation="祖母",
                                                    phone="13912345678", added_by=w.parent_a)
    club_roll = _club(w)
    login(w.parent_a)
    # before the roll
    body = _today(api, w.parent_a, w.child_a).json()
    assert body["date"] == "2026-12-02"
    assert body["service"] == {"session": "after_school", "group": "三四年级课后服务组", "venue": "图书馆",
                               "teacher": "钱老师", "starts_at": "16:00", "ends_at": "18:00"}
    assert body["attendance"] is None and body["leave"] is None and body["released"] is None
    assert body["events"] == []
    assert body["departure_plan"] == {"kind": "guardian", "slot": None, "person": "王奶奶（祖母）"}
    card = _card(client, w.child_a)
    assert "Not checked in yet" in card and "三四年级课后服务组" in card and "16:00–18:00" in card
    assert "图书馆 · 钱老师" in card and "篮球社" in card  # the club of the day, under the service
    assert cache.get(today_cache_key(w.child_a.pk, w.today)) is not None
    # the homeroom teacher hands the class to the group; the group's teacher marks the child present
    time_machine.move_to(_at(16, 2))
    with django_capture_on_commit_callbacks(execute=True):
        assert api.as_user(w.homeroom).post("/api/v1/custody-events/", {
            "student": w.child_a.pk, "kind": "class_to_group", "roll": w.roll.pk}, format="json").status_code == 201
    assert "Arrived at 三四年级课后服务组" in _card(client, w.child_a)
    time_machine.move_to(_at(16, 5))
    with django_capture_on_commit_callbacks(execute=True):
        post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "present", "client_id": "t1"}])
    body = _today(api, w.parent_a, w.child_a).json()
    assert body["attendance"]["status"] == "present"
    card = _card(client, w.child_a)
    assert "At school" in card and "Checked in at 三四年级课后服务组" in card and "Still at school" in card
    # handed to the club
    time_machine.move_to(_at(16, 30))
    with django_capture_on_commit_callbacks(execute=True):
        assert api.as_user(w.teacher_a).post("/api/v1/custody-events/", {
            "student": w.child_a.pk, "kind": "group_to_club", "roll": club_roll.pk},
            format="json").status_code == 201
    card = _card(client, w.child_a)
    assert "16:30</span> Handed to 篮球社" in card and "Still at school" in card
    # picked up by the grandmother at 17:32
    time_machine.move_to(_at(17, 32))
    with django_capture_on_commit_callbacks(execute=True):
        assert api.as_user(w.duty).post("/api/v1/custody-events/", {
            "student": w.child_a.pk, "kind": "pickup", "pickup_person": grandma.pk},
            format="json").status_code == 201
    body = _today(api, w.parent_a, w.child_a).json()
    assert body["released"]["kind"] == "pickup"
    assert (body["released"]["to_name"], body["released"]["to_relation"]) == ("王奶奶", "祖母")
    assert [e["kind"] for e in body["events"]] == ["class_to_group", "mark_present", "group_to_club", "pickup"]
    assert body["events"][-1]["text"] == "Picked up by 王奶奶（祖母）"
    card = _card(client, w.child_a)
    assert "17:32 picked up by 王奶奶（祖母）" in card and "Gone home" in card and "Still at school" not in card
    # the home page holds the same card, with the child's leave form
    home = client.get("/enrollment/").content.decode()
    assert f'id="today-{w.child_a.pk}"' in home and "17:32 picked up by 王奶奶（祖母）" in home
    assert 'hx-trigger="today-refresh"' in home and "attendance/today.js" in home
    assert f'action="/attendance/today/{w.child_a.pk}/leave/"' in home


def test_the_card_in_chinese_names_the_grandmother(att, api, client, login, time_machine,
                                                   django_capture_on_commit_callbacks):
    w = att
    grandma = AuthorisedPickupPerson.objects.create(student=w.child_a, name="王奶奶", relation="祖母",
                                                    phone="13912345678", added_by=w.parent_a)
    post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "present", "client_id": "t1"}])
    time_machine.move_to(_at(17, 32))
    with django_capture_on_commit_callbacks(execute=True):
        api.as_user(w.duty).post("/api/v1/custody-events/", {"student": w.child_a.pk, "kind": "pickup",
                                                            "pickup_person": grandma.pk}, format="json")
    login(w.parent_a)
    card = client.get(f"/attendance/today/{w.child_a.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "17:32 由王奶奶（祖母）接走" in card and "已离校" in card


def test_leave_in_two_taps_reaches_the_roll_at_once(att, api, login, client, django_capture_on_commit_callbacks):
    w = att
    login(w.parent_a)
    children_today_cached([w.child_a], w.today)  # a cached day, before the leave
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/attendance/today/{w.child_a.pk}/leave/", {"choice": "today:sick"})
    assert response.status_code == 302 and response["Location"] == f"/enrollment/#today-{w.child_a.pk}"
    leave = Leave.objects.active().get(student=w.child_a, date=w.today)
    assert leave.reason == "生病" and leave.reported_by == w.parent_a  # in the school's language, for the teacher
    # the teacher's roll shows it at once (page and API)
    client.logout()
    roll_page = login(w.teacher_a).get(f"/attendance/rolls/{w.roll.pk}/").content.decode()
    assert "生病" in roll_page
    detail = api.as_user(w.teacher_a).get(f"/api/v1/rolls/{w.roll.pk}/").json()
    assert [c["leave"] for c in detail["children"] if c["id"] == w.child_a.pk] == [{"reason": "生病"}]
    # the parent's card and the API say so (the cached day was dropped by the leave)
    body = _today(api, w.parent_a, w.child_a).json()
    assert body["leave"] == {"reason": "生病"} and body["attendance"] is None
    client.logout()
    login(w.parent_a)
    assert "On leave: 生病" in _card(client, w.child_a)
    # tomorrow, with a reason written (其他)
    client.post(f"/attendance/today/{w.child_a.pk}/leave/", {"choice": "tomorrow:other", "other": "看牙医"})
    assert Leave.objects.active().get(student=w.child_a, date=w.today + datetime.timedelta(days=1)).reason == "看牙医"


def test_bad_leave_input_changes_nothing_and_says_why(att, login, client):
    w = att
    login(w.parent_a)
    for data in ({"choice": "yesterday:sick"}, {"choice": "today:bored"}, {}, {"choice": "today:other", "other": " "}):
        response = client.post(f"/attendance/today/{w.child_a.pk}/leave/", data, follow=True)
        assert response.status_code == 200
        assert "the reason of the leave" in response.content.decode()
    assert not Leave.objects.filter(student=w.child_a).exists()


def test_absent_without_leave(att, api, login, client):
    w = att
    post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "absent", "client_id": "a1"}])
    body = _today(api, w.parent_a, w.child_a).json()
    assert body["attendance"]["status"] == "absent" and body["leave"] is None and body["released"] is None
    assert body["events"][0]["text"] == "Marked absent at 三四年级课后服务组"
    login(w.parent_a)
    card = _card(client, w.child_a)
    assert "Absent, no leave reported" in card and "Still at school" not in card


def test_no_service_on_a_day_that_is_not_the_childs(att, api, login, client):
    """child_a2 comes on Mondays and Tuesdays only; IN_TERM is a Wednesday."""
    w = att
    app = w.child_a2.applications.get()
    app.weekdays = [1, 2]
    app.save()
    body = _today(api, w.other_parent, w.child_a2).json()
    assert body["service"] is None and body["attendance"] is None and body["events"] == []
    login(w.other_parent)
    card = _card(client, w.child_a2)
    assert "No after-school service today" in card and "Today is not one of 李小红&#x27;s service days." in card


def test_a_holiday_cancels_the_service_with_its_reason(att, api, login, client):
    w = att
    CalendarDay.objects.create(date=w.today, kind=CalendarDay.Kind.HOLIDAY, note="校庆")
    assert _today(api, w.parent_a, w.child_a).json()["service"] is None
    login(w.parent_a)
    card = _card(client, w.child_a)
    assert "No after-school service today" in card and "Holiday：校庆" in card


def test_before_the_rolls_are_made_the_card_shows_the_group(att, api):
    """Early in the morning (the rolls are made at 06:15) the child's group meeting that day shows."""
    w = att
    Roll.objects.filter(date=w.today).delete()
    body = _today(api, w.parent_a, w.child_a).json()
    assert body["service"]["group"] == "三四年级课后服务组" and body["service"]["starts_at"] is None


def test_scope_another_familys_child_is_404(att, api, login, client):
    w = att
    assert _today(api, w.parent_b, w.child_a).status_code == 404
    assert _today(api, w.other_parent, w.child_a).status_code == 404
    assert _today(api, w.teacher_b, w.child_a).status_code == 404
    assert api.as_user(w.parent_a).get("/api/v1/students/999999/today/").status_code == 404
    # the school's staff who see the child read it (audited)
    from accounts.models import AuditEvent

    assert _today(api, w.homeroom, w.child_a).status_code == 200
    assert AuditEvent.objects.filter(user=w.homeroom, object_id=str(w.child_a.pk), detail="today").exists()
    # the card and its leave form are the guardians' alone
    login(w.parent_b)
    assert client.get(f"/attendance/today/{w.child_a.pk}/").status_code == 404
    assert client.post(f"/attendance/today/{w.child_a.pk}/leave/", {"choice": "today:sick"}).status_code == 404
    client.logout()
    login(w.homeroom)
    assert client.get(f"/attendance/today/{w.child_a.pk}/").status_code == 404
    assert not Leave.objects.exists()


def _parent_of(*children):
    parent = UserFactory()
    give_role(parent, "parent")
    for child in children:
        GuardianshipFactory(guardian=parent, student=child, relation=Guardianship.Relation.MOTHER)
    return parent


def test_home_page_queries_do_not_grow_with_the_children(att, login, client):
    """Two children, two cards, each with its own actions, in as many queries as one child."""
    w = att
    one, two = _parent_of(w.child_a), _parent_of(w.child_a, w.child_a2)
    counts = {}
    for parent in (one, two):
        for state in ("cold", "warm"):
            if state == "cold":
                client.logout()
                cache.clear()
                login(parent)
            with CaptureQueriesContext(connection) as ctx:
                response = client.get("/enrollment/")
            counts[(parent.pk, state)] = len(ctx.captured_queries)
        body = response.content.decode()
        assert body.count('data-testid="today-card"') == (1 if parent == one else 2)
        assert body.count('data-testid="today-leave"') == (1 if parent == one else 2)
    assert counts[(one.pk, "cold")] == counts[(two.pk, "cold")]
    assert counts[(one.pk, "warm")] == counts[(two.pk, "warm")]
    assert counts[(one.pk, "warm")] <= counts[(one.pk, "cold")] - 9  # the cards came from the cache


def test_the_fragment_answers_from_the_cache(att, login, client, django_assert_max_num_queries):
    w = att
    login(w.parent_a)
    _card(client, w.child_a)
    with django_assert_max_num_queries(6):  # session, user, roles, the child (scope), the unread count
        _card(client, w.child_a)


def test_marks_handovers_and_leave_drop_the_cached_day(att, api, django_capture_on_commit_callbacks):
    w = att
    key = today_cache_key(w.child_a.pk, w.today)

    def cached():
        return cache.get(key) is not None

    children_today_cached([w.child_a, w.child_a2], w.today)
    assert cached()
    with django_capture_on_commit_callbacks(execute=True):  # a new mark (bulk insert, no signal)
        post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "present", "client_id": "m1"}])
    assert not cached() and cache.get(today_cache_key(w.child_a2.pk, w.today)) is not None
    children_today_cached([w.child_a], w.today)
    with django_capture_on_commit_callbacks(execute=True):  # a changed mark
        post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "late", "client_id": "m2"}])
    assert not cached()
    assert children_today_cached([w.child_a], w.today)[w.child_a.pk].mark_status == "late"
    with django_capture_on_commit_callbacks(execute=True):  # a handover
        services.custody_record(user=w.teacher_a, student=w.child_a, kind=CustodyEvent.Kind.TEACHER_TO_TEACHER,
                                to_user=w.homeroom)
    assert not cached()
    children_today_cached([w.child_a], w.today)
    with django_capture_on_commit_callbacks(execute=True):  # leave reported, then cancelled
        leave = services.leave_report(by=w.parent_a, student=w.child_a, date=w.today, reason="事假")
    assert not cached()
    assert children_today_cached([w.child_a], w.today)[w.child_a.pk].on_leave
    with django_capture_on_commit_callbacks(execute=True):
        services.leave_cancel(by=w.parent_a, leave=leave)
    assert not children_today_cached([w.child_a], w.today)[w.child_a.pk].on_leave
    # nothing is dropped before the transaction commits
    children_today_cached([w.child_a], w.today)
    with django_capture_on_commit_callbacks(execute=False):
        services.leave_report(by=w.parent_a, student=w.child_a, date=w.today, reason="生病")
        assert cached()


def test_the_schema_describes_the_endpoint():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    op = schema["paths"]["/api/v1/students/{id}/today/"]["get"]
    assert op["operationId"] == "students_today"
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/ChildToday"
    fields = schema["components"]["schemas"]["ChildToday"]["properties"]
    assert sorted(fields) == ["attendance", "date", "departure_plan", "events", "leave", "released", "service"]


def test_a_second_child_in_another_class_gets_its_own_card(att, login, client):
    w = att
    sibling = StudentFactory(homeroom_class=w.class_a, name="张小华")
    GuardianshipFactory(guardian=w.parent_a, student=sibling)
    login(w.parent_a)
    home = client.get("/enrollment/").content.decode()
    assert home.count('data-testid="today-card"') == 2
    assert "张小华" in home and "has no place in the after-school service" in home
