"""Allocation never oversells, also under concurrent requests on PostgreSQL.

56 threads, each with its own database connection, apply for a different child, have it approved
and ask for a seat at the same moment; the group has 10 seats. Exactly 10 are placed, the other
46 are waitlisted with the distinct positions 1..46, and nothing is duplicated.
"""
import threading
import time

import pytest
from django.db import connection, connections

from accounts.roles import Role
from enrollment import services
from enrollment.models import Application, ApplicationTransition, Placement, ServiceGroup
from tests.factories import HomeroomClassFactory, SchoolFactory, TermFactory, UserFactory, give_role

from .factories import ParentLetterFactory, ServiceGroupFactory, child_with_parent

THREADS = 56
SEATS = 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_six_parents_at_once_never_oversell_a_ten_seat_group():
    term = TermFactory()
    school = SchoolFactory()
    homeroom = UserFactory()
    give_role(homeroom, Role.HOMEROOM, school=school)
    klass = HomeroomClassFactory(school=school, homeroom_teacher=homeroom)
    letter = ParentLetterFactory(school=school, term=term)
    group = ServiceGroupFactory(school=school, term=term, capacity=SEATS)
    families = [child_with_parent(klass) for _ in range(THREADS)]
    for _child, parent in families:
        services.letter_acknowledge(letter=letter, guardian=parent)

    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def one_family(child, parent):
        try:
            barrier.wait(timeout=60)
            app = services.application_submit(by=parent, student=child, term=term, sessions=["after_school"],
                                              weekdays=[1, 2, 3, 4, 5], letter=letter)
            services.application_review(application=app, by=homeroom, decision="approve")
            services.application_allocate(application=app)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one_family, args=f) for f in families]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    elapsed = time.perf_counter() - started

    assert errors == []
    assert connection.vendor == "postgresql"
    apps = Application.objects.filter(term=term, school=school)
    placed = apps.filter(status=Application.Status.PLACED).count()
    waitlisted = list(apps.filter(status=Application.Status.WAITLISTED).values_list("waitlist_position", flat=True))
    assert apps.count() == THREADS
    assert placed == SEATS
    assert Placement.objects.filter(group=group, active=True).count() == SEATS
    assert sorted(waitlisted) == list(range(1, THREADS - SEATS + 1))
    # Each child placed once and each application placed or waitlisted exactly once.
    assert Placement.objects.values("application").distinct().count() == SEATS
    assert ApplicationTransition.objects.filter(to_status=Application.Status.PLACED).count() == SEATS
    assert ApplicationTransition.objects.filter(to_status=Application.Status.WAITLISTED).count() == THREADS - SEATS
    print(f"\nconcurrency: {THREADS} threads, {SEATS} seats: {placed} placed, {len(waitlisted)} waitlisted "
          f"(positions 1..{max(waitlisted)}), {elapsed:.2f} s")


MIXED = 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_first_come_under_load_keeps_the_allocation_order_and_every_seat_count():
    """40 parents at once, for the noon group (5 seats), the after-school group (5 seats) or both;
    every fourth has a verified priority claim. No group is oversold, every child waits or has a
    seat in each session asked for, the waiting list is 1..n in the allocation order (priority,
    then time of application), and the whole allocation run afterwards finds nothing to change."""
    from enrollment.services import _sort_key

    term = TermFactory()
    school = SchoolFactory()
    homeroom = UserFactory()
    give_role(homeroom, Role.HOMEROOM, school=school)
    principal = UserFactory()
    give_role(principal, Role.PRINCIPAL, school=school)
    klass = HomeroomClassFactory(school=school, homeroom_teacher=homeroom)
    letter = ParentLetterFactory(school=school, term=term)
    noon = ServiceGroupFactory(school=school, term=term, session="noon", capacity=5)
    after = ServiceGroupFactory(school=school, term=term, session="after_school", capacity=5)
    choices = [["noon"], ["after_school"], ["noon", "after_school"]]
    apps = []
    for i in range(MIXED):
        child, parent = child_with_parent(klass)
        app = services.application_submit(by=parent, student=child, term=term, sessions=choices[i % 3],
                                          weekdays=[1, 2, 3, 4, 5], letter=letter, letter_acknowledged=True,
                                          priority_claims=[("dual_working", "")] if i % 4 == 0 else [])
        if i % 4 == 0:
            services.claim_decide(claim=app.claims.get(), by=homeroom, verified=True)
        apps.append(app)

    barrier = threading.Barrier(MIXED)
    errors: list[BaseException] = []

    def one(app):
        try:
            barrier.wait(timeout=60)
            services.application_review(application=app, by=homeroom, decision="approve")
            services.application_allocate(application=app)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    assert connection.vendor == "postgresql"
    for group in (noon, after):
        assert Placement.objects.filter(group=group, active=True).count() == 5
    final = list(Application.objects.filter(term=term).prefetch_related("placements__group"))
    for app in final:
        assert app.status in (Application.Status.PLACED, Application.Status.WAITLISTED)
        sessions = sorted(p.group.session for p in app.placements.all() if p.active)
        assert sessions == (sorted(app.sessions) if app.status == Application.Status.PLACED else [])
    waiting = sorted((a for a in final if a.status == Application.Status.WAITLISTED), key=_sort_key)
    assert [a.waitlist_position for a in waiting] == list(range(1, len(waiting) + 1))
    before = sorted(Application.objects.filter(term=term).values_list("pk", "status", "waitlist_position"))
    assert services.allocation_run(school=school, term=term, by=principal) == {"placed": 0, "waitlisted": 0}
    assert sorted(Application.objects.filter(term=term).values_list("pk", "status", "waitlist_position")) == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_first_come_locks_only_the_groups_that_could_serve_the_child():
    """While another transaction holds the noon group, an after-school application is placed at
    once: it neither waits for nor locks the groups it cannot use."""
    from django.db import transaction

    term = TermFactory()
    school = SchoolFactory()
    homeroom = UserFactory()
    give_role(homeroom, Role.HOMEROOM, school=school)
    klass = HomeroomClassFactory(school=school, homeroom_teacher=homeroom)
    letter = ParentLetterFactory(school=school, term=term)
    noon = ServiceGroupFactory(school=school, term=term, session="noon", capacity=5)
    ServiceGroupFactory(school=school, term=term, session="after_school", capacity=5)
    child, parent = child_with_parent(klass)
    app = services.application_submit(by=parent, student=child, term=term, sessions=["after_school"],
                                      weekdays=[1, 2, 3, 4, 5], letter=letter, letter_acknowledged=True)
    services.application_review(application=app, by=homeroom, decision="approve")

    locked, release = threading.Event(), threading.Event()

    def hold_noon():
        try:
            with transaction.atomic():
                list(ServiceGroup.objects.select_for_update().filter(pk=noon.pk))
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_noon)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL lock_timeout = '3s'")  # waiting for the noon group would fail
            placed = services.application_allocate(application=app)
    finally:
        release.set()
        holder.join(timeout=30)
    assert placed.status == Application.Status.PLACED
    assert not Placement.objects.filter(group=noon).exists()
