"""What the access matrix's role order hides for school_a's offices (moral_a, academic_a, duty_a,
duty_off_a come after the principal, who has already acted on the shared object): each office asked
on a fresh object, and the other school's objects stay 404 for them."""
import pytest

from accounts.roles import SCHOOL_WIDE_ROLES
from safety.models import Incident
from tests.conftest import OFFICE_ROLES
from tests.safety.factories import report

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", OFFICE_ROLES)
def test_each_office_puts_a_fresh_incident_under_review(world_offices, api, role):
    """Safety's school leads are SCHOOL_WIDE_ROLES: the principal, the offices and the duty leader."""
    assert {"moral_ed", "academic", "duty_leader"} <= set(SCHOOL_WIDE_ROLES)
    incident = report(world_offices)
    response = api.as_user(getattr(world_offices, role)).post(
        f"/api/v1/incidents/{incident.pk}/transition/", {"to": "reviewing"}, format="json")
    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.status == Incident.Status.REVIEWING


@pytest.mark.parametrize("role", OFFICE_ROLES)
def test_the_other_schools_objects_are_404_for_each_office(world_offices, api, client, role):
    w = world_offices
    user = getattr(w, role)
    incident_b = report(w, user=w.teacher_b, school=w.school_b, children=[w.child_b])
    client.force_login(user)
    api.as_user(user)
    assert api.get(f"/api/v1/students/{w.child_b.pk}/").status_code == 404
    assert api.get(f"/api/v1/schools/{w.school_b.pk}/").status_code == 404
    assert api.get(f"/api/v1/incidents/{incident_b.pk}/").status_code == 404
    assert {s["id"] for s in api.get("/api/v1/students/").json()["results"]} == {w.child_a.pk, w.child_a2.pk}
    assert client.get(f"/schools/{w.school_b.pk}/").status_code == 404
    assert client.get(f"/safety/incidents/{incident_b.pk}/").status_code == 404
    assert client.get(f"/attendance/console/{w.school_b.pk}/").status_code == 404
