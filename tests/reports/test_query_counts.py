"""The dashboard's queries do not grow with the number of schools (5 vs 50)."""
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


EXPECTED = 8


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
