"""Who sees which incident, and which parts of it."""
import pytest

from safety.models import IncidentType, Severity
from tests.conftest import ALL_MATRIX_ROLES, OFFICE_ROLES, matrix_user

from .factories import add_item, inspect, report

pytestmark = pytest.mark.django_db

# An ordinary (not escalated) incident at school_a involving child_a.
ORDINARY = {"parent_a": "guardian", "other_parent": None, "homeroom": "staff", "teacher_b": None,
            "principal": "staff", "district": None, "bureau": None,
            # school_a's offices and duty leaders are staff of the school (safety leads)
            **dict.fromkeys(OFFICE_ROLES, "staff")}
# An escalated one: the district of school_a and the bureau see it in full.
ESCALATED = {**ORDINARY, "district": "staff", "bureau": "staff"}
STAFF_ONLY_FIELDS = {"description", "actions_taken", "staff", "severity", "closing_summary", "reported_by"}


@pytest.mark.parametrize("role", ALL_MATRIX_ROLES)
@pytest.mark.parametrize("escalated", [False, True])
def test_incident_api_detail_by_role(safety, api, role, escalated):
    incident = report(safety, severity=Severity.SERIOUS if escalated else Severity.GENERAL,
                      children=[safety.child_a])
    expected = (ESCALATED if escalated else ORDINARY)[role]
    r = api.as_user(matrix_user(safety, role)).get(f"/api/v1/incidents/{incident.pk}/")
    if expected is None:
        assert r.status_code == 404
        return
    assert r.status_code == 200
    data = r.json()
    if expected == "staff":
        assert data["description"] == incident.description
        if role in ("district", "bureau"):  # the record, never the children's names (PIPL)
            assert data["children"] == []
        else:
            assert data["children"] == [{"id": safety.child_a.pk, "name": safety.child_a.name}]
    else:
        assert not STAFF_ONLY_FIELDS & set(data)


def test_guardian_sees_own_child_only_among_those_involved(safety, api, login):
    incident = report(safety, children=[safety.child_a, safety.child_a2], description="推搡导致摔倒")
    data = api.as_user(safety.parent_a).get(f"/api/v1/incidents/{incident.pk}/").json()
    assert data["children"] == [{"id": safety.child_a.pk, "name": safety.child_a.name}]
    listed = api.as_user(safety.other_parent).get("/api/v1/incidents/").json()["results"]
    assert listed[0]["children"] == [{"id": safety.child_a2.pk, "name": safety.child_a2.name}]
    body = login(safety.parent_a).get(f"/safety/incidents/{incident.pk}/").content.decode()
    assert safety.child_a.name in body and safety.child_a2.name not in body and "推搡导致摔倒" not in body
    body = login(safety.parent_a).get("/safety/").content.decode()
    assert safety.child_a.name in body and safety.child_a2.name not in body and "推搡导致摔倒" not in body


@pytest.mark.parametrize("role", ALL_MATRIX_ROLES)
def test_incident_api_list_by_role(safety, api, role):
    ordinary = report(safety)
    escalated = report(safety, type=IncidentType.MISSING_CHILD, children=[safety.child_a2])
    at_b = report(safety, user=safety.teacher_b, school=safety.school_b, children=[safety.child_b],
                  severity=Severity.CRITICAL)
    seen = {
        "parent_a": {ordinary}, "other_parent": {escalated}, "homeroom": {ordinary, escalated},
        "teacher_b": {at_b}, "principal": {ordinary, escalated}, "district": {escalated},
        "bureau": {escalated, at_b},
        **{office: {ordinary, escalated} for office in OFFICE_ROLES},
    }[role]
    data = api.as_user(matrix_user(safety, role)).get("/api/v1/incidents/").json()
    assert {row["id"] for row in data["results"]} == {i.pk for i in seen}
    assert data["count"] == len(seen)


