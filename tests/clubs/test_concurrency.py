"""Concurrent late joins never oversell a club (PostgreSQL row locks)."""
import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from accounts.roles import Role
from clubs import allocation
from clubs.models import ClubChoice
from tests.clubs.factories import ChoiceWindowFactory, ClubFactory
from tests.factories import (
    GuardianshipFactory,
    HomeroomClassFactory,
    SchoolFactory,
    StudentFactory,
    TermFactory,
    UserFactory,
    give_role,
)

THREADS = 32
CAPACITY = 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("clubs_catalogue")
def test_concurrent_late_joins_never_oversell():
    term = TermFactory()
    school = SchoolFactory()
    now = timezone.now()
    ChoiceWindowFactory(school=school, term=term, opens_at=now - datetime.timedelta(days=2),
                        closes_at=now - datetime.timedelta(days=1), allocated_at=now)
    club = ClubFactory(school=school, term=term, capacity=CAPACITY)
    homeroom_class = HomeroomClassFactory(school=school)
    pairs = []
    for _ in range(THREADS):
        parent = UserFactory()
        give_role(parent, Role.PARENT)
        student = StudentFactory(homeroom_class=homeroom_class)
        GuardianshipFactory(guardian=parent, student=student)
        pairs.append((parent, student))
    barrier = threading.Barrier(THREADS)
    errors = []

    def join(parent, student):
        try:
            barrier.wait()
            allocation.choice_make(user=parent, student=student, club=club)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=join, args=pair) for pair in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert ClubChoice.objects.filter(club=club, status=ClubChoice.Status.ENROLLED).count() == CAPACITY
    assert ClubChoice.objects.filter(club=club, status=ClubChoice.Status.WAITLISTED).count() == THREADS - CAPACITY
