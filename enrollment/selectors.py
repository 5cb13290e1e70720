"""Reads of enrollment, always through `visible_to`, in a fixed number of queries per page."""
from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.roles import Role
from accounts.scoping import get_for_user, scope_of
from accounts.text import join_list
from schools.models import Student, Term

from .models import (
    Application,
    AuthorisedPickupPerson,
    LetterAcknowledgement,
    ParentLetter,
    Placement,
    PriorityClaim,
    ServiceGroup,
    Session,
)


# --- who may see priority claims -------------------------------------------------------------
def claims_visible(*, user, application: Application, guardian_student_ids: frozenset | set | None = None) -> bool:
    """Priority claims are sensitive: the child's guardians, the class's homeroom teacher and the
    school's principal see them; everybody else sees counts only."""
    scope = scope_of(user)
    if scope.is_admin:
        return True
    if application.student.homeroom_class_id in scope.homeroom_class_ids:
        return True
    if application.school_id in scope.schools_with(Role.PRINCIPAL):
        return True
    if guardian_student_ids is None:
        guardian_student_ids = guarded_student_ids(user)
    return application.student_id in guardian_student_ids


def guarded_student_ids(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(Student.objects.filter(guardianships__guardian=user, guardianships__active=True)
               .values_list("pk", flat=True))


def group_day_holder(scope, date, students: dict[int, int]) -> set[int]:
    """Registered in `schools.selectors.DAY_HOLDERS` (health notes): of `students` ({id: school id}),
    the children placed in an active group of the date's term that the user teaches and that meets
    that weekday, on a weekday of the child's application. One query."""
    weekday = date.isoweekday()
    placements = Placement.objects.filter(
        active=True, group__teacher_id=scope.user_id, group__status=ServiceGroup.Status.ACTIVE,
        group__school_id__in=set(students.values()), group__term__start_date__lte=date,
        group__term__end_date__gte=date, application__student_id__in=list(students),
    ).values_list("application__student_id", "group__weekdays", "application__weekdays")
    return {sid for sid, group_days, days in placements
            if weekday in (group_days or []) and (not days or weekday in days)}


# --- applications ----------------------------------------------------------------------------
def _with_related(qs: QuerySet[Application]) -> QuerySet[Application]:
    return (
        qs.annotate(claim_count=Count("claims", distinct=True))
        .select_related("student", "student__homeroom_class", "student__homeroom_class__grade", "school", "term",
                          "letter")
        .prefetch_related(
            Prefetch("claims", queryset=PriorityClaim.objects.order_by("group")),
            Prefetch("placements", queryset=Placement.objects.filter(active=True).select_related("group"),
                     to_attr="active_placements"),
        )
    )


def application_list(*, user, status: str = "", school_id=None, term_id=None, class_id=None) -> QuerySet:
    qs = _with_related(Application.objects.visible_to(user))
    if status:
        qs = qs.filter(status=status)
    if school_id:
        qs = qs.filter(school_id=school_id)
    if term_id:
        qs = qs.filter(term_id=term_id)
    if class_id:
        qs = qs.filter(student__homeroom_class_id=class_id)
    return qs.order_by("-submitted_at", "-id")


def application_get_for_user(*, user, pk) -> Application:
    return get_for_user(_with_related(Application.objects.all()), user, pk)


#: Applications per page of the homeroom queue.
QUEUE_PAGE_SIZE = 25


def homeroom_queue(*, user) -> QuerySet[Application]:
    """The homeroom teacher's classes' applications: the ones waiting for review first, then the
    reviewed ones; each part verified priority first, then by time of application. Paged by the
    page (`QUEUE_PAGE_SIZE`): the classes' applications of every term add up."""
    scope = scope_of(user)
    waiting_first = Case(When(status=Application.Status.SUBMITTED, then=Value(0)), default=Value(1),
                         output_field=IntegerField())
    return (Application.objects.filter(student__homeroom_class_id__in=scope.homeroom_class_ids)
            .select_related("student__homeroom_class")  # what the queue shows: no school, term, letter
            .prefetch_related(Prefetch("claims", queryset=PriorityClaim.objects.order_by("group")))
            .order_by(waiting_first, "-has_verified_priority", "submitted_at", "id"))


def parent_overview(*, user, term: Term | None) -> list[dict]:
    """Each of the guardian's children with the term's letter, the open (or latest) application and
    the authorised pickup persons, in a fixed number of queries."""
    children = list(
        Student.objects.filter(guardianships__guardian=user, guardianships__active=True)
        .select_related("school", "homeroom_class")
        .prefetch_related(Prefetch("pickup_persons", queryset=AuthorisedPickupPerson.objects.active(),
                                   to_attr="active_pickup_persons"))
        .order_by("name_pinyin", "id")
    )
    apps: dict[int, Application] = {}
    letters: dict[int, ParentLetter] = {}
    acked: set[int] = set()
    if term is not None and children:
        for app in _with_related(Application.objects.filter(student__in=children, term=term)).order_by("submitted_at",
                                                                                                    "id"):
            current = apps.get(app.student_id)
            if current is None or app.is_open or not current.is_open:
                apps[app.student_id] = app
        for letter in ParentLetter.objects.filter(school_id__in={c.school_id for c in children}, term=term
                                                  ).order_by("school_id", "version"):
            letters[letter.school_id] = letter
        acked = set(LetterAcknowledgement.objects.filter(
            guardian=user, letter__in=letters.values()).values_list("letter_id", flat=True))
    return [
        {"child": c, "application": apps.get(c.pk), "letter": letters.get(c.school_id),
         "letter_acknowledged": c.school_id in letters and letters[c.school_id].pk in acked}
        for c in children
    ]


# --- groups ----------------------------------------------------------------------------------
def group_list(*, user, school_id=None, term_id=None, include_closed: bool = True) -> QuerySet[ServiceGroup]:
    qs = (ServiceGroup.objects.visible_to(user).select_related("venue", "teacher", "school", "term")
          .annotate(placed=Count("placements", filter=Q(placements__active=True))))
    if school_id:
        qs = qs.filter(school_id=school_id)
    if term_id:
        qs = qs.filter(term_id=term_id)
    if not include_closed:
        qs = qs.filter(status=ServiceGroup.Status.ACTIVE)
    return qs.order_by("status", "session", "grade_from", "name")


def move_targets(*, group: ServiceGroup, placements) -> dict[int, dict]:
    """For each placement of the group, where its child may be moved: the active groups of the same
    school, term and session that serve the child's grade and days with a free seat first, then the
    others with why they do not fit (grade, days, full). One query for any number of placements (the
    placements come with `application__student__homeroom_class__grade`)."""
    others = list(ServiceGroup.objects.filter(school_id=group.school_id, term_id=group.term_id, session=group.session,
                                              status=ServiceGroup.Status.ACTIVE).exclude(pk=group.pk)
                  .annotate(placed=Count("placements", filter=Q(placements__active=True)))
                  .order_by("grade_from", "grade_to", "name", "pk"))
    for g in others:
        g.free = max(g.capacity - g.placed, 0)
    out = {}
    for p in placements:
        app = p.application
        grade = app.student.homeroom_class.grade.number
        fits, rest = [], []
        for g in others:
            if not (g.grade_from <= grade <= g.grade_to):
                rest.append((g, _("another grade")))
            elif not set(app.weekdays or []) <= set(g.weekdays or []):
                rest.append((g, _("other days")))
            elif not g.free:
                rest.append((g, _("full")))
            else:
                fits.append(g)
        out[p.pk] = {"fits": fits, "others": rest}
    return out


def group_get_for_user(*, user, pk) -> ServiceGroup:
    return get_for_user(ServiceGroup.objects.select_related("school", "term", "venue", "teacher"), user, pk)


def school_status_counts(*, school_id, term_id) -> dict[str, int]:
    rows = (Application.objects.filter(school_id=school_id, term_id=term_id).values("status")
            .annotate(n=Count("id")).values_list("status", "n"))
    return dict(rows)


def priority_claim_counts(*, school_ids, term_id) -> dict[str, dict[str, int]]:
    """Counts by priority group and status: what everybody who may not see a claim sees."""
    out: dict[str, dict[str, int]] = {}
    for group, status, n in (PriorityClaim.objects.filter(application__school_id__in=school_ids,
                                                          application__term_id=term_id)
                             .values("group", "status").annotate(n=Count("id")).values_list("group", "status", "n")):
        out.setdefault(group, {})[status] = n
    return out


# --- why an application got its place ---------------------------------------------------------
def _when(value: str) -> str:
    dt = parse_datetime(value or "")
    return date_format(timezone.localtime(dt), "SHORT_DATETIME_FORMAT") if dt else ""


def explanation_text(application: Application, *, show_priority: bool) -> str:
    """The explanation stored by the allocation, in the reader's language."""
    e = application.explanation or {}
    kind = e.get("kind")
    status = application.status
    if status == Application.Status.REJECTED:
        return _("Not approved by the homeroom teacher: %(reason)s") % {"reason": application.reject_reason}
    if status == Application.Status.WITHDRAWN:
        if e.get("why") == "consent_refused":
            return _("Withdrawn because a guardian refused consent to the privacy notice: without consent the "
                     "school does not process the application. A guardian who consents can apply again.")
        return _("Withdrawn.")
    if status == Application.Status.SUBMITTED:
        return _("Waiting for the homeroom teacher's review.")
    if status == Application.Status.CLASS_REVIEWED:
        return _("Approved by the homeroom teacher; waiting for the allocation of seats.")
    if show_priority:
        priority = (_("a verified priority claim") if e.get("priority") else _("no verified priority claim"))
    else:
        priority = ""
    order = _("Seats go first to verified priority claims, then by time of application (applied %(when)s).") % {
        "when": _when(e.get("submitted_at", ""))}
    if kind == "moved":
        return _("Moved to %(groups)s by the school: %(reason)s") % {"groups": join_list(e.get("groups", [])),
                                                                     "reason": e.get("reason", "")}
    if kind == "placed":
        head = (_("Promoted from the waiting list to %(groups)s when a seat became free.") if e.get("promoted")
                else _("Placed in %(groups)s.")) % {"groups": join_list(e.get("groups", []))}
        rank = _("Place %(rank)s of %(total)s in the allocation order") % {"rank": e.get("rank"),
                                                                            "total": e.get("total")}
        return " ".join(filter(None, [head, rank + (f" ({priority})." if priority else "."), order]))
    if kind == "waitlisted":
        labels = dict(Session.choices)
        full = join_list(labels.get(s, s) for s in e.get("full_sessions", []))
        head = _("Waiting list position %(position)s: every matching group for %(sessions)s is full.") % {
            "position": application.waitlist_position or e.get("position"), "sessions": full}
        ahead = _("%(n)s of the children ahead have a verified priority claim; the others applied earlier.") % {
            "n": e.get("ahead_priority", 0)}
        return " ".join(filter(None, [head, ahead, f"({priority})." if priority else "", order]))
    return ""
