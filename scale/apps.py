from django.apps import AppConfig


class ScaleConfig(AppConfig):
    """The city-sized data generator (`manage.py seed_city`) used by the benchmarks (bench/)."""

    name = "scale"
    verbose_name = "Scale data generator"
