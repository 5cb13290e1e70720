"""Clubs as bookings on the timetable (the clubs provider of `clubs.timetable`)."""
from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Prefetch

from schools.models import Student, Venue

from .models import Club, ClubChoice, ReviewStatus
from .timetable import Booking, Resource, register_booking_provider

#: Clubs that hold their times on the timetable: submitted ones are checked against too, so two
#: plans waiting for approval cannot take the same teacher or venue.
BOOKED_STATUSES = (ReviewStatus.SUBMITTED, ReviewStatus.APPROVED)


def bookings_for_club(club: Club, *, slots=None, teacher_ids=None, student_ids=()) -> list[Booking]:
    """The bookings of one club; `slots`/`teacher_ids` may be given for a club not yet saved."""
    slots = list(club.slots.all()) if slots is None else slots
    teacher_ids = [t.pk for t in club.teachers.all()] if teacher_ids is None else teacher_ids
    resources: set[Resource] = {("venue", club.venue_id), ("group", f"club:{club.pk}")}
    resources |= {("teacher", t) for t in teacher_ids}
    resources |= {("student", s) for s in student_ids}
    return [
        Booking(source=f"club:{club.pk}", label=club.name, school_id=club.school_id, weekday=s.weekday,
                start=s.start, end=s.end, resources=frozenset(resources), link=f"/clubs/{club.pk}/")
        for s in slots
    ]


def club_bookings(*, term, school_ids: Iterable[int]) -> list[Booking]:
    """Every submitted or approved club of these schools in the term: five queries, whatever the size."""
    clubs = (
        Club.objects.filter(term=term, school_id__in=list(school_ids), status__in=BOOKED_STATUSES)
        .prefetch_related(
            "slots", "teachers",
            Prefetch("choices", queryset=ClubChoice.objects.holding_seat().only("id", "club_id", "student_id"),
                     to_attr="enrolled"),
        )
    )
    bookings: list[Booking] = []
    for club in clubs:
        bookings.extend(bookings_for_club(club, student_ids=[c.student_id for c in club.enrolled]))
    return bookings


register_booking_provider(club_bookings)


def resource_labels(resources: Iterable[Resource]) -> dict[Resource, str]:
    """Readable names for the resources of some clashes: one query per kind of resource."""
    wanted: dict[str, set] = {}
    for kind, key in resources:
        wanted.setdefault(kind, set()).add(key)
    labels: dict[Resource, str] = {}
    if wanted.get("teacher"):
        for pk, name, username in get_user_model().objects.filter(pk__in=wanted["teacher"]).values_list(
                "pk", "name", "username"):
            labels[("teacher", pk)] = name or username
    if wanted.get("venue"):
        for pk, name in Venue.objects.filter(pk__in=wanted["venue"]).values_list("pk", "name"):
            labels[("venue", pk)] = name
    if wanted.get("student"):
        for pk, name in Student.objects.filter(pk__in=wanted["student"]).values_list("pk", "name"):
            labels[("student", pk)] = name
    if wanted.get("group"):
        club_ids = [int(k.split(":")[1]) for k in wanted["group"] if str(k).startswith("club:")]
        for pk, name in Club.objects.filter(pk__in=club_ids).values_list("pk", "name"):
            labels[("group", f"club:{pk}")] = name
    return labels
