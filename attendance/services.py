"""Writes of attendance: rolls, marks, leave, custody, the rota, patrol notes and the day close.

Each function takes keyword-only arguments, checks who may act, writes in one transaction and
queues notices with `transaction.on_commit`. Refusals are `DomainError`s with translatable messages.
"""
from __future__ import annotations

import datetime
import re
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from simple_history.utils import bulk_create_with_history

from accounts.roles import Role
from accounts.scoping import scope_of
from notices.services import notify
from schools.models import CalendarDay, Guardianship, School, Student, Term
from shahe_afterschool.errors import ConflictError, DomainError
from shahe_afterschool.ids import parse_id
from shahe_afterschool.queue import enqueue

from . import console_cache, totals
from .models import (
    AbsenceFollowUp,
    CustodyEvent,
    DayClose,
    DutyRota,
    Leave,
    Mark,
    PatrolLog,
    PickupRefusal,
    Roll,
)
from .selectors import DEPARTURE_GRACE, absence_notice_key, may_run_day, rostered_leader  # noqa: F401 (views ask services.rostered_leader)
from .today import today_forget


class Forbidden(DomainError):
    """A visible object, a forbidden action: 403."""

    status_code = 403


def _clean_save(obj) -> None:
    obj.full_clean()
    obj.save()


# --- roles for a day ---------------------------------------------------------------------------
# rostered_leader and may_run_day are questions, answered in selectors (imported above), and
# services ask them before they change a day.


# --- rolls -------------------------------------------------------------------------------------
def _plan_for(school: School, term: Term):
    from clubs.services import plan_in_force

    return plan_in_force(school=school, term=term)


def rolls_create_for_day(*, school: School, date: datetime.date, any_weekday: bool = False) -> list[Roll]:
    """Create the rolls of one school day: one per active after-school group meeting that weekday
    and one per approved club slot of that weekday. Idempotent: an existing roll is kept as it is
    (a unique constraint per group/slot and date makes a concurrent second run a no-op).

    The calendar (`schools.calendar`) decides first: a holiday or a day without service gets no
    rolls; a make-up school day gets the rolls of the weekday whose timetable it follows; on an
    early dismissal sessions end by the day's end time (sessions starting later are not held).
    Other days that are not school days of the approved plan get no rolls, unless `any_weekday`
    (the demo, and the office's "create today's rolls" button on a special day).
    """
    from clubs.models import Club, ClubSlot, ReviewStatus
    from enrollment.models import ServiceGroup
    from schools.calendar import day_info

    term = Term.objects.filter(start_date__lte=date, end_date__gte=date).first()
    if term is None:
        if not any_weekday:
            return []
        term = Term.current(date)
        if term is None:
            return []
    plan = _plan_for(school, term)
    school_days = plan.school_days if plan else [1, 2, 3, 4, 5]
    day = day_info(school_id=school.pk, date=date, school_days=school_days)
    if day.kind in CalendarDay.NO_SERVICE_KINDS:
        return []
    if day.weekday is None and not any_weekday:
        return []
    weekday = day.weekday or date.isoweekday()
    windows = plan.windows(term.is_summer(date)) if plan else {"noon": None, "after": None}
    wanted: list[tuple[dict, dict]] = []
    groups = ServiceGroup.objects.filter(school=school, term=term, status=ServiceGroup.Status.ACTIVE)
    for group in groups:
        if weekday not in (group.weekdays or []) and not any_weekday:
            continue
        window = windows.get("noon" if group.session == "noon" else "after")
        wanted.append(({"group": group, "date": date}, {
            "school": school, "kind": Roll.Kind.GROUP, "session": group.session, "name": group.name,
            "starts_at": window[0] if window else None, "ends_at": window[1] if window else None,
            "venue_id": group.venue_id, "teacher_id": group.teacher_id}))
    slots = (ClubSlot.objects.filter(club__school=school, club__term=term, club__status=ReviewStatus.APPROVED,
                                     weekday=weekday)
             .select_related("club").prefetch_related("club__teachers"))
    for slot in slots:
        club: Club = slot.club
        teachers = sorted(club.teachers.all(), key=lambda t: t.pk)
        wanted.append(({"club_slot": slot, "date": date}, {
            "school": school, "kind": Roll.Kind.CLUB, "session": Roll.Session.CLUB, "club": club,
            "name": club.name, "starts_at": slot.start, "ends_at": slot.end, "venue_id": club.venue_id,
            "teacher_id": teachers[0].pk if teachers else None}))
    if day.ends_at is not None:  # early dismissal: what starts after the end is not held
        kept = []
        for lookup, defaults in wanted:
            if defaults["starts_at"] is not None and defaults["starts_at"] >= day.ends_at:
                continue
            if defaults["ends_at"] is None or defaults["ends_at"] > day.ends_at:
                defaults["ends_at"] = day.ends_at
            kept.append((lookup, defaults))
        wanted = kept
    rolls = []
    for lookup, defaults in wanted:
        try:
            with transaction.atomic():
                roll, _ = Roll.objects.get_or_create(**lookup, defaults=defaults)
        except IntegrityError:  # a concurrent run created it first
            roll = Roll.objects.get(**lookup)
        rolls.append(roll)
    return rolls


def rolls_create_all(*, date: datetime.date) -> int:
    """Every active school's rolls of the day (the early-morning task). Returns the number of rolls."""
    return sum(len(rolls_create_for_day(school=s, date=date)) for s in School.objects.filter(active=True))


