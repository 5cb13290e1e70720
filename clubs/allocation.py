"""Menu-style club choice and the one allocation service.

How seats are given (deterministic and explainable; every decision writes its reason):

1. While the school's choice window is open, a parent ranks up to three clubs for a child
   (`choice_make`). Nothing is allocated yet.
2. `allocate(school, term)` (after the window closes; safe to run twice) serves the choices in
   rounds: every first choice, then every second, then every third. Within a round the children of
   priority groups come first, then the earlier choice, then the lower id. A child receives at most
   one club from the ranking: the first choice that is open to the child's grade, does not clash
   with the child's other commitments on the timetable, and has a free seat. A full club puts the
   choice on its waitlist (only choices ranked above the granted one stay waitlisted); choices below
   the granted one are "not placed".
3. When a seat frees (`choice_withdraw`), the club's waitlist moves up in the same order (priority
   first, then time). A child promoted to a higher-ranked club gives up the lower-ranked club of the
   same ranking, whose waitlist moves up in turn.
4. After the allocation, a parent may join any club with a free seat (`choice_make` again: a late
   join, no rank); a full club waitlists the late join.

Seats are counted under a row lock on the club (`select_for_update`), so no path oversells.

Priority: `PRIORITY_HOOKS` holds callables `(student_ids, term) -> set of student ids` that are in
a priority group. Enrollment's verified priority claims are meant to plug in here
(`register_priority_hook`); until then no hook is registered and nobody has priority.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notices.services import notify
from schools.models import Guardianship, Student
from shahe_afterschool.errors import ConflictError, DomainError

from . import services
from .bookings import bookings_for_club
from .models import ChoiceWindow, Club, ClubChoice, ReviewStatus, reason_text
from .services import MAX_RANK, RankingFull, can_edit_school, next_free_rank, ranking_compact
from .timetable import Booking, clashes_with, collect_bookings

PriorityHook = Callable[[Iterable[int], object], set]
PRIORITY_HOOKS: list[PriorityHook] = []


def register_priority_hook(hook: PriorityHook) -> None:
    if hook not in PRIORITY_HOOKS:
        PRIORITY_HOOKS.append(hook)


def priority_students(student_ids: Iterable[int], term) -> set[int]:
    """Children in a priority group according to the registered hooks (none by default: False)."""
    student_ids = list(student_ids)
    found: set[int] = set()
    for hook in PRIORITY_HOOKS:
        found |= set(hook(student_ids, term))
    return found


def _queue_key(choice: ClubChoice):
    return (not choice.priority, choice.chosen_at, choice.pk)


def _student_grade(student: Student) -> int:
    return student.homeroom_class.grade.number


def _is_guardian(user, student) -> bool:
    return Guardianship.objects.filter(guardian=user, student=student, active=True).exists()


def _seats_taken(club_id: int) -> int:
    return ClubChoice.objects.filter(club_id=club_id, status=ClubChoice.Status.ENROLLED).count()


def _student_commitments(student_id: int, term, school_id: int, *, ignore_sources=()) -> list[Booking]:
    return [b for b in collect_bookings(term=term, school_ids=[school_id])
            if ("student", student_id) in b.resources and b.source not in ignore_sources]


def _clash_reason(club: Club, commitments: list[Booking], student_id: int) -> dict | None:
    """The parameters of the "clash" reason when the club clashes with the child's commitments."""
    mine = bookings_for_club(club, student_ids=[student_id])
    clashes = [c for c in clashes_with(mine, commitments) if c.resource == ("student", student_id)]
    if not clashes:
        return None
    other = clashes[0].first
    return {"other": other.label, "weekday": other.weekday, "start": f"{other.start:%H:%M}",
            "end": f"{other.end:%H:%M}"}


def _decide(choice: ClubChoice, status: str, code: str, **params) -> None:
    choice.status, choice.reason, choice.reason_params = status, code, params


def choice_window_for(*, school, term) -> ChoiceWindow | None:
    return ChoiceWindow.objects.filter(school=school, term=term).first()


