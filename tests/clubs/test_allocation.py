"""Menu-style choice and allocation: rank order, priority, clashes, waitlist promotion, late joins."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from accounts.roles import Role
from clubs import allocation
from clubs.models import ClubChoice
from shahe_afterschool.errors import ConflictError, DomainError
from tests.clubs.factories import ChoiceWindowFactory, ClubFactory
from tests.factories import GuardianshipFactory, StudentFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db
S = ClubChoice.Status


@pytest.fixture
def menu(world):
    w = world
    w.window = ChoiceWindowFactory(school=w.school_a, term=w.term)
    w.chess = ClubFactory(school=w.school_a, term=w.term, name="围棋", capacity=1, slots=[(1, "16:00", "17:00")])
    w.choir = ClubFactory(school=w.school_a, term=w.term, name="合唱", capacity=1, slots=[(1, "16:30", "17:30")])
    w.rope = ClubFactory(school=w.school_a, term=w.term, name="花样跳绳", capacity=5, slots=[(3, "16:00", "17:00")])
    return w


def child(w, name):
    parent = UserFactory()
    give_role(parent, Role.PARENT)
    student = StudentFactory(homeroom_class=w.class_a, name=name)
    GuardianshipFactory(guardian=parent, student=student)
    return parent, student


def close_window(w):
    w.window.opens_at = timezone.now() - datetime.timedelta(days=3)
    w.window.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    w.window.save()


def status(choice):
    choice.refresh_from_db()
    return choice.status


def test_first_choices_are_served_before_second_choices(menu):
    w = menu
    # child_a chose chess second; child_a2 chose chess first, later in time: the first choice wins
    a1 = allocation.choice_make(user=w.parent_a, student=w.child_a, club=w.choir, rank=1)
    a2 = allocation.choice_make(user=w.parent_a, student=w.child_a, club=w.chess, rank=2)
    b1 = allocation.choice_make(user=w.other_parent, student=w.child_a2, club=w.chess, rank=1)
    close_window(w)
    counts = allocation.allocate(school=w.school_a, term=w.term, user=w.principal)
    assert (status(a1), status(a2), status(b1)) == (S.ENROLLED, S.NOT_PLACED, S.ENROLLED)
    assert counts == {S.ENROLLED: 2, S.NOT_PLACED: 1}
    a2.refresh_from_db()
    assert (a2.reason, a2.reason_params) == ("lower_not_needed", {"rank": 1})
    with translation.override("en"):
        assert a2.reason_text == "Choice 1 was granted, so this lower choice was not needed."
    with translation.override("zh-hans"):
        assert a2.reason_text == "已录取第1志愿，此较低志愿不再需要。"


def test_within_a_round_earlier_choice_wins_and_the_rest_are_waitlisted(menu):
    w = menu
    first = allocation.choice_make(user=w.other_parent, student=w.child_a2, club=w.chess, rank=1)
    second = allocation.choice_make(user=w.parent_a, student=w.child_a, club=w.chess, rank=1)
    close_window(w)
    allocation.allocate(school=w.school_a, term=w.term)
    assert (status(first), status(second)) == (S.ENROLLED, S.WAITLISTED)
    assert allocation.waitlist_position(second) == 1


def test_priority_group_goes_first_through_the_hook(menu):
    w = menu
    first = allocation.choice_make(user=w.other_parent, student=w.child_a2, club=w.chess, rank=1)
    later = allocation.choice_make(user=w.parent_a, student=w.child_a, club=w.chess, rank=1)
    close_window(w)

    def hook(student_ids, term):
        return {w.child_a.pk} & set(student_ids)

    allocation.register_priority_hook(hook)
    try:
        allocation.allocate(school=w.school_a, term=w.term)
    finally:
        allocation.PRIORITY_HOOKS.remove(hook)
    assert (status(later), status(first)) == (S.ENROLLED, S.WAITLISTED)


def test_without_a_hook_nobody_has_priority(menu):
    assert allocation.priority_students([menu.child_a.pk], menu.term) == set()


def test_a_clash_with_the_childs_other_club_is_not_placed(menu):
    w = menu
    # child_a already holds chess (Monday 16:00-17:00); choir is Monday 16:30-17:30
    ClubChoice.objects.create(club=w.chess, student=w.child_a, term=w.term, status=S.ENROLLED,
                              chosen_at=timezone.now())
    c = allocation.choice_make(user=w.parent_a, student=w.child_a, club=w.choir, rank=1)
    r = allocation.choice_make(user=w.parent_a, student=w.child_a, club=w.rope, rank=2)
    close_window(w)
    allocation.allocate(school=w.school_a, term=w.term)
    c.refresh_from_db()
    assert c.status == S.NOT_PLACED and c.reason == "clash"
    with translation.override("en"):
        assert c.reason_text == "It clashes with 围棋 (Monday 16:00-17:00)."
    assert status(r) == S.ENROLLED


def test_withdrawal_promotes_the_waitlist_and_releases_a_lower_choice(menu):
    w = menu
    a = allocation.choice_make(user=w.other_parent, student=w.child_a2, club=w.chess, rank=1)
    b1 = allocation.choice_make(user=w.parent_a, student=w.child_a, club=w.chess, rank=1)
    b2 = allocation.choice_make(user=w.parent_a, student=w.child_a, club=w.rope, rank=2)
    close_window(w)
    allocation.allocate(school=w.school_a, term=w.term)
    assert (status(a), status(b1), status(b2)) == (S.ENROLLED, S.WAITLISTED, S.ENROLLED)
    allocation.choice_withdraw(user=w.other_parent, choice=a)
    assert (status(a), status(b1), status(b2)) == (S.WITHDRAWN, S.ENROLLED, S.RELEASED)
    assert w.parent_a.notifications.filter(kind="clubs.promoted").count() == 1


def test_allocation_runs_once_and_is_safe_to_run_again(menu):
    w = menu
    allocation.choice_make(user=w.parent_a, student=w.child_a, club=w.chess, rank=1)
    close_window(w)
    allocation.allocate(school=w.school_a, term=w.term)
    assert allocation.allocate(school=w.school_a, term=w.term) == {}
    assert ClubChoice.objects.filter(status=S.ENROLLED).count() == 1


def test_late_join_while_seats_are_free_then_waitlist_when_full(menu):
    w = menu
    close_window(w)
    allocation.allocate(school=w.school_a, term=w.term)
    joined = allocation.choice_make(user=w.parent_a, student=w.child_a, club=w.chess)
    late = allocation.choice_make(user=w.other_parent, student=w.child_a2, club=w.chess)
    assert (joined.status, late.status) == (S.ENROLLED, S.WAITLISTED)
    with pytest.raises(ConflictError):  # choir clashes with chess on Monday
        allocation.choice_make(user=w.parent_a, student=w.child_a, club=w.choir)


def test_only_the_guardian_chooses_and_rules_are_enforced(menu, staff):
    w = menu
    with pytest.raises(PermissionDenied):
        allocation.choice_make(user=w.other_parent, student=w.child_a, club=w.chess, rank=1)
    with pytest.raises(DomainError):
        allocation.choice_make(user=w.parent_a, student=w.child_a, club=w.chess, rank=4)
    high = ClubFactory(school=w.school_a, term=w.term, grade_min=5, grade_max=6)
    with pytest.raises(DomainError):
        allocation.choice_make(user=w.parent_a, student=w.child_a, club=high, rank=1)
    with pytest.raises(PermissionDenied):
        close_window(w)
        allocation.allocate(school=w.school_a, term=w.term, user=staff.teacher_a)


def test_choosing_again_at_a_rank_replaces_the_pending_choice(menu):
    w = menu
    old = allocation.choice_make(user=w.parent_a, student=w.child_a, club=w.chess, rank=1)
    new = allocation.choice_make(user=w.parent_a, student=w.child_a, club=w.rope, rank=1)
    assert status(old) == S.WITHDRAWN and new.status == S.PENDING


def test_allocation_refused_while_the_window_is_open(menu):
    with pytest.raises(ConflictError):
        allocation.allocate(school=menu.school_a, term=menu.term, user=menu.principal)


def test_club_teacher_sees_the_members(menu, staff):
    from schools.models import Student

    menu.chess.teachers.set([staff.teacher_a])
    ClubChoice.objects.create(club=menu.chess, student=menu.child_a, term=menu.term, status=S.ENROLLED,
                              chosen_at=timezone.now())
    assert list(Student.objects.visible_to(staff.teacher_a)) == [menu.child_a]
