"""Reads of notices: the outbox, and how a notice reached its recipients."""
from __future__ import annotations

import datetime
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Delivery, Notification, OutboxMessage


def outbox_messages(*, to: str = ""):
    """The outbox, newest first; `to` a phone number (in any form people type it) or an openid."""
    rows = OutboxMessage.objects.all()
    if to:
        from accounts.phones import normalise_phone_or_none

        rows = rows.filter(to=normalise_phone_or_none(to) or to)
    return rows


# --- how an urgent notice reached each guardian ------------------------------------------------

#: How far a delivery got, best first: a sent message beats one on its way, which beats a failure.
_RANK = {Delivery.Status.SENT: 6, Delivery.Status.SENDING: 5, Delivery.Status.QUEUED: 4, Delivery.Status.HELD: 3,
         Delivery.Status.RETRYING: 2, Delivery.Status.FAILED: 1}
_CHANNEL_ORDER = {"sms": 0, "wechat": 1, "email": 2}


@dataclass(frozen=True)
class ChannelState:
    """One channel's delivery of a notice to one guardian (no address: staff never see the number)."""

    channel: str
    status: str
    sent_at: datetime.datetime | None = None
    error_code: str = ""
    attempts: int = 0

    @property
    def rank(self) -> int:
        return _RANK.get(self.status, 0)

    @property
    def channel_label(self) -> str:
        return {"sms": _("SMS"), "wechat": _("WeChat"), "email": _("e-mail message")}.get(self.channel, self.channel)

    @property
    def label(self) -> str:
        """"短信已送达 17:33", "短信发送失败（供应商代码 …），正在重试", "微信发送中"."""
        ch = self.channel_label
        if self.status == Delivery.Status.SENT:
            if self.sent_at is None:
                return _("%(channel)s delivered") % {"channel": ch}
            at = timezone.localtime(self.sent_at)
            fmt = "%H:%M" if at.date() == timezone.localdate() else "%m-%d %H:%M"
            return _("%(channel)s delivered %(time)s") % {"channel": ch, "time": at.strftime(fmt)}
        if self.status == Delivery.Status.RETRYING:
            if self.error_code:
                return _("%(channel)s sending failed (provider code %(code)s), retrying") % {
                    "channel": ch, "code": self.error_code}
            return _("%(channel)s sending failed, retrying") % {"channel": ch}
        if self.status == Delivery.Status.FAILED:
            if self.error_code:
                return _("%(channel)s sending failed (provider code %(code)s)") % {"channel": ch, "code": self.error_code}
            return _("%(channel)s sending failed") % {"channel": ch}
        if self.status == Delivery.Status.HELD:
            return _("%(channel)s held until the morning") % {"channel": ch}
        return _("%(channel)s sending") % {"channel": ch}


@dataclass
class GuardianDelivery:
    """How the notices of one group (a child's absence, an incident message) reached one guardian."""

    guardian_id: int
    guardian_name: str
    #: the best state of each channel, SMS first
    channels: list[ChannelState] = field(default_factory=list)

    @property
    def best(self) -> ChannelState | None:
        return max(self.channels, key=lambda c: c.rank, default=None)

    @property
    def delivered(self) -> bool:
        best = self.best
        return best is not None and best.status == Delivery.Status.SENT

    @property
    def failed(self) -> bool:
        """Nothing reached the phone and every channel failed (or is failing and retrying)."""
        return bool(self.channels) and all(c.status in (Delivery.Status.FAILED, Delivery.Status.RETRYING)
                                           for c in self.channels)

    @property
    def unreached(self) -> bool:
        """Not delivered, and nothing on its way to the phone either: in-app only, or a channel failed
        (some other may still be sending). Staff may want to phone this guardian; `failed` is worse."""
        if self.delivered:
            return False
        return not self.channels or any(c.status in (Delivery.Status.FAILED, Delivery.Status.RETRYING)
                                        for c in self.channels)

    @property
    def label(self) -> str:
        """The best channel when one delivered; otherwise every channel's state; "仅站内消息" without any."""
        best = self.best
        if best is None:
            return _("In-app only")
        if best.status == Delivery.Status.SENT:
            return best.label
        return _("; ").join(c.label for c in self.channels)

    @property
    def line(self) -> str:
        """"张家长：短信已送达 17:33"."""
        return _("%(guardian)s: %(state)s") % {"guardian": self.guardian_name, "state": self.label}


def delivery_states(keys: Mapping[str, Hashable]) -> dict[Hashable, list[GuardianDelivery]]:
    """How notices reached their recipients, per group: `keys` maps each notice's `dedupe_key` to a
    group (a child, a roll and child…); the answer maps each group to its guardians (by name), each with
    the best state of each channel over the group's notices. One query, whatever the number of
    notices (a LEFT JOIN of the notices and their deliveries), also when there are none: a page
    (the duty console) then costs the same queries on a day with absences and on a day without, as
    the bench compares the demo's console with a generated city's."""
    out: dict[Hashable, dict[int, GuardianDelivery]] = {}
    best: dict[tuple[Hashable, int, str], ChannelState] = {}
    notices = Notification.objects.filter(dedupe_key__in=list(keys)) if keys else Notification.objects.filter(pk__lt=0)
    rows = (notices
            .values_list("dedupe_key", "recipient_id", "recipient__name", "recipient__username",
                         "deliveries__channel", "deliveries__status", "deliveries__sent_at",
                         "deliveries__error_code", "deliveries__attempts"))
    for key, rid, name, username, channel, status, sent_at, code, attempts in rows:
        group = keys[key]
        guardians = out.setdefault(group, {})
        if rid not in guardians:
            guardians[rid] = GuardianDelivery(guardian_id=rid, guardian_name=name or username)
        if channel is None:  # no delivery row: the notice is in-app only
            continue
        state = ChannelState(channel=channel, status=status, sent_at=sent_at, error_code=code or "",
                             attempts=attempts or 0)
        seen = best.get((group, rid, channel))
        if seen is None or state.rank > seen.rank:
            best[(group, rid, channel)] = state
    for (group, rid, _channel), state in best.items():
        out[group][rid].channels.append(state)
    result: dict[Hashable, list[GuardianDelivery]] = {}
    for group, guardians in out.items():
        for g in guardians.values():
            g.channels.sort(key=lambda c: (_CHANNEL_ORDER.get(c.channel, 9), c.channel))
        result[group] = sorted(guardians.values(), key=lambda g: (g.guardian_name, g.guardian_id))
    return result
