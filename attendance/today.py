"""A child's day for the guardians (issue 19): today's service, the marks, leave, the handovers and
how the day ended, read by the parent's home page (a card per child, refreshed by htmx) and by
`GET /api/v1/students/{id}/today/`.

`children_today(students, date)` reads any number of children in a fixed number of queries (nine)
and returns language-neutral data (`ChildToday`: codes, names, times); the texts are made when the
data is shown, in the reader's language (`event_text`, `today_payload`, `today_card`).
`children_today_cached` answers from the cache (one key per child and date, `CACHE_SECONDS`); the
writes that change a child's day (marks, handovers, leave) drop the keys after commit
(`today_forget`, called by the services and by the post_save receivers below).
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import CustodyEvent, Leave, Mark, Roll

#: How long a child's day is kept in the cache at most; marks, handovers and leave drop it at once.
#: Changes nothing drops (a group moved to another room, a calendar day added) show within this time.
CACHE_SECONDS = 300
#: The parent's card asks again at most this often, and only while the page is visible (today.js).
POLL_SECONDS = 60


# --- the data -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TodayService:
    kind: str  # group or club
    session: str  # noon, after_school or club
    name: str  # the group's or club's name
    venue: str
    teacher: str
    starts_at: datetime.time | None
    ends_at: datetime.time | None


@dataclass(frozen=True)
class TodayEvent:
    kind: str  # mark_present, mark_late, mark_absent, mark_leave, or a CustodyEvent kind
    at: datetime.datetime
    place: str = ""  # the roll's (group's, club's) name, or the adult's name
    person: str = ""  # who collected the child: "王奶奶（祖母）"


@dataclass(frozen=True)
class TodayRelease:
    kind: str  # pickup or flexible_departure
    at: datetime.datetime
    to_name: str
    relation: str

    @property
    def person(self) -> str:
        return f"{self.to_name}（{self.relation}）" if self.relation else self.to_name


@dataclass
class ChildToday:
    student_id: int
    date: datetime.date
    service: TodayService | None = None
    #: every session the child is expected at today (the group first, then clubs by time)
    sessions: list[TodayService] = field(default_factory=list)
    #: why there is no service: ("calendar", kind, note) | ("cancelled", reason) | ("not_today",) |
    #: ("not_placed",); None when there is a service
    no_service: tuple | None = None
    mark_status: str = ""
    marked_at: datetime.datetime | None = None
    on_leave: bool = False
    leave_reason: str = ""
    departure_kind: str = "guardian"
    departure_slot: datetime.time | None = None
    pickup_persons: list[str] = field(default_factory=list)
    events: list[TodayEvent] = field(default_factory=list)
    released: TodayRelease | None = None

    @property
    def arrived(self) -> bool:
        return any(e.kind == CustodyEvent.Kind.CLASS_TO_GROUP for e in self.events)

    @property
    def held(self) -> bool:
        return self.mark_status in (Mark.Status.PRESENT, Mark.Status.LATE) and self.released is None


def _meets(days, date: datetime.date) -> bool:
    """As `selectors.roll_children`: a placement's weekdays (empty: all) cover the date; a weekend
    roll (created on demand) expects every child of the group."""
    return not days or date.isoweekday() in days or date.isoweekday() > 5


def _service(roll: Roll) -> TodayService:
    teacher = roll.teacher.name or roll.teacher.username if roll.teacher_id else ""
    return TodayService(kind=roll.kind, session=roll.session, name=roll.name,
                        venue=roll.venue.name if roll.venue_id else "", teacher=teacher,
                        starts_at=roll.starts_at, ends_at=roll.ends_at)


def _primary(rolls: list[Roll]) -> Roll:
    """The child's service of the day: the after-school group, else the noon group, else a club."""
    rank = {(Roll.Kind.GROUP, Roll.Session.AFTER_SCHOOL): 0, (Roll.Kind.GROUP, Roll.Session.NOON): 1}
    return min(rolls, key=lambda r: (rank.get((r.kind, r.session), 2), r.starts_at or datetime.time.min, r.pk))


