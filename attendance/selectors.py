"""Reads of attendance: the children of rolls, the state of a school day (the duty leader's
console), the principal's overview. Every read is a fixed number of queries whatever the number of
children or rolls."""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.privacy import mask_phone
from accounts.roles import Role
from accounts.scoping import get_for_user, scope_of
from schools.models import Guardianship, School, Student
from shahe_afterschool.ids import parse_id

from .models import (
    HELD_STATUSES,
    AbsenceFollowUp,
    CustodyEvent,
    DayClose,
    DutyRota,
    Leave,
    Mark,
    PatrolLog,
    PickupCode,
    PickupRefusal,
    Roll,
)

#: What the roll page reads of each child (and of the placement that puts the child on the roll): a
#: roll of 60 children built every column of 240 rows (applications with their JSON) for these.
ROLL_PAGE_STUDENT = ("id", "name", "name_pinyin", "school_id", "homeroom_class_id", "health_notes", "status",
                     "homeroom_class__id", "homeroom_class__name")


#: What a roll is read with unless the caller names less (`roll_get_for_user(related=...)`).
ROLL_RELATED = ("school", "venue", "teacher", "group", "club")


def roll_get_for_user(*, user, pk, related: tuple = ROLL_RELATED) -> Roll:
    """The roll if the user may see it, else 404; read with `related` (a six-table join costs about
    1.5 ms more than the roll alone, planning included: the roll page needs only the venue)."""
    return get_for_user(Roll.objects.select_related(*related), user, pk)


def roll_list(*, user, date: datetime.date | None = None, school_id=None) -> QuerySet[Roll]:
    qs = Roll.objects.visible_to(user).select_related("school", "venue", "teacher")
    if date:
        qs = qs.filter(date=date)
    if school_id:
        qs = qs.filter(school_id=school_id)
    return qs.order_by("date", "starts_at", "name", "pk")


def roll_children(rolls, *, marks: list[Mark] | None = None, student_fields: tuple | None = None
                  ) -> dict[int, list[Student]]:
    """The children expected on each roll (placed in the group for that weekday, or holding a seat
    in the club), plus any child already marked on it. Three queries for any number of rolls (two
    when the caller passes the rolls' marks; a fourth only when a marked child is no longer expected:
    that child, with the others like it). `student_fields`: read only these of each child (and its
    class), e.g. ROLL_PAGE_STUDENT.

    The children are read as students joined to their placements (the placement's group and the
    application's weekdays annotated on each), not as placements with their applications and
    students: half the instances and a join fewer (the roll page's 60 children: 3.8 ms to 2.2 ms)."""
    from clubs.models import ClubChoice

    rolls = list(rolls)
    out: dict[int, dict[int, Student]] = {r.pk: {} for r in rolls}
    by_group = defaultdict(list)
    by_club = defaultdict(list)
    for r in rolls:
        if r.group_id:
            by_group[r.group_id].append(r)
        elif r.club_id:
            by_club[r.club_id].append(r)

    def students(qs):
        qs = qs.select_related("homeroom_class").order_by()
        return qs.only(*student_fields) if student_fields else qs

    if by_group:
        placed = students(Student.objects.filter(
            applications__placements__active=True, applications__placements__group_id__in=list(by_group),
        ).annotate(placed_group=F("applications__placements__group_id"), placed_days=F("applications__weekdays")))
        for child in placed:
            for r in by_group[child.placed_group]:
                if _meets(child.placed_days, r.date):
                    out[r.pk][child.pk] = child
    if by_club:
        # one filter() call, so that the annotation reads the seat the filter found
        # (ClubChoice.objects.holding_seat(): the enrolled choices)
        seated = students(Student.objects.filter(
            club_choices__status=ClubChoice.Status.ENROLLED, club_choices__club_id__in=list(by_club),
        ).annotate(seat_club=F("club_choices__club_id")))
        for child in seated:
            for r in by_club[child.seat_club]:
                out[r.pk][child.pk] = child
    if rolls:
        if marks is None:
            marks = Mark.objects.filter(roll__in=rolls).only("roll_id", "student_id")
        missing = defaultdict(list)
        for m in marks:
            if m.student_id not in out[m.roll_id]:
                missing[m.student_id].append(m.roll_id)
        if missing:
            for child in students(Student.objects.filter(pk__in=list(missing))):
                for roll_id in missing[child.pk]:
                    out[roll_id][child.pk] = child
    return {pk: sorted(kids.values(), key=lambda s: (s.name_pinyin, s.pk)) for pk, kids in out.items()}


def roll_child_ids(roll: Roll) -> set[int]:
    """The ids of `roll_children([roll])[roll.pk]`, read as ids alone (the marks API checks each
    batch against them: the 16:00 peak posts 3,000 of them in five minutes)."""
    from clubs.models import ClubChoice
    from enrollment.models import Placement

    ids: set[int] = set()
    if roll.group_id:
        ids |= {sid for sid, days in Placement.objects.filter(active=True, group_id=roll.group_id)
                .values_list("application__student_id", "application__weekdays") if _meets(days, roll.date)}
    elif roll.club_id:
        ids |= set(ClubChoice.objects.holding_seat().filter(club_id=roll.club_id).values_list("student_id", flat=True))
    ids |= set(Mark.objects.filter(roll=roll).values_list("student_id", flat=True))
    return ids


@dataclass
class RollEntry:
    student: Student
    mark: Mark | None
    leave: Leave | None
    #: set by the page for a reader who may read it (`schools.selectors.health_notes_shown`)
    health_note: str = ""

    @property
    def status(self) -> str:
        return self.mark.status if self.mark else ""


@dataclass
class RollView:
    roll: Roll
    entries: list[RollEntry]

    @property
    def marked(self) -> int:
        return sum(1 for e in self.entries if e.mark)

    @property
    def unmarked(self) -> int:
        return len(self.entries) - self.marked


def roll_view(roll: Roll) -> RollView:
    """The roll page: each child with the mark and any leave for the day (three queries: the marks,
    the children with their placements, the leave; a fourth when a marked child is no longer expected)."""
    roll_marks = list(Mark.objects.filter(roll=roll).order_by())
    children = roll_children([roll], marks=roll_marks, student_fields=ROLL_PAGE_STUDENT)[roll.pk]
    marks = {m.student_id: m for m in roll_marks}
    leaves = {lv.student_id: lv for lv in Leave.objects.active().filter(
        date=roll.date, student_id__in=[c.pk for c in children]).order_by()}
    return RollView(roll=roll, entries=[RollEntry(c, marks.get(c.pk), leaves.get(c.pk)) for c in children])