def test_district_sees_only_its_districts_escalated_incidents(safety, api):
    at_b = report(safety, user=safety.teacher_b, school=safety.school_b, children=[safety.child_b],
                  severity=Severity.MAJOR)
    assert api.as_user(safety.district).get(f"/api/v1/incidents/{at_b.pk}/").status_code == 404
    assert api.as_user(safety.district_b_user).get(f"/api/v1/incidents/{at_b.pk}/").status_code == 200


@pytest.mark.parametrize("role", ALL_MATRIX_ROLES)
def test_incident_page_by_role(safety, login, role):
    incident = report(safety, children=[safety.child_a], description="推搡导致摔倒")
    expected = ORDINARY[role]
    r = login(matrix_user(safety, role)).get(f"/safety/incidents/{incident.pk}/")
    if expected is None:
        assert r.status_code == 404
        return
    body = r.content.decode()
    assert r.status_code == 200
    if expected == "guardian":
        assert "推搡导致摔倒" not in body
        assert safety.child_a.name in body
    else:
        assert "推搡导致摔倒" in body


def test_bureau_list_shows_escalated_details_and_only_counts_of_the_rest(safety, login):
    report(safety, description="普通擦伤事件")
    report(safety, type=IncidentType.MISSING_CHILD, description="学生走失事件")
    body = login(safety.bureau).get("/safety/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "学生走失事件" in body and "普通擦伤事件" not in body
    assert "2 incidents in your area, 1 escalated" in body


def test_guardian_and_other_schools_cannot_act_on_an_incident(safety, api, login):
    incident = report(safety)
    r = api.as_user(safety.parent_a).post(f"/api/v1/incidents/{incident.pk}/follow-ups/", {"text": "x"},
                                          format="json")
    assert r.status_code == 403  # visible to the guardian, but not theirs to write
    r = api.as_user(safety.teacher_b).post(f"/api/v1/incidents/{incident.pk}/follow-ups/", {"text": "x"},
                                           format="json")
    assert r.status_code == 404
    client = login(safety.teacher_b)
    assert client.post(f"/safety/incidents/{incident.pk}/follow-up/", {"text": "x"}).status_code == 404
    assert client.get(f"/safety/incidents/{incident.pk}/edit/").status_code == 404
    assert not incident.follow_ups.exists()


@pytest.mark.parametrize("role", ALL_MATRIX_ROLES)
def test_inspection_page_by_role(safety, login, role):
    inspection = inspect(safety)
    add_item(safety, inspection)
    status = login(matrix_user(safety, role)).get(f"/safety/inspections/{inspection.pk}/").status_code
    allowed = {"homeroom", "principal", "district", "bureau", *OFFICE_ROLES}
    assert status == (200 if role in allowed else 404)


def test_other_principal_cannot_respond_to_an_item(safety, login):
    item = add_item(safety, inspect(safety))
    r = login(safety.principal_b).post(f"/safety/items/{item.pk}/respond/", {"response": "x"})
    assert r.status_code == 404
    item.refresh_from_db()
    assert item.status == "open"


@pytest.mark.parametrize(("role", "status"), [("bureau", 200), ("district", 200), ("principal", 403),
                                              ("homeroom", 403), ("parent_a", 403)])
def test_escalation_list_and_export_are_for_bureau_and_district(safety, login, role, status):
    client = login(matrix_user(safety, role))
    assert client.get("/safety/escalations/").status_code == status
    assert client.get("/safety/incidents/export/?format=csv").status_code == status


def test_reads_of_an_incident_are_audited(safety, api, login):
    from accounts.models import AuditEvent

    incident = report(safety)
    api.as_user(safety.principal).get(f"/api/v1/incidents/{incident.pk}/")
    login(safety.homeroom).get(f"/safety/incidents/{incident.pk}/")
    readers = set(AuditEvent.objects.filter(action="read", object_type="safety.incident",
                                            object_id=str(incident.pk)).values_list("user__username", flat=True))
    assert readers == {"principal", "homeroom"}