def rolls_create_on_demand(*, user, school: School, date: datetime.date) -> list[Roll]:
    """The academic office's or principal's button: today's rolls now, whatever the weekday."""
    scope = scope_of(user)
    if not (scope.is_admin or school.pk in scope.schools_with(Role.ACADEMIC, Role.PRINCIPAL)):
        raise Forbidden(_("Only the teaching-affairs office or the principal can create the rolls."))
    from schools.calendar import day_info

    day = day_info(school_id=school.pk, date=date)
    if day.kind in CalendarDay.NO_SERVICE_KINDS:
        raise DomainError(_("%(date)s has no service in the calendar (%(kind)s).")
                          % {"date": date.isoformat(), "kind": CalendarDay.Kind(day.kind).label})
    return rolls_create_for_day(school=school, date=date, any_weekday=True)


def _parse_client_time(value) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    dt = value if isinstance(value, datetime.datetime) else parse_datetime(str(value))
    if dt is None:
        raise ValueError
    if timezone.is_naive(dt):
        dt = timezone.make_aware(dt)
    return dt


def marks_record(*, roll: Roll, user, marks, roll_student_ids: set[int]) -> dict:
    """Apply a batch of marks from the roll's tablet.

    Each item is `{"student", "status", "client_id", "marked_at"?}`. An item whose `client_id` is the
    one the server already holds writes nothing (a retried batch); an item tapped before the mark the
    server holds (`marked_at` older) does not replace it. The whole batch is checked before anything
    is written, so a bad item changes nothing. Returns counts and each item's outcome.
    """
    if roll.teacher_id != user.pk and not scope_of(user).is_admin:
        raise Forbidden(_("Only the teacher holding this roll can mark it."))
    if roll.status == Roll.Status.CANCELLED:
        raise DomainError(_("This roll was cancelled: %(reason)s") % {"reason": roll.cancelled_reason})
    if not isinstance(marks, list) or not marks:
        raise DomainError(_("Send a list of marks."))
    if len(marks) > 500:
        raise DomainError(_("Send at most 500 marks at once."))
    now = timezone.now()
    cleaned: list[tuple[int, str, str, datetime.datetime]] = []
    for i, item in enumerate(marks, start=1):
        if not isinstance(item, dict):
            raise DomainError(_("Mark %(n)d is not an object.") % {"n": i})
        student = item.get("student")
        status = item.get("status")
        client_id = item.get("client_id")
        student = parse_id(student)
        if student is None:
            raise DomainError(_("Mark %(n)d: the student must be a number.") % {"n": i})
        if student not in roll_student_ids:
            raise DomainError(_("Mark %(n)d: this child is not on the roll.") % {"n": i})
        if status not in Mark.Status.values:
            raise DomainError(_("Mark %(n)d: the status must be present, absent, late or leave.") % {"n": i})
        if not isinstance(client_id, str) or not client_id.strip() or len(client_id) > 64:
            raise DomainError(_("Mark %(n)d: a client_id of 1 to 64 characters is required.") % {"n": i})
        try:
            marked_at = _parse_client_time(item.get("marked_at")) or now
        except (ValueError, TypeError):
            raise DomainError(_("Mark %(n)d: marked_at must be an ISO 8601 time.") % {"n": i}) from None
        # A tablet clock far in the future must not pin a mark forever.
        marked_at = min(marked_at, now + datetime.timedelta(minutes=5))
        cleaned.append((student, status, client_id.strip(), marked_at))
    outcome = {"created": 0, "updated": 0, "unchanged": 0, "stale": 0, "results": []}
    newly_absent: list[int] = []
    with transaction.atomic():
        Roll.objects.select_for_update().filter(pk=roll.pk).first()
        existing = {m.student_id: m for m in Mark.objects.filter(roll=roll, student_id__in=[c[0] for c in cleaned])}
        for mark in existing.values():
            mark.roll = roll  # the receivers of a saved mark (today.py, console_cache.py) need its day
        # New marks (the whole roll at 16:00) go in with one INSERT and one INSERT of their history
        # rows, after the loop; a child twice in the batch updates the unsaved mark in memory.
        new: dict[int, Mark] = {}
        for student_id, status, client_id, marked_at in cleaned:
            mark = existing.get(student_id)
            if mark is None:
                mark = Mark(roll=roll, student_id=student_id, status=status, client_id=client_id,
                            marked_at=marked_at, marked_by=user)
                existing[student_id] = new[student_id] = mark
                result = "created"
            elif mark.client_id == client_id:
                result = "unchanged"
            elif marked_at < mark.marked_at:
                result = "stale"
            else:
                mark.status, mark.client_id, mark.marked_at, mark.marked_by = status, client_id, marked_at, user
                if student_id not in new:
                    mark.save()
                result = "updated"
            outcome[result] += 1
            if result in ("created", "updated") and status == Mark.Status.ABSENT:
                newly_absent.append(student_id)
            outcome["results"].append({"student": student_id, "client_id": client_id, "result": result,
                                       "status": mark.status})
        if new:
            bulk_create_with_history(list(new.values()), Mark, default_user=user)
            # bulk_create sends no post_save: the parents' today cards of these children (today.py)
            today_forget(new.keys(), roll.date)
            console_cache.day_changed(roll.school_id, roll.date)  # and the duty console's day
        if newly_absent and roll.status == Roll.Status.SUBMITTED:
            transaction.on_commit(lambda: _queue_absence_notices(roll.pk))
    return outcome