def roll_health_notes(view: RollView, *, user) -> list[Student]:
    """Fills in each entry's health note where `user` may read it today (the teacher holding the
    child, the principal, the homeroom teacher, the rostered duty leader:
    `schools.selectors.health_notes_shown`) and returns the children whose note is shown, for the
    caller's audit. No query when no child of the roll has a note."""
    from schools.selectors import health_notes_shown

    notes = health_notes_shown(user, [e.student for e in view.entries])
    for e in view.entries:
        e.health_note = notes.get(e.student.pk, "")
    return [e.student for e in view.entries if e.health_note]


def roll_counts(rolls) -> dict[int, dict]:
    """{roll id: {"expected", "marked", "present", "absent", "late", "leave", "unmarked"}} in four queries."""
    rolls = list(rolls)
    children = roll_children(rolls)
    counts = {r.pk: {"expected": len(children[r.pk]), "marked": 0, "present": 0, "absent": 0, "late": 0,
                     "leave": 0} for r in rolls}
    for roll_id, status in Mark.objects.filter(roll__in=rolls).values_list("roll_id", "status"):
        counts[roll_id]["marked"] += 1
        counts[roll_id][status] += 1
    for c in counts.values():
        c["unmarked"] = max(c["expected"] - c["marked"], 0)
    return counts


def _meets(days, date: datetime.date) -> bool:
    """A placement's weekdays (empty: every day the group meets) cover the date; a weekend roll
    (created on demand) expects every child of the group, as `roll_children` does."""
    return not days or date.isoweekday() in days or date.isoweekday() > 5


def day_holder(scope, date: datetime.date, students: dict[int, int]) -> set[int]:
    """Registered in `schools.selectors.DAY_HOLDERS` (health notes): of `students` ({id: school id}),
    every child of the school where the user is the day's rostered duty leader, and the children on
    the rolls of the day the user holds (the children `roll_children` lists). At most five queries."""
    from clubs.models import ClubChoice
    from enrollment.models import Placement

    schools = set(students.values())
    held: set[int] = set()
    leading = schools & scope.schools_with(Role.DUTY_LEADER)
    if leading:
        rostered = set(DutyRota.objects.filter(leader_id=scope.user_id, date=date, school_id__in=leading)
                       .values_list("school_id", flat=True))
        held = {pk for pk, school_id in students.items() if school_id in rostered}
    rest = [pk for pk in students if pk not in held]
    if not rest:
        return held
    rolls = list(Roll.objects.filter(teacher_id=scope.user_id, date=date, school_id__in=schools)
                 .exclude(status=Roll.Status.CANCELLED).values_list("pk", "group_id", "club_id"))
    if not rolls:
        return held
    groups = {group_id for _pk, group_id, _club in rolls if group_id}
    clubs = {club_id for _pk, _group, club_id in rolls if club_id}
    if groups:
        held |= {sid for sid, days in Placement.objects.filter(
            active=True, group_id__in=groups, application__student_id__in=rest,
        ).values_list("application__student_id", "application__weekdays") if _meets(days, date)}
    if clubs:
        held |= set(ClubChoice.objects.holding_seat().filter(club_id__in=clubs, student_id__in=rest)
                    .values_list("student_id", flat=True))
    held |= set(Mark.objects.filter(roll_id__in=[pk for pk, _g, _c in rolls], student_id__in=rest)
                .values_list("student_id", flat=True))
    return held


# --- who may run a day -------------------------------------------------------------------------
def school_for_day(*, user, school_id) -> School:
    """The school whose day the user may see: staff of the school (else 404)."""
    scope = scope_of(user)
    pk = parse_id(school_id)
    school = School.objects.filter(pk=pk).first() if pk else None
    if school is None or not (scope.is_admin or school.pk in scope.staff_school_ids):
        raise Http404
    return school


def rostered_leader(*, user, school_id: int, date: datetime.date) -> bool:
    """The duty-leader role makes someone eligible for the rota; the rota row makes them today's."""
    if not user.is_authenticated:
        return False
    return DutyRota.objects.filter(school_id=school_id, date=date, leader_id=user.pk).exists()


def may_run_day(*, user, school_id: int, date: datetime.date) -> bool:
    """The day's rostered duty leader and the school's principal (and the system administrator)."""
    scope = scope_of(user)
    if scope.is_admin or school_id in scope.schools_with(Role.PRINCIPAL):
        return True
    return school_id in scope.schools_with(Role.DUTY_LEADER) and rostered_leader(
        user=user, school_id=school_id, date=date)


def console_allowed(*, user, school_id: int, date: datetime.date) -> bool:
    return may_run_day(user=user, school_id=school_id, date=date)


def leader_today(*, user, date: datetime.date | None = None) -> int | None:
    """The school where the user is today's rostered duty leader, if any."""
    if not user.is_authenticated:
        return None
    date = date or timezone.localdate()
    return DutyRota.objects.filter(leader=user, date=date).values_list("school_id", flat=True).first()


# --- the state of a school day -----------------------------------------------------------------
@dataclass(frozen=True)
class Release:
    """The first pickup or flexible departure of a child on the day (what the console shows of it)."""
    at: datetime.datetime
    kind: str
    to_name: str
    relation: str


@dataclass
class ChildState:
    student: Student | ChildName  # with only id, name and name_pinyin loaded
    marks: list = field(default_factory=list)  # (roll, mark status)
    leave: Leave | None = None
    released: Release | None = None
    location: Roll | None = None
    guardians: list = field(default_factory=list)
    #: the last handover of the day (class → group → club → colleague), if any
    handed_to: Holder | None = None

    @property
    def holder_name(self) -> str:
        """Who holds the child now: the teacher of the last handover, else the teacher of the roll
        the child is on now."""
        if self.handed_to is not None:
            return self.handed_to.name
        teacher = self.location.teacher if self.location else None
        return (teacher.name or teacher.username) if teacher else ""

    @property
    def present(self) -> bool:
        return any(status in HELD_STATUSES for _, status in self.marks)

    @property
    def held(self) -> bool:
        return self.present and self.released is None


@dataclass
class RollState:
    roll: Roll
    expected: int = 0
    present: int = 0
    absent: int = 0
    leave: int = 0
    unmarked: int = 0
    released: int = 0
    held: int = 0

    @property
    def not_taken(self) -> bool:
        return self.expected > 0 and self.unmarked == self.expected


