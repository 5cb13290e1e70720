"""Import a roster or staff file from the command line, with the same checks as the web page.

    manage.py import_roster --school S001 --user principal1 roster.xlsx            # preview only
    manage.py import_roster --school S001 --user principal1 roster.xlsx --confirm  # and import
"""
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from schools import services
from schools.models import ImportBatch, School
from schools.spreadsheets import render_message
from shahe_afterschool.errors import DomainError


class Command(BaseCommand):
    help = "Check (and with --confirm, import) a roster or staff spreadsheet for one school."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--school", required=True, help="school code")
        parser.add_argument("--user", required=True, help="username of the school's principal or an admin")
        parser.add_argument("--kind", default=ImportBatch.Kind.ROSTER, choices=ImportBatch.Kind.values)
        parser.add_argument("--create-classes", action="store_true")
        parser.add_argument("--confirm", action="store_true")

    def handle(self, *args, **options):
        school = School.objects.filter(code=options["school"]).first()
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if school is None or user is None:
            raise CommandError("unknown school code or user")
        path = Path(options["file"])
        try:
            batch = services.import_preview(school=school, user=user, kind=options["kind"], file_name=path.name,
                                            data=path.read_bytes(), create_classes=options["create_classes"])
        except (DomainError, PermissionDenied) as exc:
            raise CommandError(str(getattr(exc, "message", exc))) from exc
        for error in batch.errors:
            self.stdout.write(f"row {error['row']}, {error['column']}: {render_message(error)}")
        self.stdout.write(f"batch {batch.pk}: {batch.summary}")
        if batch.errors:
            raise CommandError(f"{len(batch.errors)} errors; nothing imported")
        if options["confirm"]:
            batch = services.import_apply(batch_id=batch.pk, user=user)
            self.stdout.write(self.style.SUCCESS(f"imported: {batch.summary}"))
