import json

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.services import audit_record
from notices.models import Notification
from notices.services import notify
from privacy.models import CorrectionRequest
from privacy.registry import PROVIDERS, register_provider
from privacy.services import consent_record
from tests.conftest import OFFICE_ROLES, matrix_user

pytestmark = pytest.mark.django_db


def test_json_download_has_every_provider_and_is_audited(world, client):
    world.child_a.health_notes = "花生过敏"
    world.child_a.save()
    audit_record(user=world.homeroom, action="read", obj=world.child_a, detail="priority claims")
    notify(recipients=[world.parent_a], kind="test", title=f"{world.child_a.name} 今日已离校")
    notify(recipients=[world.parent_a], kind="test", title="全校通知")
    consent_record(student=world.child_a, guardian=world.parent_a, decision="given")
    client.force_login(world.parent_a)
    response = client.get(reverse("privacy:child_data_json", args=[world.child_a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    sections = data["sections"]
    assert set(sections) >= {"schools", "accounts", "notices", "privacy"}
    student = sections["schools"]["data"]["student"]
    assert student["name"] == world.child_a.name
    assert student["health_notes"] == "花生过敏"
    assert [g["phone"] for g in sections["schools"]["data"]["guardians"]] == ["138****0001"]
    assert any(e["what"] == "priority claims" and e["by"] == world.homeroom.name
               for e in sections["accounts"]["data"]["access_log"])
    assert [n["title"] for n in sections["notices"]["data"]["notices"]] == [f"{world.child_a.name} 今日已离校"]
    assert sections["privacy"]["data"]["consents"][0]["notice_version"]
    # nothing about the other family
    assert world.child_a2.name not in response.content.decode()
    assert AuditEvent.objects.filter(user=world.parent_a, action="export", object_type="schools.student",
                                     object_id=str(world.child_a.pk)).count() == 1


def test_readable_page_shows_the_same_data_and_is_audited(world, client):
    client.force_login(world.parent_a)
    response = client.get(reverse("privacy:child_data", args=[world.child_a.pk]), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert world.child_a.name in body and world.child_a.student_number in body
    assert "Access log" in body
    assert AuditEvent.objects.filter(action="export", object_id=str(world.child_a.pk)).exists()


@pytest.mark.parametrize("role", ["other_parent", "parent_b", "homeroom", "teacher_b", "principal", "district",
                                  "bureau", *OFFICE_ROLES])
@pytest.mark.parametrize("name", ["privacy:child_data", "privacy:child_data_json", "privacy:correction_new"])
def test_only_the_childs_guardians_get_the_data(world, client, role, name):
    """The child's data (health notes included) is exported to its guardians only (issue 17, item 3)."""
    client.force_login(matrix_user(world, role))
    assert client.get(reverse(name, args=[world.child_a.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_ended_guardianship_loses_access(world, client):
    world.child_a.guardianships.update(active=False)
    client.force_login(world.parent_a)
    assert client.get(reverse("privacy:child_data_json", args=[world.child_a.pk])).status_code == 404


def test_a_later_app_can_register_a_provider(world, client):
    register_provider("test_extra", "Extra", lambda student: {"extra": [{"value": student.pk}]})
    try:
        client.force_login(world.parent_a)
        data = json.loads(client.get(reverse("privacy:child_data_json", args=[world.child_a.pk])).content)
        assert data["sections"]["test_extra"]["data"] == {"extra": [{"value": world.child_a.pk}]}
    finally:
        PROVIDERS.pop("test_extra")


def test_correction_request_flow(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.parent_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy:correction_new", args=[world.child_a.pk]),
                               {"text": "出生日期应为2017年3月5日"})
    assert response.status_code == 302
    item = CorrectionRequest.objects.get()
    assert item.student == world.child_a and item.requested_by == world.parent_a and item.status == "open"
    assert Notification.objects.filter(recipient=world.principal, kind="privacy.correction").exists()
    # the principal sees it and marks it done; the guardian is told
    client.force_login(world.principal)
    assert "出生日期应为" in client.get(reverse("privacy:corrections")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy:correction_done", args=[item.pk]), {"response": "已更正"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "done" and item.done_by == world.principal and item.response == "已更正"
    assert Notification.objects.filter(recipient=world.parent_a, kind="privacy.correction_done").exists()
    # twice: a clear message, nothing changed
    response = client.post(reverse("privacy:correction_done", args=[item.pk]), {"response": "again"}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "already done" in response.content.decode()
    item.refresh_from_db()
    assert item.response == "已更正"


def test_correction_request_empty_text_is_refused_clearly(world, client):
    client.force_login(world.parent_a)
    response = client.post(reverse("privacy:correction_new", args=[world.child_a.pk]), {"text": "   "},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Say what should be corrected" in response.content.decode()
    assert not CorrectionRequest.objects.exists()


def test_correction_request_too_long_is_refused(world, client):
    client.force_login(world.parent_a)
    response = client.post(reverse("privacy:correction_new", args=[world.child_a.pk]), {"text": "错" * 2001})
    assert response.status_code == 200
    assert not CorrectionRequest.objects.exists()


def test_corrections_are_scoped(world, client, principal_b):
    item = CorrectionRequest.objects.create(student=world.child_a, requested_by=world.parent_a, text="请更正")
    for user, sees in ((world.parent_a, True), (world.other_parent, False), (world.principal, True),
                       (principal_b, False), (world.homeroom, False), (world.bureau, False)):
        client.force_login(user)
        assert ("请更正" in client.get(reverse("privacy:corrections")).content.decode()) is sees, user
    client.force_login(principal_b)
    assert client.post(reverse("privacy:correction_done", args=[item.pk])).status_code == 404
    client.force_login(world.parent_a)
    assert client.post(reverse("privacy:correction_done", args=[item.pk])).status_code == 403
    item.refresh_from_db()
    assert item.status == "open"


@pytest.mark.parametrize("rows", [5, 50])
def test_corrections_list_query_count_is_constant(world, client, django_assert_num_queries, rows):
    CorrectionRequest.objects.bulk_create(
        [CorrectionRequest(student=world.child_a, requested_by=world.parent_a, text=f"r{i}") for i in range(rows)]
    )
    client.force_login(world.principal)
    with django_assert_num_queries(8):
        assert client.get(reverse("privacy:corrections")).status_code == 200
