"""Reads of notices: the outbox, and how a notice reached its recipients."""
from __future__ import annotations

from .models import OutboxMessage


def outbox_messages(*, to: str = ""):
    """The outbox, newest first; `to` a phone number (in any form people type it) or an openid."""
    rows = OutboxMessage.objects.all()
    if to:
        from accounts.phones import normalise_phone_or_none

        rows = rows.filter(to=normalise_phone_or_none(to) or to)
    return rows
