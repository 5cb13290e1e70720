"""What the attendance and reports pages are measured on, found (or made once) the same way in the
demo city and the generated city, so that the query counts of the two can be compared.

- The teacher's roll page for a group of 60: an after-school group "基准六十人组" at the school with
  the most placed after-school children, into which up to 60 of them are moved (their placements
  ended and new ones started, as a merge of groups would), held by a teacher who is no homeroom
  teacher, and its roll of today.
- The duty leader's console: the first school by code, on the latest day up to today with rolls and
  a duty rota (a closed day preferred: the end of a service day), as that day's rostered leader.
Idempotent: a second call finds the group and the roll.
"""
from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

BIG_GROUP = "基准六十人组"
BIG_SIZE = 60


def big_roll(n: int = BIG_SIZE):
    """(teacher, roll) of the group of `n`; None when the city has no after-school placement."""
    from attendance.models import Roll
    from clubs.services import plan_in_force
    from enrollment.models import Placement, ServiceGroup, Session
    from schools.models import School, Term

    from .users import rush_school_ids

    term = Term.current()
    today = timezone.localdate()
    group = ServiceGroup.objects.filter(term=term, name=BIG_GROUP).select_related("school", "teacher").first()
    if group is None:
        busiest = (Placement.objects.filter(active=True, group__term=term, group__session=Session.AFTER_SCHOOL,
                                            group__status=ServiceGroup.Status.ACTIVE)
                   .exclude(group__school_id__in=rush_school_ids())
                   .values("group__school_id").annotate(n=Count("pk")).order_by("-n", "group__school_id").first())
        if busiest is None:
            return None
        school = School.objects.get(pk=busiest["group__school_id"])
        moving = list(Placement.objects.filter(active=True, group__school=school, group__term=term,
                                               group__session=Session.AFTER_SCHOOL)
                      .select_related("group").order_by("group_id", "application__student_id")[:n])
        teacher_id = _plain_teacher(school.pk) or moving[0].group.teacher_id
        grades = [p.group.grade_from for p in moving] + [p.group.grade_to for p in moving]
        now = timezone.now()
        with transaction.atomic():
            group = ServiceGroup.objects.create(
                school=school, term=term, name=BIG_GROUP, session=Session.AFTER_SCHOOL, grade_from=min(grades),
                grade_to=max(grades), weekdays=[1, 2, 3, 4, 5], capacity=n, venue=moving[0].group.venue,
                teacher_id=teacher_id)
            Placement.objects.filter(pk__in=[p.pk for p in moving]).update(
                active=False, ended_at=now, end_reason="merged into a group of 60 (benchmark)")
            Placement.objects.bulk_create([Placement(application_id=p.application_id, group=group,
                                                     reason="merged into a group of 60 (benchmark)")
                                           for p in moving])
    plan = plan_in_force(school=group.school, term=term)
    window = plan.windows(term.is_summer(today))["after"] if plan else (None, None)
    roll, _created = Roll.objects.get_or_create(group=group, date=today, defaults={
        "school": group.school, "kind": Roll.Kind.GROUP, "session": group.session, "name": group.name,
        "starts_at": window[0], "ends_at": window[1], "venue_id": group.venue_id, "teacher_id": group.teacher_id})
    return group.teacher, roll


def _plain_teacher(school_id: int) -> int | None:
    """A teacher of the school who is no homeroom teacher (as the demo's teacher1): the navigation of
    a homeroom teacher shows more (the review queue), and the page is compared across cities."""
    from accounts.models import RoleAssignment
    from accounts.roles import Role

    homeroom = RoleAssignment.objects.filter(role=Role.HOMEROOM, active=True).values("user_id")
    return (RoleAssignment.objects.filter(school_id=school_id, role=Role.TEACHER, active=True, user__is_active=True)
            .exclude(user_id__in=homeroom).order_by("user_id").values_list("user_id", flat=True).first())


def console_day():
    """(leader, school id, date) of the duty leader's console measured; None without a rota."""
    from attendance.models import DayClose, DutyRota, Roll
    from schools.models import School

    from .users import rush_school_ids

    today = timezone.localdate()
    for school in School.objects.filter(active=True).exclude(pk__in=rush_school_ids()).order_by("code"):
        with_rolls = set(Roll.objects.filter(school=school, date__lte=today).values_list("date", flat=True)
                         .distinct().order_by())
        rotas = [r for r in DutyRota.objects.filter(school=school, date__lte=today).select_related("leader")
                 .order_by("-date")[:60] if r.date in with_rolls]
        if not rotas:
            continue
        closed = set(DayClose.objects.filter(school=school, date__in=[r.date for r in rotas])
                     .values_list("date", flat=True))
        rota = next((r for r in rotas if r.date in closed), rotas[0])
        return rota.leader, school.pk, rota.date
    return None
