"""Enrollment plugged into the other apps' registries (called from `EnrollmentConfig.ready()`):

- privacy: the child's applications, priority claims, placements and pickup persons in the
  guardian's data download; a retention scrubber for the free text naming the child; priority-claim
  reads (audited as `enrollment.priorityclaim`) findable on the audit pages; a guardian's refusal
  of consent withdraws the child's open applications;
- clubs: verified priority claims give priority in the club allocation; service groups are
  bookings on the clubs timetable (their teacher), so a teacher in a group and in a club at the
  same time is a clash;
- voice: the audience kind "group" (the children placed in after-school groups).
"""
from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext_lazy as _

from accounts.privacy import mask_phone

from .bookings import bookings_for_group

REMOVED = "[removed by retention]"


# --- privacy -------------------------------------------------------------------------------------
def privacy_consent_refused(*, student, guardian) -> str | None:
    """A guardian refused consent: the child's open applications are withdrawn (no processing goes on)."""
    from .services import NOTICE_TITLES, applications_withdraw_for_refused_consent

    if applications_withdraw_for_refused_consent(student=student, by=guardian):
        return NOTICE_TITLES["withdrawn"] % {"child": student.name}
    return None


def privacy_provider(student) -> dict:
    """Everything enrollment holds about a child (for the guardian's data download)."""
    from .models import Application, AuthorisedPickupPerson, Placement, PriorityClaim

    apps = (Application.objects.filter(student=student).select_related("term", "school")
            .order_by("submitted_at", "pk"))
    claims = PriorityClaim.objects.filter(application__student=student).select_related("application__term")
    placements = (Placement.objects.filter(application__student=student).select_related("group", "application__term")
                  .order_by("placed_at", "pk"))
    people = AuthorisedPickupPerson.objects.filter(student=student).order_by("created_at", "pk")
    return {
        "applications": [
            {"term": a.term.name, "school": a.school.name, "status": a.get_status_display(),
             "sessions": a.sessions, "weekdays": a.weekdays, "pickup_plan": a.get_pickup_plan_display(),
             "departure_time": a.departure_time, "letter_version": a.letter_version,
             "submitted_at": a.submitted_at, "reviewed_at": a.reviewed_at, "reason_for_rejection": a.reject_reason,
             "waitlist_position": a.waitlist_position}
            for a in apps
        ],
        "priority_claims": [
            {"term": c.application.term.name, "group": c.get_group_display(), "note": c.note,
             "status": c.get_status_display(), "decided_at": c.decided_at}
            for c in claims
        ],
        "placements": [
            {"term": p.application.term.name, "group": p.group.name, "session": p.group.get_session_display(),
             "placed_at": p.placed_at, "reason": p.reason_text, "active": p.active, "ended_at": p.ended_at,
             "why_it_ended": p.end_reason_text}
            for p in placements
        ],
        "pickup_persons": [
            # masked as on the pickup page: the number belongs to that person
            {"name": p.name, "relation": p.relation, "phone": mask_phone(p.phone), "active": p.active,
             "added_at": p.created_at}
            for p in people
        ],
    }


def privacy_scrubber(student) -> None:
    """Retention: remove what enrollment's free text says about the child (rows and their history).

    Priority-claim notes (family circumstances) and pickup persons (name, phone) are removed
    outright; the reasons written by staff (rejection, transitions, placements) lose the child's
    name. Runs before the child's name is replaced, in the retention transaction."""
    from privacy.services import anonymous_name

    from .models import Application, ApplicationTransition, AuthorisedPickupPerson, Placement, PriorityClaim

    PriorityClaim.objects.filter(application__student=student).exclude(note="").update(note="")
    PriorityClaim.history.filter(application__student_id=student.pk).exclude(note="").update(note="")
    AuthorisedPickupPerson.objects.filter(student=student).update(name=REMOVED, phone="", active=False)
    AuthorisedPickupPerson.history.filter(student_id=student.pk).update(name=REMOVED, phone="")
    if not student.name:
        return
    name, anon = Value(student.name), Value(anonymous_name(student.pk))

    def replace(qs, *fields):
        for f in fields:
            qs.filter(**{f"{f}__contains": student.name}).update(**{f: Replace(f, name, anon)})

    replace(Application.objects.filter(student=student), "reject_reason")
    replace(Application.history.filter(student_id=student.pk), "reject_reason")
    replace(ApplicationTransition.objects.filter(application__student=student), "reason")
    replace(Placement.objects.filter(application__student=student), "reason", "end_reason")
    replace(Placement.history.filter(application__student_id=student.pk), "reason", "end_reason")


