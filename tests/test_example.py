"""How tests are written here, in one annotated file (after Zulip's test_example.py).

1. Build state with factories and the `world` role-matrix fixture (tests/conftest.py), or through
   services, never with raw SQL.
2. Act through the public surface: a page (`client`, `login`), the API (`api.as_user`) or a service.
3. Assert the outcome a user would notice: the status code, what is on the page, what is in the
   database afterwards. Name the test for the behaviour it proves.
"""
import pytest

pytestmark = pytest.mark.django_db


def test_parent_sees_own_child_and_not_another_familys(world, api):
    # Act as parent_a through the API, as the phone app would.
    response = api.as_user(world.parent_a).get("/api/v1/students/")
    assert response.status_code == 200
    names = [s["name"] for s in response.json()["results"]]
    # The outcome: exactly the own child, never a classmate from another family.
    assert names == [world.child_a.name]
    # An object outside the caller's scope is a 404, so its existence is not confirmed.
    assert api.get(f"/api/v1/students/{world.child_a2.pk}/").status_code == 404
