"""Every notice to a guardian names the child and the thing, and links to it (issue 19, item 6): a
family with two children at the school gets two notices it can tell apart. The inbox marks unread
notices with a badge, the menu shows their count in one query."""
import datetime

import pytest
from django.utils import timezone

from accounts.roles import Role
from notices.models import Notification
from notices.services import notify
from tests.factories import IN_TERM, GuardianshipFactory, StudentFactory, UserFactory, give_role

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]


@pytest.fixture
def family(world):
    """parent_a has two children at school_a: child_a (张小明) and a sibling, 张小华."""
    w = world
    w.sibling = StudentFactory(homeroom_class=w.class_a, name="张小华")
    GuardianshipFactory(guardian=w.parent_a, student=w.sibling)
    return w


def _titles(user, kind):
    return sorted(Notification.objects.filter(recipient=user, kind=kind).values_list("title", "body", "link"))


def test_absences_and_pickups_name_each_child_and_link_to_its_card(family, django_capture_on_commit_callbacks):
    from attendance import services
    from attendance.models import Mark, Roll
    from tests.attendance.factories import approved_plan, place
    from tests.enrollment.factories import ServiceGroupFactory

    w = family
    teacher = UserFactory(name="钱老师")
    give_role(teacher, Role.TEACHER, school=w.school_a)
    approved_plan(w.school_a, w.term)
    group = ServiceGroupFactory(school=w.school_a, term=w.term, teacher=teacher, capacity=10, name="三四年级课后服务组")
    for kid in (w.child_a, w.sibling):
        place(kid, group, guardian=w.parent_a)
    today = timezone.localdate()
    services.rolls_create_for_day(school=w.school_a, date=today, any_weekday=True)
    roll = Roll.objects.get(group=group)
    services.marks_record(roll=roll, user=teacher, roll_student_ids={w.child_a.pk, w.sibling.pk}, marks=[
        {"student": w.child_a.pk, "status": Mark.Status.ABSENT, "client_id": "1"},
        {"student": w.sibling.pk, "status": Mark.Status.ABSENT, "client_id": "2"}])
    services.absences_notify(roll=roll)
    absent = _titles(w.parent_a, "attendance.absent")
    assert len(absent) == 2 and len({t for t, _b, _l in absent}) == 2
    for (title, body, _link), kid in zip(absent, sorted((w.child_a, w.sibling), key=lambda k: k.name), strict=False):
        assert kid.name in title and "三四年级课后服务组" in title and kid.name in body
    assert {link for _t, _b, link in absent} == {f"/enrollment/#today-{w.child_a.pk}",
                                                 f"/enrollment/#today-{w.sibling.pk}"}
    # a pickup names the child, the adult and the time
    services.marks_record(roll=roll, user=teacher, roll_student_ids={w.sibling.pk}, marks=[
        {"student": w.sibling.pk, "status": Mark.Status.PRESENT, "client_id": "3",
         "marked_at": timezone.now() + datetime.timedelta(seconds=1)}])
    with django_capture_on_commit_callbacks(execute=True):
        services.custody_record(user=teacher, student=w.sibling, kind="pickup", guardian_id=w.parent_a.pk)
    (title, _body, link), = _titles(w.parent_a, "attendance.released")
    assert "张小华" in title and "张家长" in title and link == f"/enrollment/#today-{w.sibling.pk}"


def test_club_allocation_names_the_child_and_the_club(family):
    from clubs import allocation
    from tests.clubs.factories import ChoiceWindowFactory, ClubFactory

    w = family
    window = ChoiceWindowFactory(school=w.school_a, term=w.term)
    chess = ClubFactory(school=w.school_a, term=w.term, name="围棋社", capacity=1, slots=[(1, "16:00", "17:00")])
    robots = ClubFactory(school=w.school_a, term=w.term, name="机器人社", capacity=5, slots=[(3, "16:00", "17:00")])
    allocation.choice_make(user=w.parent_a, student=w.child_a, club=chess, rank=1)
    allocation.choice_make(user=w.parent_a, student=w.sibling, club=chess, rank=1)
    allocation.choice_make(user=w.parent_a, student=w.sibling, club=robots, rank=2)
    window.opens_at = timezone.now() - datetime.timedelta(days=3)
    window.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    window.save()
    allocation.allocate(school=w.school_a, term=w.term, user=w.principal)
    notices = _titles(w.parent_a, "clubs.allocated")
    assert len(notices) == 2, notices
    by_child = {("张小明" if "张小明" in t else "张小华"): (t, b) for t, b, _l in notices}
    title, body = by_child["张小明"]
    assert title == "社团名额已分配：张小明 进入围棋社"
    assert "张小明 第1志愿 围棋社" in body
    title, body = by_child["张小华"]
    assert title == "社团名额已分配：张小华 进入机器人社"
    assert "张小华 第1志愿 围棋社" in body and "张小华 第2志愿 机器人社" in body
    assert all(link == "/clubs/menu/" for _t, _b, link in notices)


def test_an_incident_message_names_each_child(family, django_capture_on_commit_callbacks):
    from safety import services as safety_services
    from safety.models import Incident

    w = family
    incident = Incident.objects.create(school=w.school_a, type="injury", severity=1, description="操场擦伤",
                                       occurred_at=timezone.now(), reported_by=w.homeroom)
    incident.children.set([w.child_a, w.sibling])
    with django_capture_on_commit_callbacks(execute=True):
        safety_services.incident_notify_guardians(incident=incident, user=w.homeroom, message="已处理，请放心。")
    notices = _titles(w.parent_a, "safety.incident_guardian")
    assert [t for t, _b, _l in notices] == sorted([f"{w.school_a.name}：关于张小明的消息",
                                                    f"{w.school_a.name}：关于张小华的消息"])
    assert all(link == f"/safety/incidents/{incident.pk}/" for _t, _b, link in notices)


def test_the_inbox_marks_unread_notices_and_the_menu_counts_them(world, login):
    notify(recipients=[world.parent_a], kind="test", title="已读的消息")
    Notification.objects.update(read_at=timezone.now())
    notify(recipients=[world.parent_a], kind="test", title="新消息一")
    notify(recipients=[world.parent_a], kind="test", title="新消息二")
    client = login(world.parent_a)
    body = client.get("/notices/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert body.count('data-testid="unread-badge"') == 2
    assert "list-group-item-primary" not in body  # not the whole row tinted
    assert body.count("notice-unread") == 2
    assert 'data-testid="unread-count">2<span class="visually-hidden"> 未读</span>' in body
    # the count was read when signing in: a page asks nothing more; a new notice drops it, the next
    # page counts once
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts_on_a_page():
        with CaptureQueriesContext(connection) as ctx:
            body = client.get("/privacy/notice/").content.decode()
        return body, [q for q in ctx.captured_queries if "COUNT(" in q["sql"] and "notices_notification" in q["sql"]]

    body, counts = counts_on_a_page()
    assert counts == [] and 'data-testid="unread-count">2<' in body
    notify(recipients=[world.parent_a], kind="test", title="新消息三")
    body, counts = counts_on_a_page()
    assert len(counts) == 1 and 'data-testid="unread-count">3<' in body
    assert counts_on_a_page()[1] == []
    client.post("/notices/read-all/")
    assert 'data-testid="unread-count"' not in client.get("/notices/").content.decode()
