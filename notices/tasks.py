import logging

from celery import shared_task

from . import services
from .models import Delivery

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def deliver_notifications(notification_ids: list[int]) -> int:
    """Plan the deliveries of these in-app notices (one row per notice and channel) and send those
    due now. Safe to run twice: a delivery already sent, or being sent by another worker, is skipped.
    A failure is written on its row and retried by `send_delivery`; the in-app notice is already in
    the inbox."""
    sent = 0
    for delivery in services.deliveries_plan(notification_ids=notification_ids):
        sent += _attempt_and_schedule(delivery.pk)
    return sent


@shared_task(bind=True, acks_late=True, max_retries=services.MAX_ATTEMPTS)
def send_delivery(self, delivery_id: int) -> int:
    """One more try of one delivery (after its backoff)."""
    return _attempt_and_schedule(delivery_id, eager=self.request.is_eager)


def _attempt_and_schedule(delivery_id: int, eager: bool | None = None) -> int:
    delivery = services.delivery_attempt(delivery_id=delivery_id)
    if delivery is None:
        return 0
    if delivery.status == Delivery.Status.RETRYING:
        countdown = services.delivery_backoff(delivery.attempts).total_seconds()
        if eager is None:
            from django.conf import settings

            eager = settings.CELERY_TASK_ALWAYS_EAGER
        # In process (the laptop, the tests) a retry would run at once: `deliver_due` (every minute)
        # takes it after its backoff instead.
        if not eager:
            send_delivery.apply_async((delivery_id,), countdown=countdown)
    return int(delivery.status == Delivery.Status.SENT)


@shared_task
def deliver_due() -> int:
    """Every minute: deliveries held for the quiet hours, failed ones after their backoff, and any a dead
    worker left half-sent."""
    return sum(_attempt_and_schedule(pk, eager=True) for pk in services.deliveries_due())
