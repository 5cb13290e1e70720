"""Clubs plugged into the other apps' registries (called from `ClubsConfig.ready()`):

- privacy: the child's club choices in the guardian's data download (the choices hold no free
  text naming the child, so clubs needs no retention scrubber);
- voice: the audience kind "club" (the children holding a seat in a club, and its teachers).
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def privacy_provider(student) -> dict:
    from .models import ClubChoice

    choices = (ClubChoice.objects.filter(student=student).select_related("club", "term")
               .order_by("chosen_at", "pk"))
    return {
        "club_choices": [
            {"term": c.term.name, "club": c.club.name, "rank": c.rank, "status": c.get_status_display(),
             "priority": c.priority, "why": c.reason_text, "chosen_at": c.chosen_at, "decided_at": c.decided_at}
            for c in choices
        ],
    }


def _club_students(ids):
    from schools.models import Student

    from .models import ClubChoice

    return Student.objects.filter(
        status=Student.Status.ENROLLED, school__active=True,
        pk__in=ClubChoice.objects.holding_seat().filter(club_id__in=list(ids)).values("student_id"))


def _club_staff(ids):
    from django.contrib.auth import get_user_model

    from .models import Club

    return get_user_model().objects.filter(
        is_active=True, pk__in=Club.teachers.through.objects.filter(club_id__in=list(ids)).values("user_id"))


def _club_school_ids(ids) -> set[int]:
    from .models import Club

    return set(Club.objects.filter(pk__in=list(ids)).values_list("school_id", flat=True))


def _club_options(scope) -> list[tuple[int, str]]:
    """The approved clubs of the current term in the schools whose parents the user may address."""
    from schools.models import Term
    from voice.audiences import SCHOOL_AUTHOR_ROLES

    from .models import Club, ReviewStatus

    school_ids = scope.schools_with(*SCHOOL_AUTHOR_ROLES)
    if not school_ids:
        return []
    clubs = Club.objects.filter(school_id__in=school_ids, status=ReviewStatus.APPROVED).select_related("school")
    term = Term.current()
    if term is not None:
        clubs = clubs.filter(term=term)
    many = len(school_ids) > 1
    return [(c.pk, f"{c.school.name} {c.name}" if many else c.name) for c in clubs.order_by("school__code", "name")]


def register() -> None:
    from privacy.registry import register_provider
    from voice.audiences import AudienceKind, register_audience_kind

    register_provider("clubs", _("Clubs"), privacy_provider)
    register_audience_kind(AudienceKind(
        code="club", label=_("Club"), students=_club_students, staff=_club_staff, school_ids=_club_school_ids,
        options=_club_options))
