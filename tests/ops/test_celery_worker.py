"""With a real Celery worker on Redis: a task published inside a request logs under that request's id
and user id, and the readiness check's Celery ping passes only while a worker runs."""
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from types import SimpleNamespace

import pytest

from shahe_afterschool import health, logs
from shahe_afterschool.celery import app

from .cluster import ROOT
from .tasks import note_request_id

pytestmark = pytest.mark.redis


@pytest.fixture
def worker(tmp_path):
    queue = f"ops-test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shahe_afterschool.settings.test", "LOG_FORMAT": "json"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "shahe_afterschool", "worker", "--pool", "solo",
             "-Q", queue, "-I", "tests.ops.tasks", "-n", f"{queue}@%h", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False  # publish to the broker
    try:
        deadline = time.monotonic() + 40
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


def records(log):
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def test_task_logs_carry_the_request_id_into_the_worker(worker):
    queue, log = worker
    # as RequestLogMiddleware leaves it during a request by user 4242
    request = SimpleNamespace(user=SimpleNamespace(pk=4242, is_authenticated=True))
    id_token, request_token = logs.request_id_var.set("worker-req-0001"), logs.request_var.set(request)
    try:
        note_request_id.apply_async(queue=queue)
    finally:
        logs.request_var.reset(request_token)
        logs.request_id_var.reset(id_token)
    deadline = time.monotonic() + 20
    while not any(r.get("event") == "task_finished" for r in records(log)):
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.2)
    mine = [r for r in records(log) if r.get("task_name") == "tests.ops.note_request_id"]
    assert {r["message"] for r in mine} >= {"task started", "inside the task", "task finished"}
    assert all(r["request_id"] == "worker-req-0001" and r["user_id"] == 4242 for r in mine)
    assert [r["state"] for r in mine if r.get("event") == "task_finished"] == ["SUCCESS"]


def test_celery_readiness_check_sees_the_worker(worker, settings):
    settings.HEALTH_CHECK_CELERY = True
    results = {r.name: r for r in health.run_checks(timeout=2)}
    assert results["celery"].ok, results
