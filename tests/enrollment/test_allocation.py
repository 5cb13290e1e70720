"""Seat allocation: verified priority first, then time of application; the waitlist in the same
order; a freed seat promotes the first waitlisted child, who is told."""

import pytest

from enrollment import services
from enrollment.models import Application, Placement
from enrollment.selectors import explanation_text
from notices.models import Notification
from shahe_afterschool.errors import ConflictError, DomainError
from tests.factories import HomeroomClassFactory, UserFactory, give_role

from .allocating import S, approved, at
from .factories import ServiceGroupFactory, child_with_parent

pytestmark = pytest.mark.django_db


# name, applied at, claims (group, verified?) → expected status, waitlist position
ORDER_TABLE = [
    ("甲", "08:00", [], S.PLACED, None),                               # earliest without priority
    ("乙", "08:05", [("dual_working", True)], S.PLACED, None),         # verified priority
    ("丙", "08:10", [("migrant", False)], S.WAITLISTED, 3),            # declined claim: counts as none
    ("丁", "09:00", [("left_behind", True)], S.PLACED, None),          # late, but verified priority
    ("戊", "08:01", [], S.WAITLISTED, 1),                              # 2nd earliest, no priority
    ("己", "08:02", [("hardship", None)], S.WAITLISTED, 2),            # claim never decided: none
    ("庚", "09:30", [("disabled", True)], S.PLACED, None),            # verified priority
    ("辛", "10:00", [], S.WAITLISTED, 4),
]


@pytest.fixture
def table(enr):
    enr.group.capacity = 4
    enr.group.save()
    return {name: approved(enr, f"测试{name}", when, claims=claims) for name, when, claims, _s, _p in ORDER_TABLE}


def test_allocation_order_priority_first_then_time(enr, table):
    result = services.allocation_run(school=enr.world.school_a, term=enr.world.term, by=enr.moral)
    assert result == {"placed": 4, "waitlisted": 4}
    for name, _when, _claims, status, position in ORDER_TABLE:
        app = Application.objects.get(pk=table[name].pk)
        assert (name, app.status, app.waitlist_position) == (name, status, position)
    assert Placement.objects.filter(group=enr.group, active=True).count() == 4


def test_each_application_explains_its_place(enr, table):
    services.allocation_run(school=enr.world.school_a, term=enr.world.term, by=enr.moral)
    ding = Application.objects.get(pk=table["丁"].pk)
    assert ding.explanation["rank"] == 2 and ding.explanation["priority"] is True
    text = explanation_text(ding, show_priority=True)
    assert enr.group.name in text and "verified priority" in text
    xin = Application.objects.get(pk=table["辛"].pk)
    text = explanation_text(xin, show_priority=False)
    assert "Number 4 on the waiting list" in text and "this child has no verified priority claim" not in text
    assert "this child has no verified priority claim" in explanation_text(xin, show_priority=True)
    assert "8:05" in explanation_text(Application.objects.get(pk=table["乙"].pk), show_priority=True)
    assert xin.explanation["ahead_priority"] == 0


def test_withdrawal_promotes_the_first_waitlisted_and_tells_the_parent(enr, table, django_capture_on_commit_callbacks):
    w = enr.world
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    jia = Application.objects.get(pk=table["甲"].pk)
    parent_jia = jia.student.guardianships.get().guardian
    with django_capture_on_commit_callbacks(execute=True):
        services.application_withdraw(application=jia, by=parent_jia)
    wu = Application.objects.get(pk=table["戊"].pk)
    assert wu.status == S.PLACED and wu.explanation["promoted"] is True
    assert wu.transitions.last().from_status == S.WAITLISTED
    positions = dict(Application.objects.filter(status=S.WAITLISTED).values_list("student__name", "waitlist_position"))
    assert positions == {"测试己": 1, "测试丙": 2, "测试辛": 3}
    parent_wu = wu.student.guardianships.get().guardian
    notice = Notification.objects.get(recipient=parent_wu, kind="enrollment.promoted")
    assert "测试戊" in notice.title
    assert Notification.objects.filter(recipient=parent_jia, kind="enrollment.withdrawn").exists()


