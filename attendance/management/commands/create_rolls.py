"""`manage.py create_rolls [--date YYYY-MM-DD] [--school CODE] [--any-weekday]`: the day's rolls now."""
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from schools.models import School

from ...services import rolls_create_for_day


class Command(BaseCommand):
    help = "Create the rolls of a day for every school (or one) from the approved plans and timetables."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--school", help="school code (default: every active school)")
        parser.add_argument("--any-weekday", action="store_true",
                            help="create rolls even if the day is not a school day of the plan")

    def handle(self, *args, **options):
        try:
            day = datetime.date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError("--date must be YYYY-MM-DD") from exc
        schools = School.objects.filter(active=True)
        if options["school"]:
            schools = schools.filter(code=options["school"])
            if not schools.exists():
                raise CommandError(f"no active school with code {options['school']}")
        total = 0
        for school in schools:
            total += len(rolls_create_for_day(school=school, date=day, any_weekday=options["any_weekday"]))
        self.stdout.write(f"{total} rolls for {day.isoformat()}")
