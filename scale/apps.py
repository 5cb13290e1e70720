from django.apps import AppConfig


class ScaleConfig(AppConfig):
    """The city-sized data generator (`manage.py seed_city`) used by the benchmarks (bench/)."""

    name = "scale"
    verbose_name = "Scale data generator"

    def ready(self):
        from .attendance import generate_attendance
        from .generator import EXTENSIONS
        from .weekly_reports import generate_weekly_reports

        for ext in (generate_attendance, generate_weekly_reports):
            if ext not in EXTENSIONS:
                EXTENSIONS.append(ext)
