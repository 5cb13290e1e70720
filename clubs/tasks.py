"""Celery tasks of the clubs app: take ids, call a service, safe to run twice."""
from celery import shared_task


@shared_task
def allocate_school(school_id: int, term_id: int) -> dict:
    """Allocate a school's pending ranked choices (e.g. on a schedule when the window closes).
    A second run finds nothing pending and changes nothing."""
    from schools.models import School, Term

    from .allocation import allocate

    return allocate(school=School.objects.get(pk=school_id), term=Term.objects.get(pk=term_id))