def roll_submit(*, roll: Roll, user, expected_ids: set[int]) -> Roll:
    """The teacher hands in the roll once every child has a mark; absences without leave are then
    told to the guardians."""
    if roll.teacher_id != user.pk and not scope_of(user).is_admin:
        raise Forbidden(_("Only the teacher holding this roll can submit it."))
    with transaction.atomic():
        roll = Roll.objects.select_for_update().get(pk=roll.pk)
        if roll.status == Roll.Status.CANCELLED:
            raise DomainError(_("This roll was cancelled: %(reason)s") % {"reason": roll.cancelled_reason})
        marked = set(Mark.objects.filter(roll=roll).values_list("student_id", flat=True))
        missing = expected_ids - marked
        if missing:
            raise DomainError(ngettext_lazy("%(n)d child has no mark yet.", "%(n)d children have no mark yet.",
                                            len(missing)) % {"n": len(missing)})
        if roll.status != Roll.Status.SUBMITTED:
            roll.status = Roll.Status.SUBMITTED
            roll.submitted_at = timezone.now()
            roll.submitted_by = user
            roll.save()
        transaction.on_commit(lambda: _queue_absence_notices(roll.pk))
    return roll


def _queue_absence_notices(roll_id: int) -> None:
    enqueue("attendance.tasks.notify_absences", roll_id)


def absences_notify(*, roll: Roll) -> int:
    """Tell the guardians of each child marked absent without leave (once per roll and child), and
    the day's duty leader (who sees them on the console). Safe to run twice."""
    leave_ids = set(Leave.objects.active().filter(date=roll.date).values_list("student_id", flat=True))
    marks = (Mark.objects.filter(roll=roll, status=Mark.Status.ABSENT).exclude(student_id__in=leave_ids)
             .select_related("student"))
    sent = 0
    for mark in marks:
        guardians = [g.guardian for g in Guardianship.objects.active().filter(student=mark.student)
                     .select_related("guardian")]
        # written in each guardian's own language (notify renders the lazy texts per recipient)
        title = _("%(child)s is absent from %(session)s today")
        body = _("%(child)s was marked absent on the roll of %(session)s on %(date)s without leave. "
                 "Please contact the school if this is unexpected.")
        sent += len(notify(recipients=guardians, kind="attendance.absent", title=title, body=body,
                           context={"child": mark.student.name, "session": roll.name, "date": roll.date.isoformat()},
                           link=today_link(mark.student_id), dedupe_key=absence_notice_key(roll.pk, mark.student_id),
                           params={"child": mark.student.name, "school": roll.school.name,
                                   "time": _hm(roll.submitted_at or timezone.now())}))
    return sent


# --- leave -------------------------------------------------------------------------------------
def leave_report(*, by, student: Student, date: datetime.date, reason: str = "") -> Leave:
    if not Guardianship.objects.active().filter(guardian=by, student=student).exists():
        raise Forbidden(_("Only the child's guardian can report leave."))
    if date < timezone.localdate():
        raise DomainError(_("Leave is reported in advance: choose today or a later date."), field="date")
    existing = Leave.objects.active().filter(student=student, date=date).first()
    if existing:
        return existing
    leave = Leave(student=student, date=date, reason=(reason or "")[:200], reported_by=by)
    try:
        with transaction.atomic():
            _clean_save(leave)
    except IntegrityError:
        return Leave.objects.active().get(student=student, date=date)
    return leave


def leave_cancel(*, by, leave: Leave) -> Leave:
    if not Guardianship.objects.active().filter(guardian=by, student_id=leave.student_id).exists():
        raise Forbidden(_("Only the child's guardian can cancel the leave."))
    if leave.cancelled_at is None:
        leave.cancelled_at = timezone.now()
        leave.save()
    return leave


# --- custody -----------------------------------------------------------------------------------
def _staff_of(user, school_id: int) -> bool:
    scope = scope_of(user)
    return scope.is_admin or school_id in scope.staff_school_ids


def _duty_leaders(school_id: int, date: datetime.date) -> list:
    rota = DutyRota.objects.filter(school_id=school_id, date=date).select_related("leader").first()
    return [rota.leader] if rota else []


#: How old a client's `at` may be (an offline tablet replaying what it recorded); an older one is
#: a correction and must say why. A client clock ahead of the server's by more than the skew is refused.
REPLAY_WINDOW = datetime.timedelta(minutes=15)
CLOCK_SKEW = datetime.timedelta(seconds=60)

#: The API's names of the kinds (issue 18) next to the model's.
KIND_ALIASES = {"leave_alone": CustodyEvent.Kind.FLEXIBLE_DEPARTURE, "handover": CustodyEvent.Kind.TEACHER_TO_TEACHER}


def _resolve_pickup(student: Student, *, guardian_id=None, pickup_person_id=None):
    """Who is collecting the child, by id only: an active guardian allowed to pick up, or an active
    authorised pickup person of this child. None when the id is not on the child's list."""
    from enrollment.models import AuthorisedPickupPerson

    if guardian_id is not None:
        g = (Guardianship.objects.active().filter(student=student, may_pick_up=True, guardian_id=guardian_id)
             .select_related("guardian").first())
        return ("guardian", g) if g else None
    if pickup_person_id is not None:
        p = AuthorisedPickupPerson.objects.active().filter(student=student, pk=pickup_person_id).first()
        return ("person", p) if p else None
    return None


