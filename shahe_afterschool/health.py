"""Health checks for load balancers, monitors and operators.

- `/healthz` (liveness): the process answers. Touches nothing else, so a database outage does not
  make every web process look dead and get restarted.
- `/readyz` (readiness): the database answers, Redis answers (when `REDIS_URL` is set) and, when
  `HEALTH_CHECK_CELERY` is on, at least one Celery worker answers a ping, each within
  `HEALTH_CHECK_TIMEOUT` seconds. 200 when all pass, 503 otherwise.

Both answer small JSON bodies without authentication and without personal data: a failed check
names only the kind of error (the exception's class, or "timeout"); the details go to the log.
`manage.py health` prints the same checks for an operator.
"""
from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import asdict, dataclass

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("shahe.health")


@dataclass
class CheckResult:
    name: str
    ok: bool
    ms: float
    error: str = ""

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("name")
        if not data["error"]:
            data.pop("error")
        return data


def _timeout() -> float:
    return float(getattr(settings, "HEALTH_CHECK_TIMEOUT", 2.0))


def check_database(timeout: float) -> None:
    """SELECT 1 over a new connection with a connect and statement timeout (not the request's
    connection, which could be in a broken transaction or lack a timeout)."""
    from django.db import connections
    from django.db.utils import load_backend

    settings_dict = copy.deepcopy(connections["default"].settings_dict)
    if "postgresql" in settings_dict["ENGINE"]:
        options = settings_dict.setdefault("OPTIONS", {})
        options["connect_timeout"] = max(2, math.ceil(timeout))  # libpq's minimum is 2 s
        pg_options = options.get("options", "")
        options["options"] = f"{pg_options} -c statement_timeout={int(timeout * 1000)}".strip()
    settings_dict["CONN_MAX_AGE"] = 0
    connection = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            if cursor.fetchone()[0] != 1:
                raise RuntimeError("SELECT 1 did not answer 1")
    finally:
        connection.close()


def check_redis(timeout: float) -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        if not client.ping():
            raise RuntimeError("PING did not answer PONG")
    finally:
        client.close()


class NoWorker(Exception):
    """No Celery worker answered the ping."""


def check_celery(timeout: float) -> None:
    from shahe_afterschool.celery import app

    replies = app.control.ping(timeout=timeout, limit=1)
    if not replies:
        raise NoWorker("no Celery worker answered")


def enabled_checks() -> dict[str, Callable[[float], None]]:
    checks: dict[str, Callable[[float], None]] = {"database": check_database}
    if getattr(settings, "REDIS_URL", ""):
        checks["redis"] = check_redis
    if getattr(settings, "HEALTH_CHECK_CELERY", False):
        checks["celery"] = check_celery
    return checks


def _run_one(name: str, check: Callable[[float], None], timeout: float) -> CheckResult:
    started = time.monotonic()
    try:
        check(timeout)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        logger.warning("health check %s failed: %r", name, exc,
                       extra={"event": "health_check_failed", "check": name})
        return CheckResult(name, False, round((time.monotonic() - started) * 1000, 1), type(exc).__name__)
    return CheckResult(name, True, round((time.monotonic() - started) * 1000, 1))


def run_checks(timeout: float | None = None, checks: dict[str, Callable[[float], None]] | None = None) -> list[CheckResult]:
    """Run the checks in parallel; one that has not answered after `timeout` (plus a little for the
    thread) counts as failed with error "timeout"."""
    timeout = _timeout() if timeout is None else timeout
    checks = enabled_checks() if checks is None else checks
    executor = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="health")
    started = time.monotonic()
    futures = {name: executor.submit(_run_one, name, check, timeout) for name, check in checks.items()}
    wait_futures(futures.values(), timeout=timeout + 0.5)
    executor.shutdown(wait=False)  # a check stuck past its timeout is left to finish on its own
    results = []
    for name, future in futures.items():
        if future.done():
            results.append(future.result())
        else:
            logger.warning("health check %s timed out", name, extra={"event": "health_check_failed", "check": name})
            results.append(CheckResult(name, False, round((time.monotonic() - started) * 1000, 1), "timeout"))
    return results


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the services this process needs answer in time. 503 when one does not."""
    results = run_checks()
    ready = all(result.ok for result in results)
    body = {"status": "ok" if ready else "unavailable", "checks": {r.name: r.as_json() for r in results}}
    return JsonResponse(body, status=200 if ready else 503)