# --- parents choose ----------------------------------------------------------------------------
@transaction.atomic
def choice_make(*, user, student: Student, club: Club, rank: int | None = None,
                replace: ClubChoice | None = None) -> ClubChoice:
    """A parent's choice: a ranked menu choice while the window is open, or a late join afterwards.

    In the window, no rank means the child's next free rank (`RankingFull` when all are taken: the
    menu then asks which choice to replace, `ranking_replace` below, which passes the
    confirmed `replace`). An explicit rank (the API) replaces a pending choice at that rank."""
    if not _is_guardian(user, student):
        raise PermissionDenied(_("Only a guardian of the child may choose clubs for the child."))
    if club.school_id != student.school_id:
        raise DomainError(_("The club is at another school."), field="club")
    if club.status != ReviewStatus.APPROVED:
        raise DomainError(_("The club is not open for choice."), field="club")
    grade = _student_grade(student)
    if not club.open_to_grade(grade):
        raise DomainError(_("The club is open to grades %(low)d-%(high)d only.")
                          % {"low": club.grade_min, "high": club.grade_max}, field="club")
    window = choice_window_for(school=club.school, term=club.term)
    now = timezone.now()
    if window is None or now < window.opens_at:
        raise DomainError(_("The school has not opened club choice yet."))
    if ClubChoice.objects.filter(club=club, student=student).exclude(
            status__in=[ClubChoice.Status.WITHDRAWN, ClubChoice.Status.RELEASED,
                        ClubChoice.Status.NOT_PLACED]).exists():
        raise ConflictError(_("The child has already chosen this club."))
    if window.is_open(now):
        return _ranked_choice(user=user, student=student, club=club, rank=rank, now=now, replace=replace)
    if window.allocated_at is None:
        raise ConflictError(_("The choice window has closed; the school has not allocated the places yet."))
    return _late_join(user=user, student=student, club=club, now=now)


def _ranked_choice(*, user, student, club, rank, now, replace=None) -> ClubChoice:
    if rank is not None and (not isinstance(rank, int) or not 1 <= rank <= MAX_RANK):
        raise DomainError(_("Rank must be 1, 2 or 3."), field="rank")
    Student.objects.select_for_update().filter(pk=student.pk).first()  # one ranking at a time per child
    if rank is None:
        rank = next_free_rank(student_id=student.pk, term_id=club.term_id)
        if rank is None:
            raise RankingFull(_("%(child)s already has %(n)d choices. Choose which one %(club)s replaces.")
                              % {"child": student.name, "n": MAX_RANK, "club": club.name}, field="rank")
    old = ClubChoice.objects.filter(student=student, term=club.term, rank=rank,
                                    status=ClubChoice.Status.PENDING).first()
    if replace is not None and (old is None or old.pk != replace.pk):
        raise ConflictError(_("The choices changed in the meantime; please look at them again."), field="replace")
    if old:  # choosing again at a rank replaces the earlier choice at that rank
        _decide(old, ClubChoice.Status.WITHDRAWN, "replaced")
        old.decided_at = now
        old.save(update_fields=["status", "reason", "reason_params", "decided_at"])
    choice = ClubChoice(club=club, student=student, term=club.term, rank=rank, chosen_by=user, chosen_at=now,
                        priority=student.pk in priority_students([student.pk], club.term))
    choice.full_clean()
    choice.save()
    return choice


def _late_join(*, user, student, club, now) -> ClubChoice:
    club = Club.objects.select_for_update().select_related("venue").get(pk=club.pk)
    choice = ClubChoice(club=club, student=student, term=club.term, rank=None, chosen_by=user, chosen_at=now,
                        priority=student.pk in priority_students([student.pk], club.term))
    clash = _clash_reason(club, _student_commitments(student.pk, club.term, club.school_id), student.pk)
    if clash:
        raise ConflictError(reason_text("clash", clash))
    if _seats_taken(club.pk) < club.capacity:
        _decide(choice, ClubChoice.Status.ENROLLED, "late_join")
        choice.decided_at = now
    else:
        _decide(choice, ClubChoice.Status.WAITLISTED, "late_full")
    choice.full_clean()
    choice.save()
    return choice


