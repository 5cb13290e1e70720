"""What the channels' providers answer: a sent message's reference, or a `ProviderError`.

A provider is the thing that actually sends (Tencent Cloud SMS, the WeChat official account, or the
outbox table when none is configured). Channels (notices.channels) decide who gets what; providers
only send one message and say what happened.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass
class Sent:
    #: The provider's id of the message (Tencent's SerialNo, WeChat's msgid, "outbox:<pk>").
    ref: str = ""
    request_id: str = ""


class ProviderError(Exception):
    """The provider did not send. `retryable`: try again later (a timeout, a rate limit, an answer we
    do not know); otherwise the message can never go as it is (a bad number, a bad template parameter).
    `uncertain`: no answer came, so the provider may have sent it (a timeout): before trying again the
    channel asks the provider, where it can, whether our key went out."""

    def __init__(self, code: str, detail: str = "", *, retryable: bool, uncertain: bool = False,
                 request_id: str = ""):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.retryable = retryable
        self.uncertain = uncertain
        self.request_id = request_id


def outbox_write(*, channel: str, to: str, template: str, params: list, text: str, key: str = "") -> Sent:
    """The outbox as a provider: one row per key (a retried send writes nothing new)."""
    from .models import OutboxMessage

    if key:
        row, _created = OutboxMessage.objects.get_or_create(
            key=key, defaults={"channel": channel, "to": to, "template": template, "params": params, "text": text})
    else:
        row = OutboxMessage.objects.create(channel=channel, to=to, template=template, params=params, text=text)
    return Sent(ref=f"outbox:{row.pk}")


def outbox_allowed() -> bool:
    return getattr(settings, "NOTICES_OUTBOX_ALLOWED", True)
