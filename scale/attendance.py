"""A term of attendance for the generated city: rolls, marks, leave, custody events, the duty rota,
patrol notes, day closes and the absence notices, as `attendance.services` would have written them.

Registered in `scale.generator.EXTENSIONS` (see `scale/apps.py`), so `manage.py seed_city` runs it
after the base city. Every service day of the term is generated, the days after `today` included,
so that the tables hold a whole term (18 weeks) of rows. What the services guarantee is kept by
construction (and checked by tests/scale/):

- one roll per active after-school or noon group and service day (the plan's school days, minus
  public holidays), with the plan's window of the day's timetable (summer/winter), the group's
  teacher and venue; a roll is submitted once every child on it has a mark; a few are left open
  and unmarked (*rolls not taken*);
- one mark per child placed in the group (application weekdays) per roll: present most days, some
  late (after-school only), absent or on leave; a child on leave has a `Leave` reported the evening
  before by a guardian; `client_id` is unique per roll and child, `marked_by` the roll's teacher;
- a child is held from a present/late mark until released: one `pickup` (by a guardian who may pick
  up, or by the child's authorised pickup person) or one `flexible_departure` (only when the placed
  application's pickup plan chose it) per held child and day, after the after-school window, a few
  of them after the term's latest end (late pickups);
- the duty leader (the school's duty-leader role holder) is on the rota on nearly every service day
  and closes the day after the last release; on a few days one or two releases were not recorded,
  the day is not closed, and the principal got the 18:30 alert;
- each absence without leave notifies the child's guardians once per roll (the dedupe key of
  `absences_notify`).

Then each school's day totals (`attendance.DayTotal`, what the weekly report reads), by
`attendance.totals` as the nightly task and the day close write them: every day before `today`,
and `today` where it was closed; none after `today`.

Club rolls are not generated: the generated city has no club members yet. History tables are not
filled (the generated rows have no past). Marks, custody events, leave and notices go in with
PostgreSQL COPY (`scale.loader`); rolls get their ids from the sequence first.
"""
from __future__ import annotations

import random
import time
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import RoleAssignment
from accounts.roles import Role
from attendance import totals
from attendance.models import CustodyEvent, DayClose, DayTotal, DutyRota, Leave, Mark, PatrolLog, Roll
from clubs.models import ReviewStatus, ServicePlan
from enrollment.models import Application, AuthorisedPickupPerson, Placement, ServiceGroup
from notices.models import Notification
from schools.models import Guardianship, Student, Venue

from .loader import NULL, Loader, text

#: How a child's service day goes (fractions of child-days); leave and absence vary by school.
PRESENT, LATE, ABSENT, LEAVE = Mark.Status.PRESENT, Mark.Status.LATE, Mark.Status.ABSENT, Mark.Status.LEAVE
RATE_LATE = 0.02
RATE_ABSENT = 0.015
RATE_LEAVE = 0.03
#: Rolls left open and unmarked; days without a duty rota; days left open with releases missing.
RATE_ROLL_NOT_TAKEN = 0.002
RATE_NO_ROTA = 0.01
RATE_NOT_CLOSED = 0.01
#: Pickups after the term's latest end (18:00).
RATE_LATE_PICKUP = 0.015
#: Placed applications whose pickup plan is flexible departure; children with an authorised person.
RATE_FLEXIBLE = 0.06
RATE_PICKUP_PERSON = 0.1
PERSON_PICKS_UP = 0.3
#: Fixed public holidays inside a term (month, day): no service.
HOLIDAYS = {(1, 1), (1, 2), (1, 3), (10, 1), (10, 2), (10, 3), (10, 4), (10, 5), (10, 6), (10, 7), (5, 1)}
LEAVE_REASONS = ["看病", "身体不适", "家中有事", "外出就医", "参加比赛"]
PATROL_NOTES = ["各活动室秩序良好，学生均在指定场地。", "操场活动正常，护导老师在岗。",
                "校门口接送秩序良好。", "发现一名学生独自在走廊，已送回所在班组。", "图书馆安静有序。"]
PERSONS = [("奶奶", "祖母"), ("爷爷", "祖父"), ("外婆", "外祖母"), ("外公", "外祖父"), ("阿姨", "亲属")]

MARK_COLS = ("roll_id", "student_id", "status", "client_id", "marked_at", "marked_by_id", "received_at")
ROLL_COLS = ("school_id", "date", "kind", "session", "group_id", "club_id", "club_slot_id", "name", "starts_at",
             "ends_at", "venue_id", "teacher_id", "status", "submitted_at", "submitted_by_id", "created_at")
