"""The run clock (`--clock`, tests/conftest.py) and the fixed clock of a test (time-machine's marker).

`.ci/run` runs the date-sensitive packages under each instant of tests/clock_dates.txt; these tests
show that the harness moves the clock, and that a test which fixes its own clock is not moved."""
import datetime

import pytest
from django.utils import timezone

from attendance import services
from attendance.models import Roll

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
#: A Wednesday of the test term (TermFactory: 2026-09-01 .. 2027-01-20), 15:00 in Shanghai.
WEDNESDAY = datetime.datetime(2026, 12, 2, 15, 0, tzinfo=SHANGHAI)


def test_every_test_starts_at_the_run_clock(run_clock):
    """Under `--clock INSTANT` (or each instant of `--clock-file`) the test starts at that instant (and
    ticks); without either, at the real time."""
    now = timezone.now()
    if run_clock:
        assert run_clock <= now < run_clock + datetime.timedelta(minutes=2)
    else:
        import time

        import time_machine

        assert not time_machine.escape_hatch.is_travelling()
        assert abs(now.timestamp() - time.time()) < 120


def test_the_dates_file_parses():
    from pathlib import Path

    from tests.clockplugin import read_clock_file

    lines = read_clock_file(Path(__file__).parent / "clock_dates.txt")
    instants = [datetime.datetime.fromisoformat(v) for v in lines]
    assert all(i.tzinfo is not None for i in instants)
    weekdays = {i.astimezone(SHANGHAI).isoweekday() for i in instants}
    assert {6, 7} <= weekdays  # a Saturday and a Sunday
    assert any(i.astimezone(SHANGHAI).isocalendar()[1] == 53 for i in instants)  # ISO week 53 of 2026


@pytest.mark.django_db
@pytest.mark.time_machine(WEDNESDAY)
def test_a_fixed_clock_wins_over_the_run_clock(world):
    """Would fail on a Saturday or Sunday without the fixed clock: rolls for a plain (not any-weekday)
    school day are created only on the plan's weekdays. The date matrix runs it under its Saturday
    and Sunday (and every other instant): the test's own clock wins over the run clock."""
    from tests.attendance.factories import approved_plan, place
    from tests.enrollment.factories import ServiceGroupFactory

    assert timezone.localdate() == WEDNESDAY.date() and timezone.localdate().isoweekday() == 3
    approved_plan(world.school_a, world.term)
    group = ServiceGroupFactory(school=world.school_a, term=world.term, capacity=10)
    place(world.child_a, group)
    services.rolls_create_for_day(school=world.school_a, date=timezone.localdate())
    assert Roll.objects.filter(group=group, date=WEDNESDAY.date()).exists()
