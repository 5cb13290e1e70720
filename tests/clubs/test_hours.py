"""Teacher service hours (planned, from the timetable) per month and per term."""
import datetime

import pytest

from clubs import selectors
from clubs.models import ReviewStatus
from tests.clubs.factories import ClubFactory, ServicePlanFactory
from tests.factories import TermFactory

pytestmark = pytest.mark.django_db


def test_hours_count_each_weekly_slot_on_school_days_within_the_term(staff):
    # Term 2026-09-01 (Tue) .. 2027-01-20. Mondays in September 2026: 7, 14, 21, 28.
    term = TermFactory()
    ServicePlanFactory(school=staff.school_a, term=term, status=ReviewStatus.APPROVED, school_days=[1, 2, 3, 4, 5])
    ClubFactory(school=staff.school_a, term=term, teachers=[staff.teacher_a],
                slots=[(1, "16:00", "17:30"), (6, "09:00", "10:00")])  # Saturday is not a school day
    ClubFactory(school=staff.school_a, term=term, teachers=[staff.teacher_a], status=ReviewStatus.DRAFT)
    rows = selectors.teacher_hours(school=staff.school_a, term=term)
    september = next(r for r in rows if r["month"] == "2026-09")
    assert (september["sessions"], september["minutes"], september["hours"]) == (4, 360, 6.0)
    assert {r["basis"] for r in rows} == {"planned"}
    totals = selectors.teacher_term_totals(rows)
    mondays = sum(1 for d in range((datetime.date(2027, 1, 20) - datetime.date(2026, 9, 1)).days + 1)
                  if (datetime.date(2026, 9, 1) + datetime.timedelta(days=d)).isoweekday() == 1)
    assert totals == [{"teacher_id": staff.teacher_a.pk, "teacher": "吴老师", "sessions": mondays,
                       "minutes": 90 * mondays, "basis": "planned", "hours": round(90 * mondays / 60, 2)}]


def test_teacher_sees_only_own_hours(staff, relogin):
    other = ClubFactory(school=staff.school_a, term=staff.term, teachers=[staff.homeroom])
    ClubFactory(school=staff.school_a, term=staff.term, teachers=[staff.teacher_a], venue=other.venue,
                slots=[(2, "16:00", "17:00")])
    body = relogin(staff.teacher_a).get(f"/clubs/hours/?school={staff.school_a.pk}").content.decode()
    assert "吴老师" in body and "王老师" not in body
