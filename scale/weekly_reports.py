"""The weekly coverage reports of the generated term so far, as the Monday task would have built
them (`reports.services.reports_build`, the service `reports.tasks.build_weekly_reports` calls):
every week of the term that ended before `today`, built in order (each week's changes are against
the week before); all published by the bureau except the last, which is left as the draft the
bureau has not published yet. Registered in `scale.generator.EXTENSIONS` after the attendance.
"""
from __future__ import annotations

import time
from datetime import timedelta

from django.db import connection

from reports.models import WeeklyCoverageReport
from reports.services import reports_build, reports_publish
from reports.weeks import iso_week


def generate_weekly_reports(gen) -> None:
    if connection.vendor == "postgresql":
        # The whole city was loaded in this transaction and nothing has analysed the tables the
        # reports read besides the attendance (this PostgreSQL runs no autovacuum): without
        # statistics the planner takes the 75,000 students and 46,000 placed applications of the
        # coverage join for a few rows and nests loops over them (minutes per week at scale 1.0,
        # where the analysed tables take a tenth of a second).
        t0 = time.monotonic()
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        gen.log(f"    analyze before the reports: {time.monotonic() - t0:.1f} s")
    term = gen.term
    monday = term.start_date - timedelta(days=term.start_date.weekday())
    last_monday = gen.today - timedelta(days=gen.today.weekday() + 7)
    by = gen.bureau_users[0]
    weeks = []
    while monday <= last_monday and monday <= term.end_date:
        t0 = time.monotonic()
        built = reports_build(week_start=monday, by=by)
        weeks.append(monday)
        gen.stats.rows[WeeklyCoverageReport._meta.label] += len(built)
        gen.log(f"    weekly reports {iso_week(monday)}: {len(built)} scopes in {time.monotonic() - t0:.1f} s")
        monday += timedelta(days=7)
    for week_start in weeks[:-1]:
        reports_publish(week=iso_week(week_start), by=by)
