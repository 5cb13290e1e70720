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


def week_label(value) -> str:
    """A week as a person reads it: "第48周 · 11月23日—29日" (English: "Week 48 · 23–29 Nov"); ISO codes
    ("2026-W48") stay in files, URLs and the API (docs/glossary.md). `value` is YYYY-Www or a date in the week;
    anything else is returned unchanged."""
    from django.utils import formats
    from django.utils.translation import gettext, pgettext

    if isinstance(value, datetime.date):
        monday = value - datetime.timedelta(days=value.weekday())
    else:
        try:
            monday = parse_week(str(value))
        except DomainError:
            return str(value)
    sunday = monday + datetime.timedelta(days=6)
    number = monday.isocalendar()[1]
    start = formats.date_format(monday, pgettext("week label, first day", "N j"))
    if sunday.month == monday.month:
        end = formats.date_format(sunday, pgettext("week label, last day in the same month", "j"))
    else:
        end = formats.date_format(sunday, pgettext("week label, first day", "N j"))
    return gettext("Week %(number)d · %(start)s–%(end)s") % {"number": number, "start": start, "end": end}
