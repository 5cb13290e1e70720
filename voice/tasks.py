"""Celery tasks of parent voice: take ids, call a service, safe to run twice."""
from celery import shared_task

from . import services


@shared_task(acks_late=True)
def announcement_deliver(announcement_id: int) -> int:
    return services.announcement_deliver(announcement_id=announcement_id)


@shared_task(acks_late=True)
def questionnaire_notify(questionnaire_id: int) -> int:
    return services.questionnaire_notify(questionnaire_id=questionnaire_id)
