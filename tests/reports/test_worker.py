"""The real pipeline: a Celery worker process on Redis builds a week's reports in the PostgreSQL test
database (not eager mode). In CI (REQUIRE_SERVICES=1) these tests must run, not skip."""
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from reports.models import WeeklyCoverageReport as Report
from reports.tasks import build_weekly_reports
from shahe_afterschool.celery import app

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    """The URL of the test database pytest-django created, so the worker writes where the test reads."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def worker(tmp_path):
    queue = f"reports-test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shahe_afterschool.settings.test", "LOG_FORMAT": "plain",
           "DATABASE_URL": _database_url()}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "shahe_afterschool", "worker", "--pool", "solo", "-Q", queue,
             "-n", f"{queue}@%h", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False  # publish to the broker
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5, limit=1, destination=[f"{queue}@{os.uname().nodename}"]):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
        yield queue, log
    finally:
        app.conf.task_always_eager = eager
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def wait_for(predicate, log, seconds=60):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.3)


def test_a_worker_builds_the_week_and_a_second_run_replaces_the_drafts(city, worker):
    queue, log = worker
    build_weekly_reports.apply_async(kwargs={"week": city.week}, queue=queue)
    wait_for(lambda: Report.objects.filter(week=city.week).count() == 7, log)
    school = Report.objects.get(week=city.week, scope_key=f"school:{city.school_a.pk}")
    assert school.data["sections"]["service"]["coverage_rate"] == 60.0
    assert Report.objects.get(week=city.week, scope_key="city").data["sections"]["service"]["in_service"] == 4
    built_at = school.built_at
    build_weekly_reports.apply_async(kwargs={"week": city.week}, queue=queue)
    wait_for(lambda: Report.objects.get(pk=school.pk).built_at > built_at, log)
    assert Report.objects.filter(week=city.week).count() == 7
    assert "succeeded" in log.read_text()
