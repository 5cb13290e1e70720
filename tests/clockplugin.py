"""The run clock: a pytest plugin (loaded with `-p tests.clockplugin` from pyproject.toml).

`--clock INSTANT` starts every test at INSTANT (ISO 8601 with an offset, e.g. 2026-12-31T23:59+08:00;
the clock then ticks), through time-machine. What the portal will meet on such a day (a weekend, a
holiday, a year change, ISO week 53, 17:59 and 18:31) the tests meet on purpose: `.ci/run` runs the
date-sensitive packages under each instant of tests/clock_dates.txt (scripts/date_matrix.sh).

A test whose outcome depends on the date fixes its own clock with `@pytest.mark.time_machine(...)`
(or the `time_machine` fixture). time-machine keeps a stack of travels: the test's own clock starts
inside the run clock (the run clock is started first, in a setup hook that runs before any fixture)
and wins over it, which the matrix itself shows (tests/test_clock.py).
"""
import datetime

import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--clock", default=None, metavar="INSTANT",
        help="start every test at this instant (ISO 8601 with offset), through time-machine",
    )


def pytest_configure(config):
    value = config.getoption("clock")
    if not value:
        return
    instant = datetime.datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise pytest.UsageError("--clock needs an offset, e.g. 2026-12-05T10:00+08:00")
    config._shahe_clock = instant


def pytest_report_header(config):
    instant = getattr(config, "_shahe_clock", None)
    if instant is not None:
        return [f"run clock: every test starts at {instant.isoformat()} "
                "(tests that fix their own clock keep it)"]
    return None


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_setup(item):
    instant = getattr(item.config, "_shahe_clock", None)
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
