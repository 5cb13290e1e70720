"""The run clock: a pytest plugin (loaded with `-p tests.clockplugin` from pyproject.toml).

`--clock INSTANT` starts every test at INSTANT (ISO 8601 with an offset, e.g. 2026-12-31T23:59+08:00;
the clock then ticks), through time-machine. What the portal will meet on such a day (a weekend, a
holiday, a year change, ISO week 53, 17:59 and 18:31) the tests meet on purpose.

`--clock-file FILE` runs every test once under each instant of FILE (one per line, text after the
instant is its reason; tests/clock_dates.txt), in one session: each test gets the instant as a
parameter (its id ends in `[clock=2026-12-05T10:00+08:00]`), so that one pytest process (and one
set of xdist workers) runs the whole date matrix, rather than a process per date
(scripts/date_matrix.sh).

A test whose outcome depends on the date fixes its own clock with `@pytest.mark.time_machine(...)`
(or the `time_machine` fixture). time-machine keeps a stack of travels: the test's own clock starts
inside the run clock (the run clock is started first, in a setup hook that runs before any fixture)
and wins over it, which the matrix itself shows (tests/test_clock.py). The `run_clock` fixture
tells a test the instant it was started at (None without a run clock).
"""
import datetime
from pathlib import Path

import pytest

PARAM = "_shahe_run_clock"


def pytest_addoption(parser):
    parser.addoption(
        "--clock", default=None, metavar="INSTANT",
        help="start every test at this instant (ISO 8601 with offset), through time-machine",
    )
    parser.addoption(
        "--clock-file", default=None, metavar="FILE",
        help="run every test once under each instant of FILE (one per line; see tests/clock_dates.txt)",
    )


def _instant(value: str) -> datetime.datetime:
    instant = datetime.datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise pytest.UsageError(f"--clock needs an offset, e.g. 2026-12-05T10:00+08:00 (got {value})")
    return instant


def read_clock_file(path) -> list[str]:
    """The instants of a dates file, as written (comments and blank lines skipped)."""
    return [line.split()[0] for line in Path(path).read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def pytest_configure(config):
    value = config.getoption("clock")
    path = config.getoption("clock_file")
    if value and path:
        raise pytest.UsageError("--clock and --clock-file do not go together")
    if value:
        config._shahe_clock = _instant(value)
    if path:
        config._shahe_clocks = [(v, _instant(v)) for v in read_clock_file(path)]
        if not config._shahe_clocks:
            raise pytest.UsageError(f"--clock-file {path} holds no instant")


def pytest_report_header(config):
    instant = getattr(config, "_shahe_clock", None)
    if instant is not None:
        return [f"run clock: every test starts at {instant.isoformat()} "
                "(tests that fix their own clock keep it)"]
    clocks = getattr(config, "_shahe_clocks", None)
    if clocks:
        return [f"run clocks: every test runs once at each of {len(clocks)} instants "
                "(tests that fix their own clock keep it)"]
    return None


def pytest_generate_tests(metafunc):
    clocks = getattr(metafunc.config, "_shahe_clocks", None)
    if clocks:
        metafunc.fixturenames.append(PARAM)
        # module scope: a module's tests run grouped by instant, and a module-scoped fixture that
        # asks for the instant (tests/conftest.py's demo_seeded) is built once per instant
        metafunc.parametrize(PARAM, [v for v, _ in clocks], ids=[f"clock={v}" for v, _ in clocks],
                             indirect=True, scope="module")


@pytest.fixture(scope="module")
def _shahe_run_clock(request):
    """The instant of this test under `--clock-file` (a string), else None."""
    return getattr(request, "param", None)


def _item_instant(item):
    instant = getattr(item.config, "_shahe_clock", None)
    if instant is not None:
        return instant
    callspec = getattr(item, "callspec", None)
    if callspec is not None and PARAM in callspec.params:
        return _instant(callspec.params[PARAM])
    return None


@pytest.fixture
def run_clock(request) -> datetime.datetime | None:
    """The instant the run clock started this test at, or None when no run clock is set."""
    return _item_instant(request.node)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_setup(item):
    instant = _item_instant(item)
    if instant is not None:
        import time_machine

        traveller = time_machine.travel(instant, tick=True)
        traveller.start()
        item._shahe_traveller = traveller
    yield


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    traveller = getattr(item, "_shahe_traveller", None)
    if traveller is not None:
        traveller.stop()
        del item._shahe_traveller
