"""Structured logs: one JSON object per line, with the request id and the user id on every record.

- `RequestContextFilter` (on the console handler) adds `request_id`, `user_id` and, inside a Celery
  task, `task_id` and `task_name` to every record, read from context variables that the request
  middleware (`shahe_afterschool.middleware.RequestLogMiddleware`) and the Celery signals below set.
- `JsonFormatter` is python-json-logger's formatter with our field names; a record logged with
  `exc_info` carries its stack trace in `exc_info`.
- Celery: `before_task_publish` copies the current request id into the task message's headers, so a
  task started by a request logs under the same id; `task_prerun` / `task_postrun` log each task with
  its duration and outcome, `task_failure` logs the exception with its stack trace.
- `init_sentry(dsn)`: errors also go to Sentry when `SENTRY_DSN` is set and sentry-sdk is installed
  (`pip install -e '.[sentry]'`); never with personal data (`send_default_pii=False`).

No personal data in logs: only ids. Paths are logged without their query string.
"""
from __future__ import annotations

import contextvars
import logging
import re
import sys
import time
import uuid

from django.utils.functional import empty
from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
user_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("user_id", default=None)
task_var: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("task", default=None)
#: The current HttpRequest, so that a record logged during the request gets its user's id.
request_var: contextvars.ContextVar = contextvars.ContextVar("request", default=None)

#: An incoming X-Request-ID is kept only if it looks like an id (nginx's $request_id, a UUID, ...).
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
#: The Celery message header that carries the request id.
TASK_HEADER = "shahe_request_id"
#: ... and the id of the user whose request started the task.
TASK_USER_HEADER = "shahe_user_id"

task_logger = logging.getLogger("shahe.task")


def new_request_id() -> str:
    return uuid.uuid4().hex


def clean_request_id(value: str | None) -> str:
    """The caller's id when it is a plausible id, a new one otherwise (never echo arbitrary input)."""
    if value and _REQUEST_ID_RE.match(value):
        return value
    return new_request_id()


def user_id_of(request, *, load: bool = False) -> int | None:
    """The signed-in user's id, or None. Without `load`, only if the user was already loaded (a log
    call must not cause a database query)."""
    user = getattr(request, "user", None)  # AuthenticationMiddleware's lazy object, or DRF's user
    if user is None:
        return None
    try:
        if not load and getattr(user, "_wrapped", None) is empty:
            return None
        return user.pk if user.is_authenticated else None
    except Exception:  # noqa: BLE001 - a broken session must not break a log line
        return None


class RequestContextFilter(logging.Filter):
    """Adds request_id, user_id, task_id and task_name to every record (None outside a request/task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs some lines (e.g. "Not Found") after the middleware returned, with the request
        # on the record: take the ids from it.
        record_request = getattr(record, "request", None)
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get() or getattr(record_request, "request_id", None)
        if not hasattr(record, "user_id"):
            user_id = user_id_var.get()
            request = request_var.get() or record_request
            if user_id is None and request is not None:
                user_id = user_id_of(request)
            record.user_id = user_id
        task = task_var.get()
        if task and not hasattr(record, "task_id"):
            record.task_id, record.task_name = task
        return True


class JsonFormatter(_BaseJsonFormatter):
    """`{"time": ..., "level": ..., "logger": ..., "message": ..., "request_id": ..., ...}`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", ["asctime", "levelname", "name", "message"])
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging's name)
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"

    def add_fields(self, log_data, record, message_dict):
        super().add_fields(log_data, record, message_dict)
        # django.request puts the request on the record; its repr has the query string, which may
        # hold names or phone numbers: only the method and path are logged.
        request = log_data.get("request")
        if request is not None and not isinstance(request, str | int | float | bool):
            log_data["request"] = f"{getattr(request, 'method', '')} {getattr(request, 'path', '')}".strip()
        # Drop empty context fields so that a line outside any request stays short.
        for key in ("request_id", "user_id", "task_id", "task_name"):
            if log_data.get(key) is None:
                log_data.pop(key, None)


