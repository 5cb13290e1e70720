"""The one clash checker: a teacher, a venue, a group or a student is never booked twice at once.

Everything on a school's weekly timetable is a `Booking`: something that happens on a weekday from
`start` to `end` and uses some *resources* (`("teacher", user_id)`, `("venue", venue_id)`,
`("group", key)`, `("student", student_id)`). Two bookings clash when they share a resource on the
same weekday and their times overlap; touching intervals (16:00-17:00 and 17:00-18:00) do not.

Bookings come from *providers* registered with `register_booking_provider`: clubs registers its
weekly club slots here; enrollment's service groups (their teacher and venue over the session's
window) plug in the same way (`register_booking_provider(service_group_bookings)`) without this
module knowing them. A provider
is `fn(*, term, school_ids) -> Iterable[Booking]`.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .timerules import hhmm, minutes

Resource = tuple[str, object]

RESOURCE_LABELS = {
    "teacher": _("teacher"),
    "venue": _("venue"),
    "group": _("group"),
    "student": _("student"),
}


@dataclass(frozen=True)
class Booking:
    source: str  # "club:12", "group:7": unique per thing booked, so a thing never clashes with itself
    label: str
    school_id: int
    weekday: int
    start: datetime.time
    end: datetime.time
    resources: frozenset[Resource] = field(default_factory=frozenset)
    link: str = ""

    def overlaps(self, other: Booking) -> bool:
        return (self.weekday == other.weekday
                and minutes(self.start) < minutes(other.end) and minutes(other.start) < minutes(self.end))


@dataclass(frozen=True)
class Clash:
    resource: Resource
    resource_label: str
    first: Booking
    second: Booking

    @property
    def message(self) -> str:
        return _("%(kind)s %(who)s is booked twice: %(a)s and %(b)s, %(day)s %(start)s-%(end)s.") % {
            "kind": RESOURCE_LABELS.get(self.resource[0], self.resource[0]),
            "who": self.resource_label,
            "a": self.first.label,
            "b": self.second.label,
            "day": weekday_label(self.first.weekday),
            "start": hhmm(max(self.first.start, self.second.start)),
            "end": hhmm(min(self.first.end, self.second.end)),
        }


    @property
    def against_message(self) -> str:
        """The clash as the newcomer (`second`) sees it, naming what already holds the resource and
        its whole time: "与三四年级课后服务组（图书馆 周三 16:00-18:00）冲突"."""
        return _("Clashes with %(other)s (%(what)s %(day)s %(start)s-%(end)s).") % {
            "other": self.first.label, "what": self.resource_label, "day": weekday_label(self.first.weekday),
            "start": hhmm(self.first.start), "end": hhmm(self.first.end),
        }


def weekday_label(day: int) -> str:
    from .models import Weekday

    return str(Weekday(day).label) if day in Weekday.values else str(day)


BookingProvider = Callable[..., Iterable[Booking]]
BOOKING_PROVIDERS: list[BookingProvider] = []


def register_booking_provider(provider: BookingProvider) -> None:
    if provider not in BOOKING_PROVIDERS:
        BOOKING_PROVIDERS.append(provider)


def collect_bookings(*, term, school_ids: Iterable[int]) -> list[Booking]:
    school_ids = list(school_ids)
    bookings: list[Booking] = []
    for provider in BOOKING_PROVIDERS:
        bookings.extend(provider(term=term, school_ids=school_ids))
    return bookings


def find_clashes(bookings: Iterable[Booking], *, labels: dict[Resource, str] | None = None) -> list[Clash]:
    """Every pair of bookings of different things that share a resource at overlapping times.

    A sweep per (resource, weekday): sort by start, keep the bookings still running; O(n log n)
    plus the number of clashes.
    """
    labels = labels or {}
    by_key: dict[tuple[Resource, int], list[Booking]] = defaultdict(list)
    for booking in bookings:
        for resource in booking.resources:
            by_key[(resource, booking.weekday)].append(booking)
    clashes: list[Clash] = []
    for (resource, _day), items in sorted(by_key.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        items.sort(key=lambda b: (minutes(b.start), minutes(b.end), b.source))
        running: list[Booking] = []
        for booking in items:
            running = [r for r in running if minutes(r.end) > minutes(booking.start)]
            for other in running:
                if other.source != booking.source:
                    clashes.append(Clash(resource, labels.get(resource, str(resource[1])), other, booking))
            running.append(booking)
    return clashes


def clashes_with(candidate: Iterable[Booking], existing: Iterable[Booking],
                 *, labels: dict[Resource, str] | None = None) -> list[Clash]:
    """Clashes between new bookings and the ones already on the timetable (not among the existing)."""
    candidate = list(candidate)
    sources = {b.source for b in candidate}
    index: dict[tuple[Resource, int], list[Booking]] = defaultdict(list)
    for booking in existing:
        if booking.source in sources:
            continue
        for resource in booking.resources:
            index[(resource, booking.weekday)].append(booking)
    labels = labels or {}
    found: list[Clash] = []
    for new in candidate:
        for resource in new.resources:
            for old in index.get((resource, new.weekday), ()):
                if new.overlaps(old):
                    found.append(Clash(resource, labels.get(resource, str(resource[1])), old, new))
    # the candidate's own bookings against each other (a club with two overlapping slots)
    found.extend(find_clashes(candidate, labels=labels) if len({b.source for b in candidate}) > 1 else [])
    return found


def overlapping_own_slots(slots: Iterable[tuple[int, datetime.time, datetime.time]]) -> bool:
    slots = sorted(slots)
    return any(a[0] == b[0] and minutes(b[1]) < minutes(a[2]) for a, b in zip(slots, slots[1:], strict=False))
