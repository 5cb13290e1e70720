"""`manage.py seed_demo`: build the demo city. Deterministic, idempotent, refused in production."""
import importlib
import importlib.util

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from schools.demo import DEMO_PASSWORD, DemoContext


class Command(BaseCommand):
    help = "Create the demo city (districts, schools, classes, students, staff, parents and demo accounts)."

    def handle(self, *args, **options):
        if not getattr(settings, "ALLOW_DEMO_DATA", False):
            raise CommandError("seed_demo refuses to run with production settings: demo accounts must never exist there.")
        ctx = DemoContext()
        with transaction.atomic():
            # Each installed app of ours may have a `demo` module with `seed(ctx)`; they run in
            # INSTALLED_APPS order, so later apps build on what earlier ones made.
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if importlib.util.find_spec(config.name) and importlib.util.find_spec(module_name):
                    importlib.import_module(module_name).seed(ctx)
        for line in ctx.log:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(
            f"Demo city ready. Accounts: bureau, district1, principal1, teacher1, homeroom1, duty1, parent1, parent2 "
            f"(and admin); password {DEMO_PASSWORD}"
        ))
