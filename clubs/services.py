"""Writes of the clubs app: service plans, clubs and their review, the choice window.

The choice and allocation writes live in `clubs.allocation`. Every function takes keyword-only
arguments, checks who may act (`PermissionDenied` = 403 on an object the actor can see), calls
`full_clean()` and raises `DomainError` with a translatable message.
"""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from accounts.scoping import scope_of
from notices.services import notify
from schools.models import Guardianship, Student
from shahe_afterschool.errors import ConflictError, DomainError

from . import timerules
from .bookings import bookings_for_club, resource_labels
from .models import ChoiceWindow, Club, ClubChoice, ClubSlot, ReviewStatus, ServicePlan
from .timetable import clashes_with, collect_bookings

PLAN_FIELDS = [
    "school_days", "winter_noon_start", "winter_noon_end", "winter_after_start", "winter_after_end",
    "summer_noon_start", "summer_noon_end", "summer_after_start", "summer_after_end", "homework_groups", "notes",
]
CLUB_FIELDS = ["club_type", "name", "external_instructor", "venue", "capacity", "grade_min", "grade_max",
               "description"]


# --- who may act -------------------------------------------------------------------------------
def can_edit_school(user, school_id) -> bool:
    scope = scope_of(user)
    return scope.is_admin or school_id in scope.schools_with(Role.PRINCIPAL, Role.ACADEMIC)


def can_approve_school(user, school_id) -> bool:
    return school_id in scope_of(user).schools_with(Role.PRINCIPAL)


def _require_editor(user, school_id):
    if not can_edit_school(user, school_id):
        raise PermissionDenied(_("Only the principal or the teaching-affairs office of the school may do this."))


def _require_principal(user, school_id):
    if not can_approve_school(user, school_id):
        raise PermissionDenied(_("Only the principal of the school may approve or return this."))


def _clean(obj):
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise DomainError("; ".join(str(m) for msgs in exc.message_dict.values() for m in msgs)) from exc


# --- service plans -----------------------------------------------------------------------------
def plan_problems(plan: ServicePlan) -> list[timerules.Problem]:
    return timerules.check_plan(plan)


@transaction.atomic
def plan_create(*, user, school, term, **fields) -> ServicePlan:
    _require_editor(user, school.pk)
    if ServicePlan.objects.filter(school=school, term=term).exists():
        raise ConflictError(_("This school already has a plan for the term; change it or make a revision."))
    plan = ServicePlan(school=school, term=term, created_by=user, revision=1)
    for name in PLAN_FIELDS:
        if name in fields:
            setattr(plan, name, fields[name])
    _clean(plan)
    plan.save()
    return plan


@transaction.atomic
def plan_update(*, user, plan: ServicePlan, **fields) -> ServicePlan:
    _require_editor(user, plan.school_id)
    plan = ServicePlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.is_editable:
        raise ConflictError(_("An approved or submitted plan cannot be changed; make a new revision."))
    for name in PLAN_FIELDS:
        if name in fields:
            setattr(plan, name, fields[name])
    _clean(plan)
    plan.save()
    return plan


@transaction.atomic
def plan_submit(*, user, plan: ServicePlan) -> ServicePlan:
    _require_editor(user, plan.school_id)
    plan = ServicePlan.objects.select_for_update().select_related("term", "school").get(pk=plan.pk)
    if not plan.is_editable:
        raise ConflictError(_("Only a draft or returned plan can be submitted."))
    problems = plan_problems(plan)
    if problems:
        raise DomainError(_("The plan breaks the time rules: %(problems)s")
                          % {"problems": " ".join(str(p) for p in problems)}, extra={"problems": problems})
    plan.status = ReviewStatus.SUBMITTED
    plan.submitted_at = timezone.now()
    plan.save(update_fields=["status", "submitted_at", "updated_at"])
    _notify_principals(plan.school, gettext_lazy("Service plan submitted for approval"), f"/clubs/plans/{plan.pk}/")
    return plan


