"""`notify`: the one way any app tells people something."""
from __future__ import annotations

import contextlib
import datetime
import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import Promise

from shahe_afterschool.queue import enqueue

from . import routing
from .channels import channel_named, configured_channels
from .models import Delivery, Notification
from .providers import ProviderError
from .unread import unread_forget

log = logging.getLogger(__name__)


def _delivery_wanted(notification, channels) -> bool:
    return any(c.wants(notification) and routing.wanted(c.name, notification.kind, notification.recipient)
               for c in channels)


def render_for(user, text, context: dict | None = None) -> str:
    """`text` in the user's language: a lazy translation is rendered in it and `%`-formatted with
    `context` (whose lazy values are rendered in that language too); a string already rendered (a
    person's own words: an announcement, a comment) passes unchanged, never read as a format."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
        rendered = str(text)
        if context and isinstance(text, Promise) and "%(" in rendered:
            # lazy values (a label, a reason) in the reader's language; numbers stay numbers for %(n)d
            values = {k: str(v) if isinstance(v, Promise) else v for k, v in context.items()}
            with contextlib.suppress(KeyError, ValueError, TypeError):  # a body that only looks like a format
                rendered = rendered % values
    return rendered


def notify(*, recipients: Iterable, kind: str, title: str, body: str = "", link: str = "",
           must_read: bool = False, dedupe_key: str = "", params: dict | None = None,
           context: dict | None = None) -> list[Notification]:
    """Write an in-app notice for each recipient now and deliver copies after commit.

    `title` and `body` are lazy translations (`gettext_lazy`, `pgettext_lazy`, or `lazy(fn, str)` for
    a text composed of several) with their `%` values in `context` (lazy values, such as a choice's
    label, are rendered per recipient too): each recipient reads them in their own language
    (`User.language`, else the site's). A plain string is a person's own words and passes as written.
    With a `dedupe_key`, a second call for
    the same recipient and key writes nothing (a retried task notifies once). `params` fill the SMS
    and WeChat templates: {"child": name, "school": name, "time": "17:33"} (notices.channels).
    """
    users = {u.pk: u for u in recipients if u is not None}.values()
    rows = [
        Notification(recipient=u, kind=kind, title=render_for(u, title, context)[:200],
                     body=render_for(u, body, context), link=link,
                     must_read=must_read, dedupe_key=dedupe_key, params=params or None)
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
    channels = configured_channels()
    ids = [n.pk for n in created if _delivery_wanted(n, channels)]
    if ids:
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
            rows.append(Notification(recipient=u, kind=n["kind"],
                                     title=render_for(u, n["title"], n.get("context"))[:200],
                                     body=render_for(u, n.get("body", ""), n.get("context")), link=n.get("link", ""),
                                     must_read=n.get("must_read", False), dedupe_key=key,
                                     params=n.get("params") or None))
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
    ids = [n.pk for n in created if _delivery_wanted(n, channels)]  # nobody to reach outside the inbox: no task
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


# --- deliveries ----------------------------------------------------------------------------------
#: Tries of one delivery before it is given up (failed for good).
MAX_ATTEMPTS = 6
#: A delivery left "sending" this long (a worker died mid-send) is tried again, as uncertain.
STALE_SENDING = datetime.timedelta(minutes=5)


def delivery_backoff(attempts: int) -> datetime.timedelta:
    """30 s, 1, 2, 4, 8 minutes... at most an hour."""
    return datetime.timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def delivery_key(notification_id: int, channel: str) -> str:
    """Our idempotency key of one notice by one channel (also WeChat's client_msg_id and Tencent's
    SessionContext)."""
    return f"n{notification_id}-{channel}"


def deliveries_plan(*, notification_ids: list[int], now=None) -> list[Delivery]:
    """Write the Delivery rows of these notices (notices.routing decides which channels and whether
    quiet hours hold them). One row per notice and channel, whoever calls this how often. Returns
    the rows due now."""
    now = now or timezone.now()
    channels = configured_channels()
    notifications = list(Notification.objects.filter(pk__in=notification_ids).select_related("recipient"))
    rows = []
    for n in notifications:
        for channel_name, address, hold in routing.plan(n, channels, now):
            channel = next(c for c in channels if c.name == channel_name)
            rows.append(Delivery(notification=n, channel=channel_name, key=delivery_key(n.pk, channel_name),
                                 to_display=channel.display(address)[:64],
                                 status=Delivery.Status.HELD if hold else Delivery.Status.QUEUED,
                                 next_attempt_at=hold or now))
    if rows:
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return list(Delivery.objects.filter(notification_id__in=notification_ids, status=Delivery.Status.QUEUED))


def _claim(delivery_id: int, now) -> bool:
    """Take the delivery for this attempt (an UPDATE only one worker wins); a stale "sending" row
    is taken too and marked uncertain."""
    due = Q(status__in=[Delivery.Status.QUEUED, Delivery.Status.RETRYING, Delivery.Status.HELD],
            next_attempt_at__lte=now) | Q(status=Delivery.Status.QUEUED, next_attempt_at__isnull=True)
    stale = Q(status=Delivery.Status.SENDING, last_attempt_at__lt=now - STALE_SENDING)
    Delivery.objects.filter(Q(pk=delivery_id) & stale).update(uncertain=True)
    return bool(Delivery.objects.filter(Q(pk=delivery_id) & (due | stale)).update(
        status=Delivery.Status.SENDING, attempts=F("attempts") + 1, last_attempt_at=now))


def delivery_attempt(*, delivery_id: int, now=None) -> Delivery | None:
    """Send one delivery once: claim it, ask the provider whether an uncertain earlier attempt went
    out after all, send, and record what the provider said. Never raises for a provider's failure:
    the row says it (RETRYING with `next_attempt_at`, or FAILED), and the in-app notice stands."""
    now = now or timezone.now()
    previous_attempt = Delivery.objects.filter(pk=delivery_id).values_list("last_attempt_at", flat=True).first()
    if not _claim(delivery_id, now):
        return None
    delivery = Delivery.objects.select_related("notification__recipient").get(pk=delivery_id)
    channel = channel_named(delivery.channel)
    fields = ["status", "provider_ref", "error_code", "error_detail", "request_id", "uncertain", "sent_at",
              "next_attempt_at"]
    if channel is None:
        delivery.status, delivery.error_code = Delivery.Status.FAILED, "ChannelNotConfigured"
        delivery.save(update_fields=fields)
        return delivery
    try:
        ref = None
        if delivery.uncertain:
            delivery.last_attempt_at = previous_attempt or delivery.created_at
            ref = channel.find_sent(delivery)
        sent = None if ref else channel.send(delivery)
    except ProviderError as exc:
        _failed(delivery, exc.code, exc.detail, exc.request_id, retryable=exc.retryable, uncertain=exc.uncertain,
                now=now)
    except Exception as exc:  # noqa: BLE001 - an answer nobody expected: logged, retried, never a 500
        log.exception("channel %s failed for delivery %s", delivery.channel, delivery.pk)
        _failed(delivery, type(exc).__name__, str(exc), "", retryable=True, uncertain=True, now=now)
    else:
        delivery.status = Delivery.Status.SENT
        delivery.provider_ref = (ref or sent.ref or "")[:64]
        delivery.request_id = "" if ref else (sent.request_id or "")[:64]
        delivery.error_code = delivery.error_detail = ""
        delivery.uncertain = False
        delivery.sent_at = timezone.now()
        delivery.next_attempt_at = None
    delivery.save(update_fields=fields)
    return delivery


def _failed(delivery, code, detail, request_id, *, retryable, uncertain, now) -> None:
    log.warning("delivery %s by %s failed: %s (request %s)", delivery.pk, delivery.channel, code, request_id)
    delivery.error_code = str(code)[:96]
    delivery.error_detail = str(detail)[:255]
    delivery.request_id = str(request_id)[:64]
    delivery.uncertain = bool(uncertain)
    if retryable and delivery.attempts < MAX_ATTEMPTS:
        delivery.status = Delivery.Status.RETRYING
        delivery.next_attempt_at = now + delivery_backoff(delivery.attempts)
    else:
        delivery.status = Delivery.Status.FAILED
        delivery.next_attempt_at = None


def deliveries_due(*, now=None, limit: int = 500) -> list[int]:
    """Deliveries whose time has come: held ones at the end of the quiet hours, failed ones after their
    backoff, and any left "sending" by a worker that died."""
    now = now or timezone.now()
    due = Q(status__in=[Delivery.Status.QUEUED, Delivery.Status.RETRYING, Delivery.Status.HELD],
            next_attempt_at__lte=now) | Q(status=Delivery.Status.SENDING, last_attempt_at__lt=now - STALE_SENDING)
    return list(Delivery.objects.filter(due).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])


def preferences_update(*, user, ordinary_wechat: bool, ordinary_sms: bool) -> None:
    """The user's choice for ordinary notices. Urgent ones (notices.routing.URGENT_KINDS) are not a
    choice: they go by SMS and WeChat whatever is set here."""
    user.notify_ordinary_wechat = bool(ordinary_wechat)
    user.notify_ordinary_sms = bool(ordinary_sms)
    user.save(update_fields=["notify_ordinary_wechat", "notify_ordinary_sms"])