def children_today(students, date: datetime.date) -> dict[int, ChildToday]:
    """Each child's day (see `ChildToday`), read from the calendar, the placements and club seats,
    the day's rolls, marks, leave and handovers, the placed application's pickup plan and the
    authorised pickup persons: nine queries for any number of children, none without children."""
    from clubs.models import ClubChoice
    from enrollment.models import Application, AuthorisedPickupPerson, Placement, ServiceGroup
    from schools.calendar import calendar_for_schools
    from schools.models import CalendarDay

    students = list(students)
    if not students:
        return {}
    ids = [s.pk for s in students]
    school_of = {s.pk: s.school_id for s in students}
    calendar = calendar_for_schools(school_ids=set(school_of.values()), date_from=date, date_to=date)
    placements: dict[int, list[Placement]] = defaultdict(list)
    for p in (Placement.objects.filter(active=True, application__student_id__in=ids,
                                       group__status=ServiceGroup.Status.ACTIVE)
              .select_related("application", "group", "group__term", "group__venue", "group__teacher")
              .order_by("pk")):
        placements[p.application.student_id].append(p)
    seats: dict[int, set[int]] = defaultdict(set)
    for sid, club_id in ClubChoice.objects.holding_seat().filter(student_id__in=ids).values_list("student_id",
                                                                                                 "club_id"):
        seats[sid].add(club_id)
    group_ids = {p.group_id for ps in placements.values() for p in ps}
    club_ids = set().union(*seats.values()) if seats else set()
    rolls = list(Roll.objects.filter(date=date, school_id__in=set(school_of.values()))
                 .filter(models_q(group_ids, club_ids)).select_related("venue", "teacher"))
    marks: dict[int, list[Mark]] = defaultdict(list)
    for m in (Mark.objects.filter(student_id__in=ids, roll__date=date)
              .select_related("roll", "roll__venue", "roll__teacher").order_by("marked_at", "pk")):
        marks[m.student_id].append(m)
    leaves = dict(Leave.objects.active().filter(student_id__in=ids, date=date).values_list("student_id", "reason"))
    events: dict[int, list[CustodyEvent]] = defaultdict(list)
    for e in (CustodyEvent.objects.filter(student_id__in=ids, date=date).select_related("roll")
              .order_by("at", "pk")):
        events[e.student_id].append(e)
    plans: dict[int, tuple] = {}
    for sid, plan, slot in (Application.objects.filter(student_id__in=ids, status=Application.Status.PLACED)
                            .order_by("term__start_date", "pk")
                            .values_list("student_id", "pickup_plan", "departure_time")):
        plans[sid] = (plan, slot)  # the latest term's placed application wins (`services.departure_plan`)
    persons: dict[int, list[str]] = defaultdict(list)
    for sid, name, relation in (AuthorisedPickupPerson.objects.active().filter(student_id__in=ids)
                                .order_by("pk").values_list("student_id", "name", "relation")):
        persons[sid].append(f"{name}（{relation}）" if relation else name)

    out = {}
    for s in students:
        ct = ChildToday(student_id=s.pk, date=date)
        day = calendar[s.school_id][date]
        child_groups = {p.group_id: p for p in placements[s.pk]}
        expected = [r for r in rolls if r.school_id == s.school_id and (
            (r.group_id in child_groups and _meets(child_groups[r.group_id].application.weekdays, date))
            or (r.club_id is not None and r.club_id in seats[s.pk]))]
        for m in marks[s.pk]:
            if all(r.pk != m.roll_id for r in expected):
                expected.append(m.roll)
        held = [r for r in expected if r.status != Roll.Status.CANCELLED]
        if day.kind in CalendarDay.NO_SERVICE_KINDS:
            ct.no_service = ("calendar", day.kind, day.note)
        elif held:
            primary = _primary(held)
            ct.service = _service(primary)
            ct.sessions = [ct.service] + [_service(r) for r in sorted(
                (r for r in held if r.pk != primary.pk), key=lambda r: (r.starts_at or datetime.time.min, r.pk))]
        elif expected:
            ct.no_service = ("cancelled", expected[0].cancelled_reason)
        else:
            # No roll yet (the rolls are made early each school day): the child's group, if it meets.
            weekday = day.weekday
            meeting = [p for p in placements[s.pk] if weekday is not None
                       and p.group.term.start_date <= date <= p.group.term.end_date
                       and weekday in (p.group.weekdays or []) and _meets(p.application.weekdays, date)
                       and not any(r.group_id == p.group_id for r in rolls)]
            if meeting:
                g = sorted(meeting, key=lambda p: (p.group.session != "after_school", p.pk))[0].group
                ct.service = TodayService(kind=Roll.Kind.GROUP, session=g.session, name=g.name,
                                          venue=g.venue.name if g.venue_id else "",
                                          teacher=(g.teacher.name or g.teacher.username) if g.teacher_id else "",
                                          starts_at=None, ends_at=None)
                ct.sessions = [ct.service]
            elif placements[s.pk] or seats[s.pk]:
                ct.no_service = ("not_today",)
            else:
                ct.no_service = ("not_placed",)
        if marks[s.pk]:
            last = max(marks[s.pk], key=lambda m: (m.marked_at, m.pk))
            ct.mark_status, ct.marked_at = last.status, last.marked_at
        if s.pk in leaves:
            ct.on_leave, ct.leave_reason = True, leaves[s.pk]
        plan, slot = plans.get(s.pk, (Application.Pickup.GUARDIAN, None))
        ct.departure_kind, ct.departure_slot = plan, slot if plan == Application.Pickup.FLEXIBLE else None
        ct.pickup_persons = persons[s.pk]
        timeline = [TodayEvent(kind=f"mark_{m.status}", at=m.marked_at, place=m.roll.name) for m in marks[s.pk]]
        corrected = {e.corrects_id for e in events[s.pk] if e.corrects_id}
        for e in events[s.pk]:
            if e.pk in corrected:
                continue
            release = e.kind in CustodyEvent.RELEASES
            if release and ct.released is None:
                ct.released = TodayRelease(kind=e.kind, at=e.at, to_name=e.to_name, relation=e.relation)
            person = f"{e.to_name}（{e.relation}）" if e.relation else e.to_name
            timeline.append(TodayEvent(kind=e.kind, at=e.at, place=e.roll.name if e.roll_id else e.to_name,
                                       person=person if e.kind == CustodyEvent.Kind.PICKUP else ""))
        ct.events = sorted(timeline, key=lambda ev: ev.at)
        out[s.pk] = ct
    return out


