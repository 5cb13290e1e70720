"""GET /api/v1/reports/weekly/ (API.md) and the bureau's build/publish endpoints."""
import pytest

from reports.models import WeeklyCoverageReport as Report
from reports.services import reports_build

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/weekly/"



def params(w, scope, obj=None):
    return {"week": w.week, "scope": scope, **({"id": obj.pk} if obj is not None else {})}


@pytest.mark.parametrize("who, scope, obj, status", [
    ("principal", "school", "school_a", 200), ("principal", "school", "school_b", 404),
    ("principal", "city", None, 404), ("principal", "district", "district_a", 404),
    ("district", "district", "district_a", 200), ("district", "school", "school_a", 200),
    ("district", "district", "district_b", 404), ("district", "school", "school_b", 404),
    ("district", "city", None, 404),
    ("bureau", "city", None, 200), ("bureau", "district", "district_b", 200), ("bureau", "school", "school_b", 200),
    ("parent_a", "school", "school_a", 404), ("homeroom", "school", "school_a", 404),
])
def test_scoping(published, api, who, scope, obj, status):
    w = published
    response = api.as_user(getattr(w, who)).get(URL, params(w, scope, getattr(w, obj) if obj else None))
    assert response.status_code == status
    if status == 200:
        assert response.json()["week"] == w.week and response.json()["status"] == "published"


def test_the_published_report_and_its_figures(published, api):
    w = published
    body = api.as_user(w.principal).get(URL, params(w, "school", w.school_a)).json()
    assert body["data"]["sections"]["service"]["coverage_rate"] == 60.0
    assert body["scope"] == "school" and body["version"] == 1


def test_a_draft_is_not_served(city, api):
    reports_build(week_start=city.week_start)
    assert api.as_user(city.bureau).get(URL, params(city, "city")).status_code == 404


@pytest.mark.parametrize("query", [{"week": "nope", "scope": "city"}, {"scope": "city"},
                                   {"week": "2026-W47", "scope": "planet"}])
def test_bad_input_is_400_with_a_message(published, api, query):
    response = api.as_user(published.bureau).get(URL, query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()


def test_bad_id_is_404(published, api):
    response = api.as_user(published.bureau).get(URL, {"week": published.week, "scope": "school", "id": "x"})
    assert response.status_code == 404


def test_bureau_builds_and_publishes_through_the_api(city, api):
    client = api.as_user(city.bureau)
    assert client.post(f"{URL}build/", {"week": city.week}, format="json").status_code == 202
    assert Report.objects.filter(status="draft").count() == 7
    assert client.post(f"{URL}publish/", {"week": city.week}, format="json").json()["published"] == 7
    again = client.post(f"{URL}build/", {"week": city.week}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409 and "correction" in again.json()["detail"]
    assert client.post(f"{URL}build/", {"week": city.week, "correction": True}, format="json").status_code == 202
    assert Report.objects.filter(status="draft", version=2).count() == 7


@pytest.mark.parametrize("who", ["principal", "district", "parent_a"])
def test_only_the_bureau_builds_through_the_api(city, api, who):
    client = api.as_user(getattr(city, who))
    assert client.post(f"{URL}build/", {"week": city.week}, format="json").status_code == 403
    assert client.post(f"{URL}publish/", {"week": city.week}, format="json").status_code == 403
    assert Report.objects.count() == 0
