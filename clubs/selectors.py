"""Reads of clubs, plans, choices, the timetable and teacher hours, always through `visible_to`."""
from __future__ import annotations

import calendar
import datetime
import re
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import RoleAssignment
from accounts.roles import Role
from accounts.scoping import get_for_user, scope_of
from schools.models import School, Student, Venue
from shahe_afterschool.ids import parse_id

from .bookings import resource_labels
from .models import Club, ClubCategory, ClubChoice, ReviewStatus, ServicePlan
from .timetable import Booking, collect_bookings, find_clashes


def club_teacher_student_filter(user_id, school_ids) -> Q:
    """Registered in `schools.models.TEACHER_STUDENT_FILTERS`: a club's teacher sees its members."""
    return Q(club_choices__status="enrolled", club_choices__club__teachers__id=user_id,
             club_choices__club__school_id__in=school_ids)


def club_day_holder(scope, date, students: dict[int, int]) -> set[int]:
    """Registered in `schools.selectors.DAY_HOLDERS` (health notes): of `students` ({id: school id}),
    the children holding a seat in an approved club of the date's term that the user teaches and
    that meets that weekday. One query."""
    return set(ClubChoice.objects.holding_seat().filter(
        club__teachers__id=scope.user_id, club__status=ReviewStatus.APPROVED,
        club__school_id__in=set(students.values()), club__term__start_date__lte=date,
        club__term__end_date__gte=date, club__slots__weekday=date.isoweekday(), student_id__in=list(students),
    ).values_list("student_id", flat=True))


# --- clubs ------------------------------------------------------------------------------------
def _with_seats(qs: QuerySet[Club]) -> QuerySet[Club]:
    return qs.annotate(
        enrolled_count=Count("choices", filter=Q(choices__status=ClubChoice.Status.ENROLLED), distinct=True),
    ).annotate(free_seats=F("capacity") - F("enrolled_count"))


def club_list(*, user, school_id=None, category=None, status=None, term=None) -> QuerySet[Club]:
    qs = _with_seats(
        Club.objects.visible_to(user)
        .select_related("school", "term", "venue", "club_type", "club_type__category")
        .prefetch_related("slots", "teachers")
    )
    if school_id:
        qs = qs.filter(school_id=school_id)
    if category:
        category = str(category)
        if category.isdigit():  # an id (any other script's digits or beyond 64 bits match nothing)
            qs = qs.filter(club_type__category_id=parse_id(category) or 0)
        elif re.fullmatch(r"[a-z0-9_-]{1,32}", category):
            qs = qs.filter(club_type__category__code=category)
        else:  # not a category code (e.g. a NUL byte PostgreSQL would refuse): nothing matches
            qs = qs.none()
    if status:
        qs = qs.filter(status=status)
    if term:
        qs = qs.filter(term=term)
    return qs.order_by("school__code", "club_type__category__order", "name", "pk")


def club_menu(*, user, school_id=None, category=None, grade=None) -> QuerySet[Club]:
    """The menu: approved clubs with a free seat, open to the grade when one is given."""
    qs = club_list(user=user, school_id=school_id, category=category, status=ReviewStatus.APPROVED)
    qs = qs.filter(free_seats__gt=0)
    if grade:
        qs = qs.filter(grade_min__lte=grade, grade_max__gte=grade)
    return qs


def club_get_for_user(*, user, pk) -> Club:
    return get_for_user(
        _with_seats(Club.objects.select_related("school", "term", "venue", "club_type__category")
                    .prefetch_related("slots", "teachers")), user, pk)


def categories() -> list[ClubCategory]:
    return list(ClubCategory.objects.all())


def club_members(*, user, club: Club) -> QuerySet[ClubChoice]:
    return (ClubChoice.objects.visible_to(user).filter(club=club)
            .exclude(status=ClubChoice.Status.WITHDRAWN)
            .select_related("student", "student__homeroom_class")
            .order_by("status", "rank", "chosen_at", "pk"))


