"""Issue 21 item 3: the four figures on top of a report page (coverage, attendance, compliance flags,
escalated incidents open), each with its target (reports/targets.py), whether it is off target, and
its change on the week before; worked out by hand on the hand-built city (conftest.city)."""
import datetime

import pytest
from django.utils import timezone, translation

from reports import selectors
from reports.models import WeeklyCoverageReport as Report
from reports.services import reports_build, reports_publish
from reports.targets import ATTENDANCE_RATE, COVERAGE_RATE, ESCALATED_OPEN, FLAGGED_SCHOOLS, TARGETS, Target
from safety.models import Incident
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def get(city, key, week=None) -> Report:
    return Report.objects.filter(week=week or city.week, scope_key=key).order_by("-version").first()


def by_key(report) -> dict:
    return {h.key: h for h in selectors.headline(report)}


# --- the targets -------------------------------------------------------------------------------
def test_targets_live_in_one_place_and_say_which_way_is_good():
    assert set(TARGETS) == {"coverage_rate", "attendance_rate", "flagged_schools", "flag_count", "escalated_open"}
    assert COVERAGE_RATE.met(COVERAGE_RATE.value) is True and COVERAGE_RATE.met(COVERAGE_RATE.value - 0.1) is False
    assert ATTENDANCE_RATE.met(None) is None
    assert FLAGGED_SCHOOLS.met(0) is True and FLAGGED_SCHOOLS.met(1) is False
    assert ESCALATED_OPEN.tone == "danger" and COVERAGE_RATE.tone == "warning"
    at_most = Target("late", 3, at_least=False)
    assert at_most.met(3) is True and at_most.met(4) is False


# --- the figures and the off-target flag ---------------------------------------------------------
def test_city_headline_figures_targets_and_states(city):
    """City: 4 of 9 children in the service (44.4 %, under the coverage target); no roll taken, so no
    attendance rate; all three schools flagged; school_b's serious illness escalated and still open."""
    Incident.objects.filter(school=city.school_b).update(escalated_at=timezone.make_aware(
        datetime.datetime.combine(city.week_start + datetime.timedelta(days=1), datetime.time(17, 0))))
    reports_build(week_start=city.week_start)
    with translation.override("en"):
        h = by_key(get(city, "city"))
        assert list(h) == ["coverage_rate", "attendance_rate", "flagged_schools", "escalated_open"]
        coverage = h["coverage_rate"]
        assert coverage.value == round(4 / 9 * 100, 1) and coverage.off_target and coverage.tone == "warning"
        assert coverage.value_text == "44.4%" and coverage.target_text == "Target: at least 90%"
        assert coverage.state_text == "Off target"
        attendance = h["attendance_rate"]
        assert attendance.value is None and attendance.met is None and not attendance.off_target
        assert attendance.value_text == "–" and attendance.state_text == "No figure" and attendance.tone == "secondary"
        assert h["flagged_schools"].value == 3 and h["flagged_schools"].off_target
        assert h["flagged_schools"].target_text == "Target: 0"
        escalated = h["escalated_open"]
        assert escalated.value == 1 and escalated.off_target and escalated.tone == "danger"
        # no week before: no change
        assert coverage.change is None and coverage.change_text == "No figure for last week"


def test_a_school_headline_counts_its_own_flags(city):
    reports_build(week_start=city.week_start)
    h = by_key(get(city, f"school:{city.school_a.pk}"))
    assert list(h) == ["coverage_rate", "attendance_rate", "flag_count", "escalated_open"]
    assert h["coverage_rate"].value == 60.0 and h["coverage_rate"].off_target
    # days without a roll, no duty leader, no drill this term
    assert h["flag_count"].value == 3 and h["flag_count"].off_target
    with translation.override("en"):
        assert set(by_key(get(city, f"school:{city.school_a.pk}"))["flag_count"].detail.split("; ")) == {
            "Planned service days without any roll", "No duty leader on a service day", "No drill this term"}
    assert h["escalated_open"].value == 0 and h["escalated_open"].met is True and h["escalated_open"].tone == "success"


def test_on_target_when_the_figure_reaches_it(city):
    """A figure at its target meets it."""
    reports_build(week_start=city.week_start)
    report = get(city, f"school:{city.school_c.pk}")
    report.data["main"]["coverage_rate"] = COVERAGE_RATE.value
    assert by_key(report)["coverage_rate"].met is True and by_key(report)["coverage_rate"].state_text


