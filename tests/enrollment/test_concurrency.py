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
from enrollment.models import Application, ApplicationTransition, Placement
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
