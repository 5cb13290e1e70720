"""The time rules, table-driven over their boundaries; values come from schools.Term only."""
import datetime

import pytest
from django.utils import translation

from clubs.timerules import check_day, check_plan, check_slot
from tests.clubs.factories import ServicePlanFactory
from tests.factories import TermFactory

pytestmark = pytest.mark.django_db

T = datetime.time


@pytest.mark.parametrize(("summer", "noon_start", "broken"), [
    (False, T(12, 59), True),
    (False, T(13, 0), False),
    (True, T(13, 59), True),
    (True, T(14, 0), False),
])
def test_noon_start_boundary(summer, noon_start, broken):
    term = TermFactory()
    noon = (noon_start, T(14, 30))
    problems = check_day(term, summer=summer, noon=noon, after=(T(16, 0), T(18, 0)))
    assert ("noon_too_early" in {p.code for p in problems}) is broken


@pytest.mark.parametrize(("end", "broken"), [(T(18, 0), False), (T(18, 1), True)])
def test_latest_end_boundary(end, broken):
    problems = check_day(TermFactory(), summer=False, noon=None, after=(T(15, 30), end))
    assert ("after_too_late" in {p.code for p in problems}) is broken


@pytest.mark.parametrize(("after_start", "broken"), [(T(16, 1), True), (T(16, 0), False)])
def test_minimum_minutes_boundary_119_120(after_start, broken):
    problems = check_day(TermFactory(), summer=False, noon=None, after=(after_start, T(18, 0)))
    assert ("too_short" in {p.code for p in problems}) is broken


def test_noon_and_after_school_minutes_add_up():
    # 60 min at noon + 60 after school = 120
    assert check_day(TermFactory(), summer=False, noon=(T(13, 0), T(14, 0)), after=(T(17, 0), T(18, 0))) == []


def test_rules_read_from_the_term():
    term = TermFactory(noon_start_winter=T(13, 30), latest_end=T(17, 30), min_daily_minutes=90)
    codes = {p.code for p in check_day(term, summer=False, noon=(T(13, 0), T(14, 0)), after=(T(16, 0), T(17, 45)))}
    assert codes == {"noon_too_early", "after_too_late"}


def test_each_broken_rule_is_reported_in_plain_words_in_both_languages():
    plan = ServicePlanFactory.build(term=TermFactory(), winter_noon_start=T(12, 30), winter_after_end=T(18, 30),
                                    summer_after_start=T(17, 30))
    with translation.override("en"):
        messages = [str(p) for p in check_plan(plan)]
    assert any("may not start before 13:00" in m for m in messages)
    assert any("must end by 18:00" in m for m in messages)
    assert any("at least 120" in m for m in messages)
    with translation.override("zh-hans"):
        zh = [str(p) for p in check_plan(plan)]
    assert len(zh) == len(messages) and all(z != e for z, e in zip(zh, messages, strict=True))


def test_a_plan_without_school_days_is_refused():
    plan = ServicePlanFactory.build(term=TermFactory(), school_days=[])
    assert "no_days" in {p.code for p in check_plan(plan)}


@pytest.mark.parametrize(("start", "end", "code"), [
    (T(17, 0), T(18, 1), "slot_too_late"),
    (T(17, 0), T(16, 0), "slot_order"),
    (T(12, 0), T(13, 0), "slot_too_early"),
    (T(16, 0), T(18, 0), None),
])
def test_club_slot_rules(start, end, code):
    codes = {p.code for p in check_slot(TermFactory(), start=start, end=end)}
    assert codes == ({code} if code else set())


def test_club_slot_must_lie_in_the_plan_windows():
    plan = ServicePlanFactory.build(term=TermFactory())
    assert {p.code for p in check_slot(plan.term, start=T(15, 0), end=T(16, 0), plan=plan)} == {"slot_outside_plan"}
    assert check_slot(plan.term, start=T(16, 30), end=T(17, 30), plan=plan) == []
