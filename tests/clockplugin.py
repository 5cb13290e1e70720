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

Under `--clock-file`, a test that fixes its own clock with the marker (on the function, its class or
its module's `pytestmark`, at a fixed instant) and has no fixture of broader scope that could have
read the run clock runs under the file's first instant only: its outcome is the same under every
instant (the proof is `fixes_its_own_clock`'s docstring), so running it under all of them would only
repeat it. A run-time guard (`pytest_runtest_makereport`) fails such a test if it used a
broader-scoped fixture that collection could not see. Every other test runs under every instant.
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
        #: the test functions run under the first instant only (fixes_its_own_clock)
        config._shahe_one_instant = set()


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


#: Fixtures of broader scope than a test that do not read the run clock in any way the test could
#: see: pytest-django's and pytest's session machinery and pytest-xdist's names. django_db_setup
#: builds the test database once per worker and session, at whatever instant the worker's first
#: test had: that state is shared by every instant of the matrix alike, so it cannot tell them apart.
CLOCK_FREE_BROAD_FIXTURES = frozenset({
    "django_db_setup", "django_db_blocker", "django_test_environment", "django_db_keepdb",
    "django_db_createdb", "django_db_use_migrations", "django_db_modify_db_settings",
    "django_db_modify_db_settings_xdist_suffix", "django_db_modify_db_settings_tox_suffix",
    "django_db_modify_db_settings_parallel_suffix", "django_db_serialized_rollback",
    "_django_setup_unittest", "_fail_for_invalid_template_variable", "_session_faker",
    "pytestconfig", "tmp_path_factory", "tmpdir_factory", "worker_id", "testrun_uid",
    # tests/conftest.py's: holds no value; on PostgreSQL it rolls back the transaction that kept the
    # role matrix between the module's tests when the module ends (tests/worldcopy.py)
    "_world_released",
})
#: Fixtures that hand a test the run instant itself: a test asking for them is never collapsed.
RUN_CLOCK_FIXTURES = frozenset({"run_clock", PARAM})


def _fixed_destination(marker) -> bool:
    """Whether a `time_machine` marker names one instant that does not depend on the clock it starts
    under: a datetime or a date, a timestamp, or an ISO 8601 string (`datetime.fromisoformat`).
    Anything else (no argument, None = "now", a timedelta from now, a callable or generator, a
    string only dateutil parses, which fills missing parts from today) is not."""
    if len(marker.args) != 1 or set(marker.kwargs) - {"tick"}:
        return False
    destination = marker.args[0]
    if isinstance(destination, (datetime.datetime, datetime.date)):
        return True
    if isinstance(destination, (int, float)) and not isinstance(destination, bool):
        return True
    if isinstance(destination, str):
        try:
            datetime.datetime.fromisoformat(destination)
        except ValueError:
            return False
        return True
    return False


def fixes_its_own_clock(metafunc) -> bool:
    """Whether every run of this test function has the same outcome under every run instant, so
    that the date matrix runs it under one instant only (`pytest_generate_tests`).

    The proof. time-machine's pytest plugin gives every item that carries the `time_machine`
    marker (on the function, its class or the module's `pytestmark`) the `time_machine` fixture at
    position 0 of its fixture names (its `pytest_collection_modifyitems`), and pytest sets fixtures
    up in that order: the test's own travel starts before any other fixture of the test, on top of
    the run clock (started earlier, in `pytest_runtest_setup`), and is stopped after every other
    function-scoped fixture is torn down (finalisers run in reverse order). So every
    function-scoped fixture, the body and every function-scoped teardown run at the marker's
    instant, ticking from it, whatever the run instant; the run clock is back only after the
    test. What else could the test see of the run instant?
    - a fixture of broader scope (module, class, package, session) built under another test's
      clock and cached: allowed only if it is one of CLOCK_FREE_BROAD_FIXTURES; anything else
      (e.g. tests/conftest.py's demo_seeded, seeded at the run instant) keeps all the instants;
    - the instant handed over as a value: `run_clock` (and the parameter itself) keep them all;
    - a marker whose instant is computed from the clock (None, a timedelta, a callable, a partial
      date string): only fixed destinations count (`_fixed_destination`);
    - a marker only on some parameters (`pytest.param(..., marks=...)`) is not on the function's
      definition, so such a test keeps every instant.
    What the process holds between tests (the database, rolled back after each test; the cache,
    cleared before it; modules already imported) does not depend on the instant this test is
    parametrised with, so, given that state, the outcome is a function of the marker only: the
    nine runs were one run nine times. (It may depend on which tests ran before it in the worker,
    as any test's may; the matrix never fixed that order either.)"""
    marker = metafunc.definition.get_closest_marker("time_machine")
    if marker is None or not _fixed_destination(marker):
        return False
    names = set(metafunc.fixturenames)
    if names & RUN_CLOCK_FIXTURES:
        return False
    for name in names:
        definitions = metafunc._arg2fixturedefs.get(name)
        if not definitions:
            continue  # a direct parameter (`parametrize`), not a fixture
        # every definition of the name, not only the nearest: an override may ask for the one it hides
        if name not in CLOCK_FREE_BROAD_FIXTURES and any(d.scope != "function" for d in definitions):
            return False
    return True


def pytest_generate_tests(metafunc):
    clocks = getattr(metafunc.config, "_shahe_clocks", None)
    if clocks:
        if fixes_its_own_clock(metafunc):
            # the same outcome under every instant (see fixes_its_own_clock): the first one only
            clocks = clocks[:1]
            metafunc.config._shahe_one_instant.add(metafunc.definition.nodeid)
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


def _definition_id(item) -> str:
    return f"{item.parent.nodeid}::{getattr(item, 'originalname', item.name)}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """The guard of fixes_its_own_clock, at run time: a test run under one instant must not have used
    a broader-scoped fixture outside CLOCK_FREE_BROAD_FIXTURES (not even one it asked for with
    `request.getfixturevalue`, which collection cannot see); if it did, it fails and says so."""
    report = yield
    one_instant = getattr(item.config, "_shahe_one_instant", None)
    if one_instant and report.when == "call" and report.passed and _definition_id(item) in one_instant:
        used = getattr(getattr(item, "_request", None), "_fixture_defs", {})
        broad = sorted(name for name, d in used.items()
                       if d.scope != "function" and name not in CLOCK_FREE_BROAD_FIXTURES | {PARAM})
        if broad:
            report.outcome = "failed"
            report.longrepr = (f"{item.nodeid} runs under one instant of the date matrix (it fixes its own "
                               f"clock) but used the broader-scoped fixtures {broad}, which may read the run "
                               "clock: add them to CLOCK_FREE_BROAD_FIXTURES if they do not "
                               "(tests/clockplugin.py)")
    return report


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    traveller = getattr(item, "_shahe_traveller", None)
    if traveller is not None:
        traveller.stop()
        del item._shahe_traveller