def test_waitlisted_withdrawal_moves_the_others_up(enr, table):
    services.allocation_run(school=enr.world.school_a, term=enr.world.term, by=enr.moral)
    wu = Application.objects.get(pk=table["戊"].pk)
    services.application_withdraw(application=wu, by=wu.student.guardianships.get().guardian)
    positions = dict(Application.objects.filter(status=S.WAITLISTED).values_list("student__name", "waitlist_position"))
    assert positions == {"测试己": 1, "测试丙": 2, "测试辛": 3}
    assert Placement.objects.filter(active=True).count() == 4


def test_raising_the_head_count_promotes_in_order(enr, table):
    services.allocation_run(school=enr.world.school_a, term=enr.world.term, by=enr.moral)
    services.service_group_update(group=enr.group, by=enr.moral, capacity=6)
    placed = set(Application.objects.filter(status=S.PLACED).values_list("student__name", flat=True))
    assert {"测试戊", "测试己"} <= placed
    assert Application.objects.get(pk=table["丙"].pk).waitlist_position == 1


def test_head_count_cannot_drop_below_the_placed_children(enr, table):
    services.allocation_run(school=enr.world.school_a, term=enr.world.term, by=enr.moral)
    with pytest.raises(ConflictError) as err:
        services.service_group_update(group=enr.group, by=enr.moral, capacity=3)
    assert "4" in str(err.value.message)
    enr.group.refresh_from_db()
    assert enr.group.capacity == 4


def test_running_the_allocation_twice_changes_nothing(enr, table):
    w = enr.world
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    before = list(Application.objects.order_by("pk").values_list("status", "waitlist_position"))
    assert services.allocation_run(school=w.school_a, term=w.term, by=enr.moral) == {"placed": 0, "waitlisted": 0}
    assert list(Application.objects.order_by("pk").values_list("status", "waitlist_position")) == before


def test_notices_after_commit_for_each_step(enr, django_capture_on_commit_callbacks):
    w = enr.world
    enr.group.capacity = 0
    enr.group.save()
    with django_capture_on_commit_callbacks(execute=True):
        app = enr.apply(w.child_a, w.parent_a)
        enr.approve(app)
        services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    kinds = list(Notification.objects.filter(recipient=w.parent_a).order_by("id").values_list("kind", flat=True))
    assert kinds == ["enrollment.received", "enrollment.approved", "enrollment.waitlisted"]
    assert "1" in Notification.objects.get(kind="enrollment.waitlisted").title


def test_rejection_notice_carries_the_reason(enr, django_capture_on_commit_callbacks):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_review(application=app, by=w.homeroom, decision="reject", reason="已在校外托管")
    assert Notification.objects.get(kind="enrollment.rejected").body == "已在校外托管"


def test_a_rolled_back_change_notifies_nobody(enr, django_capture_on_commit_callbacks):
    w = enr.world
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ConflictError):
        enr.apply(w.child_a, w.parent_a)
        enr.apply(w.child_a, w.parent_a)  # refused: the first one's notice still goes out, once
    assert Notification.objects.filter(kind="enrollment.received").count() == 1


def test_both_sessions_need_a_seat_or_the_child_waits(enr):
    w = enr.world
    noon = ServiceGroupFactory(school=w.school_a, term=w.term, session="noon", capacity=1)
    a = enr.apply(w.child_a, w.parent_a, sessions=["noon", "after_school"])
    b = enr.apply(w.child_a2, w.other_parent, sessions=["noon", "after_school"])
    enr.approve(a)
    enr.approve(b)
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == S.PLACED and set(a.placements.values_list("group", flat=True)) == {noon.pk, enr.group.pk}
    assert b.status == S.WAITLISTED and b.explanation["full_sessions"] == ["noon"]
    assert not b.placements.exists()


def test_grade_band_and_weekdays_must_match(enr):
    w = enr.world
    enr.group.grade_from = enr.group.grade_to = 5
    enr.group.save()
    app = enr.apply(w.child_a, w.parent_a)  # class_a is grade 3
    enr.approve(app)
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    app.refresh_from_db()
    assert app.status == S.WAITLISTED


