from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: health command, backups and their restore check, request ids in Celery tasks.

    Not a capability app (not in PROJECT_APPS): no pages, no models, no migrations."""

    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from shahe_afterschool.logs import connect_celery_signals

        connect_celery_signals()
