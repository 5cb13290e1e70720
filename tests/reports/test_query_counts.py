"""The dashboard's queries do not grow with the number of schools (5 vs 50)."""
import datetime

import pytest
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
    with django_assert_num_queries(EXPECTED):
        client.get(reverse("reports:city"))


# The second read finds the tables and sections in the fragment cache: the club categories they
# name are not read again (8 on the first read).
EXPECTED = 7


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