def departure_plan(student: Student):
    """The placed application's pickup plan of the child (`Application` or None)."""
    from enrollment.models import Application

    return (Application.objects.filter(student=student, status=Application.Status.PLACED)
            .order_by("-term__start_date", "-pk").first())


def _event_time(at, *, correction_reason: str, now: datetime.datetime) -> datetime.datetime:
    """The server's time of a handover: now, or the client's `at` of an offline replay (at most
    `REPLAY_WINDOW` old; older only as a correction with a reason; never in the future)."""
    if at is None:
        return now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + CLOCK_SKEW:
        raise DomainError(_("The time %(at)s is in the future: a handover is recorded when it happens.")
                          % {"at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M")}, field="at")
    if now - at > REPLAY_WINDOW and not correction_reason:
        raise DomainError(_("The time %(at)s is more than 15 minutes ago: record it as a correction and give "
                            "the reason.") % {"at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M")}, field="at")
    return at


def _hm(value: datetime.datetime | datetime.time) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return value.strftime("%H:%M")


def custody_record(*, user, student: Student, kind: str, date: datetime.date | None = None, at=None,
                   to_user=None, to_name: str = "", relation: str = "", guardian_id=None, pickup_person_id=None,
                   roll: Roll | None = None, correction_reason: str = "", corrects: CustodyEvent | None = None
                   ) -> CustodyEvent:
    """Record one handover of a child. The server sets the date and time (`_event_time`); a pickup
    names an adult of the child's list by id (free text is never a pickup: someone not on the list
    is refused with `pickup_refusal_record`); leaving alone needs the plan to have chosen it and
    the chosen slot to have come. A correction is a separate event: the original is kept."""
    if not _staff_of(user, student.school_id):
        raise Forbidden(_("Only staff of the child's school record handovers."))
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in CustodyEvent.Kind.values:
        raise DomainError(_("Unknown kind of handover."), field="kind")
    correction_reason = (correction_reason or "").strip()[:200]
    if corrects is not None:
        if corrects.student_id != student.pk:
            raise DomainError(_("The event corrected is not one of this child's."), field="corrects")
        if not correction_reason:
            raise DomainError(_("Say why the handover is corrected."), field="correction_reason")
    now = timezone.now()
    at = _event_time(at, correction_reason=correction_reason, now=now)
    day = timezone.localdate(at)
    if date is not None and date != day:
        raise DomainError(_("The date of a handover is the day it happens (%(day)s), set by the server.")
                          % {"day": day.isoformat()}, field="date")
    event = CustodyEvent(school_id=student.school_id, student=student, date=day, kind=kind, at=at,
                         recorded_by=user, from_user=user, roll=roll, relation=(relation or "")[:32],
                         correction_reason=correction_reason, corrects=corrects)
    if kind == CustodyEvent.Kind.PICKUP:
        if guardian_id is None and pickup_person_id is None:
            raise DomainError(_("Choose the adult collecting %(child)s from the child's list (a guardian or an "
                                "authorised pickup person). Someone not on the list is a refusal, recorded "
                                "separately.") % {"child": student.name}, field="guardian")
        found = _resolve_pickup(student, guardian_id=guardian_id, pickup_person_id=pickup_person_id)
        if found is None:
            raise DomainError(_("That adult is not on %(child)s's pickup list: do not hand the child over.")
                              % {"child": student.name},
                              field="guardian" if guardian_id is not None else "pickup_person")
        what, who = found
        if what == "guardian":
            event.to_user = who.guardian
            event.to_name = who.guardian.name
            event.relation = event.relation or who.get_relation_display()
        else:
            event.pickup_person = who
            event.to_name = who.name
            event.relation = event.relation or who.relation
    elif kind == CustodyEvent.Kind.FLEXIBLE_DEPARTURE:
        from enrollment.models import Application

        plan = departure_plan(student)
        if plan is None or plan.pickup_plan != Application.Pickup.FLEXIBLE:
            raise ConflictError(_("%(child)s may not leave alone: the guardians did not choose flexible departure "
                                  "in the pickup plan.") % {"child": student.name})
        slot = plan.departure_time
        if slot is not None and timezone.localtime(at).time() < slot:
            raise ConflictError(_("%(child)s may leave alone from %(slot)s, the time the guardians chose; it is "
                                  "%(now)s.") % {"child": student.name, "slot": _hm(slot), "now": _hm(at)})
        event.to_name = str(_("Leaves alone (flexible departure)"))
    else:
        if to_user is not None and not _staff_of(to_user, student.school_id):
            raise DomainError(_("The child can only be handed to staff of the school."), field="to_teacher")
        if roll is not None and roll.school_id != student.school_id:
            raise DomainError(_("That roll belongs to another school."), field="roll")
        if to_user is None and roll is not None:
            to_user = roll.teacher
        if to_user is None:
            raise DomainError(_("Say to which teacher or roll the child is handed."), field="to_teacher")
        event.to_user = to_user
        event.to_name = to_user.name or to_user.username
    with transaction.atomic():
        Student.objects.select_for_update().filter(pk=student.pk).first()
        day_events = CustodyEvent.objects.filter(student=student, date=day)
        if corrects is None:
            released = day_events.filter(kind__in=CustodyEvent.RELEASES, corrected_by__isnull=True).first()
            if released is not None:
                raise ConflictError(_("%(child)s was already released at %(at)s (%(to)s).")
                                    % {"child": student.name, "at": _hm(released.at), "to": released.to_name})
            last = day_events.filter(corrects__isnull=True).order_by("-at").first()
            if last is not None and last.at > at and not correction_reason:
                raise ConflictError(_("A later handover of %(child)s was recorded at %(at)s: record this one as a "
                                      "correction.") % {"child": student.name, "at": _hm(last.at)})
        _clean_save(event)
        if kind in CustodyEvent.RELEASES:
            transaction.on_commit(lambda: release_notify(event=event))
    return event