def test_only_the_moral_education_office_or_principal_runs_allocation(enr):
    w = enr.world
    for user in (w.homeroom, enr.academic, w.parent_a, w.bureau, w.teacher_b):
        with pytest.raises(DomainError) as err:
            services.allocation_run(school=w.school_a, term=w.term, by=user)
        assert err.value.status_code == 403
    services.allocation_run(school=w.school_a, term=w.term, by=w.principal)


# --- moves ------------------------------------------------------------------------------------
def test_moving_a_child_records_the_reason_and_promotes_into_the_freed_seat(enr, django_capture_on_commit_callbacks):
    w = enr.world
    enr.group.capacity = 1
    enr.group.save()
    other = ServiceGroupFactory(school=w.school_a, term=w.term, capacity=1)
    a = enr.apply(w.child_a, w.parent_a, submitted_at=at("08:00"))
    b = enr.apply(w.child_a2, w.other_parent, submitted_at=at("08:30"))
    child_c, parent_c = child_with_parent(w.class_a)
    c = enr.apply(child_c, parent_c, submitted_at=at("09:00"))
    for app in (a, b, c):
        enr.approve(app)
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    c.refresh_from_db()
    assert c.status == S.WAITLISTED
    placement = Placement.objects.get(application=a, active=True)
    assert placement.group == enr.group
    # the other group is full: refused
    with pytest.raises(ConflictError):
        services.placement_move(placement=placement, to_group=other, by=enr.moral, reason="兴趣")
    services.service_group_update(group=other, by=enr.moral, capacity=3)  # promotes c into `other`
    with pytest.raises(DomainError):
        services.placement_move(placement=placement, to_group=other, by=enr.moral, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        new = services.placement_move(placement=placement, to_group=other, by=enr.moral, reason="与同伴同组")
    assert new.group == other and new.reason == "与同伴同组"
    placement.refresh_from_db()
    assert placement.active is False and placement.end_reason == "与同伴同组"
    a.refresh_from_db()
    assert a.transitions.last().reason == "与同伴同组" and a.explanation["kind"] == "moved"
    assert Notification.objects.filter(recipient=w.parent_a, kind="enrollment.moved").exists()


# --- groups and teachers ----------------------------------------------------------------------
def test_teacher_clash_is_refused_with_the_other_groups_name(enr):
    w = enr.world
    g1 = ServiceGroupFactory(school=w.school_a, term=w.term, name="三年级阅读组", weekdays=[1, 3])
    g2 = ServiceGroupFactory(school=w.school_a, term=w.term, name="三年级体育组", weekdays=[3, 5])
    g3 = ServiceGroupFactory(school=w.school_a, term=w.term, name="午间看护组", session="noon", weekdays=[1, 3])
    g4 = ServiceGroupFactory(school=w.school_a, term=w.term, name="周二组", weekdays=[2])
    services.service_group_assign_teacher(group=g1, teacher=enr.teacher_a, by=enr.academic)
    with pytest.raises(ConflictError) as err:
        services.service_group_assign_teacher(group=g2, teacher=enr.teacher_a, by=enr.academic)
    assert "三年级阅读组" in str(err.value.message)
    g2.refresh_from_db()
    assert g2.teacher is None
    # another session, or no common weekday: no clash
    services.service_group_assign_teacher(group=g3, teacher=enr.teacher_a, by=enr.academic)
    services.service_group_assign_teacher(group=g4, teacher=enr.teacher_a, by=enr.academic)


def test_teacher_must_teach_at_the_school_and_only_academic_assigns(enr):
    w = enr.world
    with pytest.raises(DomainError) as err:
        services.service_group_assign_teacher(group=enr.group, teacher=w.teacher_b, by=enr.academic)
    assert err.value.field == "teacher"
    with pytest.raises(DomainError) as err:
        services.service_group_assign_teacher(group=enr.group, teacher=enr.teacher_a, by=enr.moral)
    assert err.value.status_code == 403


def test_a_teacher_sees_the_children_placed_in_their_group(enr, api):
    w = enr.world
    services.service_group_assign_teacher(group=enr.group, teacher=enr.teacher_a, by=enr.academic)
    assert api.as_user(enr.teacher_a).get("/api/v1/students/").json()["count"] == 0
    app = enr.apply(w.child_a, w.parent_a)
    enr.approve(app)
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    data = api.as_user(enr.teacher_a).get("/api/v1/students/").json()
    assert [s["id"] for s in data["results"]] == [w.child_a.pk]


@pytest.mark.parametrize("kw, field", [
    ({"grade_from": 5, "grade_to": 3}, "grade_from"),
    ({"grade_from": 0}, "grade_from"),
    ({"weekdays": []}, "weekdays"),
    ({"weekdays": [7]}, "weekdays"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": 41}, "capacity"),  # the venue holds 40
    ({"session": "evening"}, "session"),
])
def test_bad_group_input_is_refused(enr, kw, field):
    w = enr.world
    args = {"name": "新组", "session": "after_school", "grade_from": 1, "grade_to": 3, "weekdays": [1, 2],
            "capacity": 20, "venue": enr.venue_a, **kw}
    with pytest.raises(DomainError) as err:
        services.service_group_create(school=w.school_a, term=w.term, by=enr.moral, **args)
    assert err.value.field == field
    assert not w.school_a.service_groups.filter(name="新组").exists()


def test_a_group_with_children_cannot_be_closed_an_empty_one_can(enr):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    enr.approve(app)
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    with pytest.raises(ConflictError) as err:
        services.service_group_close(group=enr.group, by=enr.moral)
    assert enr.group.name in str(err.value.message)
    empty = ServiceGroupFactory(school=w.school_a, term=w.term)
    assert services.service_group_close(group=empty, by=enr.moral).status == "closed"


# --- pickup persons -----------------------------------------------------------------------------
def test_pickup_persons_are_normalised_validated_and_ended_not_deleted(enr):
    w = enr.world
    p = services.pickup_person_add(student=w.child_a, by=w.parent_a, name="张爷爷", relation="祖父",
                                   phone="139 1234-5678")
    assert p.phone == "13912345678"
    with pytest.raises(ConflictError):
        services.pickup_person_add(student=w.child_a, by=w.parent_a, name="张奶奶", relation="祖母",
                                   phone="13912345678")
    with pytest.raises(DomainError) as err:
        services.pickup_person_add(student=w.child_a, by=w.parent_a, name="x", relation="y", phone="12345")
    assert err.value.field == "phone"
    with pytest.raises(DomainError) as err:
        services.pickup_person_add(student=w.child_a, by=w.other_parent, name="x", relation="y",
                                   phone="13912345670")
    assert err.value.status_code == 403
    services.pickup_person_end(person=p, by=w.parent_a)
    p.refresh_from_db()
    assert p.active is False


def test_a_new_school_staff_member_is_not_a_teacher_of_another_school(enr):
    w = enr.world
    stranger = UserFactory()
    give_role(stranger, "teacher", school=w.school_b)
    HomeroomClassFactory(school=w.school_b)
    with pytest.raises(DomainError):
        services.service_group_assign_teacher(group=enr.group, teacher=stranger, by=w.principal)


def test_email_copies_go_out_and_a_failing_mail_server_keeps_the_in_app_notice(
        enr, settings, mailoutbox, django_capture_on_commit_callbacks, monkeypatch):
    w = enr.world
    settings.NOTIFICATION_CHANNELS = ["notices.channels.EmailChannel"]
    w.parent_a.email = "parent_a@example.cn"
    w.parent_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        app = enr.apply(w.child_a, w.parent_a)
    assert [m.to for m in mailoutbox] == [["parent_a@example.cn"]]

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("notices.channels.send_mail", broken)
    with django_capture_on_commit_callbacks(execute=True):
        enr.approve(app)
    assert Notification.objects.filter(recipient=w.parent_a, kind="enrollment.approved").exists()
    assert len(mailoutbox) == 1
