"""`manage.py seed_city --scale S [--seed N]`: a Shahe-sized city for benchmarks (docs/performance.md)."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from scale.generator import CityGenerator, GeneratorRefused


class Command(BaseCommand):
    help = "Generate a deterministic Shahe-sized city (scale 1.0 = 150 schools, 75,000 students) with bulk inserts."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the whole city; 0.05 for CI")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same city)")

    def handle(self, *args, **opts):
        if settings.SETTINGS_MODULE.endswith(".production") and not settings.DEBUG:
            raise CommandError("seed_city refuses to run with production settings.")
        if not 0 < opts["scale"] <= 4:
            raise CommandError("--scale must be above 0 and at most 4.")
        gen = CityGenerator(scale=opts["scale"], seed=opts["seed"], log=self.stdout.write)
        try:
            stats = gen.run()
        except GeneratorRefused as exc:
            raise CommandError(str(exc)) from exc
        total = sum(stats.rows.values())
        self.stdout.write(f"{total:,} rows in {stats.seconds:.1f} s = {total / stats.seconds:,.0f} rows/s")