def children_choices(*, user) -> dict[int, list[ClubChoice]]:
    """A guardian's children's club choices, by child id."""
    out: dict[int, list[ClubChoice]] = defaultdict(list)
    qs = (ClubChoice.objects.filter(student__guardianships__guardian=user, student__guardianships__active=True)
          .exclude(status=ClubChoice.Status.WITHDRAWN)
          .select_related("club", "club__club_type").order_by("rank", "chosen_at"))
    waiting = defaultdict(list)
    choices = list(qs)
    club_ids = {c.club_id for c in choices if c.status == ClubChoice.Status.WAITLISTED}
    for w in ClubChoice.objects.filter(club_id__in=club_ids, status=ClubChoice.Status.WAITLISTED):
        waiting[w.club_id].append(w)
    for club_id in waiting:
        waiting[club_id].sort(key=lambda c: (not c.priority, c.chosen_at, c.pk))
    for choice in choices:
        if choice.status == ClubChoice.Status.WAITLISTED:
            ids = [w.pk for w in waiting[choice.club_id]]
            choice.waitlist_position = ids.index(choice.pk) + 1 if choice.pk in ids else None
        out[choice.student_id].append(choice)
    return out


def club_menu_item(*, user, pk) -> Club | None:
    """An approved club the user sees (a parent: of their children's schools), or None: for the
    menu's writes, where a club that is not on the menu is a message, not a 404."""
    return (Club.objects.visible_to(user).filter(pk=pk, status=ReviewStatus.APPROVED)
            .select_related("school", "term").first())


#: Choices that still hold or wait for something (a withdrawn one is history).
LIVE_CHOICE_STATUSES = (ClubChoice.Status.PENDING, ClubChoice.Status.ENROLLED, ClubChoice.Status.WAITLISTED)


def menu_board(*, choices: list[ClubChoice], term) -> dict:
    """What the menu shows of a child's choices (already loaded, no query): the ranking (pending
    ranked choices by rank, what the allocation will serve), the other choices of the term with
    their outcome, and the live choice of each club (its card shows the rank or the status)."""
    of_term = [c for c in choices if c.term_id == term.pk]
    ranking = sorted((c for c in of_term if c.status == ClubChoice.Status.PENDING and c.rank),
                     key=lambda c: c.rank)
    for i, c in enumerate(ranking):
        c.is_first, c.is_last = i == 0, i == len(ranking) - 1
    return {
        "ranking": ranking,
        "results": [c for c in of_term if c not in ranking],
        "chosen": {c.club_id: c for c in of_term if c.status in LIVE_CHOICE_STATUSES},
    }


def guardian_children(*, user) -> list[Student]:
    return list(Student.objects.filter(guardianships__guardian=user, guardianships__active=True)
                .select_related("school", "homeroom_class__grade").order_by("pk"))


# --- plans ------------------------------------------------------------------------------------
def plan_list(*, user, school_id=None) -> QuerySet[ServicePlan]:
    qs = ServicePlan.objects.visible_to(user).select_related("school", "term", "decided_by")
    if school_id:
        qs = qs.filter(school_id=school_id)
    return qs.order_by("school__code", "-term__start_date", "-revision")


def plan_get_for_user(*, user, pk) -> ServicePlan:
    return get_for_user(ServicePlan.objects.select_related("school", "term", "previous", "decided_by"), user, pk)


# --- timetable --------------------------------------------------------------------------------
@dataclass
class Entry:
    booking: Booking
    teachers: list[str]
    venue: str


def school_get_for_staff(*, user, pk) -> School:
    """A school whose timetable the user may see: its staff, its district, the city."""
    scope = scope_of(user)
    school = get_for_user(School.objects.all(), user, pk)
    if not (scope.sees_city or school.pk in scope.staff_school_ids or school.district_id in scope.district_ids):
        raise Http404
    return school