def today_link(student_id: int) -> str:
    """Where a guardian's notice about a child's day leads: the child's today card on the home page."""
    from django.urls import reverse

    return reverse("enrollment:parent_home") + f"#today-{student_id}"


def _guardians(student: Student) -> list:
    return [g.guardian for g in Guardianship.objects.active().filter(student=student).select_related("guardian")]


def _relation_label(event: CustodyEvent):
    """The adult's relation to the child, in the reader's language where it is a guardian's (a lazy
    label); an authorised pickup person's relation as the guardian wrote it."""
    if event.to_user_id:
        code = (Guardianship.objects.filter(student_id=event.student_id, guardian_id=event.to_user_id)
                .values_list("relation", flat=True).first())
        if code in Guardianship.Relation.values:
            return Guardianship.Relation(code).label
    return event.relation


def release_notify(*, event: CustodyEvent) -> int:
    """Tell the child's guardians at once that the child was picked up (by whom, when) or left alone,
    each in their own language (`notify` renders the lazy texts per recipient)."""
    context = {"child": event.student.name, "at": _hm(event.at), "person": event.to_name,
               "by": event.recorded_by.name or event.recorded_by.username, "date": event.date.isoformat()}
    if event.kind == CustodyEvent.Kind.PICKUP:
        relation = _relation_label(event)
        if relation:
            title = _("%(child)s was picked up by %(person)s (%(relation)s) at %(at)s")
            context["relation"] = relation
        else:
            title = _("%(child)s was picked up by %(person)s at %(at)s")
    else:
        title = _("%(child)s left school alone at %(at)s")
    body = _("Recorded by %(by)s on %(date)s.")
    return len(notify(recipients=_guardians(event.student), kind="attendance.released", title=title, body=body,
                      context=context, link=today_link(event.student_id), dedupe_key=f"attendance.released:{event.pk}",
                      params={"child": event.student.name, "school": event.student.school.name,
                              "time": _hm(event.at)}))


def pickup_refusal_record(*, user, student: Student, person: str, date: datetime.date | None = None
                          ) -> PickupRefusal:
    """The explicit refusal: someone not on the child's list came for the child. Keep it (a custody
    exception on the principal's overview, with the person's name) and alert the duty leader of the
    day (the principal when nobody is rostered) and the child's guardians, each in their language.
    The guardians' notice has its own key (`selectors.refusal_notice_key`): the console shows how it
    reached each of them."""
    from .selectors import refusal_notice_key

    if not _staff_of(user, student.school_id):
        raise Forbidden(_("Only staff of the child's school record handovers."))
    person = (person or "").strip()
    if not person:
        raise DomainError(_("Write the name of the person who came for the child."), field="person")
    date = date or timezone.localdate()
    with transaction.atomic():
        refusal = PickupRefusal.objects.create(
            school_id=student.school_id, student=student, date=date, person=person[:120],
            reason="not on the pickup list", recorded_by=user)
        leaders = _duty_leaders(student.school_id, date)
        if not leaders:
            from accounts.models import RoleAssignment

            leaders = [a.user for a in RoleAssignment.objects.active().filter(
                school_id=student.school_id, role=Role.PRINCIPAL).select_related("user")]
        title = _("Pickup refused: %(child)s")
        body = _("%(person)s tried to collect %(child)s and is not on the pickup list (recorded by %(by)s).")
        context = {"person": refusal.person, "child": student.name, "by": user.name or user.username}
        notify(recipients=leaders, kind="attendance.pickup_refused", title=title, body=body, context=context,
               link=f"/attendance/console/{student.school_id}/", dedupe_key=f"attendance.refusal:{refusal.pk}")
        notify(recipients=_guardians(student), kind="attendance.pickup_refused", title=title, body=body,
               context=context, link=today_link(student.pk), dedupe_key=refusal_notice_key(refusal.pk),
               params={"child": student.name, "school": student.school.name, "time": _hm(refusal.at)})
    return refusal


def absent_without_leave(*, student: Student, date: datetime.date) -> bool:
    """Marked absent on a roll of the day, with no leave reported."""
    if Leave.objects.active().filter(student=student, date=date).exists():
        return False
    return Mark.objects.filter(student=student, roll__date=date, status=Mark.Status.ABSENT).exists()


