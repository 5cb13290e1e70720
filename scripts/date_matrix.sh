#!/usr/bin/env bash
# The date matrix (issue 16): the date-sensitive packages run with the clock moved to each instant
# of tests/clock_dates.txt. One pytest session runs them all (`--clock-file`, tests/clockplugin.py):
# every test once per instant, its id ending in [clock=INSTANT], so that the workers start, collect
# and build their databases once rather than once a date, and share the whole matrix between them.
# A test that fixes its own clock (`@pytest.mark.time_machine(INSTANT)` on it, its class or its module)
# and has no broader-scoped fixture that could read the run clock runs under the first instant only:
# time-machine starts its clock before any of its fixtures and stops it after them, so its setup,
# body and teardown run at INSTANT whatever the run clock is, and nine runs would be one run nine
# times (the proof, and a run-time guard, in tests/clockplugin.py: fixes_its_own_clock).
# Fails when any test fails at any date, and lists the dates that failed.
#
# It runs on SQLite in the project's .venv (the dates are Python's clock, not the database's), the
# test database built from the models (`--nomigrations`, as .ci/run's parallel run: the migrations are
# tested in tests/ops), each worker keeping a copy of the role matrix per instant (tests/worldcopy.py).
# Usage: scripts/date_matrix.sh [extra pytest arguments, e.g. -n 2]
set -uo pipefail
cd "$(dirname "$0")/.."
PACKAGES=(tests/attendance tests/enrollment tests/clubs tests/reports tests/safety tests/accounts tests/test_clock.py
          tests/schools tests/notices)
unset DATABASE_URL REDIS_URL REQUIRE_SERVICES REQUIRE_BROWSER TEST_SQLITE_FILE
log=$(mktemp)
trap 'rm -f "$log"' EXIT
started=$(date +%s)
echo "=== date matrix: $(grep -cv '^\s*\(#\|$\)' tests/clock_dates.txt) instants of tests/clock_dates.txt"
.venv/bin/python -m pytest "${PACKAGES[@]}" --clock-file tests/clock_dates.txt -q -p no:cacheprovider \
  -m "not postgres and not redis and not browser" --nomigrations -rf "$@" >"$log" 2>&1
status=$?
tail -n 40 "$log"
echo "date matrix took $(( $(date +%s) - started )) s"
if [ "$status" -ne 0 ]; then
  failed=$(grep -o 'clock=[^]]*' "$log" | sort -u | sed 's/clock=//' | tr '\n' ' ')
  echo "date matrix FAILED (pytest exit $status) at: ${failed:-no date named, see above}"; exit 1
fi
echo "date matrix: every date passed"
