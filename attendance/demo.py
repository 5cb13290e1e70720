"""Demo attendance (run by `manage.py seed_demo` after schools, enrollment and clubs).

- duty1 is the rostered duty leader of S001 today and for the next four weeks;
  the other schools' duty leaders are rostered today;
- S001's rolls exist for today *whatever the weekday* (the demo must work on a Saturday too),
  so teacher1 has the roll of 三四年级课后服务组 today; the beat task creates rolls on school days only;
- one placed child has leave reported for today (the roll shows it), parent2's child has an
  authorised pickup person (a grandmother) and one child's pickup plan is flexible departure
  (17:00, one of the departure slots 17:00, 17:30 and 18:00 that every demo school sets for the term).

Nothing is marked: teacher1 takes the roll in the demo, then duty1 records pickups and closes the day.
Idempotent: rota rows, leave and pickup persons are looked up by natural keys; rolls by group/slot and date.
"""
from __future__ import annotations

import datetime

from accounts.models import RoleAssignment
from accounts.roles import Role
from enrollment.models import Application, AuthorisedPickupPerson, ServiceGroup

from .models import DepartureSlot, DutyRota, Leave
from .services import rolls_create_for_day

DEMO_DEPARTURE_SLOTS = (datetime.time(17, 0), datetime.time(17, 30), datetime.time(18, 0))


def seed(ctx) -> None:
    today = ctx.today
    for code, school in sorted(ctx.schools.items()):
        leader = ctx.users.get("duty1" if code == "S001" else f"duty_{code.lower()}")
        if leader is None or not RoleAssignment.objects.active().filter(
                user=leader, school=school, role=Role.DUTY_LEADER).exists():
            continue
        days = 28 if code == "S001" else 1
        for i in range(days):
            DutyRota.objects.get_or_create(school=school, date=today + datetime.timedelta(days=i),
                                           defaults={"leader": leader})
    # 弹性离校: every demo school offers 17:00, 17:30 and 18:00 this term (set by its principal)
    for _code, school in sorted(ctx.schools.items()):
        principal = (RoleAssignment.objects.active().filter(school=school, role=Role.PRINCIPAL)
                     .select_related("user").order_by("pk").first())
        if principal is None:
            continue
        for slot in DEMO_DEPARTURE_SLOTS:
            DepartureSlot.objects.get_or_create(school=school, term=ctx.term, time=slot, active=True,
                                                defaults={"created_by": principal.user})
    school = ctx.schools.get("S001")
    if school is None:
        return
    rolls = rolls_create_for_day(school=school, date=today, any_weekday=True)
    group = ServiceGroup.objects.filter(school=school, term=ctx.term, name="三四年级课后服务组").first()
    placed = list(Application.objects.filter(placements__group=group, placements__active=True)
                  .select_related("student").order_by("student__student_number")) if group else []
    parent2 = ctx.users.get("parent2")
    for app in placed:
        guardianship = app.student.guardianships.filter(active=True).select_related("guardian").first()
        if guardianship is None:
            continue
        if (parent2 is not None and guardianship.guardian_id == parent2.pk
                and not AuthorisedPickupPerson.objects.filter(student=app.student, active=True).exists()):
            AuthorisedPickupPerson.objects.create(student=app.student, name="王奶奶", relation="祖母",
                                                  phone="13912345678", added_by=parent2)
    if len(placed) >= 3:
        on_leave, flexible = placed[-1], placed[-2]
        guardian = on_leave.student.guardianships.filter(active=True).first().guardian
        Leave.objects.get_or_create(student=on_leave.student, date=today, cancelled_at=None,
                                    defaults={"reason": "看牙医", "reported_by": guardian})
        if flexible.pickup_plan != Application.Pickup.FLEXIBLE:
            flexible.pickup_plan = Application.Pickup.FLEXIBLE
            flexible.departure_time = datetime.time(17, 0)
            flexible.save(update_fields=["pickup_plan", "departure_time"])
    ctx.log.append(f"attendance: {len(rolls)} rolls today at {school.name}; duty1 on the rota for 4 weeks")
    seed_held_sessions_and_statement(ctx)


def seed_held_sessions_and_statement(ctx) -> None:
    """S001 as a school that has been running: every service day from the 1st of last month to
    yesterday (inside the term, as the calendar says) has its rolls taken and submitted by their
    teachers with the children present (written directly, as `scale/attendance.py` does: demo
    data, no notices), except one day of 三四年级课后服务组 left open (not held); then last month's
    hours statement is built (a draft for academic1 to check and principal1 to sign) and the
    term's rates are set. Idempotent: rolls by group/slot and date, marks only on rolls without
    any, the statement through the build (a draft is rebuilt to the same figures)."""
    from django.utils import timezone

    from schools.calendar import calendar_for_schools

    from .models import Mark, Roll, ServiceRate
    from .selectors import roll_children
    from .statements import previous_month, statements_build

    school, term = ctx.schools.get("S001"), ctx.term
    if school is None or term is None:
        return
    first = max(previous_month(ctx.today), term.start_date)
    last = min(ctx.today - datetime.timedelta(days=1), term.end_date)
    if first > last:
        return
    bureau = ctx.users.get("bureau")
    ServiceRate.objects.get_or_create(term=term, defaults={"noon": 30, "group": 40, "club": 50, "set_by": bureau})
    calendar = calendar_for_schools(school_ids=[school.pk], date_from=first, date_to=last)[school.pk]
    days = [d for d, info in sorted(calendar.items()) if info.service]
    for day in days:
        rolls_create_for_day(school=school, date=day)
    rolls = list(Roll.objects.filter(school=school, date__in=days, status=Roll.Status.OPEN, teacher__isnull=False)
                 .order_by("date", "pk"))
    # One session not held: the 三四年级组's roll of the first Thursday is left open.
    skip = next((r.pk for r in rolls if r.name == "三四年级课后服务组" and r.date.isoweekday() == 4), None)
    rolls = [r for r in rolls if r.pk != skip]
    children = roll_children(rolls)
    marked = set(Mark.objects.filter(roll__in=rolls).values_list("roll_id", flat=True).distinct())
    marks = []
    for roll in rolls:
        at = timezone.make_aware(datetime.datetime.combine(roll.date, roll.starts_at or datetime.time(16, 0)))
        if roll.pk not in marked:
            marks += [Mark(roll=roll, student=child, status=Mark.Status.PRESENT, client_id=f"demo-{roll.pk}-{child.pk}",
                           marked_at=at, marked_by_id=roll.teacher_id) for child in children.get(roll.pk, [])]
        roll.status, roll.submitted_at, roll.submitted_by_id = (Roll.Status.SUBMITTED,
                                                                at + datetime.timedelta(minutes=5), roll.teacher_id)
    Mark.objects.bulk_create(marks, batch_size=1000)
    Roll.objects.bulk_update(rolls, ["status", "submitted_at", "submitted_by"], batch_size=500)
    month = previous_month(ctx.today)
    counts = statements_build(month=month, school_ids=[school.pk]) if month >= term.start_date.replace(day=1) else {}
    ctx.log.append(f"attendance: {len(rolls)} past rolls submitted at {school.name} since {first}; "
                   f"statement of {month:%Y-%m}: {counts}")
