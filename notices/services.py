"""`notify`: the one way any app tells people something."""
from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification


def notify(*, recipients: Iterable, kind: str, title: str, body: str = "", link: str = "",
           must_read: bool = False, dedupe_key: str = "") -> list[Notification]:
    """Write an in-app notice for each recipient now and deliver copies after commit.

    `title` and `body` should be already rendered in the recipient's language (callers use
    `django.utils.translation.override` when they know it). With a `dedupe_key`, a second call for
    the same recipient and key writes nothing (a retried task notifies once).
    """
    users = {u.pk: u for u in recipients if u is not None}.values()
    rows = [
        Notification(recipient=u, kind=kind, title=str(title)[:200], body=str(body), link=link,
                     must_read=must_read, dedupe_key=dedupe_key)
        for u in users
    ]
    if dedupe_key:
        existing = set(
            Notification.objects.filter(dedupe_key=dedupe_key, recipient__in=[r.recipient for r in rows])
            .values_list("recipient_id", flat=True)
        )
        rows = [r for r in rows if r.recipient_id not in existing]
    created = []
    for row in rows:
        try:
            with transaction.atomic():
                row.save()
            created.append(row)
        except IntegrityError:  # a concurrent duplicate with the same dedupe_key
            continue
    if created:
        ids = [n.pk for n in created]

        def deliver():
            from .tasks import deliver_notifications

            deliver_notifications.delay(ids)

        transaction.on_commit(deliver)
    return created


def notification_mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
