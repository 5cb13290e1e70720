#!/usr/bin/env bash
# Prove that a backup restores: restore it into a new database, run the migrations checks on the copy
# and compare the row count of every table with the counts taken when it was dumped.
#
#   scripts/backup_restore_check.sh                   dump the live database now and check that dump
#   scripts/backup_restore_check.sh --latest DIR      check the newest backup in DIR (made by backup_db)
#   scripts/backup_restore_check.sh --dump FILE       check that backup
#   ... [other options of manage.py backup_restore_check: --target NAME --migrate --keep]
#
# Uses DATABASE_URL (and DJANGO_SETTINGS_MODULE) from the environment; the restored copy is a new
# database on the same server (default <database>_restore_check), dropped afterwards. Exit status 0
# only when every table has the same number of rows and the migrations checks pass.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --latest)
      latest=$(ls -1t "$2"/*.dump 2>/dev/null | head -n1 || true)
      [ -n "$latest" ] || { echo "no backup (*.dump) in $2" >&2; exit 1; }
      args+=(--dump "$latest"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
exec "$python" manage.py backup_restore_check "${args[@]}"
