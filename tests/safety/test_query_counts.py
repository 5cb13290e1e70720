"""Queries per list page and list endpoint do not grow with the number of incidents."""
import datetime

import pytest
from django.utils import timezone

from safety import services
from safety.models import IncidentType, Severity
from tests.factories import IN_TERM, SchoolFactory, StudentFactory

from .factories import add_item, inspect, report

pytestmark = pytest.mark.django_db
SIZES = [5, 50]


def many_incidents(safety, rows, *, escalated=False):
    for i in range(rows):
        report(safety, minutes_ago=i + 1, children=[safety.child_a, safety.child_a2], venue=safety.venue_a,
               severity=Severity.SERIOUS if escalated else Severity.GENERAL,
               type=IncidentType.MISSING_CHILD if escalated and i % 2 else IncidentType.INJURY,
               staff=[safety.homeroom])


def escalated_across_schools(safety, rows):
    for i in range(rows):
        school = SchoolFactory(district=safety.district_a if i % 2 else None, city_direct=not i % 2)
        child = StudentFactory(school=school, homeroom_class__school=school)
        from tests.factories import Role, UserFactory, give_role

        teacher = UserFactory()
        give_role(teacher, Role.TEACHER, school=school)
        report(safety, user=teacher, school=school, children=[child], severity=Severity.MAJOR, minutes_ago=i + 1)


@pytest.mark.parametrize("rows", SIZES)
def test_incident_list_page_queries_are_constant(safety, login, django_assert_num_queries, rows):
    many_incidents(safety, rows)
    client = login(safety.principal)
    with django_assert_num_queries(9):
        r = client.get("/safety/")
    assert r.status_code == 200 and r.content.decode().count('class="list-group-item') == rows


@pytest.mark.parametrize("rows", SIZES)
def test_guardian_incident_list_page_queries_are_constant(safety, login, django_assert_num_queries, rows):
    many_incidents(safety, rows)
    client = login(safety.parent_a)
    with django_assert_num_queries(7):
        assert client.get("/safety/").status_code == 200


@pytest.mark.parametrize("rows", SIZES)
def test_incident_api_list_queries_are_constant(safety, api, django_assert_num_queries, rows):
    many_incidents(safety, rows)
    client = api.as_user(safety.principal)
    with django_assert_num_queries(6):
        r = client.get("/api/v1/incidents/")
    assert r.json()["count"] == rows


@pytest.mark.parametrize("rows", SIZES)
def test_bureau_escalation_list_queries_are_constant(safety, login, django_assert_num_queries, rows):
    escalated_across_schools(safety, rows)
    report(safety)  # an ordinary incident: counted, not listed
    client = login(safety.bureau)
    with django_assert_num_queries(10):
        r = client.get("/safety/escalations/")
    body = r.content.decode()
    assert body.count('data-testid="escalation-row"') == rows


@pytest.mark.parametrize("rows", SIZES)
def test_bureau_incident_api_list_queries_are_constant(safety, api, django_assert_num_queries, rows):
    escalated_across_schools(safety, rows)
    client = api.as_user(safety.bureau)
    with django_assert_num_queries(6):
        r = client.get("/api/v1/incidents/")
    assert r.json()["count"] == rows


@pytest.mark.parametrize("rows", SIZES)
def test_inspection_list_queries_are_constant(safety, login, django_assert_num_queries, rows):
    for i in range(rows):
        inspection = inspect(safety, days_ago=i + 1)
        add_item(safety, inspection, deadline_days=-1 if i % 2 else 5)
    client = login(safety.bureau)
    with django_assert_num_queries(9):
        assert client.get("/safety/inspections/").status_code == 200


@pytest.mark.time_machine(IN_TERM)  # the page shows the term that contains today
@pytest.mark.parametrize("rows", SIZES)
def test_plan_overview_queries_are_constant(safety, login, django_assert_num_queries, rows):
    today = timezone.localdate()
    for _ in range(rows):
        school = SchoolFactory(district=safety.district_a)
        from tests.factories import Role, UserFactory, give_role

        lead = UserFactory()
        give_role(lead, Role.PRINCIPAL, school=school)
        plan = services.emergency_plan_save(user=lead, school=school, plan_type="fire", text="疏散",
                                            last_reviewed_on=today - datetime.timedelta(days=400))
        services.drill_record(user=lead, plan=plan, held_on=today, participants=100, duration_minutes=20)
    client = login(safety.bureau)
    with django_assert_num_queries(10):
        assert client.get("/safety/plans/").status_code == 200


@pytest.mark.parametrize("rows", SIZES)
def test_incident_detail_queries_do_not_grow_with_follow_ups(safety, login, django_assert_num_queries, rows):
    incident = report(safety, children=[safety.child_a, safety.child_a2])
    for i in range(rows):
        services.incident_add_follow_up(incident=incident, user=safety.homeroom, text=f"跟进 {i}")
    client = login(safety.principal)
    with django_assert_num_queries(14):  # 13 + the incident's 督办 requests (issue 21)
        assert client.get(f"/safety/incidents/{incident.pk}/").status_code == 200


@pytest.mark.parametrize("rows", SIZES)
def test_incident_detail_queries_do_not_grow_with_follow_up_requests(safety, login, django_assert_num_queries,
                                                                      rows):
    """督办 requests and their answers on the page and its timeline: a fixed number of queries."""
    from safety.models import IncidentType, Severity

    incident = report(safety, type=IncidentType.MISSING_CHILD, severity=Severity.SERIOUS)
    for i in range(rows):
        request = services.follow_up_request_open(user=safety.bureau, incident=incident, text=f"督办 {i}",
                                                  due_in_minutes=30)
        services.follow_up_request_answer(user=safety.principal, request=request, text=f"回复 {i}")
    client = login(safety.principal)
    with django_assert_num_queries(15):  # the requests' answers and their authors: one more
        assert client.get(f"/safety/incidents/{incident.pk}/").status_code == 200
