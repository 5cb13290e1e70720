"""The generated term of attendance (scale.attendance) is what the attendance services would have
written: checked at a tiny scale through the attendance selectors (roll children, the state of a
day) and the models' constraints. Runs on SQLite (bulk_create) and, with DATABASE_URL, on
PostgreSQL (COPY with the indexes and foreign keys rebuilt after the load)."""
import datetime
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from django.db.models import Count

from attendance import totals
from attendance.models import HELD_STATUSES, CustodyEvent, DayClose, DayTotal, DutyRota, Leave, Mark, Roll
from attendance.selectors import held_children, roll_children
from enrollment.models import Application, AuthorisedPickupPerson, ServiceGroup
from notices.models import Notification
from reports.models import WeeklyCoverageReport
from scale.attendance import HOLIDAYS
from scale.generator import CityGenerator
from schools.models import Guardianship, School, Term
from tests.reports.day_figures import by_hand

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 25)  # a Wednesday in the middle of the generated term


def generate(seed=5, scale=0.002):
    return CityGenerator(scale=scale, seed=seed, log=lambda *_: None, today=TODAY).run()


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """One generated city for the module's tests, rolled back at the end (each test runs in a
    savepoint inside this transaction)."""
    with django_db_blocker.unblock(), transaction.atomic():
        stats = generate()
        yield stats
        transaction.set_rollback(True)


def _service_days(term):
    d, out = term.start_date, []
    while d <= term.end_date:
        if d.isoweekday() <= 5 and (d.month, d.day) not in HOLIDAYS:
            out.append(d)
        d += datetime.timedelta(days=1)
    return out


def test_a_whole_term_of_rolls_one_per_group_and_service_day(city):
    stats = city
    groups = list(ServiceGroup.objects.filter(status=ServiceGroup.Status.ACTIVE))
    term = groups[0].term
    days = _service_days(term)
    assert (term.end_date - term.start_date).days + 3 == 18 * 7  # 18 weeks, Monday to the last Friday
    assert len(days) >= 80
    assert Roll.objects.count() == len(groups) * len(days)
    per_group_day = Roll.objects.values("group_id", "date").annotate(n=Count("pk")).filter(n__gt=1)
    assert not per_group_day.exists()
    assert set(Roll.objects.values_list("date", flat=True).distinct()) == set(days)
    assert stats.rows["attendance.Mark"] == Mark.objects.count() > 0
    # Most rolls are submitted; the few left open were not taken (no mark at all).
    open_rolls = Roll.objects.filter(status=Roll.Status.OPEN)
    assert open_rolls.count() < Roll.objects.count() * 0.02
    assert not Mark.objects.filter(roll__in=open_rolls).exists()
    assert not Roll.objects.filter(status=Roll.Status.SUBMITTED, submitted_at__isnull=True).exists()


def test_marks_only_for_children_on_the_roll_and_one_per_child(city):
    rolls = list(Roll.objects.all())
    expected = roll_children(rolls)  # the selector the roll page and the API use
    marks = defaultdict(list)
    for roll_id, student_id in Mark.objects.values_list("roll_id", "student_id"):
        marks[roll_id].append(student_id)
    for roll in rolls:
        on_roll = {s.pk for s in expected[roll.pk]}
        got = marks.get(roll.pk, [])
        assert len(got) == len(set(got)), roll  # one mark per child and roll
        if roll.status == Roll.Status.SUBMITTED:
            assert set(got) == on_roll, roll  # submitted: every child on the roll has a mark
    # Marked by the roll's teacher, with a client id unique per roll and child.
    assert not Mark.objects.exclude(marked_by_id=models_f("roll__teacher_id")).exists()
    assert Mark.objects.values("client_id").distinct().count() == Mark.objects.count()


def test_statuses_at_realistic_rates_and_leave_reported_in_advance(city):
    counts = Counter(Mark.objects.values_list("status", flat=True))
    total = sum(counts.values())
    assert 0.85 < counts["present"] / total < 0.99
    assert counts["absent"] and counts["late"] and counts["leave"]
    assert counts["absent"] / total < 0.06 and counts["leave"] / total < 0.08
    # Late only on the after-school rolls (a child comes late from class, not to lunch).
    assert not Mark.objects.filter(status=Mark.Status.LATE, roll__session=Roll.Session.NOON).exists()
    # Every leave mark has the guardian's leave for that day, reported the day before.
    for mark in Mark.objects.filter(status=Mark.Status.LEAVE).select_related("roll"):
        leave = Leave.objects.active().get(student_id=mark.student_id, date=mark.roll.date)
        assert leave.reported_at.date() < mark.roll.date
        assert Guardianship.objects.active().filter(guardian_id=leave.reported_by_id,
                                                    student_id=mark.student_id).exists()


