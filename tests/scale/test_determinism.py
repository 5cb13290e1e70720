"""Same seed, same city: the generated term of attendance does not depend on ids or timing."""
import pytest
from django.db import transaction

from attendance.models import CustodyEvent, Mark

from .test_attendance import generate

pytestmark = pytest.mark.django_db


def _fingerprint():
    marks = sorted(Mark.objects.values_list("roll__date", "roll__name", "student__student_number", "status"))
    events = sorted(CustodyEvent.objects.values_list("date", "student__student_number", "kind", "at", "to_name"))
    return marks, events


def test_same_seed_same_term():
    class Rollback(Exception):
        pass

    prints = []
    for _ in range(2):
        try:
            with transaction.atomic():
                generate(seed=9)
                prints.append(_fingerprint())
                raise Rollback
        except Rollback:
            pass
    assert prints[0] == prints[1]
    assert prints[0][0]
