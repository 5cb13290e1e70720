"""First-come allocation (`application_allocate`): a reviewed application takes the first free seat
of a matching group at once, or joins the waiting list at its place in the allocation order
(verified priority first, then time of application), in a fixed number of queries however long
the waiting list is; the list stays what the whole allocation (`allocation_run`) would make it."""

import pytest

from enrollment import services
from enrollment.models import Application, Placement
from enrollment.selectors import explanation_text
from notices.models import Notification

from .allocating import S, approved, at, waiting_list
from .factories import ServiceGroupFactory, child_with_parent

pytestmark = pytest.mark.django_db


def first_come(enr, name, when, *, claim=None, verified=None, sessions=("after_school",)):
    """A child of class_a applies at `when`, has the claim decided, is approved and allocated."""
    app = approved(enr, name, when, claims=[(claim, verified)] if claim else [], sessions=sessions)
    return services.application_allocate(application=app)


def test_seats_go_in_arrival_order_and_the_list_in_allocation_order(enr):
    """Two seats. D applied before C but was approved later; E has a verified priority claim; F
    applied first of all but was approved last."""
    assert first_come(enr, "A", "08:00").status == S.PLACED
    assert first_come(enr, "B", "08:10").status == S.PLACED
    c = first_come(enr, "C", "08:20", claim="hardship")  # claim not decided: no priority
    assert (c.status, c.waitlist_position) == (S.WAITLISTED, 1)
    d = first_come(enr, "D", "08:05")
    assert (d.status, d.waitlist_position) == (S.WAITLISTED, 1)
    assert waiting_list(enr) == [("D", 1), ("C", 2)]
    e = first_come(enr, "E", "09:00", claim="dual_working", verified=True)
    assert e.waitlist_position == 1
    assert first_come(enr, "F", "07:00").waitlist_position == 2
    assert waiting_list(enr) == [("E", 1), ("F", 2), ("D", 3), ("C", 4)]
    assert Placement.objects.filter(group=enr.group, active=True).count() == 2

    # Each waiting child's explanation counts the priority claims ahead of it, also once moved down.
    apps = {a.student.name: a for a in Application.objects.filter(status=S.WAITLISTED).select_related("student")}
    assert {n: (a.explanation["position"], a.explanation["ahead_priority"]) for n, a in apps.items()} == {
        "E": (1, 0), "F": (2, 1), "D": (3, 1), "C": (4, 1)}
    assert apps["F"].explanation["full_sessions"] == ["after_school"]
    assert "Number 3 on the waiting list" in explanation_text(apps["D"], show_priority=False)
    assert "of the children ahead 1 has a verified priority claim" in explanation_text(apps["D"],
                                                                                        show_priority=False)

    # The whole allocation finds nothing to change: no waiting child fits a seat, the order holds.
    before = list(Application.objects.order_by("pk").values_list("status", "waitlist_position"))
    assert services.allocation_run(school=enr.world.school_a, term=enr.world.term, by=enr.moral) == {
        "placed": 0, "waitlisted": 0}
    assert list(Application.objects.order_by("pk").values_list("status", "waitlist_position")) == before

    # A freed seat goes to the first on the list.
    a = Application.objects.get(student__name="A")
    services.application_withdraw(application=a, by=a.student.guardianships.get().guardian)
    assert Application.objects.get(pk=e.pk).status == S.PLACED
    assert waiting_list(enr) == [("F", 1), ("D", 2), ("C", 3)]


def test_a_verified_claim_moves_a_waiting_child_up_at_once(enr):
    first_come(enr, "A", "08:00")
    first_come(enr, "B", "08:01")
    first_come(enr, "C", "08:20", claim="migrant")
    first_come(enr, "D", "08:10")
    first_come(enr, "E", "09:00", claim="dual_working", verified=True)
    assert waiting_list(enr) == [("E", 1), ("D", 2), ("C", 3)]
    c = Application.objects.get(student__name="C")
    services.claim_decide(claim=c.claims.get(), by=enr.world.homeroom, verified=True)
    assert waiting_list(enr) == [("C", 1), ("E", 2), ("D", 3)]
    # and a later arrival is counted against the new order
    first_come(enr, "F", "08:15")
    assert waiting_list(enr) == [("C", 1), ("E", 2), ("D", 3), ("F", 4)]


def test_every_session_needs_a_free_seat_or_the_child_waits(enr):
    w = enr.world
    noon = ServiceGroupFactory(school=w.school_a, term=w.term, session="noon", capacity=1)
    a = first_come(enr, "A", "08:00", sessions=("noon", "after_school"))
    assert a.status == S.PLACED
    assert set(a.placements.values_list("group", flat=True)) == {noon.pk, enr.group.pk}
    b = first_come(enr, "B", "08:01", sessions=("noon", "after_school"))
    assert (b.status, b.explanation["full_sessions"]) == (S.WAITLISTED, ["noon"])
    assert not b.placements.exists()
    # the after-school seat B could not use goes to the next child who asks only for it
    assert first_come(enr, "C", "08:02").status == S.PLACED
    assert Placement.objects.filter(group=enr.group, active=True).count() == 2


def test_a_child_no_group_serves_waits(enr):
    enr.group.grade_from = enr.group.grade_to = 5  # class_a is grade 3
    enr.group.save()
    app = first_come(enr, "A", "08:00")
    assert (app.status, app.waitlist_position) == (S.WAITLISTED, 1)
    assert first_come(enr, "B", "08:01").waitlist_position == 2