def logging_config(*, fmt: str = "json", level: str = "INFO") -> dict:
    """The LOGGING setting: everything to stderr, JSON or plain, with the request context filter."""
    formatter = "json" if fmt == "json" else "plain"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "shahe_afterschool.logs.RequestContextFilter"}},
        "formatters": {
            "json": {"()": "shahe_afterschool.logs.JsonFormatter"},
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": formatter,
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # Our request log replaces runserver's and gunicorn's access lines.
            "django.server": {"level": "WARNING"},
            "axes": {"level": "WARNING"},
            "shahe.security": {"level": "INFO"},
            "shahe.request": {"level": "INFO"},
            "shahe.task": {"level": "INFO"},
            "celery": {"level": "INFO"},
        },
    }


# --- Celery -------------------------------------------------------------------------------------

def _before_task_publish(sender=None, headers=None, **kwargs):
    if headers is None:
        return
    request_id, user_id = request_id_var.get(), user_id_var.get()
    if user_id is None and request_var.get() is not None:
        user_id = user_id_of(request_var.get())
    if request_id:
        headers.setdefault(TASK_HEADER, request_id)
    if user_id is not None:
        headers.setdefault(TASK_USER_HEADER, user_id)


def _task_header(task, name: str):
    """A custom message header: Celery exposes it as an attribute of task.request (protocol 2)."""
    request = getattr(task, "request", None)
    if request is None:
        return None
    value = getattr(request, name, None)
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(name)
    return value


#: task id -> (start time, context tokens) of the tasks running in this process (thread pools too).
_running: dict[str, tuple] = {}


def _task_prerun(sender=None, task_id=None, task=None, **kwargs):
    # A task run in process (CELERY_TASK_ALWAYS_EAGER) keeps the caller's request id.
    request_id = _task_header(task, TASK_HEADER) or request_id_var.get() or new_request_id()
    user_id = _task_header(task, TASK_USER_HEADER)
    tokens = (
        request_id_var.set(request_id),
        task_var.set((task_id, getattr(task, "name", str(sender)))),
        user_id_var.set(user_id if user_id is not None else user_id_var.get()),
    )
    _running[task_id] = (time.monotonic(), tokens)
    task_logger.info("task started", extra={"event": "task_started"})


def _task_postrun(sender=None, task_id=None, task=None, state=None, **kwargs):
    started, tokens = _running.pop(task_id, (None, None))
    duration_ms = round((time.monotonic() - started) * 1000, 1) if started else None
    task_logger.info(
        "task finished", extra={"event": "task_finished", "state": state, "duration_ms": duration_ms}
    )
    if tokens:
        request_tokens, task_token, user_token = tokens
        user_id_var.reset(user_token)
        task_var.reset(task_token)
        request_id_var.reset(request_tokens)


def _task_failure(sender=None, task_id=None, exception=None, einfo=None, **kwargs):
    exc_info = (type(exception), exception, exception.__traceback__) if exception else sys.exc_info()
    task_logger.error("task failed", exc_info=exc_info, extra={"event": "task_failed"})


def _keep_django_logging(**kwargs):
    """A receiver of Celery's setup_logging: its presence tells a worker or beat not to configure
    logging itself (not to reset the root level to its --loglevel), so LOGGING applies there too."""


def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(_before_task_publish, dispatch_uid="shahe_logs_publish")
    signals.task_prerun.connect(_task_prerun, dispatch_uid="shahe_logs_prerun")
    signals.task_postrun.connect(_task_postrun, dispatch_uid="shahe_logs_postrun")
    signals.task_failure.connect(_task_failure, dispatch_uid="shahe_logs_failure")


try:  # at import (the settings import this module), before a Celery worker sets up its logging
    from celery import signals as _celery_signals

    _celery_signals.setup_logging.connect(_keep_django_logging, weak=False, dispatch_uid="shahe_logs_setup")
except ImportError:  # pragma: no cover - celery is a dependency
    pass


# --- Sentry -------------------------------------------------------------------------------------

def init_sentry(dsn: str, *, environment: str = "", release: str = "") -> bool:
    """Send errors to Sentry when a DSN is configured and sentry-sdk is installed. Returns whether it did."""
    if not dsn:
        return False
    try:
        import sentry_sdk
        from sentry_sdk.integrations.celery import CeleryIntegration
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError:
        print("SENTRY_DSN is set but sentry-sdk is not installed: pip install -e '.[sentry]'", file=sys.stderr)
        return False
    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=environment or None,
        release=release or None,
        send_default_pii=False,  # no user names, e-mail addresses, cookies or request bodies
        traces_sample_rate=0.0,
    )
    return True