def models_q(group_ids, club_ids):
    from django.db.models import Q

    return Q(group_id__in=list(group_ids) or [0]) | Q(club_id__in=list(club_ids) or [0])


def child_today(student, date: datetime.date | None = None) -> ChildToday:
    """One child's day (the page and the API share it)."""
    date = date or timezone.localdate()
    return children_today_cached([student], date)[student.pk]


# --- the cache ----------------------------------------------------------------------------------
def today_cache_key(student_id: int, date: datetime.date) -> str:
    return f"attendance:today:{student_id}:{date.isoformat()}"


def children_today_cached(students, date: datetime.date) -> dict[int, ChildToday]:
    """`children_today` through the cache: one cache read for all the children, the database only
    for those not cached (then the nine queries, whatever their number)."""
    students = list(students)
    keys = {s.pk: today_cache_key(s.pk, date) for s in students}
    found = cache.get_many(list(keys.values())) if keys else {}
    out = {sid: found[key] for sid, key in keys.items() if key in found}
    missing = [s for s in students if s.pk not in out]
    if missing:
        fresh = children_today(missing, date)
        cache.set_many({keys[sid]: ct for sid, ct in fresh.items()}, CACHE_SECONDS)
        out.update(fresh)
    return out


def today_forget(student_ids, date: datetime.date) -> None:
    """Drop the cached days of these children (after the transaction that changed them commits, so
    that a read in between cannot put the old day back)."""
    keys = [today_cache_key(sid, date) for sid in set(student_ids)]
    if keys:
        transaction.on_commit(lambda: cache.delete_many(keys))


@receiver(post_save, sender=Mark, dispatch_uid="attendance.today.mark")
def _mark_saved(sender, instance: Mark, **kwargs):
    roll = instance.roll if Mark.roll.is_cached(instance) else None
    date = roll.date if roll else Roll.objects.filter(pk=instance.roll_id).values_list("date", flat=True).first()
    if date:
        today_forget([instance.student_id], date)


@receiver(post_save, sender=CustodyEvent, dispatch_uid="attendance.today.custody")
def _custody_saved(sender, instance: CustodyEvent, **kwargs):
    today_forget([instance.student_id], instance.date)


@receiver(post_save, sender=Leave, dispatch_uid="attendance.today.leave")
def _leave_saved(sender, instance: Leave, **kwargs):
    today_forget([instance.student_id], instance.date)


# --- the texts ----------------------------------------------------------------------------------
EVENT_TEXTS = {
    "mark_present": _("Checked in at %(place)s"),
    "mark_late": _("Checked in late at %(place)s"),
    "mark_absent": _("Marked absent at %(place)s"),
    "mark_leave": _("Marked on leave at %(place)s"),
    CustodyEvent.Kind.CLASS_TO_GROUP: _("Arrived at %(place)s"),
    CustodyEvent.Kind.GROUP_TO_CLUB: _("Handed to %(place)s"),
    CustodyEvent.Kind.TEACHER_TO_TEACHER: _("Handed to %(place)s"),
    CustodyEvent.Kind.PICKUP: _("Picked up by %(person)s"),
    CustodyEvent.Kind.FLEXIBLE_DEPARTURE: _("Left school alone"),
}