CUSTODY_COLS = ("school_id", "student_id", "date", "kind", "from_user_id", "to_user_id", "pickup_person_id",
                "to_name", "relation", "roll_id", "at", "recorded_by_id", "created_at", "correction_reason")
LEAVE_COLS = ("student_id", "date", "reason", "reported_by_id", "reported_at", "cancelled_at")
NOTICE_COLS = ("recipient_id", "kind", "title", "body", "link", "must_read", "created_at", "read_at", "emailed_at",
               "dedupe_key")
CLOSE_COLS = ("school_id", "date", "closed_by_id", "closed_at")
ROTA_COLS = ("school_id", "date", "leader_id")
PATROL_COLS = ("school_id", "date", "at", "venue_id", "place", "note", "recorded_by_id")


def minutes(t) -> int:
    return t.hour * 60 + t.minute


class AttendanceGenerator:
    def __init__(self, gen):
        self.gen = gen
        self.term = gen.term
        self.rng = random.Random(f"attendance:{getattr(gen, 'seed', 0)}")
        self.loader = Loader()
        tz = timezone.get_current_timezone()
        self._tz = tz

    # --- formatting ------------------------------------------------------------------------------
    def offset(self, day: date) -> str:
        off = datetime.combine(day, datetime.min.time(), tzinfo=self._tz).utcoffset()
        total = int(off.total_seconds() // 60)
        sign = "+" if total >= 0 else "-"
        return f"{sign}{abs(total) // 60:02d}:{abs(total) % 60:02d}"

    @staticmethod
    def at(day_s: str, off: str, mins: int, secs: int = 0) -> str:
        return f"{day_s} {mins // 60:02d}:{mins % 60:02d}:{secs:02d}{off}"

    # --- inputs ----------------------------------------------------------------------------------
    def load_inputs(self) -> None:
        rng = self.rng
        term = self.term
        self.groups = list(ServiceGroup.objects.filter(term=term, status=ServiceGroup.Status.ACTIVE)
                           .order_by("school_id", "session", "pk")
                           .values("pk", "school_id", "session", "teacher_id", "venue_id", "name", "weekdays"))
        self.plans = {}
        for plan in (ServicePlan.objects.filter(term=term, status=ReviewStatus.APPROVED)
                     .order_by("school_id", "revision")):
            self.plans[plan.school_id] = plan
        members = defaultdict(list)  # group -> [(student, weekdays)]
        apps = {}
        for group_id, student_id, app_id, weekdays, plan in (
                Placement.objects.filter(active=True, group__term=term)
                .order_by("group_id", "application__student_id")
                .values_list("group_id", "application__student_id", "application_id", "application__weekdays",
                             "application__pickup_plan")):
            members[group_id].append((student_id, frozenset(weekdays or [1, 2, 3, 4, 5])))
            apps[student_id] = (app_id, plan)
        self.members = members
        # Flexible departure: a few placed applications chose it (the pickup plan of the application).
        flexible = [app_id for sid, (app_id, plan) in sorted(apps.items())
                    if plan == Application.Pickup.FLEXIBLE or rng.random() < RATE_FLEXIBLE]
        for i in range(0, len(flexible), 5000):
            Application.objects.filter(pk__in=flexible[i:i + 5000]).update(
                pickup_plan=Application.Pickup.FLEXIBLE, departure_time="17:00")
        chosen = set(flexible)
        self.flexible = {sid for sid, (app_id, _plan) in apps.items() if app_id in chosen}
        # Guardians: who may pick up, and who is told of an absence.
        self.guardians = defaultdict(list)  # student -> [(guardian id, name, relation label, may pick up)]
        with translation.override("zh-hans"):
            labels = {k: str(v) for k, v in Guardianship.Relation.choices}
        for student_id, guardian_id, name, relation, may in (
                Guardianship.objects.filter(active=True, student_id__in=list(apps)).order_by("student_id", "pk")
                .values_list("student_id", "guardian_id", "guardian__name", "relation", "may_pick_up")):
            self.guardians[student_id].append((guardian_id, text(name or ""), labels.get(relation, relation), may))
        # Authorised pickup persons (a grandparent, say) for some children, added by a guardian.
        persons = []
        for student_id in sorted(apps):
            gs = self.guardians.get(student_id)
            if gs and rng.random() < RATE_PICKUP_PERSON:
                who, relation = rng.choice(PERSONS)
                self.gen._phone_seq += 1
                persons.append(AuthorisedPickupPerson(student_id=student_id, name=f"{self.gen.name()[0]}{who}",
                                                      relation=relation, phone=str(self.gen._phone_seq)[-11:],
                                                      added_by_id=gs[0][0]))
        AuthorisedPickupPerson.objects.bulk_create(persons, batch_size=5000)
        self.gen.stats.rows["enrollment.AuthorisedPickupPerson"] += len(persons)
        self.person = {p.student_id: (p.pk, text(p.name), text(p.relation)) for p in persons}
        self.names = dict(Student.objects.filter(pk__in=list(apps)).values_list("pk", "name"))
        office = defaultdict(dict)
        for school_id, role, user_id in (RoleAssignment.objects.filter(
                active=True, role__in=[Role.DUTY_LEADER, Role.PRINCIPAL], school__isnull=False)
                .order_by("pk").values_list("school_id", "role", "user_id")):
            office[school_id].setdefault(role, user_id)
        self.office = office
        self.venues = defaultdict(list)
        for vid, school_id, name in Venue.objects.filter(active=True).order_by("pk").values_list(
                "pk", "school_id", "name"):
            self.venues[school_id].append((vid, text(name)))
        with translation.override("zh-hans"):
            self.msg_absent_title = _("%(child)s is absent from %(session)s today")
            self.msg_absent_body = _("%(child)s was marked absent on the roll of %(session)s on %(date)s without "
                                     "leave. Please contact the school if this is unexpected.")
            self.msg_unclosed = _("%(school)s: the day %(date)s has not been closed")
            self.flexible_name = str(_("Leaves alone (flexible departure)"))
        self.school_names = {s.pk: s.name for s in self.gen.school_list}
        # How often a school's children are absent or on leave: schools differ.
        self.school_factor = {s.pk: rng.uniform(0.5, 1.8) for s in self.gen.school_list}

    def service_days(self) -> list[date]:
        days, d = [], self.term.start_date
        while d <= self.term.end_date:
            if d.isoweekday() <= 5 and (d.month, d.day) not in HOLIDAYS:
                days.append(d)
            d += timedelta(days=1)
        return days

    # --- the run ---------------------------------------------------------------------------------
    def run(self) -> None:
        t0 = time.monotonic()
        self.load_inputs()
        self.gen.log(f"    attendance inputs: {len(self.groups)} groups, "
                     f"{sum(len(m) for m in self.members.values()):,} placements ({time.monotonic() - t0:.1f} s)")
        groups_by_school = defaultdict(list)
        for g in self.groups:
            groups_by_school[g["school_id"]].append(g)
        self.groups_by_school = groups_by_school
        days = self.service_days()
        if self.loader.pg:
            self.roll_ids = iter(self.loader.reserve_ids(Roll, self.count_rolls(days)))
        with self.loader.bulk_mode([Roll, Mark, CustodyEvent, Leave, Notification, DutyRota, DayClose, PatrolLog],
                                   log=self.gen.log):
            for day in days:
                self.one_day(day)
            self.loader.flush()
        for label, rows, secs in self.loader.report():
            self.gen.stats.rows[label] += rows
            self.gen.log(f"    {label}: {rows:,} rows, loaded in {secs:.1f} s"
                         + (f" ({rows / secs:,.0f} rows/s)" if secs else ""))
        total = sum(r for _l, r, _s in self.loader.report())
        took = time.monotonic() - t0
        self.gen.log(f"    attendance: {len(days)} service days, {total:,} rows in {took:.1f} s "
                     f"= {total / took:,.0f} rows/s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                for model in (Roll, Mark, CustodyEvent, Leave, DayClose, DutyRota, Notification):
                    cur.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        t1 = time.monotonic()
        written = self.day_totals(days)
        self.gen.stats.rows[DayTotal._meta.label] += written
        self.gen.log(f"    attendance.DayTotal: {written:,} rows (attendance.totals) in {time.monotonic() - t1:.1f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(f"ANALYZE {connection.ops.quote_name(DayTotal._meta.db_table)}")

    def day_totals(self, days) -> int:
        """The day totals the weekly report reads, written by production's own code as production
        would have written them: the nightly task's `totals.write_day` for every service day before
        `today` (every school with rolls that day, closed or not), and the day close's `totals.write`
        for the schools that closed `today`. The days after `today` get none: the generated term runs
        past it, but nothing is closed or written at night before the day has come."""
        written = 0
        for day in days:
            if day < self.gen.today:
                written += totals.write_day(date=day)
        closed_today = set(DayClose.objects.filter(date=self.gen.today).values_list("school_id", flat=True))
        if closed_today:
            written += totals.write(school_ids=closed_today, date=self.gen.today)
        return written

    def count_rolls(self, days) -> int:
        n = 0
        for day in days:
            summer = self.term.is_summer(day)
            for school in self.gen.school_list:
                plan = self.plans.get(school.pk)
                if plan is None or day.isoweekday() not in (plan.school_days or []):
                    continue
                windows = plan.windows(summer)
                n += sum(1 for g in self.groups_by_school.get(school.pk, ())
                         if day.isoweekday() in (g["weekdays"] or [])
                         and windows.get("noon" if g["session"] == "noon" else "after"))
        return n

    def one_day(self, day: date) -> None:  # noqa: C901 - one pass over the day, kept together for speed
        rng = self.rng
        L = self.loader
        term = self.term
        day_s = day.isoformat()
        off = self.offset(day)
        weekday = day.isoweekday()
        summer = term.is_summer(day)
        latest = minutes(term.latest_end) if not isinstance(term.latest_end, str) else 18 * 60
        leave_day_s = (day - timedelta(days=1)).isoformat()
        for school in self.gen.school_list:
            sid = school.pk
            plan = self.plans.get(sid)
            if plan is None or weekday not in (plan.school_days or []):
                continue
            windows = plan.windows(summer)
            office = self.office[sid]
            leader, principal = office.get(Role.DUTY_LEADER), office.get(Role.PRINCIPAL)
            on_rota = leader is not None and rng.random() >= RATE_NO_ROTA
            if on_rota:
                L.add(DutyRota, ROTA_COLS, (sid, day_s, leader))
            # The rolls of the day (ids first: marks and notices refer to them).
            rolls, roll_rows = [], []
            for g in self.groups_by_school.get(sid, ()):
                if weekday not in (g["weekdays"] or []):
                    continue
                window = windows.get("noon" if g["session"] == "noon" else "after")
                if not window:
                    continue
                start, end = minutes(window[0]), minutes(window[1])
                taken = rng.random() >= RATE_ROLL_NOT_TAKEN
                teacher = g["teacher_id"]
                submitted = self.at(day_s, off, start + rng.randint(8, 25), rng.randint(0, 59)) if taken else NULL
                rolls.append((g, start, end, taken))
                roll_rows.append((sid, day_s, Roll.Kind.GROUP, g["session"], g["pk"], NULL, NULL, text(g["name"]),
                                  f"{window[0]:%H:%M}", f"{window[1]:%H:%M}", g["venue_id"] or NULL, teacher or NULL,
                                  Roll.Status.SUBMITTED if taken else Roll.Status.OPEN, submitted,
                                  teacher if taken and teacher else NULL, self.at(day_s, off, 6 * 60 + 15)))
            if not rolls:
                continue
            if L.pg:  # ids reserved from the sequence up front; the rows go in with the next COPY
                ids = [next(self.roll_ids) for _ in roll_rows]
                L.extend(Roll, ("id", *ROLL_COLS), [(i, *row) for i, row in zip(ids, roll_rows, strict=True)])
            else:
                ids = L.insert_returning_ids(Roll, ROLL_COLS, roll_rows)
            # Each child's day: present, late, absent or on leave.
            factor = self.school_factor[sid]
            p_leave, p_absent = RATE_LEAVE * factor, RATE_ABSENT * factor
            status: dict[int, str] = {}
            held: dict[int, int] = {}  # child -> after-school end (minutes) of the roll holding them
            marks, events, notices = [], [], []
            rand = rng.random
            for (g, start, end, taken), roll_id in zip(rolls, ids, strict=True):
                if not taken:
                    continue
                teacher = g["teacher_id"]
                tap, tap_s = start + rng.randint(1, 6), rng.randint(0, 58)
                marked = self.at(day_s, off, tap, tap_s)
                received = self.at(day_s, off, tap, tap_s + 1)
                absent_at = self.at(day_s, off, start + rng.randint(10, 30), rng.randint(0, 59))
                noon = g["session"] == "noon"
                for student_id, weekdays in self.members.get(g["pk"], ()):
                    if weekday not in weekdays:
                        continue
                    st = status.get(student_id)
                    if st is None:
                        r = rand()
                        st = (LEAVE if r < p_leave else ABSENT if r < p_leave + p_absent
                              else LATE if r < p_leave + p_absent + RATE_LATE else PRESENT)
                        status[student_id] = st
                        if st == LEAVE:
                            gs = self.guardians.get(student_id)
                            if gs:
                                L.add(Leave, LEAVE_COLS, (student_id, day_s, rng.choice(LEAVE_REASONS), gs[0][0],
                                                          self.at(leave_day_s, off, 20 * 60 + rng.randint(0, 90)),
                                                          NULL))
                    mark = PRESENT if (st == LATE and noon) else st
                    marks.append((roll_id, student_id, mark, f"seed-{roll_id}-{student_id}", marked, teacher,
                                  received))
                    if mark in (PRESENT, LATE):
                        if not noon or student_id not in held:
                            held[student_id] = end if not noon else held.get(student_id, 0)
                    elif mark == ABSENT:
                        child = text(self.names.get(student_id, ""))
                        title = self.msg_absent_title % {"child": child, "session": text(g["name"])}
                        body = self.msg_absent_body % {"child": child, "session": text(g["name"]), "date": day_s}
                        for guardian_id, _n, _rel, _may in self.guardians.get(student_id, ()):
                            read = self.at(day_s, off, 19 * 60 + int(rand() * 181)) if rand() < 0.7 else NULL
                            notices.append((
                                guardian_id, "attendance.absent", title, body, "/attendance/leave/", "f" if L.pg else False,
                                absent_at, read, NULL, f"attendance.absent:{roll_id}:{student_id}"))
            # Releases: one per held child (pickup or flexible departure), after the after-school window.
            after_teacher = {}
            for (g, _s, _e, _t) in rolls:
                if g["session"] != "noon":
                    for student_id, _w in self.members.get(g["pk"], ()):
                        after_teacher[student_id] = g["teacher_id"]
            not_closed = rng.random() < RATE_NOT_CLOSED
            missing = set()
            if not_closed and held:
                missing = set(rng.sample(sorted(held), min(len(held), rng.randint(1, 2))))
            last = 0
            for student_id in sorted(held):
                if student_id in missing:
                    continue
                end = held[student_id] or 17 * 60 + 30
                recorder = after_teacher.get(student_id) or leader or principal
                if student_id in self.flexible:
                    mins = 17 * 60
                    row = (sid, student_id, day_s, CustodyEvent.Kind.FLEXIBLE_DEPARTURE, recorder, NULL, NULL,
                           self.flexible_name, "", NULL)
                else:
                    mins = (latest + 1 + int(rand() * 45) if rand() < RATE_LATE_PICKUP
                            else end - 1 - int(rand() * 25))
                    person = self.person.get(student_id)
                    gs = [g for g in self.guardians.get(student_id, ()) if g[3]]
                    if person and (not gs or rand() < PERSON_PICKS_UP):
                        row = (sid, student_id, day_s, CustodyEvent.Kind.PICKUP, recorder, NULL, person[0],
                               person[1], person[2], NULL)
                    elif gs:
                        guardian_id, name, relation, _may = gs[0] if len(gs) == 1 else rng.choice(gs)
                        row = (sid, student_id, day_s, CustodyEvent.Kind.PICKUP, recorder, guardian_id, NULL,
                               name, relation, NULL)
                    else:  # nobody on the child's list: the child is still held, the day cannot close
                        not_closed = True
                        continue
                at = self.at(day_s, off, mins, int(rand() * 60))
                last = max(last, mins)
                events.append((*row, at, recorder, at, ""))
            L.extend(Mark, MARK_COLS, marks)
            L.extend(CustodyEvent, CUSTODY_COLS, events)
            L.extend(Notification, NOTICE_COLS, notices)
            if not_closed:
                if principal:  # the 18:30 alert (attendance.tasks.alert_unclosed_days)
                    L.add(Notification, NOTICE_COLS, (
                        principal, "attendance.day_not_closed",
                        self.msg_unclosed % {"school": text(self.school_names[sid]), "date": day_s}, "",
                        f"/attendance/console/{sid}/", "f" if L.pg else False, self.at(day_s, off, 18 * 60 + 30),
                        NULL, NULL, f"attendance.unclosed:{sid}:{day_s}"))
            else:
                closer = leader if on_rota else principal
                if closer:
                    L.add(DayClose, CLOSE_COLS, (sid, day_s, closer,
                                                 self.at(day_s, off, max(last, 17 * 60) + rng.randint(5, 20), 0)))
            if on_rota:
                venues = self.venues.get(sid) or [(NULL, "")]
                for _ in range(rng.randint(1, 2)):
                    vid, vname = rng.choice(venues)
                    L.add(PatrolLog, PATROL_COLS, (sid, day_s, self.at(day_s, off, 16 * 60 + rng.randint(20, 80)),
                                                   vid, vname, rng.choice(PATROL_NOTES), leader))


def generate_attendance(gen) -> None:
    """`scale.generator.EXTENSIONS` entry: a term of attendance for the generated city."""
    AttendanceGenerator(gen).run()