def test_a_new_group_takes_the_waiting_children_in_order(enr):
    w = enr.world
    enr.group.capacity = 0
    enr.group.save()
    first_come(enr, "A", "08:10")
    first_come(enr, "B", "08:00")
    first_come(enr, "C", "08:20")
    services.service_group_create(school=w.school_a, term=w.term, by=enr.moral, name="新组", session="after_school",
                                  grade_from=1, grade_to=6, weekdays=[1, 2, 3, 4, 5], capacity=2)
    placed = set(Application.objects.filter(status=S.PLACED).values_list("student__name", flat=True))
    assert placed == {"B", "A"}
    assert waiting_list(enr) == [("C", 1)]
    # so the next child does not jump the queue: no seat is left for them
    assert first_come(enr, "D", "07:00").waitlist_position == 1


def test_allocating_twice_or_an_unreviewed_application_changes_nothing(enr):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    assert services.application_allocate(application=app).status == S.SUBMITTED
    enr.approve(app)
    assert services.application_allocate(application=app).status == S.PLACED
    assert services.application_allocate(application=app).status == S.PLACED
    assert Placement.objects.filter(application=app).count() == 1
    assert app.transitions.filter(to_status=S.PLACED).count() == 1


def test_the_parent_is_told_each_step(enr, django_capture_on_commit_callbacks):
    w = enr.world
    enr.group.capacity = 0
    enr.group.save()
    with django_capture_on_commit_callbacks(execute=True):
        app = enr.apply(w.child_a, w.parent_a)
        enr.approve(app)
        services.application_allocate(application=app)
    kinds = list(Notification.objects.filter(recipient=w.parent_a).order_by("id").values_list("kind", flat=True))
    assert kinds == ["enrollment.received", "enrollment.approved", "enrollment.waitlisted"]
    from django.utils import translation

    app.refresh_from_db()
    with translation.override("zh-hans"):  # notices are written in the site's language
        assert Notification.objects.get(kind="enrollment.waitlisted").body == explanation_text(app,
                                                                                                show_priority=True)


@pytest.mark.parametrize("waiting", [1, 6])
def test_a_place_on_the_list_costs_the_same_however_long_it_is(enr, django_assert_num_queries, waiting):
    enr.group.capacity = 1
    enr.group.save()
    first_come(enr, "A", "08:00")
    for i in range(waiting):
        first_come(enr, f"W{i}", f"08:{10 + i:02d}")
    child, parent = child_with_parent(enr.world.class_a, name="Z")
    app = enr.apply(child, parent, submitted_at=at("08:05"))  # lands at the top of the list
    enr.approve(app)
    # (in a savepoint of the test's transaction) read, lock the groups, lock the application, count
    # the seats, lock the school, count the list, shift the children behind, the application with
    # its history and its transition, the guardians and their notice (one insert in a savepoint)
    with django_assert_num_queries(16):
        app = services.application_allocate(application=app)
    assert app.waitlist_position == 1
    assert waiting_list(enr)[-1] == (f"W{waiting - 1}", waiting + 1)


def test_a_place_at_the_end_of_the_list_moves_nobody(enr, django_assert_num_queries):
    enr.group.capacity = 1
    enr.group.save()
    first_come(enr, "A", "08:00")
    first_come(enr, "W", "08:10")
    child, parent = child_with_parent(enr.world.class_a, name="Z")
    app = enr.apply(child, parent, submitted_at=at("08:20"))
    enr.approve(app)
    with django_assert_num_queries(15):  # as above, without the shift
        app = services.application_allocate(application=app)
    assert waiting_list(enr) == [("W", 1), ("Z", 2)]


@pytest.mark.parametrize("waiting", [0, 6])
def test_a_seat_costs_the_same_however_long_the_list_is(enr, django_assert_num_queries, waiting):
    w = enr.world
    enr.group.capacity = 1
    enr.group.save()
    first_come(enr, "A", "08:00")
    for i in range(waiting):
        first_come(enr, f"W{i}", f"08:{10 + i:02d}")
    ServiceGroupFactory(school=w.school_a, term=w.term, session="noon", capacity=1)
    child, parent = child_with_parent(w.class_a, name="Z")
    app = enr.apply(child, parent, sessions=["noon"])
    enr.approve(app)
    # (in a savepoint of the test's transaction) read, lock the groups, lock the application, count
    # the seats, count the list, the placement with its history, the application with its history
    # and its transition, the guardians and their notice (one insert in a savepoint)
    with django_assert_num_queries(16):
        app = services.application_allocate(application=app)
    assert app.status == S.PLACED


def test_a_child_moved_to_another_grade_during_the_allocation_is_retried_not_misplaced(enr, monkeypatch):
    """The groups are chosen (and locked) by the child's grade before the application's row is
    locked; if the child changed class in between, nothing is written and the caller retries."""
    from schools.models import Student
    from shahe_afterschool.errors import ConflictError
    from tests.factories import GradeFactory, HomeroomClassFactory

    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    enr.approve(app)
    fifth = HomeroomClassFactory(school=w.school_a, grade=GradeFactory(school=w.school_a, number=5))
    lock = services._lock_candidate_groups

    def moved_meanwhile(application, **kw):
        groups = lock(application, **kw)
        Student.objects.filter(pk=w.child_a.pk).update(homeroom_class=fifth)
        return groups

    monkeypatch.setattr(services, "_lock_candidate_groups", moved_meanwhile)
    with pytest.raises(ConflictError):
        services.application_allocate(application=app)
    monkeypatch.setattr(services, "_lock_candidate_groups", lock)
    app.refresh_from_db()
    assert app.status == S.CLASS_REVIEWED and not app.placements.exists()
    assert services.application_allocate(application=app).status == S.PLACED  # the retry
