"""Delivery channels. The in-app inbox is always written; the channels listed in
`settings.NOTIFICATION_CHANNELS` deliver copies after the transaction commits, in a Celery task.

A channel is a class with a `name` and `send(notification) -> bool`; add an SMS or messaging
gateway by writing one and naming it in the setting. `send` may raise: the task retries, and the
in-app notice stays whatever happens.
"""
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string


class Channel:
    name = "base"

    def wants(self, notification) -> bool:
        """Whether `send` could deliver this notice (from what is in memory, no query): a notice no
        channel wants needs no delivery task."""
        return True

    def send(self, notification) -> bool:  # pragma: no cover - interface
        raise NotImplementedError


class EmailChannel(Channel):
    name = "email"

    def wants(self, notification) -> bool:
        return bool(notification.recipient.email) and not notification.emailed_at

    def send(self, notification) -> bool:
        email = notification.recipient.email
        if not email or notification.emailed_at:
            return False
        body = notification.body
        if notification.link:
            body = f"{body}\n\n{getattr(settings, 'SITE_URL', '').rstrip('/')}{notification.link}"
        send_mail(notification.title, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=False)
        type(notification).objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
        return True


def configured_channels() -> list[Channel]:
    return [import_string(path)() for path in getattr(settings, "NOTIFICATION_CHANNELS", [])]
