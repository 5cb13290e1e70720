"""Reads of enrollment, always through `visible_to`, in a fixed number of queries per page."""
from __future__ import annotations

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

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
#: An application's claims and active placements (with their groups), prefetched.
_APP_PARTS = (
    Prefetch("claims", queryset=PriorityClaim.objects.order_by("group")),
    Prefetch("placements", queryset=Placement.objects.filter(active=True).select_related("group"),
             to_attr="active_placements"),
)


def _with_related(qs: QuerySet[Application]) -> QuerySet[Application]:
    return (
        qs.select_related("student", "student__homeroom_class", "student__homeroom_class__grade", "school", "term",
                          "letter")
        .prefetch_related(*_APP_PARTS)
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
    page (`QUEUE_PAGE_SIZE`): the classes' applications of every term add up. The page's claims:
    `with_claim_lists`."""
    scope = scope_of(user)
    waiting_first = Case(When(status=Application.Status.SUBMITTED, then=Value(0)), default=Value(1),
                         output_field=IntegerField())
    return (Application.objects.filter(student__homeroom_class_id__in=scope.homeroom_class_ids)
            .select_related("student__homeroom_class")  # what the queue shows: no school, term, letter
            .only("id", "student_id", "school_id", "status", "sessions", "weekdays", "pickup_plan", "submitted_at",
                  "has_verified_priority", "waitlist_position", "student__id", "student__name",
                  "student__homeroom_class_id", "student__school_id", "student__homeroom_class__id",
                  "student__homeroom_class__name")
            .order_by(waiting_first, "-has_verified_priority", "submitted_at", "id"))


def with_claim_lists(applications: list[Application]) -> list[Application]:
    """Sets `claim_list` on each application (its priority claims by group) in one query: a page's
    claims without `prefetch_related`'s related manager per application (the queue's 25: 2.0 ms to
    1.3 ms)."""
    claims: dict[int, list[PriorityClaim]] = {a.pk: [] for a in applications}
    if applications:
        for claim in PriorityClaim.objects.filter(application_id__in=list(claims)).order_by("group", "pk"):
            claims[claim.application_id].append(claim)
    for a in applications:
        a.claim_list = claims[a.pk]
    return applications


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
        # What the page shows of an application: no student, class, school, term or letter (the
        # letter's text was read with each application), only its claims and placements.
        for app in (Application.objects.filter(student__in=children, term=term).prefetch_related(*_APP_PARTS)
                    .order_by("submitted_at", "id")):
            current = apps.get(app.student_id)
            if current is None or app.is_open or not current.is_open:
                apps[app.student_id] = app
        # The letters and whether this guardian acknowledged each, in one query.
        for letter in (ParentLetter.objects.filter(school_id__in={c.school_id for c in children}, term=term)
                       .annotate(acked=Exists(LetterAcknowledgement.objects.filter(guardian=user,
                                                                                   letter=OuterRef("pk"))))
                       .only("id", "school_id", "term_id", "version")  # the page links to it: not its text
                       .order_by("school_id", "version")):
            letters[letter.school_id] = letter
        acked = {letter.pk for letter in letters.values() if letter.acked}
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
    """Why the application is where it is, stored by the allocation: one sentence in the reader's
    language (each case one translatable sentence with named placeholders, never pieces joined)."""
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
    values = {"groups": join_list(e.get("groups", [])), "rank": e.get("rank"), "total": e.get("total"),
              "when": _when(e.get("submitted_at", ""))}
    if kind == "moved":
        return _("Moved to %(groups)s by the school: %(reason)s") % {**values, "reason": e.get("reason", "")}
    if kind == "placed":
        if e.get("promoted"):
            return _("Promoted from the waiting list to %(groups)s when a seat became free.") % values
        if not show_priority:
            text = _("Placed in %(groups)s as number %(rank)s of %(total)s in the allocation order, which "
                     "places verified priority claims first and then goes by time of application (applied "
                     "%(when)s).")
        elif e.get("priority"):
            text = _("Placed in %(groups)s as number %(rank)s of %(total)s in the allocation order, which "
                     "places verified priority claims first (this child has one) and then goes by time of "
                     "application (applied %(when)s).")
        else:
            text = _("Placed in %(groups)s as number %(rank)s of %(total)s in the allocation order, which "
                     "places verified priority claims first (this child has none) and then goes by time of "
                     "application (applied %(when)s).")
        return text % values
    if kind == "waitlisted":
        labels = dict(Session.choices)
        position = application.waitlist_position or e.get("position")
        n = e.get("ahead_priority", 0)
        values.update(position=position, n=n,
                      sessions=join_list(str(labels.get(s, s)) for s in e.get("full_sessions", [])))
        if position == 1:
            text = _("First on the waiting list, because every matching group for %(sessions)s is full: the "
                     "next free seat goes to this child.")
        elif not show_priority:  # the counts ahead, not this child's own claim
            text = ngettext(
                "Number %(position)s on the waiting list, because every matching group for %(sessions)s is "
                "full and of the children ahead %(n)s has a verified priority claim and the others applied "
                "earlier.",
                "Number %(position)s on the waiting list, because every matching group for %(sessions)s is "
                "full and of the children ahead %(n)s have a verified priority claim and the others applied "
                "earlier.", n) if n else _(
                "Number %(position)s on the waiting list, because every matching group for %(sessions)s is "
                "full and the children ahead applied earlier.")
        elif e.get("priority"):
            text = _("Number %(position)s on the waiting list, because every matching group for %(sessions)s "
                     "is full and the children ahead also have a verified priority claim and applied earlier "
                     "(this child applied %(when)s).")
        elif not n:
            text = _("Number %(position)s on the waiting list, because every matching group for %(sessions)s "
                     "is full and the children ahead applied earlier (this child has no verified priority "
                     "claim and applied %(when)s).")
        else:
            text = ngettext(
                "Number %(position)s on the waiting list, because every matching group for %(sessions)s is "
                "full and of the children ahead %(n)s has a verified priority claim and the others applied "
                "earlier (this child has no verified priority claim and applied %(when)s).",
                "Number %(position)s on the waiting list, because every matching group for %(sessions)s is "
                "full and of the children ahead %(n)s have a verified priority claim and the others applied "
                "earlier (this child has no verified priority claim and applied %(when)s).", n)
        return text % values
    return ""


# --- the steps of an application -----------------------------------------------------------------
def application_steps(application: Application, transitions=None) -> dict:
    """The application's way through the process, read from its history (`ApplicationTransition`,
    the first time each state was reached) and its status: submitted → homeroom review → allocation
    → placed or waitlisted (position N), each step with its date once reached, and one sentence of
    what happens next. A rejection or a withdrawal ends the way: the steps not reached are dropped
    and the last step says how it ended.

    Each step: {"key", "label", "state" ("done", "current", "todo" or "stopped"), "date", "note"}."""
    S = Application.Status
    if transitions is None:
        transitions = application.transitions.all()
    reached: dict[str, object] = {}
    for t in sorted(transitions, key=lambda t: (t.at, t.pk or 0)):
        reached.setdefault(t.to_status, t.at)
    status = application.status
    allocated_at = min((reached[s] for s in (S.PLACED, S.WAITLISTED) if s in reached), default=None)

    day_format = pgettext("date of an application step (Django date format)", "M j")

    def step(key, label, state, date=None, note=""):
        day = date_format(timezone.localtime(date), day_format) if date else ""
        return {"key": key, "label": label, "state": state, "date": date, "day": day, "note": note}

    steps = [step("submitted", pgettext("application step", "Submitted"), "done",
                  reached.get(S.SUBMITTED) or application.submitted_at)]
    if S.CLASS_REVIEWED in reached:
        steps.append(step("review", pgettext("application step", "Teacher's review"), "done",
                          reached[S.CLASS_REVIEWED]))
    elif status == S.REJECTED:
        steps.append(step("review", pgettext("application step", "Teacher's review"), "stopped",
                          reached.get(S.REJECTED) or application.reviewed_at,
                          pgettext("application step", "Not approved")))
    else:
        steps.append(step("review", pgettext("application step", "Teacher's review"),
                          "current" if status == S.SUBMITTED else "todo"))
    if allocated_at:
        steps.append(step("allocation", pgettext("application step", "School allocation"), "done", allocated_at))
    else:
        steps.append(step("allocation", pgettext("application step", "School allocation"),
                          "current" if status == S.CLASS_REVIEWED else "todo"))
    if status == S.WAITLISTED:
        steps.append(step("result", pgettext("application step", "Waiting list, position %(n)s")
                          % {"n": application.waitlist_position}, "current", reached.get(S.WAITLISTED)))
    elif S.PLACED in reached:
        steps.append(step("result", pgettext("application step", "Placed"), "done", reached[S.PLACED]))
    elif S.WAITLISTED in reached:  # waited, then withdrawn
        steps.append(step("result", pgettext("application step", "Waiting list"), "done", reached[S.WAITLISTED]))
    else:
        steps.append(step("result", pgettext("application step", "Placed or waiting list"), "todo"))
    if status in (S.REJECTED, S.WITHDRAWN):
        steps = [s for s in steps if s["state"] in ("done", "stopped")]
        if status == S.WITHDRAWN:
            steps.append(step("withdrawn", pgettext("application step", "Withdrawn"), "stopped",
                              reached.get(S.WITHDRAWN)))
    return {"steps": steps, "next": next_step_text(application)}


def next_step_text(application: Application) -> str:
    """One plain sentence of what happens next (or what the family may do), in the reader's language."""
    S = Application.Status
    child = application.student.name
    if application.status == S.SUBMITTED:
        return _("Next, the homeroom teacher reviews the application; you will get a notice when it is done.")
    if application.status == S.CLASS_REVIEWED:
        return _("Next, the school allocates the seats of the service groups; you will get a notice with the "
                 "result.")
    if application.status == S.PLACED:
        groups = join_list(p.group.name for p in getattr(application, "active_placements", []))
        return _("%(child)s takes part in %(groups)s on the days you chose; there is nothing more to do.") % {
            "child": child, "groups": groups}
    if application.status == S.WAITLISTED:
        return _("When a seat becomes free, the next child on the waiting list gets it and you will get a notice "
                 "at once; there is nothing more to do.")
    if application.status == S.REJECTED:
        return _("You may talk with the homeroom teacher and apply again this term.")
    return _("You may apply again this term if you need the service.")


def letter_for_applying(*, child: Student, term: Term, guardian):
    """The school's current letter for `term`, as the apply page needs it, in one query: or None (the
    school has not published one). Annotated with `acknowledged` (this guardian acknowledged this
    version) and `child_has_open_application` (the child already has an open application for the term)."""
    return (ParentLetter.objects.newest_first(school=child.school_id, term=term)
            .annotate(acknowledged=Exists(LetterAcknowledgement.objects.filter(letter=OuterRef("pk"),
                                                                               guardian=guardian)),
                      child_has_open_application=Exists(Application.objects.filter(
                          student=child, term=term, status__in=Application.OPEN_STATUSES)))
            .first())