@dataclass
class DayState:
    school: School
    date: datetime.date
    rolls: list[RollState]
    children: dict[int, ChildState]
    absences: list[tuple[Roll, Student]]
    late_pickups: list[ChildState]
    venues: list[tuple[str, list[ChildState]]]
    closed: DayClose | None
    rota: DutyRota | None
    refusals: list[PickupRefusal]
    #: the day's follow-ups of absences without leave, by student id (the latest of each child)
    follow_ups: dict[int, AbsenceFollowUp] = field(default_factory=dict)

    @property
    def held(self) -> list[ChildState]:
        return [c for c in self.children.values() if c.held]

    @property
    def held_ids(self) -> list[int]:
        """The held children's ids, in order (the console's refresh compares them with its panel)."""
        return sorted(c.student.pk for c in self.held)

    @property
    def absent_children(self) -> list[Student]:
        """Each child absent without leave on a roll of the day, once, in pinyin order."""
        seen: dict[int, Student] = {}
        for _roll, student in self.absences:
            seen.setdefault(student.pk, student)
        return sorted(seen.values(), key=lambda s: (s.name_pinyin, s.pk))

    @property
    def absences_open(self) -> list[Student]:
        """Children absent without leave whom nobody has followed up yet: they block the close."""
        return [s for s in self.absent_children if s.pk not in self.follow_ups]

    @property
    def can_close(self) -> bool:
        return self.closed is None and not self.held and not self.absences_open

    @property
    def not_taken(self) -> list[RollState]:
        return [r for r in self.rolls if r.not_taken]

    @property
    def released(self) -> list[ChildState]:
        """Children of the day's rolls already picked up or gone home alone, in the order they left."""
        return sorted((c for c in self.children.values() if c.released), key=lambda c: (c.released.at, c.student.pk))


def _location(marks, now_time: datetime.time | None) -> Roll | None:
    """Where a present child is: the latest roll already started on which the child is present."""
    present = [r for r, status in marks if status in HELD_STATUSES]
    if not present:
        return None
    started = [r for r in present if now_time is None or r.starts_at is None or r.starts_at <= now_time]
    pool = started or present
    return max(pool, key=lambda r: (r.starts_at or datetime.time.min, r.pk))


_STUDENT_COLUMNS = ("id", "name", "name_pinyin")


#: How long the figures' roster of a school day (`_day_roster` with a minute) is kept: its key names
#: the minute, as the console's.
ROSTER_SECONDS = 90

#: What the console's figures read of a roll (the roster kept for the minute holds these columns).
_ROLL_FIGURE_FIELDS = ("id", "school_id", "date", "group_id", "club_id", "name", "starts_at", "ends_at", "status",
                       "venue__id", "venue__name", "teacher__id", "teacher__name", "teacher__username")


@dataclass
class DayRoster:
    """A school day's rolls (with venues and teachers, in the console's order; a roll cancelled by the
    calendar holds nobody and is left out) and who each of their groups and clubs holds, as columns:
    {group id: [(student id, weekdays)]}, {club id: [student id]}, {student id: (name, pinyin)}."""

    rolls: list[Roll]
    by_group: dict[int, list]
    by_club: dict[int, list]
    names: dict[int, tuple[str, str]]


def _read_roster(rolls: list[Roll]) -> DayRoster:
    """Who the rolls' groups and clubs hold (two queries at most)."""
    from clubs.models import ClubChoice
    from enrollment.models import Placement

    groups = {r.group_id for r in rolls if r.group_id}
    clubs = {r.club_id for r in rolls if r.club_id and not r.group_id}
    roster = DayRoster(rolls=rolls, by_group={g: [] for g in groups}, by_club={c: [] for c in clubs}, names={})
    if groups:
        for group_id, sid, days, name, pinyin in (
                Placement.objects.filter(active=True, group_id__in=list(groups)).order_by()
                .values_list("group_id", "application__student_id", "application__weekdays",
                             "application__student__name", "application__student__name_pinyin")):
            roster.names[sid] = (name, pinyin)
            roster.by_group[group_id].append((sid, days))
    if clubs:
        for club_id, sid, name, pinyin in (ClubChoice.objects.holding_seat().filter(club_id__in=list(clubs))
                                           .order_by().values_list("club_id", "student_id", "student__name",
                                                                   "student__name_pinyin")):
            roster.names[sid] = (name, pinyin)
            roster.by_club[club_id].append(sid)
    return roster


def _day_roster(school_id: int, date: datetime.date, *, minute: str | None = None) -> DayRoster:
    """The school day's rolls and who they hold (three queries at most).

    With `minute` (the refresh of the console's figures): the rolls' columns the figures show, kept
    in the cache with who they hold for that minute per school and date, shared by every reader. A
    day's rolls are made in the morning or when a weekend session opens and cancelled when the day
    becomes a holiday; placements and club seats change a few times a term and no write announces
    them to the console, whose body already shows them at most a minute late
    (attendance/console_cache.py). Around 16:00 the day's marks change every few seconds, so the
    refresh would otherwise read all of this again for each; it reads the marks at once."""
    from django.core.cache import cache

    rolls = (Roll.objects.filter(school_id=school_id, date=date).exclude(status=Roll.Status.CANCELLED)
             .select_related("venue", "teacher").order_by("starts_at", "name", "pk"))
    if minute is None:
        return _read_roster(list(rolls))
    return cache.get_or_set(f"attendance:roster:{school_id}:{date.isoformat()}:{minute}",
                            lambda: _read_roster(list(rolls.only(*_ROLL_FIGURE_FIELDS))), ROSTER_SECONDS)


@dataclass(frozen=True)
class ChildName:
    """A child as the console's figures know it (`day_state(figures_only=True)`): the id and the
    names, without building a Student for each of a school day's hundreds (335 at the generated
    city's biggest school: 1.5-1.9 ms of a refresh of 10-14 ms)."""
    pk: int
    name: str
    name_pinyin: str


