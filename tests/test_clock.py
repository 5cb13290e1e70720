"""The run clock (`--clock`, tests/conftest.py) and the fixed clock of a test (time-machine's marker).

`.ci/run` runs the date-sensitive packages under each instant of tests/clock_dates.txt; these tests
show that the harness moves the clock, that a test which fixes its own clock is not moved, and that
the matrix runs such a test under one instant only (tests/clockplugin.py, fixes_its_own_clock)."""
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
    school day are created only on the plan's weekdays. The date matrix runs it under the first
    instant of tests/clock_dates.txt, a Saturday (only that one: it fixes its own clock), and with
    `--clock` under any instant: the test's own clock wins over the run clock."""
    from tests.attendance.factories import approved_plan, place
    from tests.enrollment.factories import ServiceGroupFactory

    assert timezone.localdate() == WEDNESDAY.date() and timezone.localdate().isoweekday() == 3
    approved_plan(world.school_a, world.term)
    group = ServiceGroupFactory(school=world.school_a, term=world.term, capacity=10)
    place(world.child_a, group)
    services.rolls_create_for_day(school=world.school_a, date=timezone.localdate())
    assert Roll.objects.filter(group=group, date=WEDNESDAY.date()).exists()


#: A test module for the date matrix's own tests below: what runs under one instant and what under all.
MATRIX_MODULE = '''
import datetime

import pytest

FIXED = datetime.datetime(2026, 12, 2, 15, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture(scope="module")
def built_once():
    return datetime.date.today()


@pytest.fixture
def per_test():
    return datetime.date.today()


def test_moved(run_clock):
    assert datetime.date.today() == run_clock.date()


@pytest.mark.time_machine(FIXED)
def test_fixed(per_test):
    assert datetime.date.today() == per_test == FIXED.date()


@pytest.mark.time_machine("2026-12-02T15:00+08:00")
def test_fixed_by_an_iso_string():
    assert datetime.date.today() == FIXED.date()


@pytest.mark.time_machine(FIXED)
class TestFixedClass:
    def test_in_a_class(self):
        assert datetime.date.today() == FIXED.date()


@pytest.mark.time_machine(FIXED)
def test_fixed_with_a_module_fixture(built_once):
    pass


@pytest.mark.time_machine(FIXED)
def test_fixed_but_told_the_run_clock(run_clock):
    pass


@pytest.mark.time_machine(datetime.timedelta(days=1))
def test_relative_to_the_run_clock():
    pass


@pytest.mark.time_machine("10:00")
def test_a_time_without_a_date():
    pass
'''
MARKED_MODULE = '''
import datetime

import pytest

pytestmark = pytest.mark.time_machine(datetime.datetime(2026, 12, 2, 15, 0))


def test_marked_by_the_module():
    assert datetime.date.today() == datetime.date(2026, 12, 2)


@pytest.fixture(scope="module")
def built_once():
    return datetime.date.today()


def test_sneaks_a_module_fixture_in(request):
    request.getfixturevalue("built_once")
'''


def _matrix(tmp_path, *args):
    """pytest on MATRIX_MODULE and MARKED_MODULE with a dates file of two instants (a Saturday and a
    Monday), through tests/clockplugin.py and time-machine only (no Django)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_matrix_module.py").write_text(MATRIX_MODULE)
    (tmp_path / "test_marked_module.py").write_text(MARKED_MODULE)
    (tmp_path / "dates.txt").write_text("2026-12-05T10:00+08:00  a Saturday\n2026-12-07T17:59+08:00  a Monday\n")
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", "pytest.ini", "-p", "no:django", "-p", "no:cacheprovider",
         "-p", "no:xdist", "-p", "tests.clockplugin", "--clock-file", "dates.txt", *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    return result


@pytest.mark.time_machine(WEDNESDAY)  # so that the date matrix runs this one under one instant too
def test_the_matrix_runs_a_test_that_fixes_its_own_clock_under_one_instant(tmp_path):
    """`--clock-file`: a test whose marker fixes its clock (on the function, its class or the module)
    runs under the first instant only; a test that reads the run clock, asks for a broader-scoped
    fixture (built at the run clock), or whose marker is relative to the clock (a timedelta, a time
    without a date) keeps every instant (tests/clockplugin.py, fixes_its_own_clock). The run-time
    guard: a module-scoped fixture that collection cannot see (`request.getfixturevalue`) makes a
    test run under one instant fail with the reason, rather than pass where it needed every instant."""
    result = _matrix(tmp_path, "-v", "-rf")
    outcomes = {}
    for line in result.stdout.splitlines():
        words = line.split()
        if len(words) >= 2 and "::" in words[0] and words[1] in ("PASSED", "FAILED"):
            outcomes[words[0].split("::", 1)[1]] = words[1]
    counts = {}
    for test_id in outcomes:
        name = test_id.split("[")[0]
        counts[name] = counts.get(name, 0) + 1
    assert counts == {
        "test_moved": 2,
        "test_fixed": 1,
        "test_fixed_by_an_iso_string": 1,
        "TestFixedClass::test_in_a_class": 1,
        "test_fixed_with_a_module_fixture": 2,
        "test_fixed_but_told_the_run_clock": 2,
        "test_relative_to_the_run_clock": 2,
        "test_a_time_without_a_date": 2,
        "test_marked_by_the_module": 1,
        "test_sneaks_a_module_fixture_in": 1,
    }, result.stdout + result.stderr
    assert outcomes["test_fixed[clock=2026-12-05T10:00+08:00]"] == "PASSED"  # the first instant of the file
    failed = sorted(test_id for test_id, outcome in outcomes.items() if outcome == "FAILED")
    assert failed == ["test_sneaks_a_module_fixture_in[clock=2026-12-05T10:00+08:00]"], result.stdout
    assert "used the broader-scoped fixtures ['built_once']" in result.stdout


@pytest.mark.time_machine(WEDNESDAY)  # so that the date matrix runs this one under one instant too
def test_this_suites_own_fixtures_let_a_fixed_clock_run_once(tmp_path):
    """The suite's autouse fixtures (tests/conftest.py) apply to every test: one of broader scope that
    is not in CLOCK_FREE_BROAD_FIXTURES would keep every test of the suite under every instant (the
    matrix ran 14,598 tests rather than 10,926 when `_world_released` was added without it). Collects
    `test_a_fixed_clock_wins_over_the_run_clock` (marked, asks for `world`) with this suite's conftest
    under two instants: it must be collected once."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    dates = tmp_path / "dates.txt"
    dates.write_text("2026-12-05T10:00+08:00  a Saturday\n2026-12-07T17:59+08:00  a Monday\n")
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_clock.py::test_a_fixed_clock_wins_over_the_run_clock",
         "--collect-only", "-q", "-p", "no:xdist", "-p", "no:cacheprovider", "--clock-file", str(dates)],
        cwd=root, env=env, capture_output=True, text=True, timeout=120,
    )
    collected = [line for line in result.stdout.splitlines() if line.startswith("tests/test_clock.py::")]
    assert collected == ["tests/test_clock.py::test_a_fixed_clock_wins_over_the_run_clock"
                         "[clock=2026-12-05T10:00+08:00]"], result.stdout + result.stderr
