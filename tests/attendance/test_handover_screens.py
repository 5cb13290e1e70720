"""Handovers on the tablet (issue 18, item 4): one screen each for class → group, group → club and
back, and a whole group to a colleague (who becomes the roll's substitute); every refusal names what
is wrong and records nothing; the console shows who holds each child now; scope and query counts."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import Role
from attendance import selectors, services
from attendance.models import CustodyEvent, Leave, Roll
from tests.conftest import add_offices
from tests.factories import IN_TERM, UserFactory, give_role

from .conftest import post_marks
from .factories import children_in_group

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]


@pytest.fixture
def club(att):
    """A club of today held by 冯老师, with child_a a member, and its roll."""
    from clubs.models import Club, ClubChoice, ClubSlot, ClubType, ReviewStatus

    w = att
    w.club_teacher = UserFactory(username="club_t", name="冯老师")
    give_role(w.club_teacher, Role.TEACHER, school=w.school_a)
    club = Club.objects.create(school=w.school_a, term=w.term, club_type=ClubType.objects.first(), name="合唱团",
                               venue=w.venue_a, capacity=20, status=ReviewStatus.APPROVED)
    club.teachers.set([w.club_teacher])
    ClubSlot.objects.create(club=club, weekday=w.today.isoweekday(), start=datetime.time(17, 0),
                            end=datetime.time(18, 0))
    ClubChoice.objects.create(club=club, student=w.child_a, term=w.term, status="enrolled", chosen_at=timezone.now())
    services.rolls_create_for_day(school=w.school_a, date=w.today, any_weekday=True)
    w.club_roll = Roll.objects.get(club=club, date=w.today)
    return w


def _url(source, pk):
    return f"/attendance/handover/{source}/{pk}/"


def _post(client, login, user, source, pk, **data):
    login(user)
    return client.post(_url(source, pk), data)


def test_class_to_group_one_screen_all_ticked(att, client, login):
    w = att
    login(w.homeroom)
    page = client.get(_url("class", w.class_a.pk))
    assert page.status_code == 200
    screen = page.context["screen"]
    # one target (the group's roll of today), chosen already; both children ticked; its teacher preselected
    assert [t.key for t in screen.targets] == [f"roll:{w.roll.pk}"] and screen.target.key == f"roll:{w.roll.pk}"
    assert {c.student for c in screen.children if c.ticked} == {w.child_a, w.child_a2}
    assert page.context["chosen_teacher"] == w.teacher_a.pk
    assert w.homeroom not in screen.teachers and w.teacher_a in screen.teachers
    assert w.teacher_b not in screen.teachers  # only the school's teachers are offered
    body = page.content.decode()
    assert w.child_a.name in body and "Confirm the handover" in body
    response = client.post(_url("class", w.class_a.pk), {"to": f"roll:{w.roll.pk}", "to_teacher": w.teacher_a.pk,
                                                         "student": [w.child_a.pk, w.child_a2.pk]})
    assert response.status_code == 302
    events = list(CustodyEvent.objects.order_by("student__name_pinyin"))
    assert {e.student for e in events} == {w.child_a, w.child_a2}
    assert all((e.kind, e.from_user, e.to_user, e.roll, e.recorded_by, e.date) ==
               (CustodyEvent.Kind.CLASS_TO_GROUP, w.homeroom, w.teacher_a, w.roll, w.homeroom, w.today)
               for e in events)
    # handed over: the class's children are now with 钱老师; a second handover of them is refused
    again = client.get(_url("class", w.class_a.pk))
    assert all("钱老师" in c.reason for c in again.context["screen"].children)


def test_an_exception_stays_unticked(att, client, login):
    w = att
    response = _post(client, login, w.homeroom, "class", w.class_a.pk, to=f"roll:{w.roll.pk}",
                     to_teacher=w.teacher_a.pk, student=[w.child_a.pk])
    assert response.status_code == 302
    assert list(CustodyEvent.objects.values_list("student", flat=True)) == [w.child_a.pk]


def test_group_to_club_and_back(club, client, login):
    w = club
    login(w.teacher_a)
    page = client.get(_url("roll", w.roll.pk))
    keys = [t.key for t in page.context["screen"].targets]
    assert keys == [f"roll:{w.club_roll.pk}", "colleague"] and page.context["screen"].target is None
    page = client.get(_url("roll", w.roll.pk), {"to": f"roll:{w.club_roll.pk}"})
    assert [c.student for c in page.context["screen"].children] == [w.child_a]  # only the club's member
    assert page.context["chosen_teacher"] == w.club_teacher.pk
    response = client.post(_url("roll", w.roll.pk), {"to": f"roll:{w.club_roll.pk}", "to_teacher": w.club_teacher.pk,
                                                     "student": [w.child_a.pk]})
    assert response.status_code == 302
    event = CustodyEvent.objects.get()
    assert (event.kind, event.from_user, event.to_user, event.roll) == (
        CustodyEvent.Kind.GROUP_TO_CLUB, w.teacher_a, w.club_teacher, w.club_roll)
    # child_a is with the club now: the group teacher cannot hand them on (409, named, nothing recorded)
    refused = client.post(_url("roll", w.roll.pk), {"to": "colleague", "to_teacher": w.duty.pk,
                                                    "student": [w.child_a.pk, w.child_a2.pk]})
    assert refused.status_code == 409
    assert "Nothing was handed over: 张小明 (With 冯老师 since 15:00)" in refused.content.decode()
    assert CustodyEvent.objects.count() == 1
    assert Roll.objects.get(pk=w.roll.pk).teacher == w.teacher_a
    # and back: the club teacher hands child_a back to the group
    client.logout()
    login(w.club_teacher)
    page = client.get(_url("roll", w.club_roll.pk))
    assert [t.key for t in page.context["screen"].targets] == [f"roll:{w.roll.pk}", "colleague"]
    back = client.post(_url("roll", w.club_roll.pk), {"to": f"roll:{w.roll.pk}", "to_teacher": w.teacher_a.pk,
                                                      "student": [w.child_a.pk]})
    assert back.status_code == 302
    last = CustodyEvent.objects.order_by("-pk").first()
    assert (last.kind, last.from_user, last.to_user, last.roll) == (
        CustodyEvent.Kind.TEACHER_TO_TEACHER, w.club_teacher, w.teacher_a, w.roll)


def test_the_whole_group_to_a_colleague_who_becomes_the_substitute(att, client, login, api):
    w = att
    response = _post(client, login, w.teacher_a, "roll", w.roll.pk, to="colleague", to_teacher=w.duty.pk,
                     student=[w.child_a.pk, w.child_a2.pk])
    assert response.status_code == 302
    assert CustodyEvent.objects.filter(kind=CustodyEvent.Kind.TEACHER_TO_TEACHER, to_user=w.duty,
                                       roll=w.roll).count() == 2
    roll = Roll.objects.get(pk=w.roll.pk)
    assert roll.teacher == w.duty
    # history keeps who held the roll and why it changed
    before, after = list(roll.history.order_by("history_date"))[-2:]
    assert (before.teacher_id, after.teacher_id) == (w.teacher_a.pk, w.duty.pk)
    assert "钱老师 → 带班周老师" in after.history_change_reason
    # the substitute takes the roll; the teacher who handed it over no longer can
    ok = post_marks(api, w.duty, w.roll, [{"student": w.child_a.pk, "status": "present", "client_id": "s1"}])
    assert ok.status_code == 200
    refused = post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "late", "client_id": "s2"}])
    assert refused.status_code in (403, 404)
    # the console shows who holds the child now
    client.logout()
    login(w.duty)
    console = client.get(f"/attendance/console/{w.school_a.pk}/")
    held = {cs.student.pk: cs.holder_name for cs, _o, _p in console.context["held"]}
    assert held == {w.child_a.pk: "带班周老师"}


def test_the_console_names_the_roll_teacher_before_any_handover(att, client, login, api):
    w = att
    post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "present", "client_id": "p1"}])
    login(w.duty)
    console = client.get(f"/attendance/console/{w.school_a.pk}/")
    assert [cs.holder_name for cs, _o, _p in console.context["held"]] == ["钱老师"]
    assert 'data-testid="holder"' in console.content.decode()


# --- bad input: a message naming what is wrong, nothing recorded, never a 500 -------------------
def _refused(client, login, w, expected_status, message, **data):
    data.setdefault("to", f"roll:{w.roll.pk}")
    response = _post(client, login, w.homeroom, "class", w.class_a.pk, **data)
    assert response.status_code == expected_status, response.content[:300]
    assert message in response.content.decode()
    assert not CustodyEvent.objects.exists()
    return response


def test_a_teacher_of_another_school_is_refused(att, client, login):
    w = att
    _refused(client, login, w, 400, "The receiving teacher must be a teacher of 沙河市实验小学.",
             to_teacher=w.teacher_b.pk, student=[w.child_a.pk])


@pytest.mark.parametrize(("data", "status", "message"), [
    ({"student": []}, 400, "Tick at least one child to hand over."),
    ({"to_teacher": ""}, 400, "Choose the teacher who takes the children."),
    ({"to_teacher": "１２"}, 400, "Choose the teacher who takes the children."),  # full-width digits
    ({"to_teacher": "999999"}, 400, "The receiving teacher must be a teacher of"),
    ({"to": "roll:999999"}, 400, "Choose where the children go."),
    ({"student": ["abc"]}, 400, "A child chosen is not on this list."),
])
def test_bad_input_is_a_clear_400(att, client, login, data, status, message):
    w = att
    body = {"to_teacher": w.teacher_a.pk, "student": [w.child_a.pk], **data}
    _refused(client, login, w, status, message, **body)


def test_a_child_not_on_the_list_is_refused_without_naming_them(att, client, login):
    w = att
    response = _refused(client, login, w, 400, "A child chosen is not on this list.", to_teacher=w.teacher_a.pk,
                        student=[w.child_a.pk, w.child_b.pk])
    assert w.child_b.name not in response.content.decode()


def test_the_holder_cannot_hand_to_themselves(att, client, login):
    w = att
    response = _post(client, login, w.teacher_a, "roll", w.roll.pk, to="colleague", to_teacher=w.teacher_a.pk,
                     student=[w.child_a.pk])
    assert response.status_code == 400
    assert "钱老师 already holds these children" in response.content.decode()
    assert not CustodyEvent.objects.exists() and Roll.objects.get(pk=w.roll.pk).teacher == w.teacher_a


def test_children_not_held_by_the_handing_teacher_are_409_and_nothing_is_recorded(att, client, login, api):
    w = att
    Leave.objects.create(student=w.child_a2, date=w.today, reported_by=w.other_parent)
    assert api.as_user(w.duty).post("/api/v1/custody-events/", {"student": w.child_a.pk, "kind": "pickup",
                                                                  "guardian": w.parent_a.pk},
                                    format="json").status_code == 201
    login(w.homeroom)
    page = client.get(_url("class", w.class_a.pk))
    reasons = {c.student.pk: str(c.reason) for c in page.context["screen"].children}
    assert reasons[w.child_a.pk].startswith("Left at 15:00") and reasons[w.child_a2.pk] == "On leave today"
    assert page.content.decode().count('disabled') >= 2  # shown unticked and not tickable
    response = client.post(_url("class", w.class_a.pk), {"to": f"roll:{w.roll.pk}", "to_teacher": w.teacher_a.pk,
                                                         "student": [w.child_a.pk, w.child_a2.pk]})
    assert response.status_code == 409
    body = response.content.decode()
    assert "张小明 (Left at 15:00" in body and "李小红 (On leave today)" in body
    assert CustodyEvent.objects.filter(kind=CustodyEvent.Kind.CLASS_TO_GROUP).count() == 0


def test_a_child_marked_absent_is_not_handed_on(att, client, login, api):
    w = att
    post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "absent", "client_id": "x"}])
    response = _post(client, login, w.teacher_a, "roll", w.roll.pk, to="colleague", to_teacher=w.duty.pk,
                     student=[w.child_a.pk, w.child_a2.pk])
    assert response.status_code == 409 and "张小明 (Marked absent)" in response.content.decode()
    assert not CustodyEvent.objects.exists() and Roll.objects.get(pk=w.roll.pk).teacher == w.teacher_a


# --- scope -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("who", "source", "status"), [
    ("homeroom", "class", 200), ("principal", "class", 200), ("duty", "class", 200),
    ("teacher_a", "class", 404),  # a teacher of the school who is not the class's homeroom teacher
    ("teacher_b", "class", 404), ("parent_a", "class", 404), ("academic", "class", 404),
    ("duty_off", "class", 404), ("district", "class", 404),
    ("teacher_a", "roll", 200), ("principal", "roll", 200), ("duty", "roll", 200),
    ("homeroom", "roll", 404), ("teacher_b", "roll", 404), ("parent_a", "roll", 404), ("academic", "roll", 404),
])
def test_who_sees_a_handover_screen(att, client, login, who, source, status):
    w = att
    pk = w.class_a.pk if source == "class" else w.roll.pk
    login(getattr(w, who))
    assert client.get(_url(source, pk)).status_code == status
    if status == 404:  # and cannot post one either
        response = client.post(_url(source, pk), {"to": f"roll:{w.roll.pk}", "to_teacher": w.teacher_a.pk,
                                                  "student": [w.child_a.pk]})
        assert response.status_code == 404 and not CustodyEvent.objects.exists()


def test_another_days_roll_and_an_unknown_source_are_404(att, client, login):
    w = att
    tomorrow = w.today + datetime.timedelta(days=1)
    services.rolls_create_for_day(school=w.school_a, date=tomorrow, any_weekday=True)
    other = Roll.objects.get(group=w.group, date=tomorrow)
    login(w.teacher_a)
    assert client.get(_url("roll", other.pk)).status_code == 404
    assert client.get("/attendance/handover/school/1/").status_code == 404
    assert client.get(f"/attendance/handover/roll/{w.roll.pk}٣/").status_code == 404
    assert client.get(_url("roll", 99999999)).status_code == 404


def test_the_offices_of_the_matrix_world_get_404(world, client, login):
    add_offices(world)
    login(world.moral_a)
    assert client.get(_url("class", world.class_a.pk)).status_code == 404


# --- queries -----------------------------------------------------------------------------------
def _queries(client, method, url, data=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, data or {})
    assert response.status_code in (200, 302), response.content[:300]
    return len(ctx.captured_queries)


def test_constant_queries_for_10_and_60_children(att, client, login):
    w = att
    login(w.homeroom)
    url = _url("class", w.class_a.pk)
    children_in_group(w.group, w.class_a, 8)
    client.get(url)
    small_get = _queries(client, "get", url)
    ids = [c.student.pk for c in client.get(url).context["screen"].children]
    small_post = _queries(client, "post", url, {"to": f"roll:{w.roll.pk}", "to_teacher": w.teacher_a.pk,
                                                 "student": ids})
    CustodyEvent.objects.all().delete()
    children_in_group(w.group, w.class_a, 50)
    client.get(url)  # shows the message of the first handover
    large_get = _queries(client, "get", url)
    ids = [c.student.pk for c in client.get(url).context["screen"].children]
    assert len(ids) == 60
    large_post = _queries(client, "post", url, {"to": f"roll:{w.roll.pk}", "to_teacher": w.teacher_a.pk,
                                                 "student": ids})
    assert CustodyEvent.objects.count() == 60
    assert large_get == small_get
    # one INSERT of the events and one of their history rows (SQLite splits a big INSERT in batches)
    assert large_post == small_post or (connection.vendor == "sqlite" and large_post <= small_post + 2)


def test_the_selector_is_the_screen(att):
    """The screen as the service sees it: one target, the group, with both children."""
    w = att
    screen = selectors.handover_screen(user=w.homeroom, source_kind="class", pk=w.class_a.pk)
    assert screen.target.kind == CustodyEvent.Kind.CLASS_TO_GROUP and screen.ticked_count == 2
    assert screen.date == IN_TERM.date()
