"""Celery tasks: take ids, call a service, safe to run twice (notices carry a dedupe_key)."""
from celery import shared_task

from . import services


@shared_task(acks_late=True)
def incident_escalation_notify(incident_id: int) -> int:
    return services.incident_notify_escalation(incident_id=incident_id)


@shared_task(acks_late=True)
def rectification_flag_overdue() -> int:
    return services.rectification_flag_overdue()


@shared_task(acks_late=True)
def follow_up_request_notify(request_id: int) -> int:
    return services.follow_up_request_notify(request_id=request_id)
