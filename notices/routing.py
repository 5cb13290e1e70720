"""Which channels a notice takes, and when.

- **Urgent** kinds (a child absent without leave, picked up or gone home alone, a pickup refused, an
  incident involving the child or escalated, a missing child among them) go at once by SMS and by
  WeChat when bound, whatever the hour and the user's preferences: they cannot be turned off.
- **Ordinary** kinds (application steps, club results, announcements, questionnaires, reviews...)
  go by WeChat when bound (unless the user turned it off), by SMS only when the user asked for it,
  otherwise in the inbox only. In quiet hours (21:00-07:00) they are held until 07:00.
- E-mail, where the user gave an address, carries every notice at once, as before.
"""
from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

#: The kinds that must reach a phone within the minute (the `kind` strings passed to notify).
URGENT_KINDS = frozenset({
    "attendance.absent",
    "attendance.released",
    "attendance.pickup_refused",
    "safety.incident_guardian",
    "safety.incident_escalated",
})

#: Channels that buzz a phone: quiet hours apply to them.
PUSH_CHANNELS = frozenset({"sms", "wechat"})


def is_urgent(kind: str) -> bool:
    return kind in URGENT_KINDS


def quiet_until(now: datetime.datetime | None = None) -> datetime.datetime | None:
    """The end of the quiet hours `now` falls in (local 07:00), or None outside them."""
    start, end = settings.NOTICE_QUIET_HOURS
    local = timezone.localtime(now or timezone.now())
    if start <= local.hour or local.hour < end:
        day = local.date() + datetime.timedelta(days=1) if local.hour >= start else local.date()
        return local.replace(year=day.year, month=day.month, day=day.day, hour=end, minute=0, second=0,
                             microsecond=0)
    return None


def wanted(channel_name: str, kind: str, user) -> bool:
    """Whether this user gets notices of this kind by this channel (given they have its address)."""
    if channel_name not in PUSH_CHANNELS or is_urgent(kind):
        return True
    if channel_name == "wechat":
        return user.notify_ordinary_wechat
    if channel_name == "sms":
        return user.notify_ordinary_sms
    return True


def plan(notification, channels, now=None) -> list[tuple[str, str, datetime.datetime | None]]:
    """(channel name, address, hold until or None) for each channel this notice goes by."""
    user = notification.recipient
    hold = None if is_urgent(notification.kind) else quiet_until(now)
    out = []
    for channel in channels:
        address = channel.address(user)
        if not address or not wanted(channel.name, notification.kind, user):
            continue
        out.append((channel.name, address, hold if channel.name in PUSH_CHANNELS else None))
    return out