def _day_children(roster: DayRoster, *, as_students: bool = True
                  ) -> tuple[dict[int, list[int]], dict[int, dict[int, str]], dict[int, Student | ChildName]]:
    """What `roll_children` gives, read as columns for the console: the ids of each of the roster's
    rolls' children (sorted by pinyin), each roll's marks {student id: status} (the day's marks read
    once), and the children as Students with only id, name and name_pinyin (`as_students=False`:
    as `ChildName`s). Two queries, no per-row join objects."""
    rolls = roster.rolls
    ids: dict[int, set[int]] = {r.pk: set() for r in rolls}
    marks: dict[int, dict[int, str]] = {r.pk: {} for r in rolls}
    names = dict(roster.names)
    for r in rolls:
        if r.group_id:
            ids[r.pk].update(sid for sid, days in roster.by_group[r.group_id] if _meets(days, r.date))
        elif r.club_id:
            ids[r.pk].update(roster.by_club[r.club_id])
    if rolls:
        # The marks alone, then the names of marked children no placement or choice above named (a
        # child who left the group after the mark; usually none). Joined to the students, the marks
        # were hashed against all of a city's students (PostgreSQL's default costs prefer a hash join
        # to 450 index lookups): 21-25 ms against 1 ms at scale 1.0.
        for roll_id, sid, status in Mark.objects.filter(roll__in=rolls).order_by().values_list(
                "roll_id", "student_id", "status"):
            ids[roll_id].add(sid)
            marks[roll_id][sid] = status
        unnamed = {sid for by_roll in marks.values() for sid in by_roll} - names.keys()
        for sid, name, pinyin in Student.objects.filter(pk__in=list(unnamed) or [0]).order_by().values_list(
                "id", "name", "name_pinyin"):
            names[sid] = (name, pinyin)
    db = Student.objects.db
    order = [f.attname for f in Student._meta.concrete_fields if f.attname in _STUDENT_COLUMNS]
    students = {}
    for sid in set().union(*ids.values()):
        name, pinyin = names[sid]
        if not as_students:
            students[sid] = ChildName(sid, name, pinyin)
            continue
        row = {"id": sid, "name": name, "name_pinyin": pinyin}
        students[sid] = Student.from_db(db, order, [row[a] for a in order])
    children = {pk: sorted(kids, key=lambda sid: (names[sid][1], sid)) for pk, kids in ids.items()}
    return children, marks, students


def day_state(*, school: School, date: datetime.date, now: datetime.datetime | None = None,
              with_guardians: bool = False, figures_only: bool = False) -> DayState:
    """Everything the duty leader's console shows, in a fixed number of queries. The children, marks
    and releases are read as columns (a school day holds hundreds of children): no placement,
    application or mark objects are built, and the day's marks are read once.

    `figures_only`: what the console's figures and sessions need (the refresh of
    `_console_live.html`): the rolls, children, marks, leave and custody, without the venues'
    headcount, the close, the rota, the refused pickups and the follow-ups (left empty); each
    child's `student` is a `ChildName` (id and names), not a Student."""
    now = timezone.localtime(now or timezone.now())
    now_time = now.time() if date == now.date() else (None if date > now.date() else datetime.time.max)
    # the refresh of the figures reads the rolls and who they hold as kept for the minute
    roster = _day_roster(school.pk, date, minute=now.strftime("%Y%m%d%H%M") if figures_only else None)
    rolls = roster.rolls
    children, marks_by_roll, students = _day_children(roster, as_students=not figures_only)
    # The figures need a child's leave only where the child is marked absent (an absence without
    # leave); the panels show it for every child.
    asked = ({sid for by_roll in marks_by_roll.values() for sid, status in by_roll.items()
              if status == Mark.Status.ABSENT} if figures_only else students)
    leaves = {lv.student_id: lv for lv in Leave.objects.active().filter(date=date, student_id__in=list(asked) or [0])
              .order_by()}
    custody = day_custody(school_id=school.pk, date=date)
    releases = custody.releases
    states: dict[int, ChildState] = {}
    roll_states = []
    absences = []
    for roll in rolls:
        rs = RollState(roll=roll, expected=len(children[roll.pk]))
        roll_marks = marks_by_roll[roll.pk]
        for sid in children[roll.pk]:
            cs = states.get(sid)
            if cs is None:
                cs = states[sid] = ChildState(student=students[sid], leave=leaves.get(sid), released=releases.get(sid),
                                              handed_to=custody.holders.get(sid))
            status = roll_marks.get(sid)
            if status is None:
                rs.unmarked += 1
                continue
            cs.marks.append((roll, status))
            if status in HELD_STATUSES:
                rs.present += 1
                if cs.released:
                    rs.released += 1
                else:
                    rs.held += 1
            elif status == Mark.Status.LEAVE:
                rs.leave += 1
            else:
                rs.absent += 1
                if cs.leave is None:
                    absences.append((roll, cs.student))
        roll_states.append(rs)
    for cs in states.values():
        cs.location = _location(cs.marks, now_time)
    late = []
    for cs in states.values():
        if cs.held and cs.location and cs.location.ends_at and now_time is not None and cs.location.ends_at < now_time:
            late.append(cs)
    if with_guardians and late:
        by_student = defaultdict(list)
        for g in (Guardianship.objects.active().filter(student_id__in=[c.student.pk for c in late])
                  .select_related("guardian").only("student_id", "relation", "guardian__name", "guardian__phone")):
            by_student[g.student_id].append(g)
        for cs in late:
            cs.guardians = by_student[cs.student.pk]
    late_pickups = sorted(late, key=lambda c: c.student.name_pinyin)
    if figures_only:
        return DayState(school=school, date=date, rolls=roll_states, children=states, absences=absences,
                        late_pickups=late_pickups, venues=[], closed=None, rota=None, refusals=[])
    venues: dict[str, list[ChildState]] = defaultdict(list)
    for cs in states.values():
        if cs.held:
            venues[cs.location.venue.name if cs.location and cs.location.venue else "-"].append(cs)
    return DayState(
        school=school, date=date, rolls=roll_states, children=states, absences=absences,
        late_pickups=late_pickups,
        venues=sorted(((k, sorted(v, key=lambda c: c.student.name_pinyin)) for k, v in venues.items())),
        closed=DayClose.objects.filter(school=school, date=date).select_related("closed_by").first(),
        rota=DutyRota.objects.filter(school=school, date=date).select_related("leader").first(),
        refusals=list(PickupRefusal.objects.filter(school=school, date=date).select_related("student",
                                                                                           "recorded_by")),
        follow_ups={f.student_id: f for f in AbsenceFollowUp.objects.filter(school=school, date=date)
                    .select_related("contacted", "recorded_by").order_by("at", "pk")},
    )


def held_children(*, school_id: int, date: datetime.date) -> list[tuple[Student, str]]:
    """Children present on a roll of the day and not released: (student, roll name)."""
    school = School.objects.get(pk=school_id)
    state = day_state(school=school, date=date)
    return [(c.student, c.location.name if c.location else "") for c in
            sorted(state.held, key=lambda c: c.student.name_pinyin)]


