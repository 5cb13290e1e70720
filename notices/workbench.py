"""Notices' item on the workbench (accounts.workbench): the person's unread must-read notices (the
bureau's escalations, a 督办 request, a must-read announcement). One query."""
from __future__ import annotations

from django.utils.translation import gettext_lazy

from accounts.workbench import WORKBENCH_ROLES, WorkItem, register_work

from .models import Notification


def unread_must_read(ctx) -> int:
    return Notification.objects.visible_to(ctx.user).unread().filter(must_read=True).count()


def register() -> None:
    register_work(WorkItem(
        key="notices.unread_must_read", label=gettext_lazy("Unread must-read notices"), roles=WORKBENCH_ROLES,
        figure=unread_must_read, url="notices:inbox", tone="danger", order=90, nav="notices:inbox", once=True,
    ))