@transaction.atomic
def plan_approve(*, user, plan: ServicePlan) -> ServicePlan:
    _require_principal(user, plan.school_id)
    plan = ServicePlan.objects.select_for_update().select_related("term", "school").get(pk=plan.pk)
    if plan.status != ReviewStatus.SUBMITTED:
        raise ConflictError(_("Only a submitted plan can be approved."))
    problems = plan_problems(plan)  # the bureau may have tightened the rules since submission
    if problems:
        raise DomainError(_("The plan breaks the time rules: %(problems)s")
                          % {"problems": " ".join(str(p) for p in problems)}, extra={"problems": problems})
    plan.status = ReviewStatus.APPROVED
    plan.decided_at, plan.decided_by = timezone.now(), user
    plan.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
    if plan.previous_id:
        ServicePlan.objects.filter(pk=plan.previous_id, status=ReviewStatus.APPROVED).update(
            status=ReviewStatus.SUPERSEDED, updated_at=timezone.now())
    return plan


@transaction.atomic
def plan_return(*, user, plan: ServicePlan, comment: str) -> ServicePlan:
    _require_principal(user, plan.school_id)
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_("Say what must change when returning a plan."), field="comment")
    plan = ServicePlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != ReviewStatus.SUBMITTED:
        raise ConflictError(_("Only a submitted plan can be returned."))
    plan.status, plan.review_comment = ReviewStatus.RETURNED, comment[:2000]
    plan.decided_at, plan.decided_by = timezone.now(), user
    plan.save(update_fields=["status", "review_comment", "decided_at", "decided_by", "updated_at"])
    if plan.created_by_id:
        notify(recipients=[plan.created_by], kind="clubs.plan_returned", title=gettext_lazy("Service plan returned"),
               body=comment, link=f"/clubs/plans/{plan.pk}/")
    return plan


@transaction.atomic
def plan_revise(*, user, plan: ServicePlan) -> ServicePlan:
    """A new draft revision of an approved plan; the approved one stays in force until the revision
    is approved, and is kept (superseded) afterwards."""
    _require_editor(user, plan.school_id)
    plan = ServicePlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != ReviewStatus.APPROVED:
        raise ConflictError(_("Only an approved plan is revised; change a draft directly."))
    if ServicePlan.objects.filter(previous=plan).exists():
        raise ConflictError(_("A revision of this plan already exists."))
    revision = ServicePlan(school_id=plan.school_id, term_id=plan.term_id, previous=plan, created_by=user,
                           revision=plan.revision + 1,
                           **{name: getattr(plan, name) for name in PLAN_FIELDS})
    _clean(revision)
    revision.save()
    return revision


def plan_in_force(*, school, term) -> ServicePlan | None:
    return (ServicePlan.objects.filter(school=school, term=term, status=ReviewStatus.APPROVED)
            .order_by("-revision").first())


def _notify_principals(school, title, link):
    """`title` a lazy translation: each principal reads it in their own language."""
    from accounts.models import RoleAssignment

    principals = [a.user for a in RoleAssignment.objects.active().filter(school=school, role=Role.PRINCIPAL)
                  .select_related("user")]
    notify(recipients=principals, kind="clubs.review", title=title, link=link)


# --- clubs -------------------------------------------------------------------------------------
def _slots_from(slots) -> list[ClubSlot]:
    out = []
    for s in slots or []:
        if isinstance(s, ClubSlot):
            out.append(s)
            continue
        weekday, start, end = (s["weekday"], s["start"], s["end"]) if isinstance(s, dict) else s
        if isinstance(start, str):
            start = datetime.time.fromisoformat(start)
        if isinstance(end, str):
            end = datetime.time.fromisoformat(end)
        out.append(ClubSlot(weekday=int(weekday), start=start, end=end))
    return out


