"""The build's largest reads on a connection of their own (`reports.services.reads_apart`): on
PostgreSQL, outside a transaction, the coverage join, the applications by status and the priority
claims are read by another connection while this one reads and sums the rest. The figures are the
ones read in line (inside a transaction, where another connection would not see uncommitted rows,
and on SQLite, every read is in line: the other report tests)."""
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from reports.services import reports_compute

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _compute(week_start) -> tuple[list[dict], list[str]]:
    """The reports, and the statements this thread's connection ran for them."""
    with CaptureQueriesContext(connection) as queries:
        out = reports_compute(week_start=week_start)
    return out, [q["sql"] for q in queries.captured_queries]


def _is_apart(sql: str) -> bool:
    return ('LEFT OUTER JOIN "enrollment_application"' in sql or 'FROM "enrollment_priorityclaim"' in sql
            or ('FROM "enrollment_application"' in sql and "COUNT(*)" in sql))


def test_the_reads_apart_give_the_figures_read_in_line(city):
    apart, apart_sql = _compute(city.week_start)
    with transaction.atomic():
        in_line, in_line_sql = _compute(city.week_start)
    assert apart == in_line
    # in line, this connection read the three; apart, another connection did
    assert sum(map(_is_apart, in_line_sql)) == 3
    assert not any(map(_is_apart, apart_sql))
    # the hand-worked figures (tests/reports/test_figures.py) from the reads apart
    a = next(r for r in apart if r["key"] == f"school:{city.school_a.pk}")["data"]["sections"]
    assert a["students"]["enrolled"] == 5 and a["service"]["in_service"] == 3
    assert a["service"]["by_grade"]["3"] == {"enrolled": 2, "in_service": 1, "coverage_rate": 50.0}
    assert a["service"]["priority"]["migrant"] == {"applied": 1, "placed": 1, "waitlisted": 0}
    assert a["service"]["applications"] == {"placed": 3, "waitlisted": 1}
    # the reading thread is gone, its connection closed with it
    assert not [t for t in threading.enumerate() if t.name.startswith("report-reads")]
