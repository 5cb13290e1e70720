"""On PostgreSQL: two requests that raise the severity at the same moment escalate once, and one
Idempotency-Key retried in parallel logs one incident."""
import threading

import pytest
from django.db import connection

from notices.models import Notification
from safety import services
from safety.models import Incident, Severity

from .factories import report

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    errors = []

    def wrap(call):
        try:
            barrier.wait()
            call()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors


def test_concurrent_severity_raises_escalate_and_notify_once(safety):
    incident = report(safety)
    errors = run_together(*[
        (lambda s=s: services.incident_update(incident=incident, user=safety.principal, severity=s))
        for s in (Severity.SERIOUS, Severity.MAJOR, Severity.CRITICAL)
    ])
    assert errors == []
    assert Incident.objects.get().escalated_at is not None
    assert Notification.objects.filter(kind="safety.incident_escalated").count() == 2  # principal + bureau


def test_parallel_retries_with_one_idempotency_key_log_one_incident(safety):
    errors = run_together(*[(lambda: report(safety, client_key="tablet-7")) for _ in range(3)])
    assert errors == []
    assert Incident.objects.count() == 1
