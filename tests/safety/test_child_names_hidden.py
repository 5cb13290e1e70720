"""Regression (access matrix): the bureau and the district see escalated incidents, never the
names of the children involved (PIPL: aggregates only for them); the school's staff still do."""
import pytest

from safety.models import Severity

from .factories import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalated(world):
    return report(world, severity=Severity.SERIOUS, children=[world.child_a])


@pytest.mark.parametrize("who", ["bureau", "district"])
def test_overview_roles_see_the_incident_without_names(world, escalated, login, api, who):
    user = getattr(world, who)
    client = login(user)
    for url in ("/safety/", f"/safety/incidents/{escalated.pk}/"):
        response = client.get(url)
        assert response.status_code == 200
        assert world.child_a.name not in response.content.decode()
    data = api.as_user(user).get(f"/api/v1/incidents/{escalated.pk}/").json()
    assert data["children"] == [] and data["escalated"] is True
    listed = api.as_user(user).get("/api/v1/incidents/").content.decode()
    assert world.child_a.name not in listed


def test_school_staff_still_see_the_names(world, escalated, login, api):
    assert world.child_a.name in login(world.principal).get(f"/safety/incidents/{escalated.pk}/").content.decode()
    data = api.as_user(world.homeroom).get(f"/api/v1/incidents/{escalated.pk}/").json()
    assert [c["name"] for c in data["children"]] == [world.child_a.name]