def absence_follow_up_record(*, user, student: Student, date: datetime.date, contacted, outcome: str,
                             note: str = "") -> AbsenceFollowUp:
    """Who contacted which guardian of a child absent without leave, when (now), and the outcome."""
    if not _staff_of(user, student.school_id):
        raise Forbidden(_("Only staff of the child's school follow up absences."))
    if outcome not in AbsenceFollowUp.Outcome.values:
        raise DomainError(_("Choose the outcome: reached_safe, not_reached or escalated."), field="outcome")
    if not absent_without_leave(student=student, date=date):
        raise DomainError(_("%(child)s was not absent without leave on %(date)s: there is nothing to follow up.")
                          % {"child": student.name, "date": date.isoformat()}, field="student")
    if contacted is None or not Guardianship.objects.active().filter(student=student, guardian=contacted).exists():
        raise DomainError(_("Choose which of %(child)s's guardians was contacted.") % {"child": student.name},
                          field="contacted")
    follow_up = AbsenceFollowUp(school_id=student.school_id, student=student, date=date, contacted=contacted,
                                outcome=outcome, note=(note or "").strip(), at=timezone.now(), recorded_by=user)
    with transaction.atomic():
        _clean_save(follow_up)
    return follow_up



# --- handovers on the tablet (issue 18, item 4) ------------------------------------------------
def handover_record(*, user, source_kind: str, source_pk, target_key: str, to_teacher, student_ids) -> list[CustodyEvent]:
    """One screen's handover: the ticked children of a homeroom class or of a roll of today go to the
    receiving teacher (class → group, group → club and back, or the whole group to a colleague), as
    one `CustodyEvent` each, in one transaction: all or nothing. The same rules as `custody_record`
    (staff of the child's school only; a child released today is not handed over; an event never
    precedes the child's last one) plus the screen's: only children of the list, held by the
    handing teacher now. A whole group handed to a colleague makes the colleague the roll's teacher
    for the day (the substitute; the roll's history keeps who held it). A fixed number of queries.

    `to_teacher` is a user id (or None); `student_ids` the ticked ids. 400 for a missing or foreign
    receiving teacher, an empty selection or a child not on the list; 409 naming each child who
    cannot be handed over now."""
    from .selectors import handover_screen

    today = timezone.localdate()
    with transaction.atomic():
        screen = handover_screen(user=user, source_kind=source_kind, pk=source_pk, target_key=target_key, date=today)
        target = screen.target
        if target is None:
            raise DomainError(_("Choose where the children go."), field="to")
        to_id = parse_id(to_teacher)
        if to_id is None:
            raise DomainError(_("Choose the teacher who takes the children."), field="to_teacher")
        if screen.holder is not None and to_id == screen.holder.pk:
            raise DomainError(_("%(name)s already holds these children: choose another teacher.")
                              % {"name": screen.holder.name or screen.holder.username}, field="to_teacher")
        # the school's teachers (the screen's list): a teacher of another school, or anyone else, is refused
        to_user = next((t for t in screen.teachers if t.pk == to_id), None)
        if to_user is None:
            raise DomainError(_("The receiving teacher must be a teacher of %(school)s.")
                              % {"school": screen.school.name}, field="to_teacher")
        ids = []
        for raw in student_ids or ():
            pk = parse_id(raw)
            if pk is None:
                raise DomainError(_("A child chosen is not on this list."), field="student")
            if pk not in ids:
                ids.append(pk)
        if not ids:
            raise DomainError(_("Tick at least one child to hand over."), field="student")
        rows = {c.student.pk: c for c in screen.children}
        if any(pk not in rows for pk in ids):
            raise DomainError(_("A child chosen is not on this list."), field="student")
        # the children are locked (a pickup or another handover of one of them waits), then read again
        list(Student.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
        screen = handover_screen(user=user, source_kind=source_kind, pk=source_pk, target_key=target.key, date=today)
        rows = {c.student.pk: c for c in screen.children}
        refused = [rows[pk] for pk in ids if pk not in rows or rows[pk].reason]
        if refused:
            raise ConflictError(
                _("Nothing was handed over: %(children)s.") % {"children": "; ".join(
                    f"{c.student.name} ({c.reason})" for c in refused)},
                extra={"children": [{"id": c.student.pk, "name": c.student.name, "reason": str(c.reason)}
                                    for c in refused]})
        now = timezone.now()
        from .selectors import day_custody

        custody = day_custody(school_id=screen.school.pk, date=today, student_ids=ids)
        later = [rows[pk].student.name for pk in ids if custody.last_at.get(pk) and custody.last_at[pk] > now]
        if later:
            raise ConflictError(_("A later handover of %(child)s was recorded at %(at)s: record this one as a "
                                  "correction.") % {"child": "、".join(later), "at": _hm(now)})
        roll = target.roll
        from_user = screen.holder or user
        events = [CustodyEvent(school_id=screen.school.pk, student_id=pk, date=today, kind=target.kind,
                               from_user=from_user, to_user=to_user, to_name=to_user.name or to_user.username,
                               roll=roll, at=now, recorded_by=user) for pk in ids]
        for event in events:
            event.full_clean(exclude=["school", "student", "from_user", "to_user", "roll", "recorded_by",
                                      "corrects", "pickup_person"])
        events = bulk_create_with_history(events, CustodyEvent, default_user=user)
        console_cache.day_changed(screen.school.pk, today)  # bulk_create sends no post_save
        if target.substitute:
            roll = Roll.objects.select_for_update().get(pk=roll.pk)
            previous = roll.teacher
            roll.teacher = to_user
            roll._change_reason = (f"handover to a colleague: {previous.name if previous else '-'} → "
                                   f"{to_user.name or to_user.username}")[:100]
            roll.save()
    return events


def departure_slot_window(*, school: School, term: Term) -> tuple[datetime.time | None, datetime.time]:
    """The times a departure slot may take: from the start of the after-school service in the
    school's plan (winter or summer, whichever is earlier; no lower bound without a plan) to the
    term's latest end."""
    latest = term.latest_end
    if isinstance(latest, str):
        latest = datetime.time.fromisoformat(latest)
    plan = _plan_for(school, term)
    earliest = min(plan.winter_after_start, plan.summer_after_start) if plan else None
    return earliest, latest


#: How many departure slots a school may set for a term.
MAX_DEPARTURE_SLOTS = 8


def _parse_slot(value) -> datetime.time:
    if isinstance(value, datetime.time):
        return value.replace(second=0, microsecond=0)
    text = str(value or "").strip()
    match = re.fullmatch(r"([0-9]{1,2})[:：]([0-9]{2})(?::00)?", text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise DomainError(_("“%(value)s” is not a time: write it as HH:MM, e.g. 17:30.") % {"value": text[:20]},
                          field="slots")
    return datetime.time(int(match[1]), int(match[2]))


def departure_slots_set(*, user, school: School, term: Term, times) -> list:
    """The principal sets the school's departure slots (弹性离校时段) of a term: the times at which
    children whose guardians chose flexible departure may leave on their own. Replaces the set:
    a slot no longer given is ended (kept with its history), a new one is added. 400 for a value
    that is not a time, a time outside the service, a time given twice, none or too many, or a
    term that has ended; nothing is changed then. Applications already made keep their time."""
    from .models import DepartureSlot

    scope = scope_of(user)
    if not (scope.is_admin or school.pk in scope.schools_with(Role.PRINCIPAL)):
        raise Forbidden(_("Only the principal sets the departure slots."))
    if term.end_date < timezone.localdate():
        raise DomainError(_("The term %(term)s has ended: its departure slots can no longer change.")
                          % {"term": term.name}, field="term")
    wanted = [_parse_slot(t) for t in (times or ()) if not (isinstance(t, str) and not t.strip())]
    if not wanted:
        raise DomainError(_("Give at least one departure time."), field="slots")
    if len(wanted) > MAX_DEPARTURE_SLOTS:
        raise DomainError(_("Give at most %(n)d departure times.") % {"n": MAX_DEPARTURE_SLOTS}, field="slots")
    seen = set()
    earliest, latest = departure_slot_window(school=school, term=term)
    for t in wanted:
        if t in seen:
            raise DomainError(_("%(time)s is given twice.") % {"time": _hm(t)}, field="slots")
        seen.add(t)
        if t > latest or (earliest is not None and t < earliest):
            raise DomainError(_("%(time)s is outside the after-school service (%(start)s–%(end)s).")
                              % {"time": _hm(t), "start": _hm(earliest) if earliest else "", "end": _hm(latest)},
                              field="slots")
    with transaction.atomic():
        School.objects.select_for_update().filter(pk=school.pk).first()
        current = {s.time: s for s in DepartureSlot.objects.filter(school=school, term=term, active=True)}
        for t, slot in current.items():
            if t not in seen:
                slot.active = False
                slot.save()
        for t in sorted(seen - set(current)):
            DepartureSlot.objects.create(school=school, term=term, time=t, created_by=user)
    return sorted(seen)


# A child who may leave alone and is still held DEPARTURE_GRACE (selectors) after the chosen slot
# is an alert.

def departure_overdue_alert(*, now: datetime.datetime | None = None) -> int:
    """Every few minutes (beat): each child whose guardians chose flexible departure at a slot, still
    held `DEPARTURE_GRACE` after it (present on a roll of today, not released), is an alert to the
    day's duty leader (the principal when nobody is rostered). Once per child and day (dedupe key),
    so the task is safe to run twice and every five minutes. Returns the notices written."""
    from accounts.models import RoleAssignment
    from enrollment.models import Application

    from .models import HELD_STATUSES

    now = timezone.localtime(now or timezone.now())
    today = now.date()
    cutoff = now - DEPARTURE_GRACE
    if cutoff.date() != today:  # just after midnight: no slot of today is overdue yet
        return 0
    held = (Mark.objects.filter(roll__date=today, status__in=HELD_STATUSES)
            .exclude(roll__status=Roll.Status.CANCELLED).values("student_id"))
    due = {}
    for sid, name, school_id, slot in (
            Application.objects.filter(status=Application.Status.PLACED, pickup_plan=Application.Pickup.FLEXIBLE,
                                       departure_time__isnull=False, departure_time__lte=cutoff.time(),
                                       term__start_date__lte=today, term__end_date__gte=today,
                                       student_id__in=held)
            .order_by("student_id", "term__start_date", "pk")
            .values_list("student_id", "student__name", "student__school_id", "departure_time")):
        due[sid] = (name, school_id, slot)
    if not due:
        return 0
    released = set(CustodyEvent.objects.filter(date=today, kind__in=CustodyEvent.RELEASES, corrected_by__isnull=True,
                                               student_id__in=list(due)).values_list("student_id", flat=True))
    due = {sid: v for sid, v in due.items() if sid not in released}
    school_ids = {school_id for _name, school_id, _slot in due.values()}
    leaders = {r.school_id: [r.leader] for r in DutyRota.objects.filter(date=today, school_id__in=school_ids)
               .select_related("leader")}
    principals: dict[int, list] = {}
    for a in RoleAssignment.objects.active().filter(school_id__in=school_ids - set(leaders),
                                                   role=Role.PRINCIPAL).select_related("user"):
        principals.setdefault(a.school_id, []).append(a.user)
    sent = 0
    for sid, (name, school_id, slot) in sorted(due.items()):
        title = _("%(child)s has not left: flexible departure at %(slot)s")
        body = _("%(child)s may leave alone from %(slot)s and is still at school at %(now)s, not released. "
                 "Find the child and record the departure or the pickup.")
        sent += len(notify(recipients=leaders.get(school_id) or principals.get(school_id, []),
                           kind="attendance.departure_overdue", title=title, body=body,
                           context={"child": name, "slot": _hm(slot), "now": _hm(now)},
                           link=f"/attendance/console/{school_id}/",
                           dedupe_key=f"attendance.departure_overdue:{sid}:{today.isoformat()}"))
    return sent

# --- the duty leader's day ---------------------------------------------------------------------
def rota_set(*, user, school: School, date: datetime.date, leader, teachers=()) -> DutyRota:
    """The principal sets the duty leader (someone with the duty-leader role) and duty teachers."""
    from accounts.models import RoleAssignment

    scope = scope_of(user)
    if not (scope.is_admin or school.pk in scope.schools_with(Role.PRINCIPAL)):
        raise Forbidden(_("Only the principal sets the duty rota."))
    if not RoleAssignment.objects.active().filter(user=leader, school=school, role=Role.DUTY_LEADER).exists():
        raise DomainError(_("%(name)s does not hold the duty-leader role at this school.")
                          % {"name": leader.name or leader.username}, field="leader")
    with transaction.atomic():
        rota, _created = DutyRota.objects.update_or_create(school=school, date=date, defaults={"leader": leader})
        rota.teachers.set(list(teachers))
    return rota


def patrol_record(*, user, school: School, note: str, place: str = "", venue=None, at=None) -> PatrolLog:
    today = timezone.localdate()
    if not may_run_day(user=user, school_id=school.pk, date=today):
        raise Forbidden(_("Only today's duty leader or the principal writes the patrol log."))
    if not (note or "").strip():
        raise DomainError(_("Write what you saw."), field="note")
    if venue is not None and venue.school_id != school.pk:
        raise DomainError(_("That venue belongs to another school."), field="venue")
    log = PatrolLog(school=school, date=today, at=at or timezone.now(), venue=venue, place=(place or "")[:64],
                    note=note.strip(), recorded_by=user)
    with transaction.atomic():
        _clean_save(log)
    return log


def day_close(*, user, school: School, date: datetime.date) -> DayClose:
    """Close the day when every child present on a roll has been released and every absence without
    leave has a follow-up. Refused (409) otherwise, listing the children still held and the
    absences without follow-up."""
    from .selectors import day_state

    if not may_run_day(user=user, school_id=school.pk, date=date):
        raise Forbidden(_("Only the day's duty leader or the principal closes the day."))
    with transaction.atomic():
        School.objects.select_for_update().filter(pk=school.pk).first()
        existing = DayClose.objects.filter(school=school, date=date).first()
        if existing:
            return existing
        blocked = day_close_blockers(day_state(school=school, date=date))
        if blocked:
            raise blocked
        closed = DayClose.objects.create(school=school, date=date, closed_by=user)
        # The day's figures as the weekly report reads them, written with the close.
        totals.write(school_ids=[school.pk], date=date)
        return closed


def day_close_blockers(state) -> ConflictError | None:
    """Why the day of `state` (a `selectors.DayState`) cannot be closed, as the 409 to raise (listing
    the children still held and the absences without follow-up), or None when nothing blocks it."""
    held = sorted(state.held, key=lambda c: c.student.name_pinyin)
    open_absences = state.absences_open
    if not (held or open_absences):
        return None
    reasons = []
    if held:
        reasons.append(ngettext_lazy(
            "The day cannot be closed: %(n)d child is present and not yet released.",
            "The day cannot be closed: %(n)d children are present and not yet released.",
            len(held)) % {"n": len(held)})
    if open_absences:
        reasons.append(ngettext_lazy(
            "The day cannot be closed: %(n)d absence without leave has no follow-up yet.",
            "The day cannot be closed: %(n)d absences without leave have no follow-up yet.",
            len(open_absences)) % {"n": len(open_absences)})
    return ConflictError(
        " ".join(str(r) for r in reasons),
        extra={"children": [{"id": c.student.pk, "name": c.student.name,
                             "roll": c.location.name if c.location else ""} for c in held],
               "absences": [{"id": s.pk, "name": s.name} for s in open_absences]})


def unclosed_days_alert(*, date: datetime.date) -> int:
    """Alert the principal of each school that held rolls today and has not closed the day."""
    from accounts.models import RoleAssignment

    closed = DayClose.objects.filter(date=date).values("school_id")
    school_ids = set(Roll.objects.filter(date=date).exclude(school_id__in=closed).values_list("school_id", flat=True))
    sent = 0
    for school in School.objects.filter(pk__in=school_ids):
        principals = [a.user for a in RoleAssignment.objects.active().filter(school=school, role=Role.PRINCIPAL)
                      .select_related("user")]
        sent += len(notify(recipients=principals, kind="attendance.day_not_closed",
                           title=_("%(school)s: the day %(date)s has not been closed"),
                           context={"school": school.name, "date": date.isoformat()},
                           link=f"/attendance/console/{school.pk}/",
                           dedupe_key=f"attendance.unclosed:{school.pk}:{date.isoformat()}"))
    return sent


def new_client_id() -> str:
    return uuid.uuid4().hex