@transaction.atomic
def choice_withdraw(*, user, choice: ClubChoice) -> ClubChoice:
    if not _is_guardian(user, choice.student) and not can_edit_school(user, choice.club.school_id):
        raise PermissionDenied(_("Only a guardian of the child or the school may withdraw this choice."))
    # Lock order: the child (its ranking), the club (its seats), the choice.
    Student.objects.select_for_update().filter(pk=choice.student_id).first()
    Club.objects.select_for_update().filter(pk=choice.club_id).first()
    choice = ClubChoice.objects.select_for_update().get(pk=choice.pk)
    if choice.status in (ClubChoice.Status.WITHDRAWN, ClubChoice.Status.RELEASED, ClubChoice.Status.NOT_PLACED):
        raise ConflictError(_("This choice is no longer active."))
    held_seat = choice.status == ClubChoice.Status.ENROLLED
    ranked = choice.status == ClubChoice.Status.PENDING and choice.rank is not None
    _decide(choice, ClubChoice.Status.WITHDRAWN, "withdrawn", name=user.name or user.username)
    choice.decided_at = timezone.now()
    choice.save(update_fields=["status", "decided_at", "reason", "reason_params"])
    if ranked:  # the choices below move up: the ranking stays 1..n
        ranking_compact(student_id=choice.student_id, term_id=choice.term_id)
    if held_seat:
        promote(club_id=choice.club_id)
    return choice


# --- the allocation ----------------------------------------------------------------------------
@transaction.atomic
def allocate(*, school, term, user=None) -> dict:
    """Allocate the pending ranked choices of a school's term; returns counts by outcome."""
    if user is not None and not can_edit_school(user, school.pk):
        raise PermissionDenied(_("Only the principal or the teaching-affairs office may run the allocation."))
    window = ChoiceWindow.objects.select_for_update().filter(school=school, term=term).first()
    if window is None:
        raise DomainError(_("The school has no choice window for the term."))
    now = timezone.now()
    if user is not None and now < window.closes_at:
        raise ConflictError(_("The choice window is still open."))
    clubs = {c.pk: c for c in Club.objects.select_for_update().filter(school=school, term=term).order_by("pk")}
    clubs_loaded = Club.objects.filter(pk__in=list(clubs)).select_related("venue").prefetch_related(
        "slots", "teachers")
    clubs = {c.pk: c for c in clubs_loaded}
    taken = dict(ClubChoice.objects.filter(club__in=list(clubs), status=ClubChoice.Status.ENROLLED)
                 .values("club").annotate(n=Count("id")).values_list("club", "n"))
    free = {pk: club.capacity - taken.get(pk, 0) for pk, club in clubs.items()}
    pending = list(ClubChoice.objects.select_for_update().filter(
        club__in=list(clubs), status=ClubChoice.Status.PENDING, rank__isnull=False))
    students = {s.pk: s for s in Student.objects.filter(pk__in={c.student_id for c in pending})
                .select_related("homeroom_class__grade")}
    priority = priority_students(students, term)
    for choice in pending:
        choice.priority = choice.student_id in priority
    commitments: dict[int, list[Booking]] = defaultdict(list)
    for booking in collect_bookings(term=term, school_ids=[school.pk]):
        for kind, key in booking.resources:
            if kind == "student" and key in students:
                commitments[key].append(booking)
    granted: dict[int, int] = {}  # student -> rank granted in this run
    counts: dict[str, int] = defaultdict(int)
    for rank in range(1, MAX_RANK + 1):
        for choice in sorted((c for c in pending if c.rank == rank), key=_queue_key):
            club, student = clubs[choice.club_id], students[choice.student_id]
            choice.decided_at = now
            if choice.student_id in granted:
                _decide(choice, ClubChoice.Status.NOT_PLACED, "lower_not_needed", rank=granted[choice.student_id])
            elif club.status != ReviewStatus.APPROVED or not club.open_to_grade(_student_grade(student)):
                _decide(choice, ClubChoice.Status.NOT_PLACED, "grade")
            elif clash := _clash_reason(club, commitments[choice.student_id], choice.student_id):
                _decide(choice, ClubChoice.Status.NOT_PLACED, "clash", **clash)
            elif free[club.pk] > 0:
                free[club.pk] -= 1
                granted[choice.student_id] = rank
                commitments[choice.student_id].extend(bookings_for_club(club, student_ids=[choice.student_id]))
                _decide(choice, ClubChoice.Status.ENROLLED, "granted_priority" if choice.priority else "granted",
                        rank=rank)
            else:
                _decide(choice, ClubChoice.Status.WAITLISTED, "full_waitlisted", rank=rank)
            counts[choice.status] += 1
    ClubChoice.objects.bulk_update(pending, ["status", "reason", "reason_params", "decided_at", "priority"])
    window.allocated_at = now
    window.save(update_fields=["allocated_at"])
    _notify_allocated(window=window, pending=pending, clubs=clubs, students=students, now=now)
    return dict(counts)


