"""/healthz, /readyz and manage.py health."""
import io
import json
import time

import pytest
from django.core.management import CommandError, call_command

from shahe_afterschool import health

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/healthz", "/healthz/"])
def test_liveness_answers_json_without_auth_or_redirect(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] and not response.cookies
    assert client.head(path).status_code == 200
    assert client.post(path).status_code == 405


@pytest.mark.parametrize("path", ["/readyz", "/readyz/"])
def test_readiness_checks_the_database(client, settings, path):
    settings.REDIS_URL = ""
    settings.HEALTH_CHECK_CELERY = False
    response = client.get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and set(body["checks"]) == {"database"}
    assert body["checks"]["database"]["ok"] is True and body["checks"]["database"]["ms"] >= 0


def test_readiness_is_503_when_redis_is_down_and_says_nothing_private(client, settings):
    settings.REDIS_URL = "redis://:secret-password@127.0.0.1:1/0"  # nothing listens on port 1
    settings.HEALTH_CHECK_TIMEOUT = 0.5
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"] == {"ok": False, "ms": body["checks"]["redis"]["ms"], "error": "ConnectionError"}
    assert "secret" not in response.content.decode() and "127.0.0.1" not in response.content.decode()


def test_a_check_that_hangs_counts_as_a_timeout_within_the_limit():
    def hangs(timeout):
        time.sleep(5)

    started = time.monotonic()
    results = health.run_checks(timeout=0.3, checks={"slow": hangs, "fine": lambda timeout: None})
    assert time.monotonic() - started < 2
    by_name = {r.name: r for r in results}
    assert by_name["slow"].ok is False and by_name["slow"].error == "timeout"
    assert by_name["fine"].ok is True


def test_celery_check_fails_when_no_worker_answers(settings, monkeypatch):
    settings.HEALTH_CHECK_CELERY = True
    settings.REDIS_URL = ""
    from shahe_afterschool.celery import app

    monkeypatch.setattr(app.control, "ping", lambda timeout, limit: [])
    checks = health.enabled_checks()
    assert set(checks) == {"database", "celery"}
    results = {r.name: r for r in health.run_checks(timeout=0.5, checks=checks)}
    assert results["celery"].ok is False and results["celery"].error == "NoWorker"


def test_health_command_prints_the_checks_and_exits_1_when_not_ready(settings):
    settings.REDIS_URL = ""
    out = io.StringIO()
    call_command("health", stdout=out)
    assert "database" in out.getvalue() and "ok" in out.getvalue()

    out = io.StringIO()
    call_command("health", "--json", stdout=out)
    assert json.loads(out.getvalue())["status"] == "ok"

    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    out = io.StringIO()
    with pytest.raises(CommandError, match="not ready: redis") as excinfo:
        call_command("health", "--timeout", "0.5", stdout=out)
    assert excinfo.value.returncode == 1
    assert "FAIL redis" in out.getvalue()


@pytest.mark.redis
def test_readiness_with_redis(client, settings):
    import os

    settings.REDIS_URL = os.environ["REDIS_URL"]
    body = client.get("/readyz").json()
    assert body["status"] == "ok" and body["checks"]["redis"]["ok"] is True


def test_client_address_comes_from_x_real_ip_only_behind_a_trusted_proxy(rf, settings):
    from shahe_afterschool.middleware import client_ip

    settings.TRUSTED_PROXY_IPS = ["10.0.0.2"]
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="203.0.113.9")) == "203.0.113.9"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
    # a client talking to gunicorn directly cannot choose its address
    assert client_ip(rf.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_REAL_IP="203.0.113.9")) == "198.51.100.7"


def test_readiness_is_503_when_the_database_does_not_answer(rf, settings, monkeypatch):
    from django.db import connections

    settings.REDIS_URL = ""
    settings_dict = connections["default"].settings_dict
    if "postgresql" in settings_dict["ENGINE"]:
        monkeypatch.setitem(settings_dict, "HOST", "127.0.0.1")
        monkeypatch.setitem(settings_dict, "PORT", "1")  # nothing listens there
    else:
        monkeypatch.setitem(settings_dict, "NAME", "/nonexistent-dir/db.sqlite3")
    started = time.monotonic()
    response = health.readyz(rf.get("/readyz"))
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["checks"]["database"] == {"ok": False, "ms": body["checks"]["database"]["ms"], "error": "OperationalError"}
    assert "nonexistent" not in response.content.decode()
