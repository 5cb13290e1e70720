"""Structured logs: a JSON line per request with the request id, the user id and no personal data;
errors with their stack trace; the request id carried into Celery tasks; optional Sentry."""
import sys
import types

import pytest

from shahe_afterschool import logs

from .conftest import json_lines

pytestmark = pytest.mark.django_db


def test_request_line_has_id_user_status_duration_and_no_personal_data(world, login, json_log):
    stream = json_log("shahe.request")
    client = login(world.parent_a)
    response = client.get("/notices/?q=张家长&phone=13800000001", HTTP_X_REQUEST_ID="req-1234abcd")
    assert response.status_code == 200 and response["X-Request-ID"] == "req-1234abcd"
    (line,) = [r for r in json_lines(stream) if r["path"] == "/notices/"]
    assert line["request_id"] == "req-1234abcd" and line["user_id"] == world.parent_a.pk
    assert line["method"] == "GET" and line["status"] == 200 and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["logger"] == "shahe.request" and line["time"].endswith("Z")
    text = stream.getvalue()
    for private in ("张家长", "13800000001", "parent_a", "phone=", world.parent_a.name):
        assert private not in text


def test_a_request_id_that_is_not_an_id_is_replaced(client, json_log):
    stream = json_log("shahe.request")
    response = client.get("/healthz", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    new_id = response["X-Request-ID"]
    assert len(new_id) == 32 and "<" not in new_id
    assert json_lines(stream)[0]["request_id"] == new_id
    assert json_lines(stream)[0]["level"] == "DEBUG"  # probes are quiet
    assert "user_id" not in json_lines(stream)[0]


@pytest.mark.urls("tests.ops.urls_boom")
def test_an_error_is_logged_with_its_stack_trace_and_request_id(world, login, json_log):
    stream = json_log("django.request")
    client = login(world.homeroom)
    client.raise_request_exception = False
    response = client.get("/ops-test/boom/", HTTP_X_REQUEST_ID="boom-request-1")
    assert response.status_code == 500
    (record,) = json_lines(stream)
    assert record["level"] == "ERROR" and record["request_id"] == "boom-request-1"
    assert record["user_id"] == world.homeroom.pk
    assert "Traceback" in record["exc_info"] and "RuntimeError: boom for the error log test" in record["exc_info"]


@pytest.mark.urls("tests.ops.urls_boom")
def test_django_request_lines_carry_the_ids_but_never_the_query_string(world, login, json_log):
    stream = json_log("django.request")
    client = login(world.parent_a)
    client.raise_request_exception = False
    client.get("/ops-test/boom/?phone=13800000001", HTTP_X_REQUEST_ID="boom-request-2")
    client.get("/no-such-page/?name=张家长", HTTP_X_REQUEST_ID="missing-page-1")  # logged after the middleware
    error, not_found = json_lines(stream)
    assert error["request"] == "GET /ops-test/boom/" and error["request_id"] == "boom-request-2"
    assert not_found["level"] == "WARNING" and not_found["request"] == "GET /no-such-page/"
    assert not_found["request_id"] == "missing-page-1"
    assert "13800000001" not in stream.getvalue() and "张家长" not in stream.getvalue()


@pytest.mark.urls("tests.ops.urls_boom")
def test_a_task_started_by_a_request_logs_under_its_request_id(world, login, json_log):
    """In process (CELERY_TASK_ALWAYS_EAGER); tests/ops/test_celery_worker.py does it with a worker."""
    task_stream, inner_stream = json_log("shahe.task"), json_log("shahe.test_task")
    client = login(world.homeroom)
    assert client.get("/ops-test/task/", HTTP_X_REQUEST_ID="task-request-1").status_code == 200
    inner = json_lines(inner_stream)
    assert inner[0]["request_id"] == "task-request-1" and inner[0]["task_name"] == "tests.ops.note_request_id"
    assert inner[0]["user_id"] == world.homeroom.pk
    events = json_lines(task_stream)
    assert [r["event"] for r in events] == ["task_started", "task_finished"]
    assert all(r["request_id"] == "task-request-1" for r in events)
    assert events[1]["state"] == "SUCCESS" and events[1]["duration_ms"] >= 0


def test_publishing_a_task_puts_the_request_and_user_ids_in_its_headers():
    headers = {}
    token, user_token = logs.request_id_var.set("abcdef123456"), logs.user_id_var.set(7)
    try:
        logs._before_task_publish(headers=headers)
    finally:
        logs.request_id_var.reset(token)
        logs.user_id_var.reset(user_token)
    assert headers == {logs.TASK_HEADER: "abcdef123456", logs.TASK_USER_HEADER: 7}
    empty = {}
    logs._before_task_publish(headers=empty)  # outside a request: nothing added
    assert empty == {}


def test_a_task_published_during_a_request_gets_the_signed_in_users_id(world, rf):
    """During a request only the request is in context (the user id is set at its end)."""
    request = rf.get("/")
    request.user = world.parent_a
    headers = {}
    token, request_token = logs.request_id_var.set("abcdef123456"), logs.request_var.set(request)
    try:
        logs._before_task_publish(headers=headers)
    finally:
        logs.request_var.reset(request_token)
        logs.request_id_var.reset(token)
    assert headers == {logs.TASK_HEADER: "abcdef123456", logs.TASK_USER_HEADER: world.parent_a.pk}


def test_sentry_is_set_up_only_with_a_dsn_and_never_with_personal_data(monkeypatch):
    calls = []
    fake = types.ModuleType("sentry_sdk")
    fake.init = lambda **kwargs: calls.append(kwargs)
    integrations = types.ModuleType("sentry_sdk.integrations")
    django_mod = types.ModuleType("sentry_sdk.integrations.django")
    django_mod.DjangoIntegration = lambda: "django"
    celery_mod = types.ModuleType("sentry_sdk.integrations.celery")
    celery_mod.CeleryIntegration = lambda: "celery"
    for name, module in {"sentry_sdk": fake, "sentry_sdk.integrations": integrations,
                         "sentry_sdk.integrations.django": django_mod,
                         "sentry_sdk.integrations.celery": celery_mod}.items():
        monkeypatch.setitem(sys.modules, name, module)

    assert logs.init_sentry("") is False and calls == []
    assert logs.init_sentry("https://key@sentry.example/1", environment="prod") is True
    assert calls[0]["send_default_pii"] is False and calls[0]["integrations"] == ["django", "celery"]
    assert calls[0]["environment"] == "prod"


def test_without_sentry_sdk_a_dsn_is_harmless(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sentry_sdk", None)  # import fails
    assert logs.init_sentry("https://key@sentry.example/1") is False
    assert "sentry-sdk is not installed" in capsys.readouterr().err


def test_api_request_line_has_the_token_users_id(world, api, json_log):
    stream = json_log("shahe.request")
    client = api.as_user(world.principal)
    assert client.get("/api/v1/schools/", HTTP_X_REQUEST_ID="api-request-01").status_code == 200
    (line,) = json_lines(stream)
    assert line["path"] == "/api/v1/schools/" and line["user_id"] == world.principal.pk
    assert line["request_id"] == "api-request-01"