def club_problems(club: Club, *, slots=None, teacher_ids=None) -> list[str]:
    """Everything that stops a club from being submitted or approved, in plain words: the time
    rules, the venue's capacity, and clashes of its teachers, venue and members on the timetable."""
    slots = list(club.slots.all()) if slots is None else slots
    teacher_ids = [t.pk for t in club.teachers.all()] if teacher_ids is None else teacher_ids
    problems: list[str] = []
    if not slots:
        problems.append(_("The club has no weekly slot."))
    if not teacher_ids and not club.external_instructor:
        problems.append(_("The club needs a teacher or an external instructor."))
    if club.venue.capacity < club.capacity:
        problems.append(_("The venue %(venue)s holds %(room)d, fewer than the club's %(capacity)d places.")
                        % {"venue": club.venue.name, "room": club.venue.capacity, "capacity": club.capacity})
    if club.venue.school_id != club.school_id:
        problems.append(_("The venue belongs to another school."))
    if club.grade_min > club.grade_max:
        problems.append(_("The lowest grade is above the highest grade."))
    plan = plan_in_force(school=club.school, term=club.term)
    for slot in slots:
        problems.extend(str(p) for p in timerules.check_slot(club.term, start=slot.start, end=slot.end, plan=plan))
        if plan and slot.weekday not in (plan.school_days or []):
            problems.append(_("%(day)s is not a school day of the plan.") % {"day": slot.get_weekday_display()})
    if slots:
        mine = bookings_for_club(club, slots=slots, teacher_ids=teacher_ids)
        existing = collect_bookings(term=club.term, school_ids=[club.school_id])
        clashes = clashes_with(mine, existing)
        own = [(s.weekday, s.start, s.end) for s in slots]
        if any(a[0] == b[0] and a < b and timerules.minutes(b[1]) < timerules.minutes(a[2])
               for a in own for b in own):
            problems.append(_("Two of the club's own slots overlap."))
        labels = resource_labels({c.resource for c in clashes})
        for clash in clashes:
            if clash.first.source == clash.second.source:
                continue
            object.__setattr__(clash, "resource_label", labels.get(clash.resource, clash.resource_label))
            # a clash with an after-school group names the group and its whole time
            problems.append(str(clash.against_message if clash.first.source.startswith("service:")
                                else clash.message))
    return list(dict.fromkeys(problems))


def _set_slots(club: Club, slots: list[ClubSlot]) -> None:
    for slot in slots:
        slot.club = club
        try:
            slot.full_clean()
        except ValidationError as exc:
            raise DomainError(_("A slot must end after it starts.")) from exc
    club.slots.all().delete()  # slots of a draft are its editable content, not school records
    ClubSlot.objects.bulk_create(slots)


def _check_teachers(school_id, teachers) -> None:
    from accounts.models import RoleAssignment

    ids = {t.pk for t in teachers}
    staff = set(RoleAssignment.objects.active().filter(school_id=school_id, user_id__in=ids)
                .values_list("user_id", flat=True))
    if ids - staff:
        raise DomainError(_("Every teacher of a club must be on the staff of the school."), field="teachers")


@transaction.atomic
def club_create(*, user, school, term, club_type, name, venue, capacity, grade_min=1, grade_max=9,
                teachers=(), external_instructor="", description="", slots=()) -> Club:
    _require_editor(user, school.pk)
    _check_teachers(school.pk, teachers)
    club = Club(school=school, term=term, club_type=club_type, name=name, venue=venue, capacity=capacity,
                grade_min=grade_min, grade_max=grade_max, external_instructor=external_instructor,
                description=description, created_by=user)
    if venue.school_id != school.pk:
        raise DomainError(_("The venue belongs to another school."), field="venue")
    _clean(club)
    club.save()
    club.teachers.set(teachers)
    _set_slots(club, _slots_from(slots))
    return club


@transaction.atomic
def club_update(*, user, club: Club, teachers=None, slots=None, **fields) -> Club:
    _require_editor(user, club.school_id)
    club = Club.objects.select_for_update().get(pk=club.pk)
    if not club.is_editable:
        raise ConflictError(_("A submitted or approved club cannot be changed."))
    for name in CLUB_FIELDS:
        if name in fields:
            setattr(club, name, fields[name])
    if club.venue.school_id != club.school_id:
        raise DomainError(_("The venue belongs to another school."), field="venue")
    _clean(club)
    club.save()
    if teachers is not None:
        _check_teachers(club.school_id, teachers)
        club.teachers.set(teachers)
    if slots is not None:
        _set_slots(club, _slots_from(slots))
    return club


