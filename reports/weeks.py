"""ISO weeks as the reports name them: "2026-W47" (Monday to Sunday, Asia/Shanghai)."""
from __future__ import annotations

import datetime
import re

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shahe_afterschool.errors import DomainError

WEEK_RE = re.compile(r"^(\d{4})-W(\d{1,2})$")


def iso_week(day: datetime.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(value: str | None) -> datetime.date:
    """The Monday of an ISO week given as YYYY-Www; DomainError (a sentence) for anything else."""
    match = WEEK_RE.match((value or "").strip().upper())
    if match:
        try:
            return datetime.date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            pass
    raise DomainError(_("Give the week as YYYY-Www, for example 2026-W47."), field="week")


def previous_week_start(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=today.weekday() + 7)
