"""The weekly report: the city's week built by the Celery task, beside a floor of one hand-written
SQL aggregate over the same week's marks.

Each side runs in its own process (`python -m bench.weekly task|floor --week YYYY-Www`), started
with the benchmark's environment; the parent reads the child's peak memory from `os.wait4` (its own
maximum resident set size, not that of other children). The task is called as a worker calls it:
`build_weekly_reports.apply(kwargs=...)` runs it through Celery's tracer in this process (the same
code path as a worker's, without the broker). A week already published is built as a correction,
as the bureau would have to.

The reports' table is vacuumed first (`vacuum_reports`: no autovacuum here). The floor:
`SELECT school, status, count(*)` over the marks of the week's rolls, run three times in
one process (the median is the floor; the first run also warms the cache for the task). The task
is run three times in its process too (the first is a cold process), and its median compared.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

FLOOR_SQL = """
SELECT r.school_id, m.status, count(*)
FROM attendance_mark m JOIN attendance_roll r ON r.id = m.roll_id
WHERE r.date BETWEEN %s AND %s
GROUP BY r.school_id, m.status
"""


@dataclass
class WeeklyResult:
    week: str = ""
    correction: bool = False
    seconds: float = 0.0
    built: int = 0
    refused: str = ""
    rss_before_mb: float = 0.0
    max_rss_mb: float = 0.0
    floor_seconds: float = 0.0
    floor_runs: list = field(default_factory=list)
    runs: list = field(default_factory=list)
    floor_rows: int = 0
    marks: int = 0

    @property
    def ratio(self) -> float | None:
        return self.seconds / self.floor_seconds if self.floor_seconds else None


def _status_kb(key: str) -> int:
    m = re.search(rf"^{key}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    return int(m.group(1)) if m else 0


def _week_bounds(week: str):
    import datetime

    from reports.weeks import parse_week

    start = parse_week(week)
    return start, start + datetime.timedelta(days=6)


def child_floor(week: str, repeat: int = 3) -> dict:
    from django.db import connection

    start, end = _week_bounds(week)
    runs, rows = [], []
    with connection.cursor() as cur:
        for _ in range(repeat):
            t0 = time.perf_counter()
            cur.execute(FLOOR_SQL, [start, end])
            rows = cur.fetchall()
            runs.append(time.perf_counter() - t0)
    return {"seconds": statistics.median(runs), "runs": runs, "rows": len(rows),
            "marks": sum(r[2] for r in rows)}


def child_task(week: str, correction: bool, repeat: int = 3) -> dict:
    """Build the week `repeat` times in this process, as one worker would run the task again (the
    drafts are replaced in place; a correction replaces its own draft): the first run is a cold
    process (imports, connection, caches), the median is the figure compared with the floor."""
    from reports.tasks import build_weekly_reports

    before = _status_kb("VmRSS")
    runs, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = build_weekly_reports.apply(kwargs={"week": week, "correction": correction}).get()
        runs.append(time.perf_counter() - t0)
    return {"seconds": statistics.median(runs), "runs": runs, "result": out, "rss_before_kb": before,
            "hwm_kb": _status_kb("VmHWM")}


def spawn_measured(env: dict, *argv: str, cwd=None) -> tuple[dict, int]:
    """Run `python -m bench.weekly ...`; (its JSON line, its own peak RSS in kB from os.wait4)."""
    import tempfile

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, "-m", "bench.weekly", *argv], cwd=cwd, env=env,
                                stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise SystemExit(f"bench.weekly {' '.join(argv)} failed:\n{err.read()[-3000:]}")
        return json.loads(out.read().strip().splitlines()[-1]), usage.ru_maxrss


def vacuum_reports() -> None:
    """`VACUUM (ANALYZE)` of the reports' table before the builds, as autovacuum would have done in
    production. This PostgreSQL runs without autovacuum, and every run of the benchmark (and every
    build by hand) rewrites the week's 170 drafts three times: their dead versions and TOAST made
    the write, the largest statement of a build, slower run after run (51 MB and 1,957 dead rows
    after a day of builds on this machine: the task 0.35 s against 0.29-0.30 s after the vacuum)."""
    from django.db import connection

    from reports.models import WeeklyCoverageReport

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(WeeklyCoverageReport._meta.db_table)}")


def run(env: dict, *, week: str | None = None, cwd=None, repeat: int = 3) -> WeeklyResult:
    """In the parent (the benchmark): pick the week, run the floor, then the task, each in a child."""
    from reports.models import WeeklyCoverageReport
    from reports.weeks import iso_week, previous_week_start

    week = week or iso_week(previous_week_start())
    res = WeeklyResult(week=week)
    vacuum_reports()
    res.correction = WeeklyCoverageReport.objects.filter(
        week=week, status=WeeklyCoverageReport.Status.PUBLISHED).exists()
    floor, _rss = spawn_measured(env, "floor", "--week", week, "--repeat", str(repeat), cwd=cwd)
    res.floor_seconds, res.floor_runs, res.floor_rows, res.marks = (floor["seconds"], floor["runs"], floor["rows"],
                                                                     floor["marks"])
    argv = ["task", "--week", week, "--repeat", str(repeat)] + (["--correction"] if res.correction else [])
    task, max_rss_kb = spawn_measured(env, *argv, cwd=cwd)
    res.seconds, res.runs = task["seconds"], task["runs"]
    res.built = task["result"].get("built", 0)
    res.refused = task["result"].get("refused", "")
    res.rss_before_mb = task["rss_before_kb"] / 1024
    res.max_rss_mb = max(max_rss_kb, task["hwm_kb"]) / 1024
    return res


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.weekly")
    p.add_argument("what", choices=["task", "floor"])
    p.add_argument("--week", required=True)
    p.add_argument("--correction", action="store_true")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    if args.what == "floor":
        out = child_floor(args.week, args.repeat)
    else:
        out = child_task(args.week, args.correction, args.repeat)
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