def _allocation_lines(choices: list[ClubChoice], child: str, clubs) -> str:
    """Each choice of a child with its club and reason, one a line, in the active language."""
    return "\n".join(_("Choice %(rank)s for %(child)s, %(club)s: %(reason)s") % {
        "rank": c.rank, "child": child, "club": clubs[c.club_id].name,
        "reason": reason_text(c.reason, c.reason_params)} for c in choices)


def _notify_allocated(*, window, pending, clubs, students, now) -> None:
    """One notice per child (to each guardian): which club the child got, or which waitlists, each
    choice with its reason. A family with two children gets two notices, each naming its child.
    Written in each guardian's language (lazy texts, rendered per recipient by `notify_many`)."""
    from django.utils.functional import lazy

    from notices.services import notify_many

    guardians: dict[int, list] = defaultdict(list)
    for g in Guardianship.objects.filter(student_id__in=list(students), active=True).select_related("guardian"):
        guardians[g.student_id].append(g.guardian)
    by_child: dict[int, list[ClubChoice]] = defaultdict(list)
    for choice in pending:
        by_child[choice.student_id].append(choice)
    lines = lazy(_allocation_lines, str)
    notices = []
    for sid, choices in sorted(by_child.items()):
        if not guardians[sid]:
            continue
        child = students[sid].name
        choices.sort(key=lambda c: (c.rank or 99, c.pk))
        enrolled = [c for c in choices if c.status == ClubChoice.Status.ENROLLED]
        waiting = [c for c in choices if c.status == ClubChoice.Status.WAITLISTED]
        context = {"child": child}
        if enrolled:
            title = gettext_lazy("Club places allocated: %(child)s has a place in %(club)s")
            context["club"] = clubs[enrolled[0].club_id].name
        elif waiting:
            title = gettext_lazy("Club places allocated: %(child)s is on the waitlist of %(club)s")
            context["club"] = clubs[waiting[0].club_id].name
        else:
            title = gettext_lazy("Club places allocated: %(child)s has no club place this time")
        notices.append({"recipients": guardians[sid], "kind": "clubs.allocated", "title": title,
                        "body": lines(choices, child, clubs), "context": context, "link": "/clubs/menu/",
                        "dedupe_key": f"clubs.allocated:{window.pk}:{sid}:{now:%Y%m%d%H%M%S}"})
    notify_many(notices)


