from celery import shared_task

from . import services


@shared_task(name="privacy.tasks.anonymise_departed_students")
def anonymise_departed_students() -> int:
    """Nightly: anonymise students who left more than STUDENT_RETENTION_DAYS ago. Safe to run twice."""
    return services.retention_run()
