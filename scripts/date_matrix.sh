#!/usr/bin/env bash
# The date matrix (issue 16): the date-sensitive packages run with the clock moved to each instant
# of tests/clock_dates.txt (`--clock`, see tests/conftest.py). Fails when any date fails a test.
# Usage: scripts/date_matrix.sh [extra pytest arguments]   (run through ./dev's .venv)
set -uo pipefail
cd "$(dirname "$0")/.."
PACKAGES=(tests/attendance tests/enrollment tests/clubs tests/reports tests/safety tests/accounts tests/test_clock.py)
failed=()
while read -r instant reason; do
  case "$instant" in ''|'#'*) continue ;; esac
  echo "=== date matrix: $instant ($reason)"
  started=$(date +%s)
  if ! .venv/bin/python -m pytest "${PACKAGES[@]}" --clock "$instant" -q -p no:cacheprovider \
       -m "not postgres and not redis and not browser" "$@" 2>&1 | tail -n 25; then
    failed+=("$instant")
  fi
  echo "=== $instant took $(( $(date +%s) - started )) s"
done < tests/clock_dates.txt
if [ ${#failed[@]} -gt 0 ]; then
  echo "date matrix FAILED at: ${failed[*]}"; exit 1
fi
echo "date matrix: every date passed"