def promote(*, club_id: int) -> list[ClubChoice]:
    """Fill a club's free seats from its waitlist (priority first, then time); a child promoted
    into a higher choice releases the lower one of the same ranking, whose waitlist moves in turn."""
    promoted: list[ClubChoice] = []
    queue = [club_id]
    while queue:
        club = Club.objects.select_for_update().select_related("venue").get(pk=queue.pop(0))
        free = club.capacity - _seats_taken(club.pk)
        if free <= 0:
            continue
        waiting = sorted(ClubChoice.objects.select_for_update().filter(
            club=club, status=ClubChoice.Status.WAITLISTED).select_related("student"), key=_queue_key)
        for choice in waiting:
            if free <= 0:
                break
            lower = None
            if choice.rank is not None:
                lower = ClubChoice.objects.filter(student_id=choice.student_id, term_id=choice.term_id,
                                                  status=ClubChoice.Status.ENROLLED, rank__gt=choice.rank).first()
            ignore = {f"club:{lower.club_id}"} if lower else set()
            commitments = _student_commitments(choice.student_id, club.term, club.school_id, ignore_sources=ignore)
            if _clash_reason(club, commitments, choice.student_id):
                continue  # stays waitlisted; a later seat may suit
            now = timezone.now()
            _decide(choice, ClubChoice.Status.ENROLLED, "promoted")
            choice.decided_at = now
            choice.save(update_fields=["status", "decided_at", "reason", "reason_params"])
            free -= 1
            promoted.append(choice)
            if choice.rank is not None:
                ClubChoice.objects.filter(
                    Q(rank__gt=choice.rank) & Q(status=ClubChoice.Status.WAITLISTED),
                    student_id=choice.student_id, term_id=choice.term_id,
                ).update(status=ClubChoice.Status.NOT_PLACED, decided_at=now, reason="higher_granted",
                         reason_params={})
            if lower:
                _decide(lower, ClubChoice.Status.RELEASED, "released", rank=choice.rank)
                lower.decided_at = now
                lower.save(update_fields=["status", "decided_at", "reason", "reason_params"])
                queue.append(lower.club_id)
            _notify_promoted(choice)
    return promoted


def _notify_promoted(choice: ClubChoice) -> None:
    guardians = [g.guardian for g in Guardianship.objects.filter(student_id=choice.student_id, active=True)
                 .select_related("guardian")]
    notify(recipients=guardians, kind="clubs.promoted",
           title=gettext_lazy("A club place is now yours: %(child)s, %(club)s"),
           body=gettext_lazy("%(child)s has a place in %(club)s."),
           context={"child": choice.student.name, "club": choice.club.name},
           link="/clubs/menu/", dedupe_key=f"clubs.promoted:{choice.pk}")


def waitlist_positions(choices) -> dict[int, int]:
    """Waitlist positions of several choices in one query."""
    club_ids = {c.club_id for c in choices if c.status == ClubChoice.Status.WAITLISTED}
    if not club_ids:
        return {}
    by_club: dict[int, list[ClubChoice]] = defaultdict(list)
    for c in ClubChoice.objects.filter(club_id__in=club_ids, status=ClubChoice.Status.WAITLISTED):
        by_club[c.club_id].append(c)
    positions = {}
    for items in by_club.values():
        for i, c in enumerate(sorted(items, key=_queue_key), start=1):
            positions[c.pk] = i
    return positions


def waitlist_position(choice: ClubChoice) -> int | None:
    if choice.status != ClubChoice.Status.WAITLISTED:
        return None
    ahead = sorted(ClubChoice.objects.filter(club_id=choice.club_id, status=ClubChoice.Status.WAITLISTED),
                   key=_queue_key)
    return next((i for i, c in enumerate(ahead, start=1) if c.pk == choice.pk), None)


# --- the menu's add and replace (the ranking's other changes are clubs.services.ranking_*) ----------
@transaction.atomic
def ranking_add(*, user, student, club):
    """Add a club at the child's next free rank (a late join with a free seat once places are
    allocated). A full ranking raises `RankingFull`: nothing is replaced without asking."""
    return choice_make(user=user, student=student, club=club, rank=None)


@transaction.atomic
def ranking_replace(*, user, student, club, replaced):
    """Put `club` at the rank of `replaced` (a pending choice of the same child), which is withdrawn
    with the reason "replaced". The parent confirmed which choice goes."""
    services._require_guardian(user, student)
    if replaced.student_id != student.pk:
        raise DomainError(_("That choice belongs to another child."), field="replace")
    services._lock_child(student)
    replaced = services._pending_ranked(replaced)
    services._require_open_window(school_id=club.school_id, term_id=club.term_id)
    return choice_make(user=user, student=student, club=club, rank=replaced.rank, replace=replaced)