def _hm(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return value.strftime("%H:%M")


def event_text(event: TodayEvent) -> str:
    text = EVENT_TEXTS.get(event.kind)
    return str(text) % {"place": event.place, "person": event.person} if text else event.kind


def no_service_text(ct: ChildToday, child_name: str) -> str:
    """Why there is no service today, in the reader's language."""
    from schools.models import CalendarDay

    reason = ct.no_service or ("",)
    if reason[0] == "calendar":
        label = str(CalendarDay.Kind(reason[1]).label)
        return f"{label}：{reason[2]}" if reason[2] else label
    if reason[0] == "cancelled":
        return gettext("The session was cancelled: %(reason)s") % {"reason": reason[1]} if reason[1] else \
            gettext("The session was cancelled.")
    if reason[0] == "not_today":
        return gettext("Today is not one of %(child)s's service days.") % {"child": child_name}
    if reason[0] == "not_placed":
        return gettext("%(child)s has no place in the after-school service.") % {"child": child_name}
    return ""


def today_payload(ct: ChildToday) -> dict:
    """The API's shape (`ChildTodaySerializer`)."""
    s = ct.service
    return {
        "date": ct.date,
        "service": {"session": s.session, "group": s.name, "venue": s.venue or None, "teacher": s.teacher or None,
                    "starts_at": _hm(s.starts_at) or None, "ends_at": _hm(s.ends_at) or None} if s else None,
        "attendance": {"status": ct.mark_status, "marked_at": ct.marked_at} if ct.mark_status else None,
        "leave": {"reason": ct.leave_reason} if ct.on_leave else None,
        "departure_plan": {"kind": ct.departure_kind, "slot": _hm(ct.departure_slot) or None,
                           "person": "、".join(ct.pickup_persons) or None},
        "events": [{"kind": e.kind, "at": e.at, "text": event_text(e)} for e in ct.events],
        "released": {"kind": ct.released.kind, "at": ct.released.at, "to_name": ct.released.to_name,
                     "to_relation": ct.released.relation} if ct.released else None,
    }


STATUS_TEXTS = {
    "released": _("Gone home"),
    "present": _("At school"),
    "late": _("Arrived late, at school"),
    "arrived": _("Arrived"),
    "absent": _("Absent"),
    "absent_no_leave": _("Absent, no leave reported"),
    "leave": _("On leave"),
    "expected": _("Not checked in yet"),
    "no_service": _("No after-school service today"),
}


def today_status(ct: ChildToday) -> str:
    """One word for the child's day: a key of `STATUS_TEXTS`."""
    if ct.released:
        return "released"
    if ct.mark_status in (Mark.Status.PRESENT, Mark.Status.LATE):
        return ct.mark_status
    if ct.on_leave or ct.mark_status == Mark.Status.LEAVE:
        return "leave"
    if ct.mark_status == Mark.Status.ABSENT:
        return "absent"  # with leave the branch above answered
    if ct.arrived:
        return "arrived"
    if ct.service is None:
        return "no_service"
    return "expected"


def ending_text(ct: ChildToday) -> str:
    """How the day ended, or that the child is still at school: "17:32 由王奶奶（祖母）接走"."""
    r = ct.released
    if r is not None:
        if r.kind == CustodyEvent.Kind.PICKUP:
            return gettext("%(time)s picked up by %(person)s") % {"time": _hm(r.at), "person": r.person}
        return gettext("%(time)s left school alone") % {"time": _hm(r.at)}
    if ct.held or (ct.arrived and not ct.mark_status):
        return gettext("Still at school")
    return ""


def departure_text(ct: ChildToday) -> str:
    if ct.departure_kind == "flexible":
        if ct.departure_slot:
            return gettext("%(slot)s leaves alone") % {"slot": _hm(ct.departure_slot)}
        return gettext("Leaves alone")
    if ct.departure_kind == "authorised":
        return gettext("Authorised pickup person: %(names)s") % {"names": "、".join(ct.pickup_persons) or "—"}
    return gettext("Picked up by a guardian")


def today_card(student, ct: ChildToday) -> dict:
    """What the card shows, in the reader's language."""
    status = today_status(ct)
    if status == "absent" and not ct.on_leave:
        label = STATUS_TEXTS["absent_no_leave"]
    else:
        label = STATUS_TEXTS[status]
    if status == "leave" and ct.leave_reason:
        label = gettext("On leave: %(reason)s") % {"reason": ct.leave_reason}
    return {
        "student": student, "today": ct, "status": status, "status_text": str(label),
        "service": ct.service, "clubs": ct.sessions[1:],
        "service_times": (f"{_hm(ct.service.starts_at)}–{_hm(ct.service.ends_at)}"
                          if ct.service and ct.service.starts_at and ct.service.ends_at else ""),
        "no_service_text": no_service_text(ct, student.name) if ct.service is None else "",
        "ending": ending_text(ct), "departure": departure_text(ct),
        # the release is the card's last line (`ending`), not once more in the timeline above it
        "events": [(_hm(e.at), event_text(e), e.kind) for e in ct.events if e.kind not in CustodyEvent.RELEASES],
    }
