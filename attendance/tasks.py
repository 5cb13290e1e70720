"""Celery tasks of attendance: take ids or dates, call a service, safe to run twice."""
import datetime

from celery import shared_task
from django.utils import timezone


def _day(value: str | None) -> datetime.date:
    return datetime.date.fromisoformat(value) if value else timezone.localdate()


@shared_task
def create_rolls(date: str | None = None) -> int:
    """Early each school day (beat): every school's rolls from the approved plan and timetable.
    A second run finds the rolls there (unique per group/slot and date) and creates nothing."""
    from .services import rolls_create_all

    return rolls_create_all(date=_day(date))


@shared_task
def notify_absences(roll_id: int) -> int:
    """Tell guardians of children marked absent without leave; the dedupe key makes it once."""
    from .models import Roll
    from .services import absences_notify

    roll = Roll.objects.filter(pk=roll_id).first()
    return absences_notify(roll=roll) if roll else 0


@shared_task
def write_day_totals(date: str | None = None) -> int:
    """00:40 (beat): yesterday's figures of every school with rolls (closed or not) for the weekly
    report; a second run writes the same rows."""
    from .totals import write_day

    day = datetime.date.fromisoformat(date) if date else timezone.localdate() - datetime.timedelta(days=1)
    return write_day(date=day)


@shared_task
def alert_unclosed_days(date: str | None = None) -> int:
    """18:30 (beat): the principal of a school whose day is not closed is alerted (once)."""
    from .services import unclosed_days_alert

    return unclosed_days_alert(date=_day(date))


@shared_task
def build_statements(month: str | None = None) -> dict:
    """The 1st of each month (beat): every school's hours statement of the month before (`YYYY-MM`
    to name one). Drafts are rebuilt, checked and signed statements kept: safe to run twice."""
    from .statements import parse_month, statements_build

    return statements_build(month=parse_month(month) if month else None)


@shared_task
def alert_overdue_departures() -> int:
    """Every five minutes in the afternoon (beat): a child due to leave alone at a slot and still
    held 15 minutes later alerts the duty leader, once per child and day (dedupe key)."""
    from .services import departure_overdue_alert

    return departure_overdue_alert()
