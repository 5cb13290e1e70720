"""Delivery channels. The in-app inbox is always written; the channels listed in
`settings.NOTIFICATION_CHANNELS` deliver copies after the transaction commits, in Celery tasks, one
`Delivery` row per notice and channel (notices.services.deliveries_plan / delivery_attempt).

A channel is a class with a `name` and:
- `address(user)`: where this user is reached by it ("" = not at all), from memory, no query;
- `display(address)`: the address as staff may see it (masked);
- `send(delivery) -> Sent`: send the delivery's notice; raise `ProviderError` when the provider refused
  (retryable or not) — any other exception counts as retryable;
- `find_sent(delivery) -> str | None`: after an attempt without an answer, whether the provider did
  send it (its reference), where the provider can tell; None = not known to have gone.
Which channels a notice takes (urgent or ordinary, quiet hours, the user's preferences) is
notices.routing's.
"""
from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

from . import sms, wechat
from .providers import ProviderError, Sent


class Channel:
    name = "base"

    def address(self, user) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def display(self, address: str) -> str:
        return address

    def wants(self, notification) -> bool:
        """Whether this channel could deliver the notice at all (from memory, no query): a notice no
        channel wants needs no delivery task."""
        return bool(self.address(notification.recipient))

    def send(self, delivery) -> Sent:  # pragma: no cover - interface
        raise NotImplementedError

    def find_sent(self, delivery) -> str | None:
        return None


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def short_link(notification) -> str:
    """The link a text message carries: the site's short address of the notice (notices:short)."""
    from django.urls import reverse

    return f"{settings.SITE_URL.rstrip('/')}{reverse('notices:short', args=[notification.pk])}"


def template_params(notification) -> dict[str, str]:
    """The parameters every notice template may use: the child's name, the time, the school, the short
    link (WeChat) and the notice's number (SMS: the approved template holds the fixed address of the
    short link, the number is its variable). A notice whose caller gave no child or school falls back
    to the recipient's name and the service's name."""
    given = notification.params or {}
    return {
        "child": str(given.get("child") or notification.recipient.name or notification.recipient.username),
        "time": str(given.get("time") or timezone.localtime(notification.created_at).strftime("%H:%M")),
        "school": str(given.get("school") or settings.SMS_SERVICE_NAME),
        "link": short_link(notification),
        "notice": str(notification.pk),
    }


class EmailChannel(Channel):
    name = "email"

    def address(self, user) -> str:
        return user.email or ""

    def display(self, address: str) -> str:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"

    def wants(self, notification) -> bool:
        return bool(notification.recipient.email) and not notification.emailed_at

    def send(self, delivery) -> Sent:
        notification = delivery.notification
        email = notification.recipient.email
        if not email:
            raise ProviderError("NoAddress", "the recipient has no e-mail address", retryable=False)
        if notification.emailed_at:
            return Sent(ref="emailed")
        body = notification.body
        if notification.link:
            body = f"{body}\n\n{settings.SITE_URL.rstrip('/')}{notification.link}"
        try:
            send_mail(notification.title, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=False)
        except (smtplib.SMTPException, OSError) as exc:
            raise ProviderError(type(exc).__name__, str(exc)[:200], retryable=True, uncertain=True) from exc
        type(notification).objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
        return Sent(ref="smtp")


class SmsChannel(Channel):
    """Text messages from the template of the notice's kind (notices.sms)."""

    name = "sms"

    def address(self, user) -> str:
        return user.phone or ""

    def display(self, address: str) -> str:
        return mask_phone(address)

    def send(self, delivery) -> Sent:
        notification = delivery.notification
        template, conf = sms.template_for(notification.kind)
        values = template_params(notification)
        params = [values[name] for name in conf["params"]]
        return sms.provider().send(phone=notification.recipient.phone, template=template, params=params,
                                   key=delivery.key)

    def find_sent(self, delivery) -> str | None:
        since = (delivery.last_attempt_at or delivery.created_at).timestamp()
        return sms.provider().find_sent(phone=delivery.notification.recipient.phone, key=delivery.key, since=since)


class WechatChannel(Channel):
    """Template messages of the city's official account to a bound openid (notices.wechat)."""

    name = "wechat"

    def address(self, user) -> str:
        return user.wechat_openid or ""

    def display(self, address: str) -> str:
        return "WeChat"

    def send(self, delivery) -> Sent:
        notification = delivery.notification
        return wechat.provider().send_notice(openid=notification.recipient.wechat_openid, kind=notification.kind,
                                             title=notification.title, body=notification.body,
                                             values=template_params(notification), key=delivery.key)


def configured_channels() -> list[Channel]:
    return [import_string(path)() for path in getattr(settings, "NOTIFICATION_CHANNELS", [])]


def channel_named(name: str) -> Channel | None:
    return next((c for c in configured_channels() if c.name == name), None)