# --- clubs ---------------------------------------------------------------------------------------
def clubs_priority(student_ids: Iterable[int], term) -> set[int]:
    """Children with a verified priority claim for the term (the clubs allocation's priority hook)."""
    from .models import PriorityClaim

    ids = list(student_ids)
    if not ids or term is None:
        return set()
    return set(PriorityClaim.objects.filter(
        status=PriorityClaim.Status.VERIFIED, application__term=term, application__student_id__in=ids,
    ).values_list("application__student_id", flat=True))


def service_group_bookings(*, term, school_ids: Iterable[int]) -> list:
    """Active service groups as bookings on the clubs timetable: on the group's weekdays (those of
    the plan's school days), during the window of the group's session in the school's approved
    service plan (一校一策), winter and summer timetable. A school without an approved plan has no
    times for its groups, so they are not booked. Resources: the group's teacher and its venue (a
    group keeps its room for the whole window: a club in the same room at the same time clashes, in
    both directions). Not the placed children (clubs run within the after-school time they are
    placed in). Two queries."""
    from clubs.models import ReviewStatus, ServicePlan

    from .models import ServiceGroup

    school_ids = list(school_ids)
    if term is None or not school_ids:
        return []
    plans: dict[int, ServicePlan] = {}
    for plan in ServicePlan.objects.filter(term=term, school_id__in=school_ids, status=ReviewStatus.APPROVED
                                           ).order_by("school_id", "-revision"):
        plans.setdefault(plan.school_id, plan)
    if not plans:
        return []
    bookings = []
    groups = ServiceGroup.objects.active().filter(Q(teacher__isnull=False) | Q(venue__isnull=False), term=term,
                                                  school_id__in=list(plans)).order_by("pk")
    for group in groups:
        bookings.extend(bookings_for_group(group, plans[group.school_id]))
    return bookings


# --- voice ---------------------------------------------------------------------------------------
def _group_students(ids):
    from schools.models import Student

    from .models import Placement

    return Student.objects.filter(
        status=Student.Status.ENROLLED, school__active=True,
        pk__in=Placement.objects.filter(active=True, group_id__in=list(ids)).values("application__student_id"))


def _group_staff(ids):
    from django.contrib.auth import get_user_model

    from .models import ServiceGroup

    return get_user_model().objects.filter(
        is_active=True, pk__in=ServiceGroup.objects.filter(pk__in=list(ids), teacher__isnull=False).values("teacher_id"))


def _group_school_ids(ids) -> set[int]:
    from .models import ServiceGroup

    return set(ServiceGroup.objects.filter(pk__in=list(ids)).values_list("school_id", flat=True))


def _group_options(scope) -> list[tuple[int, str]]:
    """The active groups of the current term in the schools whose parents the user may address."""
    from schools.models import Term
    from voice.audiences import SCHOOL_AUTHOR_ROLES

    from .models import ServiceGroup

    school_ids = scope.schools_with(*SCHOOL_AUTHOR_ROLES)
    if not school_ids:
        return []
    groups = ServiceGroup.objects.active().filter(school_id__in=school_ids).select_related("school")
    term = Term.current()
    if term is not None:
        groups = groups.filter(term=term)
    many = len(school_ids) > 1
    return [(g.pk, f"{g.school.name} {g.name}" if many else g.name)
            for g in groups.order_by("school__code", "session", "grade_from", "name")]


def register() -> None:
    from clubs.allocation import register_priority_hook
    from clubs.timetable import register_booking_provider
    from privacy.registry import (
        register_audit_subject,
        register_consent_refused,
        register_provider,
        register_scrubber,
    )
    from voice.audiences import AudienceKind, register_audience_kind

    register_provider("enrollment", _("After-school service"), privacy_provider)
    register_scrubber("enrollment", privacy_scrubber)
    register_consent_refused("enrollment", privacy_consent_refused)
    register_audit_subject("enrollment.priorityclaim", "enrollment.PriorityClaim", "application__student",
                           label=_("priority claim"))
    register_priority_hook(clubs_priority)
    register_booking_provider(service_group_bookings)
    register_audience_kind(AudienceKind(
        code="group", label=_("After-school group"), students=_group_students, staff=_group_staff,
        school_ids=_group_school_ids, options=_group_options))
