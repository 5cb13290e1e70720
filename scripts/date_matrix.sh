#!/usr/bin/env bash
# The date matrix (issue 16): the date-sensitive packages run with the clock moved to each instant
# of tests/clock_dates.txt (`--clock`, tests/clockplugin.py). Fails when any date fails a test.
#
# It runs on SQLite in the project's .venv (the dates are Python's clock, not the database's); the
# test database is made once, in a file, and reused for the next dates (--reuse-db), so that the
# migrations run once rather than once a date.
# Usage: scripts/date_matrix.sh [extra pytest arguments, e.g. -n 2]
set -uo pipefail
cd "$(dirname "$0")/.."
PACKAGES=(tests/attendance tests/enrollment tests/clubs tests/reports tests/safety tests/accounts tests/test_clock.py
          tests/schools)
db_dir=$(mktemp -d)
trap 'rm -rf "$db_dir"' EXIT
export TEST_SQLITE_FILE="$db_dir/matrix.sqlite3"
unset DATABASE_URL REDIS_URL REQUIRE_SERVICES REQUIRE_BROWSER
failed=()
total_started=$(date +%s)
while read -r instant reason; do
  case "$instant" in ''|'#'*) continue ;; esac
  echo "=== date matrix: $instant ($reason)"
  started=$(date +%s)
  if ! .venv/bin/python -m pytest "${PACKAGES[@]}" --clock "$instant" --reuse-db -q -p no:cacheprovider \
       -m "not postgres and not redis and not browser" "$@" 2>&1 | tail -n 15; then
    failed+=("$instant")
  fi
  echo "=== $instant took $(( $(date +%s) - started )) s"
done < tests/clock_dates.txt
echo "date matrix took $(( $(date +%s) - total_started )) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "date matrix FAILED at: ${failed[*]}"; exit 1
fi
echo "date matrix: every date passed"
