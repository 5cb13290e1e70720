"""Which incidents escalate, who hears of it, and that they hear after commit, once."""
import pytest
from django.db import transaction

from notices.models import Notification
from safety import services, tasks
from safety.models import Incident, IncidentType, Severity

from .factories import report

pytestmark = pytest.mark.django_db

ESCALATED = "safety.incident_escalated"


@pytest.mark.parametrize(("kind", "severity", "escalates"), [
    (IncidentType.INJURY, Severity.GENERAL, False),
    (IncidentType.CONFLICT, Severity.GENERAL, False),
    (IncidentType.MISSING_CHILD, Severity.GENERAL, True),
    (IncidentType.INJURY, Severity.SERIOUS, True),
    (IncidentType.FOOD, Severity.MAJOR, True),
    (IncidentType.FIRE, Severity.CRITICAL, True),
])
def test_missing_child_or_serious_and_above_escalates(safety, kind, severity, escalates,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(safety, type=kind, severity=severity)
    assert (incident.escalated_at is not None) is escalates
    assert Notification.objects.filter(kind=ESCALATED).exists() is escalates


def test_principal_and_bureau_are_notified_nobody_else(safety, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(safety, type=IncidentType.MISSING_CHILD, severity=Severity.SERIOUS)
    recipients = set(Notification.objects.filter(kind=ESCALATED).values_list("recipient__username", flat=True))
    assert recipients == {"principal", "bureau"}
    notice = Notification.objects.get(kind=ESCALATED, recipient=safety.principal)
    assert notice.link == f"/safety/incidents/{incident.pk}/"
    assert notice.must_read


def test_escalation_notice_waits_for_commit(safety, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report(safety, severity=Severity.MAJOR)
        assert not Notification.objects.filter(kind=ESCALATED).exists()
    assert callbacks
    for callback in callbacks:
        callback()
    assert Notification.objects.filter(kind=ESCALATED).count() == 2


def test_rolled_back_incident_notifies_nobody(safety, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        report(safety, severity=Severity.CRITICAL)
        raise RuntimeError("the request failed after the insert")
    assert not Incident.objects.exists()
    assert not Notification.objects.exists()


def test_escalation_notifies_once_even_when_the_task_runs_twice_or_the_incident_changes(
        safety, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(safety, severity=Severity.SERIOUS)
    tasks.incident_escalation_notify(incident.pk)  # a retried task
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_update(incident=incident, user=safety.principal, severity=Severity.CRITICAL)
    assert Notification.objects.filter(kind=ESCALATED).count() == 2  # principal + bureau, once each


def test_raising_severity_later_escalates_once(safety, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(safety, severity=Severity.GENERAL)
    assert incident.escalated_at is None
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.incident_update(incident=incident, user=safety.homeroom, severity=Severity.SERIOUS)
    first = incident.escalated_at
    assert first is not None
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.incident_update(incident=incident, user=safety.homeroom, severity=Severity.GENERAL,
                                            description="其实只是擦伤")
    assert incident.escalated_at == first  # once escalated, it stays on the bureau's list
    assert Notification.objects.filter(kind=ESCALATED).count() == 2


def test_escalated_incident_is_on_bureau_list_at_once_with_time_since_opened(safety, login):
    incident = report(safety, type=IncidentType.MISSING_CHILD, severity=Severity.GENERAL)
    body = login(safety.bureau).get("/safety/escalations/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"/safety/incidents/{incident.pk}/" in body
    assert "Missing child" in body
    assert "minute" in body  # "0 minutes" / "1 minute": the time since it was opened


def test_guardians_get_the_schools_message_once(safety, django_capture_on_commit_callbacks):
    incident = report(safety, children=[safety.child_a])
    message = "孩子在操场摔倒擦伤，已处理，请放心。"
    with django_capture_on_commit_callbacks(execute=True):
        assert services.incident_notify_guardians(incident=incident, user=safety.homeroom, message=message) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.incident_notify_guardians(incident=incident, user=safety.homeroom, message=message) == 0
    notices = Notification.objects.filter(kind="safety.incident_guardian")
    assert [(n.recipient, n.body) for n in notices] == [(safety.parent_a, message)]
    incident.refresh_from_db()
    assert incident.guardians_notified_at is not None
    assert incident.guardian_contacts.get().guardian == safety.parent_a


def test_guardian_message_needs_children_and_text(safety):
    incident = report(safety, children=[])
    from shahe_afterschool.errors import DomainError

    with pytest.raises(DomainError):
        services.incident_notify_guardians(incident=incident, user=safety.homeroom, message="有事")
    with pytest.raises(DomainError):
        services.incident_notify_guardians(incident=incident, user=safety.homeroom, message="  ")
