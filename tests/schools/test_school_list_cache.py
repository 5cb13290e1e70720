"""The rendered school list shared by the bureau's and a district's readers (schools.views._school_rows,
shahe_afterschool.fragments): a second reader of the same scope reads it without its queries; a
school, class or child saved, or an import, is on the next read; each scope reads only its own."""
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from schools import selectors
from schools.models import Student
from shahe_afterschool import fragments
from tests.factories import IN_TERM, StudentFactory, UserFactory, give_role

# What these pages show does not depend on the date: one clock (the date matrix runs them once).
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _get(client, url="/schools/", **extra):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def _row(html, school):
    """The cells of the school's row: name, district, level, classes, students."""
    start = html.index(school.name)
    return html[start:html.index("</tr>", start)]


def test_a_second_bureau_reader_reads_the_list_rendered_for_the_first(world):
    second = UserFactory(username="bureau2")
    give_role(second, Role.BUREAU)
    first_html, computed = _get(_client(world.bureau))
    second_html, cached = _get(_client(second))
    assert world.school_a.name in second_html and world.school_b.name in second_html
    assert cached <= computed - 2  # neither the count nor the page of schools is read again
    assert _row(first_html, world.school_a) == _row(second_html, world.school_a)


def test_a_renamed_school_a_new_child_and_a_left_child_are_on_the_next_read(world):
    client = _client(world.bureau)
    html, _ = _get(client)
    assert ">2</td>" in _row(html, world.school_a)  # child_a and child_a2
    world.school_a.name = "沙河市实验小学（东校区）"
    world.school_a.save()
    StudentFactory(homeroom_class=world.class_a)
    html, _ = _get(client)
    assert ">3</td>" in _row(html, world.school_a)
    world.child_a2.status = Student.Status.TRANSFERRED
    world.child_a2.save()
    html, _ = _get(client)
    assert ">2</td>" in _row(html, world.school_a)


def test_each_scope_reads_its_own_list(world):
    _get(_client(world.bureau))  # the city's list is in the cache
    district_html, _ = _get(_client(world.district))
    assert world.school_a.name in district_html and world.school_b.name not in district_html
    principal_html, _ = _get(_client(world.principal))
    assert world.school_a.name in principal_html and world.school_b.name not in principal_html
    parent_html, _ = _get(_client(world.parent_b))  # a guardian's list is computed from their children
    assert world.school_b.name in parent_html and world.school_a.name not in parent_html
    bureau_html, _ = _get(_client(world.bureau))
    assert world.school_a.name in bureau_html and world.school_b.name in bureau_html


def test_filters_pages_and_languages_are_their_own(world):
    client = _client(world.bureau)
    html, _ = _get(client, "/schools/?q=桥西")
    assert world.school_b.name in html and world.school_a.name not in html
    html, _ = _get(client, f"/schools/?district={world.district_a.pk}")
    assert world.school_a.name in html and world.school_b.name not in html
    assert f'<option value="{world.district_a.pk}" selected>' in html  # the chosen district stays chosen
    zh, _ = _get(client)
    en, _ = _get(client, HTTP_ACCEPT_LANGUAGE="en")
    assert "学校" in zh and "Students" in en
    rows, _ = _get(client, "/schools/?q=桥西", HTTP_HX_REQUEST="true")  # the search box's htmx request
    assert rows.lstrip().startswith('<div class="table-responsive">') and world.school_a.name not in rows


def test_an_import_writing_in_bulk_replaces_the_version(world):
    before = fragments.version(selectors.LIST_SUBJECT)
    from schools.imports import RosterPlan, roster_write

    roster_write(plan=RosterPlan(), user=world.bureau, reason="test")
    assert fragments.version(selectors.LIST_SUBJECT) != before