def guardian_phones(cs: ChildState, *, full: bool) -> list[tuple[str, str, str]]:
    """(name, relation, phone) of the guardians; the phone masked unless `full` (the duty leader)."""
    return [(g.guardian.name, g.get_relation_display(), g.guardian.phone if full else mask_phone(g.guardian.phone))
            for g in cs.guardians]


@dataclass(frozen=True)
class PickupOption:
    """One adult of a child's pickup list, as a button of the console: `value` is what the form sends
    (`guardian:<user id>` or `person:<id>`)."""
    value: str
    name: str
    relation: str
    phone: str  # masked


@dataclass
class PickupPlan:
    """A child's chosen way home, in words, and whether (and from when) the child may leave alone."""
    words: str
    alone: bool = False
    slot: datetime.time | None = None
    opens_later: bool = False


def pickup_options(*, school: School, date: datetime.date, student_ids) -> dict[int, list[PickupOption]]:
    """For the console's pickup panel: each held child's guardians who may pick up and authorised
    persons, with masked phones (two queries)."""
    from enrollment.models import AuthorisedPickupPerson

    out: dict[int, list] = defaultdict(list)
    relations = dict(Guardianship._meta.get_field("relation").flatchoices)
    # Two queries on every day, held children or not (an empty `__in` list would skip them): the
    # console's query count does not depend on the day (bench/ compares the city's with the demo's).
    ids = list(student_ids) or [0]
    for sid, guardian_id, name, relation, phone in (
            Guardianship.objects.active().filter(student_id__in=ids, may_pick_up=True)
            .order_by("pk").values_list("student_id", "guardian_id", "guardian__name", "relation", "guardian__phone")):
        out[sid].append(PickupOption(f"guardian:{guardian_id}", name, str(relations.get(relation, relation)),
                                     mask_phone(phone)))
    for sid, pk, name, relation, phone in (AuthorisedPickupPerson.objects.active().filter(student_id__in=ids)
                                           .order_by("pk").values_list("student_id", "pk", "name", "relation", "phone")):
        out[sid].append(PickupOption(f"person:{pk}", name, relation, mask_phone(phone)))
    return out


def pickup_plans(*, date: datetime.date, student_ids, options: dict[int, list[PickupOption]],
                 now: datetime.datetime | None = None) -> dict[int, PickupPlan]:
    """Each child's pickup plan in words ("监护人接" / "授权接送人：王奶奶（祖母）" / "17:00 自行离校"),
    from the placed application (one query)."""
    from django.utils.translation import gettext as _

    from enrollment.models import Application

    now = timezone.localtime(now or timezone.now())
    plans: dict[int, tuple[str, datetime.time | None]] = {}
    for sid, plan, slot in (Application.objects.filter(student_id__in=list(student_ids) or [0],
                                                       status=Application.Status.PLACED)
                            .order_by("term__start_date", "pk").values_list("student_id", "pickup_plan",
                                                                            "departure_time")):
        plans[sid] = (plan, slot)
    out = {}
    for sid in student_ids:
        plan, slot = plans.get(sid, (Application.Pickup.GUARDIAN, None))
        if plan == Application.Pickup.FLEXIBLE:
            if slot is None:
                words = _("Leaves alone")
            else:
                words = _("%(slot)s leaves alone") % {"slot": slot.strftime("%H:%M")}
            opens_later = slot is not None and (date > now.date() or (date == now.date() and now.time() < slot))
            out[sid] = PickupPlan(words, alone=True, slot=slot, opens_later=opens_later)
        elif plan == Application.Pickup.AUTHORISED:
            persons = [f"{o.name}（{o.relation}）" for o in options.get(sid, []) if o.value.startswith("person:")]
            out[sid] = PickupPlan(_("Authorised pickup person: %(names)s") % {"names": "、".join(persons) or "—"})
        else:
            out[sid] = PickupPlan(_("Picked up by a guardian"))
    return out


def guardians_of(student_ids) -> dict[int, list[tuple[int, str, str]]]:
    """(guardian user id, name, relation) of each child's active guardians, for the follow-up form.
    Always one query, with or without children: the console takes the same number of queries on
    every school and day (bench/: the city's pages are compared with the demo's)."""
    out: dict[int, list] = defaultdict(list)
    relations = dict(Guardianship._meta.get_field("relation").flatchoices)
    # An empty `__in` list would skip the query altogether; no student has the id 0.
    ids = list(student_ids) or [0]
    for sid, gid, name, relation in (Guardianship.objects.active().filter(student_id__in=ids).order_by("pk")
                                     .values_list("student_id", "guardian_id", "guardian__name", "relation")):
        out[sid].append((gid, name, str(relations.get(relation, relation))))
    return out


def day_figures(state: DayState) -> list[tuple[str, int]]:
    """The day's figures the close confirm lists."""
    from django.utils.translation import gettext as _

    present = [c for c in state.children.values() if c.present]
    released = [c for c in present if c.released]
    alone = [c for c in released if c.released.kind == CustodyEvent.Kind.FLEXIBLE_DEPARTURE]
    return [
        (_("Rolls"), len(state.rolls)),
        (_("Children present"), len(present)),
        (_("Picked up by an adult of the list"), len(released) - len(alone)),
        (_("Left alone per plan"), len(alone)),
        (_("Absent without leave (followed up)"), len(state.absent_children)),
        (_("Refused pickups"), len(state.refusals)),
    ]


# --- the principal's overview ------------------------------------------------------------------
def overview(*, user, school: School, date: datetime.date) -> dict:
    from safety.selectors import incident_list

    state = day_state(school=school, date=date)
    start = timezone.make_aware(datetime.datetime.combine(date, datetime.time.min))
    incidents = list(incident_list(user=user, school_id=school.pk)
                     .filter(occurred_at__gte=start, occurred_at__lt=start + datetime.timedelta(days=1)))
    patrols = list(PatrolLog.objects.filter(school=school, date=date).select_related("venue", "recorded_by"))
    reached = day_deliveries(state)
    return {"state": state, "incidents": incidents, "patrols": patrols,
            "absences": [(roll, s, reached.absences.get(s.pk, [])) for roll, s in state.absences],
            "refusals": [(r, reached.refusals.get(r.pk, [])) for r in state.refusals]}


def absence_notice_key(roll_id: int, student_id: int) -> str:
    """The dedupe key of the guardians' notice of an absence without leave (one per roll and child)."""
    return f"attendance.absent:{roll_id}:{student_id}"


