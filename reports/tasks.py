"""The weekly build: on the beat schedule (Monday 01:00 Asia/Shanghai, for the week before) and on
demand. `acks_late` (a worker that dies mid-build leaves the message for another worker) and the
single-transaction write make a re-run safe: it replaces the drafts, or refuses a published week."""
import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError

from shahe_afterschool.errors import DomainError

from . import services
from .weeks import iso_week, parse_week, previous_week_start

logger = logging.getLogger(__name__)


@shared_task(name="reports.tasks.build_weekly_reports", acks_late=True,
             autoretry_for=(OperationalError, IntegrityError), retry_backoff=True, max_retries=3)
def build_weekly_reports(week: str | None = None, user_id: int | None = None, correction: bool = False) -> dict:
    """Build every scope's report of `week` (YYYY-Www; default: the week before today)."""
    week_start = parse_week(week) if week else previous_week_start()
    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        reports = services.reports_build(week_start=week_start, by=by, correction=correction)
    except DomainError as exc:
        # A published week is not an error of the task: retrying would refuse again.
        logger.warning("weekly reports not rebuilt: %s", exc.message)
        return {"week": iso_week(week_start), "built": 0, "refused": str(exc.message)}
    return {"week": iso_week(week_start), "built": len(reports)}
