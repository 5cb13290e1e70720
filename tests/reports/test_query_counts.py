"""The dashboard's queries do not grow with the number of schools (5 vs 50). A report page is kept
rendered until the reports change (reports.views.scope_page): the counts are of pages computed (the
cache emptied before each), and a cached read is counted on its own."""
import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.services import reports_build, reports_publish
from reports.weeks import iso_week, previous_week_start
from tests.factories import DistrictFactory, HomeroomClassFactory, SchoolFactory, StudentFactory

pytestmark = pytest.mark.django_db


def dashboard_queries(world, client, n_schools):
    districts = [world.district_a, world.district_b, DistrictFactory()]
    for i in range(n_schools - 2):
        school = SchoolFactory(district=districts[i % 3]) if i % 5 else SchoolFactory(district=None, city_direct=True)
        StudentFactory(homeroom_class=HomeroomClassFactory(school=school))
    week_start = previous_week_start()
    reports_build(week_start=week_start)
    reports_publish(week=iso_week(week_start), by=world.bureau)
    client.force_login(world.bureau)
    client.get(reverse("reports:city"))  # warm the session: its first staff request writes it
    counts = []
    for url in (reverse("reports:city"), reverse("reports:district", args=[world.district_a.pk]),
                reverse("reports:school", args=[world.school_a.pk])):
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    return counts


def city_queries(world, client, n_districts, schools_per_district):
    """The city page, the build page and a district's page, with this many districts."""
    districts = [world.district_a, world.district_b, *[DistrictFactory() for _ in range(n_districts - 2)]]
    for district in districts:
        for _ in range(schools_per_district):
            school = SchoolFactory(district=district)
            StudentFactory(homeroom_class=HomeroomClassFactory(school=school))
    week_start = previous_week_start()
    for start in (week_start - datetime.timedelta(days=7), week_start):  # a week before: changes, trend
        reports_build(week_start=start)
        reports_publish(week=iso_week(start), by=world.bureau)
    reports_build(week_start=week_start, correction=True)  # a draft correction on the build page
    client.force_login(world.bureau)
    client.get(reverse("reports:city"))  # warm the session
    counts = []
    for url in (reverse("reports:city"), reverse("reports:manage"),
                reverse("reports:district", args=[world.district_a.pk])):
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    return counts


def test_headline_pages_queries_are_constant_in_the_number_of_districts_and_schools(world, client):
    """Issue 21: the headline, the column chooser and the folds add no query per district or school."""
    from reports.models import WeeklyCoverageReport

    small = city_queries(world, client, 2, 1)
    WeeklyCoverageReport.objects.filter(supersedes__isnull=False).delete()
    WeeklyCoverageReport.objects.all().delete()
    large = city_queries(world, client, 8, 4)
    assert small == large


def test_dashboard_queries_are_constant_in_the_number_of_schools(world, client):
    small = dashboard_queries(world, client, 5)
    from reports.models import WeeklyCoverageReport

    WeeklyCoverageReport.objects.all().delete()
    large = dashboard_queries(world, client, 50)
    assert small == large


@pytest.mark.parametrize("n", [5, 50])
def test_city_dashboard_query_count(world, client, django_assert_num_queries, n):
    districts = [world.district_a, world.district_b]
    for i in range(n - 2):
        SchoolFactory(district=districts[i % 2])
    week_start = previous_week_start()
    reports_build(week_start=week_start)
    reports_publish(week=iso_week(week_start), by=world.bureau)
    client.force_login(world.bureau)
    client.get(reverse("reports:city"))  # warm the session
    cache.clear()
    with django_assert_num_queries(EXPECTED):
        client.get(reverse("reports:city"))
    with django_assert_num_queries(EXPECTED_CACHED):  # another reader of the city's page
        client.get(reverse("reports:city"))


# The page computed with the cache empty: the session, the user, the roles, the report, its weeks, the
# trend, the club categories for the charts and for the tables' fragment, the unread notices' count.
EXPECTED = 9
# The page read from the cache: the session, the user and the roles only.
EXPECTED_CACHED = 3


def test_a_build_and_a_publication_are_on_the_next_read(world, client):
    week_start = previous_week_start()
    client.force_login(world.bureau)
    assert "No report for this scope and week yet." in client.get(reverse("reports:city"),
                                                                  HTTP_ACCEPT_LANGUAGE="en").content.decode()
    reports_build(week_start=week_start)
    body = client.get(reverse("reports:city"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This week's reports are a draft" in body
    reports_publish(week=iso_week(week_start), by=world.bureau)
    body = client.get(reverse("reports:city"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This week's reports are a draft" not in body and "Published" in body
    assert world.school_a.name in client.get(reverse("reports:school", args=[world.school_a.pk])).content.decode()
    world.school_a.name = "沙河市实验小学（东校区）"
    world.school_a.save()
    body = client.get(reverse("reports:school", args=[world.school_a.pk])).content.decode()
    assert 'aria-current="page">沙河市实验小学（东校区）</li>' in body  # the breadcrumb's last item


def test_readers_who_may_open_less_get_their_own_page(world, client):
    week_start = previous_week_start()
    reports_build(week_start=week_start)
    reports_publish(week=iso_week(week_start), by=world.bureau)
    url = reverse("reports:school", args=[world.school_a.pk])
    client.force_login(world.bureau)
    assert reverse("reports:manage") in client.get(url).content.decode()  # the bureau's page is in the cache
    client.force_login(world.principal)
    body = client.get(url).content.decode()
    assert reverse("reports:manage") not in body and reverse("reports:city") not in body


def build_queries(world, n_schools):
    for i in range(n_schools - 2):
        school = SchoolFactory(district=world.district_a if i % 2 else world.district_b)
        StudentFactory.create_batch(2, homeroom_class=HomeroomClassFactory(school=school))
    with CaptureQueriesContext(connection) as ctx:
        reports_build(week_start=previous_week_start())
    return len(ctx.captured_queries)


def test_the_build_runs_a_fixed_number_of_queries_for_any_number_of_schools(world):
    from reports.models import WeeklyCoverageReport

    small = build_queries(world, 5)
    WeeklyCoverageReport.objects.all().delete()
    assert build_queries(world, 50) == small
