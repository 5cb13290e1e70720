"""`manage.py backup_restore_check`: prove that a backup restores.

Dumps the database (or takes `--dump FILE`, a backup made by backup_db, with its manifest),
restores it into a new database, runs `migrate --check` and `makemigrations --check` against the
restored copy (after `migrate` with `--migrate`, to rehearse an upgrade on real data), and compares
the row count of every table with the counts taken in the dump's own snapshot. Exit status 1 when
anything differs. The restored database is dropped afterwards unless `--keep`.
"""
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops import backup


class Command(BaseCommand):
    help = "Dump, restore into a new database, check migrations and compare row counts of every table."

    def add_arguments(self, parser):
        parser.add_argument("--dump", help="check this backup (made by backup_db) instead of a fresh dump")
        parser.add_argument("--target", help="name of the database to restore into (default <db>_restore_check)")
        parser.add_argument("--migrate", action="store_true", help="apply this code's migrations to the copy first")
        parser.add_argument("--keep", action="store_true", help="keep the restored database")
        parser.add_argument("--no-migration-check", action="store_true",
                            help="only compare row counts (skip migrate --check and makemigrations --check)")

    def handle(self, *args, dump=None, target=None, migrate=False, keep=False, no_migration_check=False,
               **options):
        try:
            settings_dict = backup.database_settings()
            with tempfile.TemporaryDirectory(prefix="shahe-restore-check-") as workdir:
                report = backup.restore_check(settings_dict, dump_path=Path(dump) if dump else None,
                                              workdir=Path(workdir), target=target, migrate=migrate, keep=keep,
                                              migration_checks=not no_migration_check)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        width = max((len(name) for name in report.expected | report.restored), default=10)
        self.stdout.write(f"{'table':<{width}} {'dumped':>9} {'restored':>9}")
        for name in sorted(set(report.expected) | set(report.restored)):
            expected, restored = report.expected.get(name), report.restored.get(name)
            mark = "" if expected == restored else "  <-- differs"
            self.stdout.write(f"{name:<{width}} {_n(expected):>9} {_n(restored):>9}{mark}")
        for step, ok, output in report.steps:
            self.stdout.write(f"{'ok  ' if ok else 'FAIL'} manage.py {step}")
            if not ok:
                self.stdout.write(output)
        tables, rows = len(report.restored), sum(report.restored.values())
        summary = (f"restore check: {len(report.expected)} tables dumped, {tables} restored, "
                   f"{sum(report.expected.values())} rows dumped, {rows} restored, "
                   f"{len(report.mismatches)} differ; target {report.target}"
                   f"{' kept' if keep else ' dropped'}")
        if not report.ok:
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))


def _n(value):
    return "-" if value is None else str(value)