def refusal_notice_key(refusal_id: int) -> str:
    """The dedupe key of the guardians' notice of a refused pickup (the duty leader's has its own)."""
    return f"attendance.refusal:{refusal_id}:guardians"


@dataclass
class DayDeliveries:
    """How the day's urgent notices reached each guardian: per child absent without leave and per
    refused pickup, a list of `notices.selectors.GuardianDelivery` (empty: nothing was written)."""

    absences: dict[int, list] = field(default_factory=dict)
    refusals: dict[int, list] = field(default_factory=dict)


def day_deliveries(state: DayState) -> DayDeliveries:
    """The delivery lines of a day's absences and refusals: one query for both, also on a day with
    neither (a page costs the same queries every day)."""
    from notices.selectors import delivery_states

    keys: dict[str, tuple[str, int]] = {absence_notice_key(roll.pk, s.pk): ("absent", s.pk)
                                        for roll, s in state.absences}
    keys.update({refusal_notice_key(r.pk): ("refusal", r.pk) for r in state.refusals})
    out = DayDeliveries()
    for (what, pk), guardians in delivery_states(keys).items():
        (out.absences if what == "absent" else out.refusals)[pk] = guardians
    return out


def my_rolls_today(*, user, date: datetime.date) -> QuerySet[Roll]:
    return (Roll.objects.visible_to(user).filter(teacher=user, date=date).exclude(status=Roll.Status.CANCELLED)
            .select_related("venue", "school").order_by("starts_at", "name", "pk"))


def guardian_leaves(*, user) -> list[dict]:
    children = list(Student.objects.filter(guardianships__guardian=user, guardianships__active=True)
                    .prefetch_related(Prefetch("leaves", queryset=Leave.objects.active().filter(
                        date__gte=timezone.localdate()).order_by("date"), to_attr="upcoming_leaves"))
                    .order_by("name_pinyin", "pk"))
    return children


def staff_of_school(school: School, *roles: str):
    from django.contrib.auth import get_user_model

    from accounts.models import RoleAssignment

    ids = RoleAssignment.objects.active().filter(school=school, role__in=roles or (Role.TEACHER,)).values("user_id")
    return get_user_model().objects.filter(pk__in=ids).order_by("name", "pk")


# --- sessions held (for teacher hours) and a child's data (PIPL download) ----------------------
def school_for_hours(*, user, school_id) -> School:
    """The school of a teacher-hours request: 400 without one, 404 when the user does not see it."""
    from rest_framework.exceptions import ValidationError

    if school_id in (None, ""):
        raise ValidationError({"school": [_("Say which school.")]})
    pk = parse_id(school_id)
    school = School.objects.visible_to(user).filter(pk=pk).first() if pk is not None else None
    if school is None:
        raise Http404
    return school


def hours_teacher_filter(*, user, school: School) -> int | None:
    """Whose hours the user may read at the school: None for everyone's (the school's principal and
    teaching-affairs office, its district, the bureau), the user's own id for a teacher; otherwise
    PermissionDenied (403: the school is visible, the figures are not)."""
    from django.core.exceptions import PermissionDenied

    scope = scope_of(user)
    if (scope.sees_city or school.pk in scope.schools_with(Role.PRINCIPAL, Role.ACADEMIC)
            or (school.district_id is not None and school.district_id in scope.district_ids)):
        return None
    if school.pk in scope.schools_with(Role.TEACHER, Role.HOMEROOM):
        return scope.user_id
    raise PermissionDenied(_("Only the teaching-affairs office, the principal, the district and the bureau see "
                             "teachers' hours; a teacher sees their own."))


def held_hours(*, school_id: int, date_from: datetime.date, date_to: datetime.date) -> list[dict]:
    """Service hours per teacher per month from the rolls actually held (submitted) between two
    dates, the rolls' own minutes. One query. `attendance.hours.teacher_hours` builds on the same
    rule with the plan's cap, planned sessions from the calendar and the split by kind."""
    rows: dict[tuple[int, str], dict] = {}
    rolls = (Roll.objects.filter(school_id=school_id, date__gte=date_from, date__lte=date_to,
                                 status=Roll.Status.SUBMITTED, teacher__isnull=False,
                                 starts_at__isnull=False, ends_at__isnull=False)
             .select_related("teacher").order_by("date", "pk"))
    for r in rolls:
        minutes = (r.ends_at.hour * 60 + r.ends_at.minute) - (r.starts_at.hour * 60 + r.starts_at.minute)
        key = (r.teacher_id, f"{r.date:%Y-%m}")
        row = rows.setdefault(key, {"teacher_id": r.teacher_id, "teacher": r.teacher.name or r.teacher.username,
                                    "month": key[1], "sessions": 0, "minutes": 0, "basis": "held"})
        row["sessions"] += 1
        row["minutes"] += max(minutes, 0)
    out = sorted(rows.values(), key=lambda r: (r["teacher"], r["teacher_id"], r["month"]))
    for row in out:
        row["hours"] = round(row["minutes"] / 60, 2)
    return out


def child_data(student: Student) -> dict:
    """What attendance holds about a child, for the guardian's data download (privacy registry)."""
    return {
        "marks": [{"date": m.roll.date.isoformat(), "session": m.roll.name, "status": m.status,
                   "marked_at": m.marked_at.isoformat()}
                  for m in Mark.objects.filter(student=student).select_related("roll").order_by("roll__date")],
        "leave": [{"date": lv.date.isoformat(), "reason": lv.reason, "cancelled": lv.cancelled_at is not None}
                  for lv in Leave.objects.filter(student=student).order_by("date")],
        "handovers": [{"date": e.date.isoformat(), "kind": e.kind, "to": e.to_name, "relation": e.relation,
                       "at": e.at.isoformat()}
                      for e in CustodyEvent.objects.filter(student=student).order_by("at")],
        "pickup_codes": [{"date": c.date.isoformat(), "for": c.pickup_person.name if c.pickup_person_id
                          else (c.guardian.name if c.guardian_id else ""), "used": c.used_event_id is not None}
                         for c in PickupCode.objects.filter(student=student).select_related("guardian", "pickup_person")
                         .order_by("date", "pk")],
    }


def child_scrub(student: Student) -> None:
    """Retention: a departed child's leave reasons (free text a guardian wrote) are cleared."""
    Leave.objects.filter(student=student).exclude(reason="").update(reason="")


# --- a child's day for the guardians (issue 19): attendance/today.py ----------------------------
from .today import child_today, children_today, children_today_cached  # noqa: E402, F401


