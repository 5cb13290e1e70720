"""The incident list the bureau and the districts share (safety.views.incident_list,
shahe_afterschool.fragments): a second reader of the same area reads it without its queries; an
incident reported, escalated, closed or its children changed, a school renamed and the retention
scrubber are on the next read; readers who see names (school staff, guardians) never read it."""
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import Role
from privacy.services import anonymous_name, student_anonymise
from safety import services
from safety.models import Incident, Severity
from tests.factories import IN_TERM, UserFactory, give_role

from .factories import report

# What these pages show does not depend on the date: one clock (the date matrix runs them once).
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _get(client, url="/safety/"):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


@pytest.fixture
def escalated(world):
    return report(world, severity=Severity.SERIOUS, children=[world.child_a], description="在操场摔倒")


def test_a_second_bureau_reader_reads_the_page_rendered_for_the_first(world, escalated):
    second = UserFactory(username="bureau2")
    give_role(second, Role.BUREAU)
    first_html, computed = _get(_client(world.bureau))
    second_html, cached = _get(_client(second))
    assert f"/safety/incidents/{escalated.pk}/" in second_html
    assert cached <= computed - 3  # the page of incidents, its count and the area's counts are not read again
    assert world.child_a.name not in second_html  # the bureau sees how many children, not who


def test_what_the_list_shows_is_on_the_next_read(world, escalated):
    client = _client(world.bureau)
    html, _ = _get(client)
    assert html.count('class="list-group-item') == 1
    second = report(world, severity=Severity.SERIOUS, children=[world.child_a2], description="李小红扭伤脚踝")
    html, _ = _get(client)
    assert html.count('class="list-group-item') == 2 and "李小红扭伤脚踝" in html
    second.children.add(world.child_a)  # the number of children involved
    html, _ = _get(client)
    assert "2</div>" in html.split(f"/safety/incidents/{second.pk}/")[1].split("</a>")[0]
    services.incident_transition(incident=second, user=world.principal, to=Incident.Status.REVIEWING)
    html, _ = _get(client)
    assert str(Incident.Status.REVIEWING.label) in html.split(f"/safety/incidents/{second.pk}/")[1].split("</a>")[0]
    world.school_a.name = "沙河市实验小学（东校区）"
    world.school_a.save()
    html, _ = _get(client)
    assert "沙河市实验小学（东校区）" in html


def test_the_retention_scrubber_takes_the_name_out_of_the_shared_page(world):
    report(world, severity=Severity.SERIOUS, children=[world.child_a], description="张小明在操场摔倒")
    client = _client(world.bureau)
    assert "张小明在操场摔倒" in _get(client)[0]
    assert student_anonymise(student=world.child_a, left_at=timezone.now())
    html, _ = _get(client)
    assert "张小明" not in html and f"{anonymous_name(world.child_a.pk)}在操场摔倒" in html


def test_each_area_and_each_reader_who_sees_names_reads_their_own(world, escalated):
    b_incident = report(world, user=world.teacher_b, school=world.school_b, children=[world.child_b],
                        severity=Severity.SERIOUS)
    _get(_client(world.bureau))  # the city's page is in the cache
    district_html, _ = _get(_client(world.district))
    assert f"/safety/incidents/{escalated.pk}/" in district_html
    assert f"/safety/incidents/{b_incident.pk}/" not in district_html
    principal_html, _ = _get(_client(world.principal))  # the school's staff see the names
    assert world.child_a.name in principal_html and f"/safety/incidents/{b_incident.pk}/" not in principal_html
    parent_html, _ = _get(_client(world.parent_b))  # a guardian sees their own child's incident only
    assert f"/safety/incidents/{b_incident.pk}/" in parent_html
    assert f"/safety/incidents/{escalated.pk}/" not in parent_html
    status_html, _ = _get(_client(world.bureau), "/safety/?status=closed")
    assert "list-group-item" not in status_html