def timetable(*, term, school_ids, teacher_id=None, venue_id=None) -> dict[int, list[Entry]]:
    """The week's bookings by weekday, optionally only those of a teacher or a venue: a fixed
    number of queries whatever the number of clubs."""
    bookings = collect_bookings(term=term, school_ids=school_ids)
    if teacher_id:
        bookings = [b for b in bookings if ("teacher", teacher_id) in b.resources]
    if venue_id:
        bookings = [b for b in bookings if ("venue", venue_id) in b.resources]
    labels = resource_labels({r for b in bookings for r in b.resources if r[0] in ("teacher", "venue")})
    days: dict[int, list[Entry]] = {d: [] for d in range(1, 6)}
    for b in sorted(bookings, key=lambda b: (b.weekday, b.start, b.label)):
        days.setdefault(b.weekday, []).append(Entry(
            booking=b,
            teachers=sorted(labels.get(r, "") for r in b.resources if r[0] == "teacher"),
            venue=next((labels.get(r, "") for r in b.resources if r[0] == "venue"), ""),
        ))
    return dict(sorted(days.items()))


def clash_list(*, term, school_ids) -> list:
    clashes = find_clashes(collect_bookings(term=term, school_ids=school_ids))
    labels = resource_labels({c.resource for c in clashes})
    for clash in clashes:
        object.__setattr__(clash, "resource_label", labels.get(clash.resource, clash.resource_label))
    return clashes


def school_teachers(*, school) -> list:
    ids = RoleAssignment.objects.active().filter(school=school, role=Role.TEACHER).values("user_id")
    return list(get_user_model().objects.filter(pk__in=ids).order_by("name", "pk"))


def school_venues(*, user, school) -> list[Venue]:
    return list(Venue.objects.visible_to(user).filter(school=school, active=True))


# --- teacher service hours --------------------------------------------------------------------
def _dates(term, weekday: int, school_days, month: tuple[int, int] | None):
    day = term.start_date
    end = term.end_date
    if month:
        first = datetime.date(month[0], month[1], 1)
        last = datetime.date(month[0], month[1], calendar.monthrange(*month)[1])
        day, end = max(day, first), min(end, last)
    while day <= end:
        if day.isoweekday() == weekday and (not school_days or weekday in school_days):
            yield day
        day += datetime.timedelta(days=1)


def teacher_hours(*, school, term, teacher_id=None) -> list[dict]:
    """Planned service hours per teacher per month, from the approved clubs' weekly slots on the
    plan's school days within the term. Marked `planned`: rolls (sessions actually held) replace
    this once attendance exists."""
    from .services import plan_in_force

    plan = plan_in_force(school=school, term=term)
    school_days = plan.school_days if plan else [1, 2, 3, 4, 5]
    clubs = (Club.objects.filter(school=school, term=term, status=ReviewStatus.APPROVED)
             .prefetch_related("slots", Prefetch("teachers", queryset=get_user_model().objects.order_by("pk"))))
    totals: dict[tuple[int, str], dict] = {}
    for club in clubs:
        for teacher in club.teachers.all():
            if teacher_id and teacher.pk != teacher_id:
                continue
            for slot in club.slots.all():
                for day in _dates(term, slot.weekday, school_days, None):
                    key = (teacher.pk, f"{day:%Y-%m}")
                    row = totals.setdefault(key, {"teacher_id": teacher.pk, "teacher": teacher.name or teacher.username,
                                                  "month": f"{day:%Y-%m}", "sessions": 0, "minutes": 0})
                    row["sessions"] += 1
                    row["minutes"] += slot.minutes
    rows = sorted(totals.values(), key=lambda r: (r["teacher"], r["teacher_id"], r["month"]))
    for row in rows:
        row["hours"] = round(row["minutes"] / 60, 2)
        row["basis"] = "planned"
    return rows


def teacher_term_totals(rows: list[dict]) -> list[dict]:
    out: dict[int, dict] = {}
    for r in rows:
        t = out.setdefault(r["teacher_id"], {"teacher_id": r["teacher_id"], "teacher": r["teacher"],
                                             "sessions": 0, "minutes": 0, "basis": "planned"})
        t["sessions"] += r["sessions"]
        t["minutes"] += r["minutes"]
    for t in out.values():
        t["hours"] = round(t["minutes"] / 60, 2)
    return list(out.values())