# --- handovers on the tablet (issue 18, item 4) ------------------------------------------------
@dataclass
class Holder:
    """Who holds a child now, from the day's custody events: the last handover (not corrected)."""
    user_id: int | None
    name: str
    at: datetime.datetime


@dataclass
class DayCustody:
    """The day's custody events of some children, read once: the first release of each and the
    last handover (the holder now)."""
    releases: dict[int, Release] = field(default_factory=dict)
    holders: dict[int, Holder] = field(default_factory=dict)
    last_at: dict[int, datetime.datetime] = field(default_factory=dict)


def day_custody(*, school_id: int, date: datetime.date, student_ids=None) -> DayCustody:
    """One query: the day's custody events of the school (of `student_ids` only, when given)."""
    out = DayCustody()
    qs = CustodyEvent.objects.filter(school_id=school_id, date=date, corrected_by__isnull=True)
    if student_ids is not None:
        qs = qs.filter(student_id__in=list(student_ids) or [0])
    for sid, at, kind, to_user_id, to_name, relation in qs.order_by("at", "pk").values_list(
            "student_id", "at", "kind", "to_user_id", "to_name", "relation"):
        out.last_at[sid] = at
        if kind in CustodyEvent.RELEASES:
            out.releases.setdefault(sid, Release(at=at, kind=kind, to_name=to_name, relation=relation))
        else:
            out.holders[sid] = Holder(user_id=to_user_id, name=to_name, at=at)
    return out


@dataclass
class HandoverTarget:
    """Where the source's children may go: another roll of the day (its teacher preselected) or a
    colleague (the whole group; the colleague becomes the roll's substitute for the day)."""
    key: str  # "roll:<id>" or "colleague"
    kind: str  # a CustodyEvent.Kind
    label: str
    roll: Roll | None
    teacher_id: int | None
    student_ids: frozenset[int]

    @property
    def substitute(self) -> bool:
        return self.key == "colleague"


@dataclass
class HandoverChild:
    student: Student
    #: why the child cannot be handed over by this source now (empty when they can)
    reason: str = ""

    @property
    def ticked(self) -> bool:
        return not self.reason


@dataclass
class HandoverScreen:
    school: School
    date: datetime.date
    source_kind: str  # "class" or "roll"
    source: object  # HomeroomClass or Roll
    #: the teacher holding the source's children (the homeroom teacher, the roll's teacher)
    holder: object | None
    targets: list[HandoverTarget]
    target: HandoverTarget | None
    children: list[HandoverChild]
    teachers: list

    @property
    def source_name(self) -> str:
        return self.source.name

    @property
    def ticked_count(self) -> int:
        return sum(1 for c in self.children if c.ticked)


HANDOVER_SOURCES = ("class", "roll")


def _may_hand_over(scope, *, holder_id, school_id, date) -> bool:
    """The teacher holding the children, the school's principal, the day's rostered duty leader
    (recording for an absent colleague) and the system administrator."""
    if scope.is_admin or school_id in scope.schools_with(Role.PRINCIPAL):
        return True
    if holder_id is not None and holder_id == scope.user_id:
        return True
    if school_id in scope.schools_with(Role.DUTY_LEADER):
        return DutyRota.objects.filter(school_id=school_id, date=date, leader_id=scope.user_id).exists()
    return False


def _handover_source(*, user, source_kind: str, pk, date: datetime.date):
    """The class or the roll of the day whose children the user may hand over; 404 otherwise
    (out of scope, another day's roll, or someone who neither holds the children nor runs the day)."""
    from schools.models import HomeroomClass

    scope = scope_of(user)
    if source_kind == "class":
        source = get_for_user(HomeroomClass.objects.select_related("school", "homeroom_teacher")
                              .filter(active=True), user, pk)
        holder = source.homeroom_teacher
    elif source_kind == "roll":
        source = get_for_user(Roll.objects.select_related("school", "venue", "teacher")
                              .exclude(status=Roll.Status.CANCELLED), user, pk)
        if source.date != date:
            raise Http404
        holder = source.teacher
    else:
        raise Http404
    if not _may_hand_over(scope, holder_id=holder.pk if holder else None, school_id=source.school_id, date=date):
        raise Http404
    return source, holder


def handover_screen(*, user, source_kind: str, pk, target_key: str = "",
                    date: datetime.date | None = None) -> HandoverScreen:
    """The tablet's handover screen: the source (a homeroom class or a roll of today), where its
    children may go (the day's other rolls they are on, or a colleague), and the children of the
    chosen target, each ticked unless they cannot be handed over (on leave, absent, released, or
    held by someone else now). A fixed number of queries whatever the number of children."""
    from django.utils.translation import gettext as _

    date = date or timezone.localdate()
    source, holder = _handover_source(user=user, source_kind=source_kind, pk=pk, date=date)
    school = source.school
    rolls = list(Roll.objects.filter(school=school, date=date).exclude(status=Roll.Status.CANCELLED)
                 .select_related("teacher", "venue").order_by("starts_at", "name", "pk"))
    children = roll_children(rolls)
    students: dict[int, Student] = {}
    targets: list[HandoverTarget] = []

    def roll_label(r: Roll) -> str:
        when = f"{r.starts_at:%H:%M} " if r.starts_at else ""
        teacher = f" · {r.teacher.name or r.teacher.username}" if r.teacher else ""
        return f"{when}{r.name}{teacher}"

    if source_kind == "class":
        for r in rolls:
            if r.kind != Roll.Kind.GROUP:
                continue
            mine = [s for s in children[r.pk] if s.homeroom_class_id == source.pk]
            if mine:
                students.update({s.pk: s for s in mine})
                targets.append(HandoverTarget(f"roll:{r.pk}", CustodyEvent.Kind.CLASS_TO_GROUP, roll_label(r), r,
                                              r.teacher_id, frozenset(s.pk for s in mine)))
    else:
        own = {s.pk: s for s in children[source.pk]}
        students.update(own)
        want = Roll.Kind.CLUB if source.kind == Roll.Kind.GROUP else Roll.Kind.GROUP
        kind = CustodyEvent.Kind.GROUP_TO_CLUB if want == Roll.Kind.CLUB else CustodyEvent.Kind.TEACHER_TO_TEACHER
        for r in rolls:
            if r.pk == source.pk or r.kind != want:
                continue
            overlap = frozenset(s.pk for s in children[r.pk] if s.pk in own)
            if overlap:
                targets.append(HandoverTarget(f"roll:{r.pk}", kind, roll_label(r), r, r.teacher_id, overlap))
        targets.append(HandoverTarget("colleague", CustodyEvent.Kind.TEACHER_TO_TEACHER,
                                      _("The whole group to a colleague"), source, None, frozenset(own)))
    target = next((t for t in targets if t.key == target_key), None)
    if target is None and not target_key and len(targets) == 1:
        target = targets[0]
    listed = sorted((students[sid] for sid in (target.student_ids if target else ())),
                    key=lambda s: (s.name_pinyin, s.pk))
    ids = [s.pk for s in listed]
    custody = day_custody(school_id=school.pk, date=date, student_ids=ids)
    leaves = set(Leave.objects.active().filter(date=date, student_id__in=ids or [0])
                 .values_list("student_id", flat=True))
    marks: dict[int, str] = {}
    if source_kind == "roll":
        marks = dict(Mark.objects.filter(roll=source, student_id__in=ids or [0]).values_list("student_id", "status"))
    holder_id = holder.pk if holder else None
    rows = []
    for s in listed:
        reason = ""
        released = custody.releases.get(s.pk)
        now_holder = custody.holders.get(s.pk)
        if released:
            reason = _("Left at %(at)s (%(to)s)") % {"at": timezone.localtime(released.at).strftime("%H:%M"),
                                                     "to": released.to_name}
        elif s.pk in leaves or marks.get(s.pk) == Mark.Status.LEAVE:
            reason = _("On leave today")
        elif marks.get(s.pk) == Mark.Status.ABSENT:
            reason = _("Marked absent")
        elif now_holder is not None and now_holder.user_id != holder_id:
            reason = _("With %(name)s since %(at)s") % {"name": now_holder.name,
                                                        "at": timezone.localtime(now_holder.at).strftime("%H:%M")}
        rows.append(HandoverChild(student=s, reason=reason))
    teachers = [t for t in staff_of_school(school, Role.TEACHER, Role.HOMEROOM) if t.pk != holder_id]
    return HandoverScreen(school=school, date=date, source_kind=source_kind, source=source, holder=holder,
                          targets=targets, target=target, children=rows, teachers=teachers)