# --- the week-on-week change ----------------------------------------------------------------------
def test_change_on_last_week_in_arrows_and_words(city):
    """Last week school_a had 3 of 5 children in the service (60 %); one more child enrolled this week
    and not in it: 3 of 6 (50 %), down 10 points, away from the target."""
    before = city.week_start - datetime.timedelta(days=7)
    reports_build(week_start=before)
    reports_publish(week=Report.objects.filter(week_start=before).first().week, by=city.bureau)
    StudentFactory(homeroom_class=city.class_a)
    reports_build(week_start=city.week_start)
    h = by_key(get(city, f"school:{city.school_a.pk}"))
    coverage = h["coverage_rate"]
    assert coverage.change == -10.0 and coverage.change_direction == "down" and coverage.change_better is False
    with translation.override("en"):
        assert coverage.change_text == "↓ 10 points on last week"
        assert coverage.change_words == "Down 10 percentage points on last week"
    with translation.override("zh-hans"):
        assert coverage.change_text == "较上周 ↓10个百分点"
        assert coverage.change_words == "较上周下降10个百分点"
    flags = h["flag_count"]
    assert flags.change == 0 and flags.change_direction == "same" and flags.change_better is None
    with translation.override("zh-hans"):
        assert flags.change_text == "与上周持平"


def test_fewer_flags_is_a_change_for_the_better(city):
    reports_build(week_start=city.week_start)
    report = get(city, "city")
    report.data["changes"]["flagged_schools"] = -2
    report.data["changes"]["escalated_open"] = 1
    h = by_key(report)
    assert h["flagged_schools"].change_better is True and h["flagged_schools"].change_direction == "down"
    assert h["escalated_open"].change_better is False
    with translation.override("en"):
        assert h["flagged_schools"].change_text == "↓ 2 on last week"
        assert h["escalated_open"].change_words == "Up 1 on last week"


# --- escalated incidents open at the end of the week ----------------------------------------------
def test_escalated_incidents_open_are_those_open_when_the_week_ended(city):
    """Counted: escalated before the week ended and not closed by then, whichever week it happened in.
    Not counted: closed before the end, escalated after it, or never escalated."""
    end = timezone.make_aware(datetime.datetime.combine(city.week_start + datetime.timedelta(days=7),
                                                        datetime.time.min))
    hour = datetime.timedelta(hours=1)
    b = Incident.objects.get(school=city.school_b)  # escalated (serious), still open
    a = Incident.objects.get(school=city.school_a)  # general: not escalated
    Incident.objects.filter(pk=b.pk).update(escalated_at=end - 48 * hour)
    reports_build(week_start=city.week_start)
    assert get(city, "city").data["main"]["escalated_open"] == 1
    assert get(city, f"district:{city.district_b.pk}").data["main"]["escalated_open"] == 1
    assert get(city, f"district:{city.district_a.pk}").data["main"]["escalated_open"] == 0
    # closed after the week ended: still open at its end
    Incident.objects.filter(pk=b.pk).update(status=Incident.Status.CLOSED, closed_at=end + hour)
    reports_build(week_start=city.week_start)
    assert get(city, f"school:{city.school_b.pk}").data["main"]["escalated_open"] == 1
    # closed before the end: not open
    Incident.objects.filter(pk=b.pk).update(closed_at=end - hour)
    # escalated after the end (an earlier incident escalated late): not yet the bureau's at the end
    Incident.objects.filter(pk=a.pk).update(escalated_at=end + hour)
    reports_build(week_start=city.week_start)
    assert get(city, "city").data["main"]["escalated_open"] == 0
    # an incident of an earlier week, escalated then and still open, counts
    Incident.objects.filter(pk=a.pk).update(occurred_at=end - 30 * 24 * hour, escalated_at=end - 29 * 24 * hour)
    reports_build(week_start=city.week_start)
    assert get(city, "city").data["main"]["escalated_open"] == 1


# --- the columns of the drill-down tables ----------------------------------------------------------
def test_table_columns_put_the_headline_first_with_short_headers():
    with translation.override("zh-hans"):
        columns = selectors.table_columns("district")
        keys = [k for k, _label, _short in columns]
        assert keys[:4] == ["coverage_rate", "attendance_rate", "flagged_schools", "escalated_open"]
        short = {k: s for k, _label, s in columns}
        label = {k: lab for k, lab, _s in columns}
        assert short["coverage_rate"] == "参与率%" and label["coverage_rate"] == "参与率（%）"
        assert all(len(s) <= 6 for s in short.values()), short
    assert "flagged_schools" not in [k for k, _l, _s in selectors.table_columns("school")]