@transaction.atomic
def club_submit(*, user, club: Club) -> Club:
    _require_editor(user, club.school_id)
    club = Club.objects.select_for_update().select_related("venue", "term", "school").get(pk=club.pk)
    if not club.is_editable:
        raise ConflictError(_("Only a draft or returned club can be submitted."))
    problems = club_problems(club)
    if problems:
        raise DomainError(_("The club cannot be submitted: %(problems)s") % {"problems": " ".join(problems)},
                          extra={"problems": problems})
    club.status, club.submitted_at = ReviewStatus.SUBMITTED, timezone.now()
    club.save(update_fields=["status", "submitted_at", "updated_at"])
    _notify_principals(club.school, gettext_lazy("Club submitted for approval"), f"/clubs/{club.pk}/")
    return club


@transaction.atomic
def club_approve(*, user, club: Club) -> Club:
    _require_principal(user, club.school_id)
    club = Club.objects.select_for_update().select_related("venue", "term", "school").get(pk=club.pk)
    if club.status != ReviewStatus.SUBMITTED:
        raise ConflictError(_("Only a submitted club can be approved."))
    problems = club_problems(club)  # the plan or the timetable may have changed since submission
    if problems:
        raise DomainError(_("The club cannot be approved: %(problems)s") % {"problems": " ".join(problems)},
                          extra={"problems": problems})
    club.status, club.decided_at, club.decided_by = ReviewStatus.APPROVED, timezone.now(), user
    club.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
    return club


@transaction.atomic
def club_return(*, user, club: Club, comment: str) -> Club:
    _require_principal(user, club.school_id)
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_("Say what must change when returning a club."), field="comment")
    club = Club.objects.select_for_update().get(pk=club.pk)
    if club.status != ReviewStatus.SUBMITTED:
        raise ConflictError(_("Only a submitted club can be returned."))
    club.status, club.review_comment = ReviewStatus.RETURNED, comment[:2000]
    club.decided_at, club.decided_by = timezone.now(), user
    club.save(update_fields=["status", "review_comment", "decided_at", "decided_by", "updated_at"])
    if club.created_by_id:
        notify(recipients=[club.created_by], kind="clubs.club_returned", title=gettext_lazy("Club returned"), body=comment,
               link=f"/clubs/{club.pk}/")
    return club


# --- the choice window -------------------------------------------------------------------------
@transaction.atomic
def choice_window_set(*, user, school, term, opens_at, closes_at) -> ChoiceWindow:
    _require_editor(user, school.pk)
    if closes_at <= opens_at:
        raise DomainError(_("The choice window must close after it opens."), field="closes_at")
    window, _created = ChoiceWindow.objects.select_for_update().get_or_create(
        school=school, term=term, defaults={"opens_at": opens_at, "closes_at": closes_at})
    if not _created:
        window.opens_at, window.closes_at = opens_at, closes_at
        _clean(window)
        window.save()
    return window


# --- the catalogue ----------------------------------------------------------------------------
@transaction.atomic
def club_type_create(*, user, category, code: str, name_zh: str, name_en: str):
    """The bureau adds a kind of club to the city's catalogue."""
    from .models import ClubType

    scope = scope_of(user)
    if not (scope.is_admin or scope.is_bureau):
        raise PermissionDenied(_("Only the education bureau may add club types."))
    club_type = ClubType(category=category, code=code.strip(), name_zh=name_zh.strip(), name_en=name_en.strip())
    _clean(club_type)
    club_type.save()
    return club_type


# --- a parent's ranking of clubs (the menu) ---------------------------------------------------
# While the school's choice window is open, a child's pending ranked choices are its ranking: ranks
# 1..n with no gap (n <= MAX_RANK), the order in which `clubs.allocation.allocate` serves them.
# "Add" takes the next free rank, a full ranking asks which choice to replace (the view's confirm
# step, `RankingFull`), a choice moves up or down by swapping with its neighbour, and removing one
# closes the gap (`ranking_compact`, also run by `allocation.choice_withdraw`). Every change locks
# the child's row first (one ranking change at a time per child, as `choice_make` does).
MAX_RANK = 3


