"""Bad input: a clear message in the user's language, nothing saved, never a 500."""
import datetime

import pytest
from django.utils import timezone

from safety.models import Incident

pytestmark = pytest.mark.django_db


def body(safety, **overrides):
    data = {"occurred_at": (timezone.now() - datetime.timedelta(minutes=10)).isoformat(), "type": "injury",
            "severity": 1, "venue": safety.venue_a.pk, "description": "摔倒擦伤", "children": [safety.child_a.pk]}
    data.update(overrides)
    return data


def test_tablet_logs_an_incident_through_the_api(safety, api):
    r = api.as_user(safety.teacher_a).post("/api/v1/incidents/", body(safety), format="json")
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["status"] == "open" and data["escalated"] is False
    assert data["children"] == [{"id": safety.child_a.pk, "name": safety.child_a.name}]


def test_retried_post_with_the_same_idempotency_key_writes_once(safety, api):
    client = api.as_user(safety.teacher_a)
    first = client.post("/api/v1/incidents/", body(safety), format="json", HTTP_IDEMPOTENCY_KEY="tablet-42")
    second = client.post("/api/v1/incidents/", body(safety), format="json", HTTP_IDEMPOTENCY_KEY="tablet-42")
    assert first.json()["id"] == second.json()["id"]
    assert Incident.objects.count() == 1


@pytest.mark.parametrize(("overrides", "field", "english", "chinese"), [
    ({"occurred_at": "future"}, "occurred_at", "cannot be in the future", "不能是将来"),
    ({"children": [999999]}, "children", "Unknown child: 999999", "未知的学生"),
    ({"children": ["child_b"]}, "children", "Unknown child", "未知的学生"),
    ({"severity": 7}, "severity", "from 1 (general) to 4 (critical)", "1（一般）到 4（特别重大）"),
    ({"severity": 0}, "severity", "from 1 (general) to 4 (critical)", "1（一般）到 4（特别重大）"),
    ({"type": "alien"}, "type", "listed incident types", "事件类型"),
    ({"venue": "venue_b"}, "venue", "Unknown place", "未知的地点"),
    ({"description": ""}, "description", "what happened", "发生了什么"),
])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_bad_incident_input_is_400_with_a_clear_message_and_saves_nothing(safety, api, overrides, field, english,
                                                                           chinese, language):
    resolved = {}
    for key, value in overrides.items():
        if value == "future":
            value = (timezone.now() + datetime.timedelta(hours=2)).isoformat()
        elif value == ["child_b"]:
            value = [safety.child_b.pk]  # a real child, of another school: same answer as unknown
        elif value == "venue_b":
            value = safety.venue_b.pk
        resolved[key] = value
    r = api.as_user(safety.teacher_a).post("/api/v1/incidents/", body(safety, **resolved), format="json",
                                           HTTP_ACCEPT_LANGUAGE=language)
    assert r.status_code == 400, r.content
    message = " ".join(r.json()[field])
    assert (english if language == "en" else chinese) in message
    assert not Incident.objects.exists()


@pytest.mark.parametrize("payload", [
    {"occurred_at": "yesterday"}, {"severity": "high"}, {"children": "abc"}, {"children": [None]},
    {"school": "x"}, {"venue": "x"},
])
def test_malformed_incident_input_is_400_not_500(safety, api, payload):
    r = api.as_user(safety.teacher_a).post("/api/v1/incidents/", body(safety, **payload), format="json")
    assert r.status_code == 400
    assert not Incident.objects.exists()


def test_a_school_the_user_does_not_work_at_is_refused(safety, api):
    r = api.as_user(safety.teacher_a).post("/api/v1/incidents/", body(safety, school=safety.school_b.pk),
                                           format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and "school" in r.json()
    assert not Incident.objects.exists()


@pytest.mark.parametrize("role", ["parent_a", "bureau", "district"])
def test_non_school_staff_cannot_log_incidents(safety, api, role):
    r = api.as_user(getattr(safety, role)).post("/api/v1/incidents/", body(safety), format="json")
    assert r.status_code == 403
    assert not Incident.objects.exists()


def _form(safety, **overrides):
    data = {"type": "injury", "severity": "1", "venue": str(safety.venue_a.pk),
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "description": "摔倒擦伤",
            "children": [str(safety.child_a.pk)]}
    data.update(overrides)
    return data


@pytest.mark.parametrize(("overrides", "message"), [
    ({"occurred_at": "2099-01-01T10:00"}, "cannot be in the future"),
    ({"children": ["999999"]}, "Unknown child: 999999"),
    ({"severity": "9"}, "from 1 (general) to 4 (critical)"),
    ({"venue": "abc"}, "Unknown place"),
    ({"occurred_at": "not a date"}, "Enter a valid date/time"),
])
def test_bad_input_on_the_tablet_form_shows_the_message_and_saves_nothing(safety, login, overrides, message):
    r = login(safety.teacher_a).post("/safety/incidents/new/", _form(safety, **overrides),
                                     HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    assert message in r.content.decode()
    assert not Incident.objects.exists()


def test_bad_input_on_the_details_form_changes_nothing(safety, login):
    login(safety.teacher_a).post("/safety/incidents/new/", _form(safety))
    incident = Incident.objects.get()
    r = login(safety.teacher_a).post(f"/safety/incidents/{incident.pk}/edit/", {
        "type": "injury", "severity": "2", "occurred_at": "2099-01-01T10:00", "description": "改过的",
        "children": [str(safety.child_b.pk)]}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and "cannot be in the future" in r.content.decode()
    incident.refresh_from_db()
    assert incident.description == "摔倒擦伤" and incident.severity == 1 and incident.escalated_at is None
