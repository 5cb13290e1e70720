"""Demo: last week's reports for the demo city, built and published, so that `bureau` sees figures at
once. Runs after the other apps' demo data (reports is last in PROJECT_APPS). Idempotent: a week
already published is left as it is."""
from __future__ import annotations

import datetime

from .models import WeeklyCoverageReport
from .services import reports_build, reports_publish
from .weeks import iso_week


def seed(ctx) -> None:
    bureau = ctx.users.get("bureau")
    today = ctx.today
    monday = today - datetime.timedelta(days=today.weekday())
    for week_start in (monday - datetime.timedelta(days=14), monday - datetime.timedelta(days=7)):
        week = iso_week(week_start)
        if WeeklyCoverageReport.objects.filter(week=week, status=WeeklyCoverageReport.Status.PUBLISHED).exists():
            continue
        reports_build(week_start=week_start, by=bureau)
        reports_publish(week=week, by=bureau)
        ctx.log.append(f"reports: week {week} built and published")
