"""`notify`: the one way any app tells people something."""
from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from shahe_afterschool.queue import enqueue

from .channels import configured_channels
from .models import Notification
from .unread import unread_forget


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
        unread_forget(n.recipient_id for n in created)
        ids = [n.pk for n in created]

        def deliver():
            enqueue("notices.tasks.deliver_notifications", ids)

        transaction.on_commit(deliver)
    return created


def notify_many(notices: Iterable[dict]) -> list[Notification]:
    """Write several notices (each a dict of `notify`'s keyword arguments) at once: one bulk insert
    in one transaction, one delivery task after commit.

    Same rules as `notify`: recipients are de-duplicated per notice, and a notice whose
    `dedupe_key` the recipient already has is not written again. The unique constraint finds those:
    only when the bulk insert meets one are the keys already sent read and the rest written one by
    one (a retried task, or a concurrent duplicate)."""
    rows: list[Notification] = []
    seen: set[tuple[int, str]] = set()
    for n in notices:
        for u in {u.pk: u for u in n["recipients"] if u is not None}.values():
            key = n.get("dedupe_key", "")
            if key:
                if (u.pk, key) in seen:
                    continue
                seen.add((u.pk, key))
            rows.append(Notification(recipient=u, kind=n["kind"], title=str(n["title"])[:200],
                                     body=str(n.get("body", "")), link=n.get("link", ""),
                                     must_read=n.get("must_read", False), dedupe_key=key))
    if not rows:
        return []
    try:
        with transaction.atomic():
            created = Notification.objects.bulk_create(rows)
    except IntegrityError:  # some were sent before: skip those, write the others one by one
        existing = set(Notification.objects.filter(dedupe_key__in={r.dedupe_key for r in rows if r.dedupe_key},
                                                   recipient__in={r.recipient_id for r in rows})
                       .values_list("recipient_id", "dedupe_key"))
        created = []
        for row in rows:
            row.pk = None
            if row.dedupe_key and (row.recipient_id, row.dedupe_key) in existing:
                continue
            try:
                with transaction.atomic():
                    row.save()
                created.append(row)
            except IntegrityError:  # a concurrent duplicate
                continue
    unread_forget(n.recipient_id for n in created)
    channels = configured_channels()
    ids = [n.pk for n in created if any(c.wants(n) for c in channels)]  # a parent without e-mail: no task
    if ids:
        def deliver():
            enqueue("notices.tasks.deliver_notifications", ids)

        transaction.on_commit(deliver)
    return created


def notification_mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        unread_forget([notification.recipient_id])


def notifications_mark_all_read(*, user) -> int:
    updated = Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
    unread_forget([user.pk])
    return updated
