"""The figures of a week on the hand-built city (conftest.city), worked out by hand here."""
import pytest

from reports.models import WeeklyCoverageReport as Report
from reports.services import reports_build, reports_publish

pytestmark = pytest.mark.django_db


def data(city, key):
    return Report.objects.get(week=city.week, scope_key=key).data


def test_school_figures(city):
    reports_build(week_start=city.week_start)
    a = data(city, f"school:{city.school_a.pk}")
    s = a["sections"]
    assert s["students"]["enrolled"] == 5 and s["students"]["by_grade"] == {"3": 2, "4": 3}
    assert s["students"]["by_level"] == {"primary": 5}
    # in the service: child_a (grade 3) and two of grade 4; child_a2 is waitlisted
    assert s["service"]["in_service"] == 3
    assert s["service"]["coverage_rate"] == round(3 / 5 * 100, 1)
    assert s["service"]["by_grade"]["3"] == {"enrolled": 2, "in_service": 1, "coverage_rate": 50.0}
    assert s["service"]["by_grade"]["4"]["coverage_rate"] == round(2 / 3 * 100, 1)
    assert s["service"]["priority"]["left_behind"] == {"applied": 1, "placed": 0, "waitlisted": 1}
    assert s["service"]["priority"]["migrant"] == {"applied": 1, "placed": 1, "waitlisted": 0}
    # plan 13:00-14:00 + 16:00-18:00 on five school days
    assert s["plan"]["avg_plan_minutes_per_day"] == 60 + 120
    assert s["plan"]["planned_days"] == 5 and s["plan"]["planned_minutes_week"] == 180 * 5
    # two approved clubs (the draft football club does not count), two of three teachers serving
    assert s["clubs"]["clubs"] == 2
    assert s["clubs"]["by_category"]["sports"] == 1 and s["clubs"]["by_category"]["arts"] == 1
    assert s["clubs"]["types_in_use"] == 2
    assert s["clubs"]["teachers_serving"] == 2 and s["clubs"]["teachers_total"] == 3
    assert s["clubs"]["teacher_share"] == round(2 / 3 * 100, 1)
    assert s["clubs"]["service_hours"] == round((60 + 90) / 60, 1)
    assert s["safety"]["incidents"] == 1 and s["safety"]["by_type"]["injury"] == 1
    assert s["safety"]["by_severity"]["1"] == 1 and s["safety"]["escalated"] == 0
    assert a["flags"] == [{"school_id": city.school_a.pk, "school": city.school_a.name,
                           "codes": ["days_without_roll", "no_duty_leader", "no_drill_this_term"]}]
    # no roll on any of the 5 planned days, no rota, no drill
    assert a["main"]["coverage_rate"] == 60.0


def test_flags_per_school(city):
    reports_build(week_start=city.week_start)
    b = data(city, f"school:{city.school_b.pk}")
    c = data(city, f"school:{city.school_c.pk}")
    # school_b: 16:30-18:30 = 120 minutes (enough) but past 18:00; school_c: 16:30-18:00 = 90 minutes
    assert b["sections"]["plan"]["avg_plan_minutes_per_day"] == 120
    assert set(b["flags"][0]["codes"]) == {"service_past_latest_end", "no_duty_leader", "no_drill_this_term",
                                          "days_without_roll"}
    assert c["sections"]["plan"]["avg_plan_minutes_per_day"] == 90
    assert set(c["flags"][0]["codes"]) == {"plan_under_minimum", "no_duty_leader", "no_drill_this_term",
                                          "days_without_roll"}
    assert b["sections"]["safety"]["escalated"] == 1 and b["sections"]["safety"]["by_severity"]["2"] == 1


def test_district_and_city_figures_pool_the_schools(city):
    reports_build(week_start=city.week_start)
    district_a = data(city, f"district:{city.district_a.pk}")
    assert district_a["sections"]["service"]["coverage_rate"] == 60.0
    assert [r["name"] for r in district_a["rows"]] == [city.school_a.name]
    direct = data(city, "city_direct")
    assert direct["sections"]["service"]["enrolled"] == 2 and direct["sections"]["service"]["coverage_rate"] == 0.0
    c = data(city, "city")
    # 4 of 9 children in the service: a rate of the sums, not an average of the schools' rates
    assert c["sections"]["students"]["enrolled"] == 9
    assert c["sections"]["service"]["in_service"] == 4
    assert c["sections"]["service"]["coverage_rate"] == round(4 / 9 * 100, 1)
    assert c["sections"]["service"]["by_grade"]["3"] == {"enrolled": 4, "in_service": 2, "coverage_rate": 50.0}
    assert c["sections"]["plan"]["avg_plan_minutes_per_day"] == round((180 + 120 + 90) / 3, 1)
    assert c["sections"]["plan"]["schools_under_minimum"] == 1
    assert c["sections"]["plan"]["schools_past_latest_end"] == 1
    assert c["sections"]["safety"]["incidents"] == 2
    assert c["sections"]["clubs"]["teachers_total"] == 4  # homeroom, teacher_a, teacher_a2, teacher_b
    assert c["main"]["flagged_schools"] == 3
    assert c["flag_counts"]["plan_under_minimum"] == 1 and c["flag_counts"]["no_drill_this_term"] == 3
    names = {r["name"] for r in c["rows"]}
    assert len(names) == 3 and {city.district_a.name, city.district_b.name} < names
    assert {r["id"] for r in c["schools"]} == {city.school_a.pk, city.school_b.pk, city.school_c.pk}


def test_week_on_week_changes(city):
    import datetime

    from tests.factories import StudentFactory

    before = city.week_start - datetime.timedelta(days=7)
    reports_build(week_start=before)
    reports_publish(week=Report.objects.filter(week_start=before).first().week, by=city.bureau)
    StudentFactory(homeroom_class=city.class_a)  # one more child enrolled, not in the service
    reports_build(week_start=city.week_start)
    a = data(city, f"school:{city.school_a.pk}")
    assert a["main"]["enrolled"] == 6
    assert a["changes"]["enrolled"] == 1
    assert a["changes"]["coverage_rate"] == round(3 / 6 * 100 - 3 / 5 * 100, 1)
