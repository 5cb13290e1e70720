"""`manage.py anonymise_departed_students [--days N] [--dry-run]`: the retention task by hand."""
from django.core.management.base import BaseCommand, CommandError

from privacy import services


class Command(BaseCommand):
    help = "Anonymise students who left (transferred or graduated) more than STUDENT_RETENTION_DAYS ago."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="override STUDENT_RETENTION_DAYS")
        parser.add_argument("--dry-run", action="store_true", help="only list who would be anonymised")

    def handle(self, *args, days=None, dry_run=False, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more")
        if dry_run:
            due = services.departed_students(days=days)
            for sid, left_at in due:
                self.stdout.write(f"student {sid} left {left_at:%Y-%m-%d}")
            self.stdout.write(f"{len(due)} students would be anonymised")
            return
        count = services.retention_run(days=days)
        self.stdout.write(self.style.SUCCESS(f"{count} students anonymised"))