def test_closed_days_have_nobody_held_and_each_held_child_is_released_once(city):
    releases = Counter(CustodyEvent.objects.filter(kind__in=CustodyEvent.RELEASES)
                       .values_list("school_id", "date", "student_id"))
    assert max(releases.values()) == 1
    held = set(Mark.objects.filter(status__in=HELD_STATUSES).values_list("roll__school_id", "roll__date",
                                                                       "student_id"))
    assert set(releases) <= held  # nobody is released who was not held
    closes = list(DayClose.objects.order_by("school_id", "date"))
    closed = {(c.school_id, c.date) for c in closes}
    assert len(closes) > 0.9 * len({(s, d) for s, d, _c in held})
    # Closed: every child held that day was released (all of them, by the sets above) ...
    assert not {(s, d, c) for s, d, c in held if (s, d) in closed} - set(releases)
    # ... and the day's state as day_close reads it agrees (a sample of the closed days).
    for close in closes[::max(1, len(closes) // 12)]:
        assert held_children(school_id=close.school_id, date=close.date) == []
    # A day with children held is not closed, and the principal was alerted at 18:30.
    for school_id, day in sorted({(s, d) for s, d, c in held if (s, d, c) not in releases}):
        assert (school_id, day) not in closed
        assert held_children(school_id=school_id, date=day)
        assert Notification.objects.filter(dedupe_key=f"attendance.unclosed:{school_id}:{day.isoformat()}").exists()
    # The duty leader closes a rostered day.
    for close in closes:
        rota = DutyRota.objects.filter(school_id=close.school_id, date=close.date).first()
        if rota:
            assert close.closed_by_id == rota.leader_id


def test_pickups_only_by_someone_on_the_childs_list(city):
    flexible = set(Application.objects.filter(status=Application.Status.PLACED,
                                              pickup_plan=Application.Pickup.FLEXIBLE)
                   .values_list("student_id", flat=True))
    assert flexible
    may = set(Guardianship.objects.active().filter(may_pick_up=True).values_list("student_id", "guardian_id"))
    persons = set(AuthorisedPickupPerson.objects.active().values_list("student_id", "pk"))
    kinds = Counter()
    for e in CustodyEvent.objects.all():
        kinds[e.kind] += 1
        if e.kind == CustodyEvent.Kind.FLEXIBLE_DEPARTURE:
            assert e.student_id in flexible
        else:
            assert e.kind == CustodyEvent.Kind.PICKUP
            assert ((e.student_id, e.to_user_id) in may) or ((e.student_id, e.pickup_person_id) in persons)
            assert e.to_name
    assert kinds["pickup"] > kinds["flexible_departure"] > 0
    assert CustodyEvent.objects.filter(pickup_person__isnull=False).exists()


def test_absences_without_leave_notify_each_guardian_once_per_roll(city):
    absent = list(Mark.objects.filter(status=Mark.Status.ABSENT).select_related("roll"))
    assert absent
    for mark in absent:
        guardians = set(Guardianship.objects.active().filter(student_id=mark.student_id)
                        .values_list("guardian_id", flat=True))
        sent = set(Notification.objects.filter(kind="attendance.absent",
                                               dedupe_key=f"attendance.absent:{mark.roll_id}:{mark.student_id}")
                   .values_list("recipient_id", flat=True))
        assert sent == guardians
    assert Notification.objects.filter(kind="attendance.absent").count() == sum(
        Guardianship.objects.active().filter(student_id=m.student_id).count() for m in absent)


def test_weekly_reports_of_the_weeks_so_far(city):
    weeks = list(WeeklyCoverageReport.objects.order_by("week").values_list("week", flat=True).distinct())
    assert weeks and weeks[-1] == "2026-W47"  # the last week ended before TODAY
    last = WeeklyCoverageReport.objects.filter(week="2026-W47")
    assert set(last.values_list("status", flat=True)) == {WeeklyCoverageReport.Status.DRAFT}
    assert not WeeklyCoverageReport.objects.exclude(week="2026-W47").exclude(
        status=WeeklyCoverageReport.Status.PUBLISHED).exists()
    city = last.get(scope_key="city").data["sections"]["attendance"]
    week_marks = Mark.objects.filter(roll__date__range=(datetime.date(2026, 11, 16), datetime.date(2026, 11, 22)))
    assert city["present"] == week_marks.filter(status="present").count()
    assert city["absent"] == week_marks.filter(status="absent").count()
    assert city["days_held"] == School.objects.count() * 5


def test_day_totals_as_the_nightly_task_and_the_day_close_write_them(city, django_assert_max_num_queries):
    """Every school day before TODAY has its total (the nightly task's), TODAY only where it was
    closed (the day close's), a later day none; each equals the figures worked out from the marks
    and handovers, so the weekly report of a past week reads the totals, never the marks."""
    term = Term.objects.get()
    schools = list(School.objects.values_list("pk", flat=True))
    expected = by_hand(schools, term.start_date, term.end_date, term.latest_end)
    closed = set(DayClose.objects.values_list("school_id", "date"))
    stored = {(t.school_id, t.date): t for t in DayTotal.objects.all()}
    assert len(stored) > 0.45 * len(expected)  # the first half of the term
    assert set(stored) == {key for key in expected if key[1] < TODAY or (key[1] == TODAY and key in closed)}
    for key, total in stored.items():
        assert {f: getattr(total, f) for f in totals.FIGURES} == expected[key], key
        assert total.closed == (key in closed)
        assert total.source == (DayTotal.Source.CLOSE if key in closed else DayTotal.Source.NIGHTLY)
    week = (datetime.date(2026, 11, 16), datetime.date(2026, 11, 22))
    with django_assert_max_num_queries(2) as ctx:
        read = totals.for_range(school_ids=schools, first=week[0], last=week[1])
    assert not any('"attendance_mark"' in q["sql"] for q in ctx.captured_queries)
    assert set(read) == {key for key in expected if week[0] <= key[1] <= week[1]}


def models_f(name):
    from django.db.models import F

    return F(name)
