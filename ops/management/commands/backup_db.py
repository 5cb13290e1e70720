"""`manage.py backup_db`: the daily backup. pg_dump (custom format) plus a manifest of row counts,
then old backups are pruned. Run it from the systemd timer deploy/systemd/shahe-backup.timer."""
import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops import backup


class Command(BaseCommand):
    help = "Dump the database into DIR/<prefix>-<UTC time>.dump with a manifest; delete backups older than N days."

    def add_arguments(self, parser):
        parser.add_argument("--dir", required=True, help="backup directory (e.g. /var/backups/shahe)")
        parser.add_argument("--keep-days", type=int, default=30, help="delete backups older than this (default 30)")
        parser.add_argument("--prefix", default="shahe", help="file name prefix (default shahe)")

    def handle(self, *args, dir, keep_days, prefix, **options):
        directory = Path(dir)
        directory.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        path = directory / f"{prefix}-{stamp}.dump"
        try:
            settings_dict = backup.database_settings()
            manifest = backup.dump(settings_dict, path)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"backup {path}: {manifest['bytes']} bytes, {manifest['tables']} tables, "
                          f"{manifest['rows']} rows")
        for removed in backup.prune(directory, keep_days, prefix=prefix):
            self.stdout.write(f"deleted {removed} (older than {keep_days} days)")
