"""Odd input on the privacy pages answers 4xx or a page with a message, never a 500."""
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HUGE = "9" * 25


@pytest.mark.parametrize("name", ["privacy:child_data", "privacy:child_data_json", "privacy:correction_new"])
def test_huge_ids_are_404(world, client, name):
    client.force_login(world.parent_a)
    assert client.get(f"{reverse(name, args=[1]).replace('/1/', f'/{HUGE}/')}").status_code == 404


@pytest.mark.parametrize("params", [
    {"child": HUGE}, {"child": "\x00"}, {"username": "x" * 500}, {"page": "-1"}, {"page": "999999"},
    {"date_from": "0000-00-00"}, {"kind": "nonsense"}, {"child": "%'; drop table"},
])
@pytest.mark.parametrize("name", ["privacy:audit_access", "privacy:audit_changes"])
@pytest.mark.parametrize("role", ["principal", "bureau"])
def test_audit_search_with_odd_input(world, client, name, params, role):
    client.force_login(getattr(world, role))
    assert client.get(reverse(name), params).status_code == 200


def test_consent_and_done_with_huge_ids(world, client):
    client.force_login(world.principal)
    assert client.post(f"/privacy/corrections/{HUGE}/done/").status_code == 404
    client.force_login(world.parent_a)
    assert client.post(f"/privacy/consent/{HUGE}/", {"decision": "given"}).status_code == 404