class RankingFull(ConflictError):
    """Every rank is taken: the parent chooses which choice the new club replaces."""


def _ranking_qs(*, student_id: int, term_id: int):
    return ClubChoice.objects.filter(student_id=student_id, term_id=term_id, rank__isnull=False).exclude(
        status=ClubChoice.Status.WITHDRAWN)


def ranking(*, student, term) -> list:
    """The child's pending ranked choices of the term, by rank."""
    return list(_ranking_qs(student_id=student.pk, term_id=term.pk).filter(status=ClubChoice.Status.PENDING)
                .select_related("club").order_by("rank"))


def next_free_rank(*, student_id: int, term_id: int) -> int | None:
    """The lowest rank 1..MAX_RANK no live ranked choice of the child holds, or None when all are taken."""
    taken = set(_ranking_qs(student_id=student_id, term_id=term_id).values_list("rank", flat=True))
    return next((r for r in range(1, MAX_RANK + 1) if r not in taken), None)


def ranking_compact(*, student_id: int, term_id: int) -> None:
    """Close the gaps of the child's pending ranking (1..n), keeping its order. Call it with the
    child's row locked. Each choice moves to a rank no other live choice holds at that moment."""
    live = list(_ranking_qs(student_id=student_id, term_id=term_id).order_by("rank"))
    fixed = {c.rank for c in live if c.status != ClubChoice.Status.PENDING}  # decided by an allocation
    free = [r for r in range(1, MAX_RANK + 1) if r not in fixed]
    for choice, rank in zip([c for c in live if c.status == ClubChoice.Status.PENDING], free, strict=False):
        if choice.rank != rank:
            choice.rank = rank
            choice.save(update_fields=["rank"])


def _lock_child(student) -> None:
    Student.objects.select_for_update().filter(pk=student.pk).first()


def _require_guardian(user, student) -> None:
    if not Guardianship.objects.filter(guardian=user, student=student, active=True).exists():
        raise PermissionDenied(_("Only a guardian of the child may choose clubs for the child."))


def _require_open_window(*, school_id: int, term_id: int) -> None:
    window = ChoiceWindow.objects.filter(school_id=school_id, term_id=term_id).first()
    if window is None or not window.is_open(timezone.now()):
        raise ConflictError(_("Club choice is closed: the ranking can no longer change."))


def _pending_ranked(choice):
    choice = ClubChoice.objects.select_for_update().select_related("club").get(pk=choice.pk)
    if choice.status != ClubChoice.Status.PENDING or choice.rank is None:
        raise ConflictError(_("Only a choice waiting for the allocation can be moved or replaced."))
    return choice


@transaction.atomic
def ranking_move(*, user, choice, direction: str):
    """Move a pending choice one rank up ("up": towards the first choice) or down, swapping it with
    its neighbour. The ranks stay 1..n."""
    if direction not in ("up", "down"):
        raise DomainError(_("Move a choice up or down."), field="direction")
    _require_guardian(user, choice.student)
    _lock_child(choice.student)
    choice = _pending_ranked(choice)
    _require_open_window(school_id=choice.club.school_id, term_id=choice.term_id)
    ranking_compact(student_id=choice.student_id, term_id=choice.term_id)
    choice.refresh_from_db(fields=["rank"])
    order = ranking(student=choice.student, term=choice.term)
    index = next(i for i, c in enumerate(order) if c.pk == choice.pk)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(order):
        if direction == "up":
            raise DomainError(_("%(club)s is already the first choice.") % {"club": choice.club.name},
                              field="direction")
        raise DomainError(_("%(club)s is already the last choice.") % {"club": choice.club.name},
                          field="direction")
    other = order[other_index]
    mine, theirs = choice.rank, other.rank
    # One rank at a time (the unique rank per child holds at every statement): park, swap, place.
    choice.rank = None
    choice.save(update_fields=["rank"])
    other.rank = mine
    other.save(update_fields=["rank"])
    choice.rank = theirs
    choice.save(update_fields=["rank"])
    return choice