def handover_classes(*, user) -> list[tuple[int, str]]:
    """The user's homeroom classes, whose service children the teacher's today page offers to hand
    over (`(id, name)`; a roll's handover is on the roll's card). One query."""
    from schools.models import HomeroomClass

    scope = scope_of(user)
    return list(HomeroomClass.objects.filter(pk__in=scope.homeroom_class_ids or [0], active=True)
                .order_by("name", "pk").values_list("pk", "name"))


# --- flexible departure (弹性离校, issue 18, item 5) --------------------------------------------
#: The times offered to guardians while a school has set no departure slots of its own for the term.
DEFAULT_DEPARTURE_SLOTS = tuple(datetime.time(h, m) for h, m in ((16, 0), (16, 30), (17, 0), (17, 30), (18, 0)))


def departure_slots(*, school_id: int, term_id: int) -> list[datetime.time]:
    """The school's departure slots of the term (empty when it has set none). One query."""
    from .models import DepartureSlot

    return list(DepartureSlot.objects.filter(school_id=school_id, term_id=term_id, active=True)
                .order_by("time").values_list("time", flat=True))


def departure_choices(*, school_id: int, term_id: int) -> list[datetime.time]:
    """The times a guardian may choose for flexible departure: the school's slots of the term, or
    `DEFAULT_DEPARTURE_SLOTS` while it has set none."""
    return departure_slots(school_id=school_id, term_id=term_id) or list(DEFAULT_DEPARTURE_SLOTS)


#: A child due to leave alone at a slot and still held this long after it is overdue (the alert).
DEPARTURE_GRACE = datetime.timedelta(minutes=15)


@dataclass
class DepartureBoard:
    """The console's flexible departures: the next slot of the children still held who may leave
    alone, those due then, and those whose slot has passed (overdue once `DEPARTURE_GRACE` is over)."""
    next_slot: datetime.time | None = None
    due: list = field(default_factory=list)  # ChildState, in pinyin order
    passed: list = field(default_factory=list)  # (ChildState, slot, overdue)


def departure_board(*, date: datetime.date, held, plans: dict, now: datetime.datetime | None = None
                    ) -> DepartureBoard:
    """From the console's held children and their pickup plans (no query). Only for today."""
    now = timezone.localtime(now or timezone.now())
    board = DepartureBoard()
    if date != now.date():
        return board
    alone = [(cs, plans[cs.student.pk].slot) for cs in held
             if cs.student.pk in plans and plans[cs.student.pk].alone and plans[cs.student.pk].slot]
    later = sorted({slot for _cs, slot in alone if slot > now.time()})
    board.next_slot = later[0] if later else None
    board.due = [cs for cs, slot in alone if slot == board.next_slot]
    overdue_from = (now - DEPARTURE_GRACE).time() if (now - DEPARTURE_GRACE).date() == date else datetime.time.min
    board.passed = sorted(((cs, slot, slot <= overdue_from) for cs, slot in alone if slot <= now.time()),
                          key=lambda row: (row[1], row[0].student.name_pinyin))
    return board


# --- the teacher's today page (issue 18, item 9) ---------------------------------------------------
@dataclass
class DayTimetable:
    """The day's sessions of the user's school(s) from the clubs timetable (groups and clubs), the
    timetable of the calendar's weekday (a make-up day follows another weekday's)."""
    weekday: int | None
    entries: list
    school_ids: list[int]


def day_timetable(*, user, date: datetime.date) -> DayTimetable | None:
    """None for someone who is no staff of a school. A fixed number of queries."""
    from clubs.selectors import timetable
    from enrollment.bookings import TIMETABLE_LABELS
    from schools.calendar import day_info
    from schools.models import Term

    school_ids = sorted(scope_of(user).staff_school_ids)
    if not school_ids:
        return None
    term = Term.objects.filter(start_date__lte=date, end_date__gte=date).first()
    if term is None:
        return DayTimetable(weekday=None, entries=[], school_ids=school_ids)
    day = day_info(school_id=school_ids[0], date=date)
    if day.weekday is None:
        return DayTimetable(weekday=None, entries=[], school_ids=school_ids)
    other_season = f"({TIMETABLE_LABELS[not term.is_summer(date)]})"
    entries = [e for e in timetable(term=term, school_ids=school_ids).get(day.weekday, [])
               if not e.booking.label.endswith(other_season)]
    return DayTimetable(weekday=day.weekday, entries=entries, school_ids=school_ids)
