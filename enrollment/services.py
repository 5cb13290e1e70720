"""Writes of enrollment: letters, applications and their state machine, priority claims, groups,
teacher assignment, pickup persons, and the one seat-allocation routine.

Seat changes all go through `_allocate`, which runs with the school's groups for the term locked
(`select_for_update`, always in primary-key order), so two requests can never hand out the same
seat, also on PostgreSQL under concurrent requests. Every seat change (a withdrawal, a move, a new
group, a raised head-count, a changed priority of a waiting child) runs it, so that no waitlisted
application fits a free seat and the waiting list's positions follow the allocation order; the
first-come path (`application_allocate`) relies on that to lock only the groups that could serve
the child and to take a seat, or a place on the list, without reading the list. Lock order
everywhere: groups, then applications (then the school's row, for a first-come place on the list).
"""
from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy

from accounts.privacy import normalise_phone, validate_phone
from accounts.roles import Role
from accounts.scoping import scope_of
from privacy.services import consent_given, consent_refused
from schools.models import Guardianship, School, Student, Term, Venue
from shahe_afterschool.errors import ConflictError, DomainError

from .jsonfields import JSONIncrement
from .models import (
    REASON_ALLOCATION,
    REASON_CONSENT_REFUSED,
    REASON_NO_SEAT,
    REASON_PROMOTED,
    REASON_WITHDRAWN,
    Application,
    ApplicationTransition,
    AuthorisedPickupPerson,
    LetterAcknowledgement,
    ParentLetter,
    Placement,
    PriorityClaim,
    PriorityGroup,
    ServiceGroup,
    Session,
)

S = Application.Status

#: The state machine: from → the states it may go to. `placed → placed` is a move between groups.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.CLASS_REVIEWED, S.REJECTED, S.WITHDRAWN}),
    S.CLASS_REVIEWED: frozenset({S.PLACED, S.WAITLISTED, S.WITHDRAWN}),
    S.WAITLISTED: frozenset({S.PLACED, S.WITHDRAWN}),
    S.PLACED: frozenset({S.PLACED, S.WITHDRAWN}),
    S.WITHDRAWN: frozenset(),
    S.REJECTED: frozenset(),
}


# --- helpers ---------------------------------------------------------------------------------
def _is_guardian(user, student: Student) -> bool:
    return Guardianship.objects.filter(guardian=user, student=student, active=True).exists()


def _require_school_role(user, school_id: int, *roles: str, message) -> None:
    scope = scope_of(user)
    if not (scope.is_admin or school_id in scope.schools_with(*roles)):
        raise PermissionDenied(message)


class PermissionDenied(DomainError):
    """A visible object, a forbidden action: 403."""

    status_code = 403


def _transition(application: Application, to: str, *, by, reason: str = "") -> None:
    old = application.status
    if to not in TRANSITIONS[old]:
        raise ConflictError(
            gettext_lazy("An application that is “%(old)s” cannot become “%(new)s”.")
            % {"old": Application.Status(old).label, "new": Application.Status(to).label}
        )
    application.status = to
    application.save()
    ApplicationTransition.objects.create(application=application, from_status=old, to_status=to, by=by,
                                         reason=(reason or "")[:255])


def _lock_application(application: Application) -> Application:
    return Application.objects.select_for_update(of=("self",)).select_related(
        "student__homeroom_class__grade").get(pk=application.pk)


def _lock_groups(*, school_id: int, term_id: int) -> list[ServiceGroup]:
    """Lock every group of the school's term: the one gate all seat changes pass."""
    return list(ServiceGroup.objects.select_for_update().filter(school_id=school_id, term_id=term_id).order_by("pk"))


#: A notice for the guardians: the application (as the change leaves it), the kind, its extras.
Event = tuple[Application, str, dict]


def _notify(events: list[Event]) -> None:
    """Tell the guardians, at the end of the change's transaction: the in-app notices are written
    with the change (a rolled-back change tells nobody anything, a committed one is never without
    its notices), the copies (e-mail) are sent after commit (`notices.services.notify_many`)."""
    if events:
        _send_notices(list(events))


NOTICE_TITLES = {
    "received": gettext_lazy("Application received for %(child)s"),
    "approved": gettext_lazy("The homeroom teacher approved the application for %(child)s"),
    "rejected": gettext_lazy("The application for %(child)s was not approved"),
    "placed": gettext_lazy("%(child)s has a place in the after-school service"),
    "waitlisted": gettext_lazy("%(child)s is on the waiting list at position %(position)s"),
    "promoted": gettext_lazy("A seat became free: %(child)s now has a place"),
    "withdrawn": gettext_lazy("The application for %(child)s was withdrawn"),
    "moved": gettext_lazy("%(child)s was moved to another group"),
}


def _send_notices(events: list[Event]) -> None:
    """The guardians' notices for `events`, written together: one read of the guardians and one
    bulk insert in one transaction (`notices.services.notify_many`). The applications are the
    service's own objects, final once committed, with their student loaded."""
    from notices.services import notify_many

    from .selectors import explanation_text

    missing = [app.pk for app, _k, _e in events if not Application.student.is_cached(app)]
    students = Student.objects.in_bulk({app.student_id for app, _k, _e in events}) if missing else {}
    guardians: dict[int, list] = {}
    for g in Guardianship.objects.filter(student_id__in={app.student_id for app, _k, _e in events}, active=True
                                         ).select_related("guardian").only(
                                             "student_id", "guardian__email", "guardian__phone",
                                             "guardian__wechat_openid", "guardian__notify_ordinary_wechat",
                                             "guardian__notify_ordinary_sms", "guardian__language",
                                             "guardian__name"):
        guardians.setdefault(g.student_id, []).append(g.guardian)
    link = reverse("enrollment:parent_home")
    notices = []
    explain = lazy(explanation_text, str)  # rendered in each guardian's language by notify_many
    for app, kind, extra in events:
        student = app.student if Application.student.is_cached(app) else students[app.student_id]
        body = extra.get("reason") or explain(app, show_priority=True)
        notices.append({"recipients": guardians.get(app.student_id, []), "kind": f"enrollment.{kind}",
                        "title": NOTICE_TITLES[kind], "body": body, "link": link,
                        "context": {"child": student.name, "position": extra.get("position", "")},
                        "params": {"child": student.name},
                        "dedupe_key": f"enrollment:{app.pk}:{kind}:{extra.get('seq', '')}"[:128]})
    notify_many(notices)


# --- the letter to parents -------------------------------------------------------------------
def letter_publish(*, school: School, term: Term, by, title: str, service_scope: str, times: str, content: str,
                   safety_measures: str) -> ParentLetter:
    """Publish a new version of the school's letter for the term; parents must acknowledge it again."""
    _require_school_role(by, school.pk, Role.PRINCIPAL, Role.MORAL_ED,
                         message=gettext_lazy("Only the principal or the moral-education office publishes the letter."))
    with transaction.atomic():
        last = ParentLetter.objects.select_for_update().filter(school=school, term=term).order_by("-version").first()
        letter = ParentLetter(school=school, term=term, version=(last.version + 1) if last else 1, title=title,
                              service_scope=service_scope, times=times, content=content,
                              safety_measures=safety_measures, published_by=by)
        letter.full_clean()
        letter.save()
    return letter


def letter_acknowledge(*, letter: ParentLetter, guardian) -> LetterAcknowledgement:
    """A guardian of a child of the letter's school acknowledges it (anyone signed in may read it)."""
    if not Guardianship.objects.filter(guardian=guardian, active=True, student__school_id=letter.school_id
                                       ).exists():
        raise PermissionDenied(gettext_lazy("Only guardians of this school's children acknowledge its letter."))
    current = ParentLetter.objects.current_for(school=letter.school, term=letter.term)
    if current is None or current.pk != letter.pk:
        raise ConflictError(gettext_lazy("This letter has a newer version; please read the current one."),
                            field="letter")
    try:
        with transaction.atomic():
            ack, _created = LetterAcknowledgement.objects.get_or_create(letter=letter, guardian=guardian)
    except IntegrityError:  # a double tap: the other request acknowledged it
        ack = LetterAcknowledgement.objects.get(letter=letter, guardian=guardian)
    return ack


# --- applications ----------------------------------------------------------------------------
def _clean_choice_list(values, allowed, *, field: str, message) -> list:
    if not isinstance(values, list | tuple) or not values:
        raise DomainError(message, field=field)
    out = []
    for v in values:
        if v not in allowed:
            raise DomainError(message, field=field)
        if v not in out:
            out.append(v)
    return out


CONSENT_MISSING = gettext_lazy(
    "Before applying for %(child)s, read the privacy notice and give your consent on the “Privacy and "
    "consent” page. Without your consent the school cannot enroll your child.")
CONSENT_REFUSED = gettext_lazy(
    "A guardian of %(child)s has refused consent to the privacy notice. While the refusal stands, the "
    "school cannot enroll the child.")


def application_submit(*, by, student: Student, term: Term, sessions, weekdays, letter: ParentLetter | None,
                       letter_acknowledged: bool = False, pickup_plan: str = Application.Pickup.GUARDIAN,
                       departure_time: datetime.time | None = None,
                       priority_claims: Iterable[tuple[str, str]] = (),
                       new_pickup_person: dict | None = None) -> Application:
    """A guardian applies for their child for the term (after acknowledging the current letter).

    `new_pickup_person` ({"name", "relation", "phone"}) adds an authorised pickup person in the same
    transaction (the application form's inline fields): a refused application adds nobody, a refused
    person sends no application. Its errors name the form's fields (`pickup_name`, ...)."""
    if new_pickup_person:
        with transaction.atomic():
            try:
                pickup_person_add(student=student, by=by, **new_pickup_person)
            except DomainError as exc:
                exc.field = f"pickup_{exc.field}" if exc.field else "pickup_name"
                raise
            return application_submit(
                by=by, student=student, term=term, sessions=sessions, weekdays=weekdays, letter=letter,
                letter_acknowledged=letter_acknowledged, pickup_plan=pickup_plan, departure_time=departure_time,
                priority_claims=priority_claims)
    # The guardian's consent (consent_given with a guardian reads only an active guardian's) proves
    # the guardianship too: the guardianship is read on its own only to say what is missing.
    if not consent_given(student, by):
        if not _is_guardian(by, student):
            raise PermissionDenied(gettext_lazy("You can apply only for your own children."), field="student")
        # PIPL: no enrollment without the guardian's consent to the current privacy notice.
        raise ConflictError(CONSENT_MISSING % {"child": student.name}, field="consent")
    sessions = _clean_choice_list(sessions, Session.values, field="sessions",
                                  message=gettext_lazy("Choose the noon service, the after-school service or both."))
    weekdays = sorted(_clean_choice_list(weekdays, [1, 2, 3, 4, 5], field="weekdays",
                                         message=gettext_lazy("Choose at least one school day (1 = Monday ... 5 = Friday).")))
    if pickup_plan not in Application.Pickup.values:
        raise DomainError(gettext_lazy("Choose how your child goes home."), field="pickup_plan")
    if pickup_plan == Application.Pickup.FLEXIBLE:
        if departure_time is None:
            raise DomainError(gettext_lazy("Choose the time your child may leave on their own."),
                              field="departure_time")
        latest = term.latest_end
        if isinstance(latest, str):  # a Term built in memory keeps its string default
            latest = datetime.time.fromisoformat(latest)
        if not isinstance(departure_time, datetime.time) or departure_time > latest:
            raise DomainError(gettext_lazy("The service ends by %(t)s; choose an earlier time.")
                              % {"t": latest.strftime("%H:%M")}, field="departure_time")
        from attendance.selectors import departure_slots

        slots = departure_slots(school_id=student.school_id, term_id=term.pk)  # set by the school for the term
        if slots and departure_time.replace(second=0, microsecond=0) not in slots:
            raise DomainError(gettext_lazy("Choose one of the school's departure times: %(times)s.")
                              % {"times": "、".join(t.strftime("%H:%M") for t in slots)}, field="departure_time")
    else:
        departure_time = None
    if pickup_plan == Application.Pickup.AUTHORISED and not AuthorisedPickupPerson.objects.filter(
            student=student, active=True).exists():
        raise DomainError(gettext_lazy("Add an authorised pickup person first."), field="pickup_plan")
    claims: dict[str, str] = {}
    for item in priority_claims or ():
        group, note = item
        if group not in PriorityGroup.values:
            raise DomainError(gettext_lazy("Unknown priority group."), field="priority_groups")
        note = (note or "").strip()
        if len(note) > 200:
            raise DomainError(gettext_lazy("Keep the note under 200 characters."), field="priority_groups")
        claims[group] = note
    current = ParentLetter.objects.current_for(school=student.school, term=term)
    if current is None:
        raise ConflictError(gettext_lazy("The school has not published its letter to parents for this term yet."))
    if letter is None or letter.pk != current.pk:
        raise ConflictError(gettext_lazy("Read and acknowledge the current letter to parents before applying."),
                            field="letter")
    ack = LetterAcknowledgement.objects.filter(letter=current, guardian=by).first()
    if ack is None and letter_acknowledged:
        # The guardian of a child of the letter's school acknowledges its current version (checked
        # above), on its own: the acknowledgement stands even if the application is refused.
        try:
            with transaction.atomic():
                ack = LetterAcknowledgement.objects.create(letter=current, guardian=by)
        except IntegrityError:  # a double tap: the other request acknowledged it
            ack = LetterAcknowledgement.objects.get(letter=current, guardian=by)
    if ack is None:
        raise ConflictError(gettext_lazy("Read and acknowledge the current letter to parents before applying."),
                            field="letter_acknowledged")
    application = Application(
        student=student, term=term, school_id=student.school_id, sessions=sessions, weekdays=weekdays,
        pickup_plan=pickup_plan, departure_time=departure_time, letter=current, letter_version=current.version,
        letter_acknowledged_at=ack.acknowledged_at, submitted_by=by, submitted_at=timezone.now(),
    )
    # The related rows were just read (their foreign keys hold in the database): no query each.
    application.full_clean(exclude=["student", "term", "school", "letter", "submitted_by"],
                           validate_constraints=False)
    try:
        with transaction.atomic():
            # A refusal of consent recorded at this moment by another guardian: the child's row is
            # the gate (privacy.services.consent_record takes it too), so either the refusal comes
            # first and the application is refused here, or it comes after and withdraws it.
            Student.objects.select_for_update().filter(pk=student.pk).first()
            if consent_refused(student):
                raise ConflictError(CONSENT_REFUSED % {"child": student.name}, field="consent")
            # Two simultaneous applications for the same child and term: the second one's INSERT
            # waits on the unique constraint (one open application per child and term) and fails.
            if Application.objects.filter(student=student, term=term, status__in=Application.OPEN_STATUSES).exists():
                raise ConflictError(gettext_lazy("%(child)s already has an application for this term.")
                                    % {"child": student.name})
            application.save()
            ApplicationTransition.objects.create(application=application, from_status="", to_status=S.SUBMITTED,
                                                 by=by, reason="")
            PriorityClaim.objects.bulk_create(
                [PriorityClaim(application=application, group=g, note=n) for g, n in claims.items()])
            _notify([(application, "received", {})])
    except IntegrityError as exc:  # the unique constraint caught a concurrent duplicate
        raise ConflictError(gettext_lazy("%(child)s already has an application for this term.")
                            % {"child": student.name}) from exc
    return application


def _require_reviewer(user, application: Application) -> None:
    scope = scope_of(user)
    if scope.is_admin or application.student.homeroom_class_id in scope.homeroom_class_ids or \
            application.school_id in scope.schools_with(Role.PRINCIPAL):
        return
    raise PermissionDenied(gettext_lazy("Only the homeroom teacher of the class or the principal reviews applications."))


def application_review(*, application: Application, by, decision: str, reason: str = "") -> Application:
    """The homeroom teacher approves (→ class_reviewed) or rejects with a reason the parent sees."""
    _require_reviewer(by, application)
    reason = (reason or "").strip()
    if decision not in ("approve", "reject"):
        raise DomainError(gettext_lazy("The decision is “approve” or “reject”."), field="decision")
    if decision == "reject" and not reason:
        raise DomainError(gettext_lazy("Give the parent a reason for the rejection."), field="reason")
    if len(reason) > 255:
        raise DomainError(gettext_lazy("Keep the reason under 255 characters."), field="reason")
    with transaction.atomic():
        application = _lock_application(application)
        if application.status != S.SUBMITTED:
            raise ConflictError(gettext_lazy("Only a submitted application can be reviewed; this one is “%(s)s”.")
                                % {"s": application.get_status_display()})
        application.reviewed_by, application.reviewed_at = by, timezone.now()
        if decision == "approve":
            _transition(application, S.CLASS_REVIEWED, by=by, reason=reason)
            _notify([(application, "approved", {})])
        else:
            application.reject_reason = reason
            _transition(application, S.REJECTED, by=by, reason=reason)
            _notify([(application, "rejected", {"reason": reason})])
    return application


def claim_decide(*, claim: PriorityClaim, by, verified: bool) -> PriorityClaim:
    """The homeroom teacher verifies or declines one priority claim (verified claims come first)."""
    _require_reviewer(by, claim.application)
    with transaction.atomic():
        # A waiting child's place on the list follows the priority: lock the groups first (the lock
        # order) when the application may be on the waiting list, to renumber it below.
        may_wait = claim.application.status in (S.CLASS_REVIEWED, S.WAITLISTED)
        if may_wait:
            _lock_groups(school_id=claim.application.school_id, term_id=claim.application.term_id)
        application = _lock_application(claim.application)
        if not application.is_open:
            raise ConflictError(gettext_lazy("This application is closed; its claims can no longer change."))
        claim = PriorityClaim.objects.select_for_update().get(pk=claim.pk)
        claim.status = PriorityClaim.Status.VERIFIED if verified else PriorityClaim.Status.DECLINED
        claim.decided_by, claim.decided_at = by, timezone.now()
        claim.save()
        has = application.claims.filter(status=PriorityClaim.Status.VERIFIED).exists()
        if has != application.has_verified_priority:
            application.has_verified_priority = has
            application.save(update_fields=["has_verified_priority"])
            if may_wait and application.status == S.WAITLISTED:
                _notify(_allocate(school_id=application.school_id, term_id=application.term_id, by=None,
                                        include_reviewed=False, locked=True))
    return claim


def application_withdraw(*, application: Application, by, reason: str = "") -> Application:
    """The guardian withdraws at any time; a seat freed goes to the first waitlisted child."""
    if not _is_guardian(by, application.student) and not scope_of(by).is_admin:
        raise PermissionDenied(gettext_lazy("Only the child's guardian can withdraw the application."))
    with transaction.atomic():
        _lock_groups(school_id=application.school_id, term_id=application.term_id)
        application = _lock_application(application)
        if not application.is_open:
            raise ConflictError(gettext_lazy("This application is already “%(s)s”.")
                                % {"s": application.get_status_display()})
        _withdraw_locked(application, by=by, reason=(reason or "").strip()[:255], end_reason=REASON_WITHDRAWN)
    return application


def _withdraw_locked(application: Application, *, by, reason: str, end_reason: str) -> None:
    """Withdraw an open application whose groups and row are locked: its seat ends, the waiting list
    moves up into the seat freed, and the guardians are told."""
    application.placements.filter(active=True).update(active=False, ended_at=timezone.now(), end_reason=end_reason)
    application.waitlist_position = None
    _transition(application, S.WITHDRAWN, by=by, reason=reason)
    events = [(application, "withdrawn", {})]
    events += _allocate(school_id=application.school_id, term_id=application.term_id, by=None,
                        include_reviewed=False, locked=True)
    _notify(events)


def applications_withdraw_for_refused_consent(*, student: Student, by) -> list[Application]:
    """A guardian refused (or withdrew) consent to the privacy notice: no processing of the child
    goes on. Every open application of the child is withdrawn, whatever its state (a seat held is
    freed for the waiting list; the review and the allocation never see it again), with the reason
    in its history and its explanation, which the family and the school see, and the guardians are
    told. Called by privacy in the transaction that records the refusal (a consent-refused hook)."""
    withdrawn = []
    for pk, school_id, term_id in (Application.objects.filter(student=student, status__in=Application.OPEN_STATUSES)
                                   .order_by("pk").values_list("pk", "school_id", "term_id")):
        with transaction.atomic():
            _lock_groups(school_id=school_id, term_id=term_id)
            application = _lock_application(Application(pk=pk))
            if not application.is_open:
                continue
            application.explanation = {"kind": "withdrawn", "why": "consent_refused"}
            _withdraw_locked(application, by=by, reason=REASON_CONSENT_REFUSED, end_reason=REASON_CONSENT_REFUSED)
            withdrawn.append(application)
    return withdrawn


# --- allocation: the one routine that hands out seats ---------------------------------------
def _sort_key(app: Application):
    return (not app.has_verified_priority, app.submitted_at, app.pk)


def _allocate(*, school_id: int, term_id: int, by, include_reviewed: bool,
              locked: bool = False) -> list[Event]:
    """Place reviewed (and waitlisted) applications in order: verified priority first, then time of
    application. The rest are waitlisted in the same order. Must run inside `transaction.atomic`.

    A child needs a seat in a matching group (session, grade band, weekdays) for every session asked
    for; otherwise the child waits. Returns the notices to send after commit."""
    groups = _lock_groups(school_id=school_id, term_id=term_id) if not locked else list(
        ServiceGroup.objects.filter(school_id=school_id, term_id=term_id).order_by("pk"))
    active = [g for g in groups if g.status == ServiceGroup.Status.ACTIVE]
    taken = Counter(dict(Placement.objects.filter(group__in=groups, active=True).values_list("group")
                         .annotate(n=Count("id")).values_list("group", "n")))
    statuses = [S.WAITLISTED, S.CLASS_REVIEWED] if include_reviewed else [S.WAITLISTED]
    candidates = sorted(
        Application.objects.select_for_update(of=("self",)).filter(
            school_id=school_id, term_id=term_id, status__in=statuses)
        .select_related("student__homeroom_class__grade"),
        key=_sort_key,
    )
    now = timezone.now()
    total = len(candidates)
    events: list[Event] = []
    waiting: list[tuple[Application, int, list[str]]] = []
    for rank, app in enumerate(candidates, 1):
        grade = app.student.homeroom_class.grade.number
        chosen, full = [], []
        for session in app.sessions:
            matching = [g for g in active if g.serves(grade=grade, session=session, weekdays=app.weekdays)]
            free = [g for g in matching if taken[g.pk] < g.capacity]
            if free:
                chosen.append(free[0])
            else:
                full.append(session)
        if not full:
            was_waiting = app.status == S.WAITLISTED
            for g in chosen:
                Placement.objects.create(application=app, group=g, placed_by=by,
                                         reason=REASON_PROMOTED if was_waiting else REASON_ALLOCATION)
                taken[g.pk] += 1
            app.waitlist_position = None
            app.explanation = {
                "kind": "placed", "rank": rank, "total": total, "priority": app.has_verified_priority,
                "submitted_at": app.submitted_at.isoformat(), "groups": [g.name for g in chosen],
                "promoted": was_waiting, "at": now.isoformat(),
            }
            _transition(app, S.PLACED, by=by, reason=REASON_PROMOTED if was_waiting else REASON_ALLOCATION)
            events.append((app, "promoted" if was_waiting else "placed", {}))
        else:
            waiting.append((app, rank, full))
    for position, (app, rank, full) in enumerate(waiting, 1):
        first_time = app.status != S.WAITLISTED
        old_position = app.waitlist_position
        app.waitlist_position = position
        app.explanation = {
            "kind": "waitlisted", "rank": rank, "total": total, "priority": app.has_verified_priority,
            "submitted_at": app.submitted_at.isoformat(), "position": position, "full_sessions": full,
            "ahead_priority": sum(1 for a, _r, _f in waiting[:position - 1] if a.has_verified_priority),
            "at": now.isoformat(),
        }
        if first_time:
            _transition(app, S.WAITLISTED, by=by, reason=REASON_NO_SEAT)
            events.append((app, "waitlisted", {"position": position}))
        elif old_position != position:
            app.save(update_fields=["waitlist_position", "explanation"])
    return events


def allocation_run(*, school: School, term: Term, by) -> dict:
    """The moral-education office runs the allocation for the school's term."""
    _require_school_role(by, school.pk, Role.MORAL_ED, Role.PRINCIPAL,
                         message=gettext_lazy("Only the moral-education office or the principal runs the allocation."))
    with transaction.atomic():
        events = _allocate(school_id=school.pk, term_id=term.pk, by=by, include_reviewed=True)
        _notify(events)
    kinds = Counter(kind for _id, kind, _extra in events)
    return {"placed": kinds["placed"] + kinds["promoted"], "waitlisted": kinds["waitlisted"]}


def _ahead_of(app: Application) -> Q:
    """Applications before `app` in the allocation order (`_sort_key`: verified priority first, then
    time of application, then id), as a filter."""
    same_time = Q(submitted_at=app.submitted_at, pk__lt=app.pk)
    if app.has_verified_priority:
        return Q(has_verified_priority=True) & (Q(submitted_at__lt=app.submitted_at) | same_time)
    return Q(has_verified_priority=True) | (Q(submitted_at__lt=app.submitted_at) | same_time)


def application_allocate(*, application: Application, by=None) -> Application:
    """Allocate right away once an application is reviewed (used where seats are first come).

    First come: the application takes the first free seat (lowest group id) of a matching group for
    each session it asks for, or joins the waiting list at its place in the allocation order
    (verified priority first, then time of application), in a fixed number of queries whatever the
    length of the waiting list. Only the groups that could serve the child are locked (so other
    grades and sessions of the school go on in parallel); joining the waiting list also locks the
    school's row (`FOR NO KEY UPDATE`), which serialises the positions of the school's waiting list.

    This relies on what every seat change keeps true (`_allocate` runs after each of them): no
    waitlisted application fits the free seats, and the positions 1..n follow the allocation order.
    So an application reviewed now can never take a seat a child ahead of it could have had, and the
    children behind it on the list move down by one."""
    with transaction.atomic():
        # Everything that needs no lock is read first: the seat decision below is the only part
        # under the groups' locks, where every other allocation at this school waits.
        app = Application.objects.select_related("student__homeroom_class__grade").get(pk=application.pk)
        if app.status != S.CLASS_REVIEWED:  # not reviewed, or already placed, waiting or closed
            return app
        grade = app.student.homeroom_class.grade.number
        groups = _lock_candidate_groups(app, grade=grade)
        if not groups:  # no group could ever serve this child: the whole allocation, under every lock
            _notify(_allocate(school_id=app.school_id, term_id=app.term_id, by=by, include_reviewed=True))
            return Application.objects.get(pk=application.pk)
        # The application's row, locked: every change of a reviewed application waits for the
        # school's groups first, so what was read above still holds unless this says otherwise.
        status, priority, grade_now = Application.objects.select_for_update(of=("self",)).filter(
            pk=app.pk).values_list("status", "has_verified_priority", "student__homeroom_class__grade__number").get()
        if status != S.CLASS_REVIEWED:  # a concurrent allocation run got there first
            return Application.objects.get(pk=application.pk)
        if grade_now != grade:
            # the child changed class in between: the locked groups may not be the right ones
            raise ConflictError(gettext_lazy("The application changed while seats were being allocated; "
                                             "please try again."))
        app.has_verified_priority = priority
        events = _allocate_one(app, groups=groups, by=by)
        _notify(events)
    return app


def _lock_candidate_groups(app: Application, *, grade: int) -> list[ServiceGroup]:
    """Lock (in primary-key order) the school's active groups of the term that could serve the
    application: its sessions, the child's grade. Weekdays are checked in Python (`serves`)."""
    return list(ServiceGroup.objects.select_for_update().filter(
        school_id=app.school_id, term_id=app.term_id, status=ServiceGroup.Status.ACTIVE,
        session__in=app.sessions, grade_from__lte=grade, grade_to__gte=grade).order_by("pk"))


def _allocate_one(app: Application, *, groups: list[ServiceGroup], by) -> list[Event]:
    """`application_allocate`'s work with the candidate groups and the application locked."""
    grade = app.student.homeroom_class.grade.number
    taken = Counter(dict(Placement.objects.filter(group__in=groups, active=True).values_list("group")
                         .annotate(n=Count("id")).values_list("group", "n")))
    chosen, full = [], []
    for session in app.sessions:
        free = [g for g in groups if g.serves(grade=grade, session=session, weekdays=app.weekdays)
                and taken[g.pk] < g.capacity]
        if free:
            chosen.append(free[0])
        else:
            full.append(session)
    now = timezone.now()
    waiting = Application.objects.filter(school_id=app.school_id, term_id=app.term_id, status=S.WAITLISTED)
    if not full:
        counts = waiting.aggregate(total=Count("id"), ahead=Count("id", filter=_ahead_of(app)))
        for g in chosen:
            Placement.objects.create(application=app, group=g, placed_by=by, reason=REASON_ALLOCATION)
        app.waitlist_position = None
        app.explanation = {
            "kind": "placed", "rank": counts["ahead"] + 1, "total": counts["total"] + 1,
            "priority": app.has_verified_priority, "submitted_at": app.submitted_at.isoformat(),
            "groups": [g.name for g in chosen], "promoted": False, "at": now.isoformat(),
        }
        _transition(app, S.PLACED, by=by, reason=REASON_ALLOCATION)
        return [(app, "placed", {})]
    # The waiting list: one school at a time, then one count and one shift instead of a renumbering.
    list(School.objects.select_for_update(no_key=True).filter(pk=app.school_id).order_by().values_list("pk",
                                                                                                      flat=True))
    counts = waiting.aggregate(
        total=Count("id"), ahead=Count("id", filter=_ahead_of(app)),
        ahead_priority=Count("id", filter=_ahead_of(app) & Q(has_verified_priority=True)))
    position = counts["ahead"] + 1
    if position <= counts["total"]:  # children behind this one move down by one
        behind = waiting.filter(waitlist_position__gte=position)
        if app.has_verified_priority:
            behind.update(waitlist_position=F("waitlist_position") + 1,
                          explanation=JSONIncrement("explanation", position=1, ahead_priority=1))
        else:
            behind.update(waitlist_position=F("waitlist_position") + 1,
                          explanation=JSONIncrement("explanation", position=1))
    app.waitlist_position = position
    app.explanation = {
        "kind": "waitlisted", "rank": position, "total": counts["total"] + 1, "priority": app.has_verified_priority,
        "submitted_at": app.submitted_at.isoformat(), "position": position, "full_sessions": full,
        "ahead_priority": counts["ahead_priority"], "at": now.isoformat(),
    }
    _transition(app, S.WAITLISTED, by=by, reason=REASON_NO_SEAT)
    return [(app, "waitlisted", {"position": position})]


def placement_move(*, placement: Placement, to_group: ServiceGroup, by, reason: str) -> Placement:
    """Move a child to another group of the same session by hand, with a reason (recorded)."""
    _require_school_role(by, placement.group.school_id, Role.MORAL_ED, Role.PRINCIPAL,
                         message=gettext_lazy("Only the moral-education office or the principal moves children."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(gettext_lazy("Give a reason for the move."), field="reason")
    with transaction.atomic():
        groups = {g.pk: g for g in _lock_groups(school_id=placement.group.school_id, term_id=placement.group.term_id)}
        placement = Placement.objects.select_for_update().select_related(
            "application__student__homeroom_class__grade", "group").get(pk=placement.pk)
        target = groups.get(to_group.pk)
        app = placement.application
        if not placement.active or app.status != S.PLACED:
            raise ConflictError(gettext_lazy("This placement has already ended."))
        if target is None or target.pk == placement.group_id:
            raise DomainError(gettext_lazy("Choose another group of the same school and term."), field="to_group")
        if not target.serves(grade=app.student.homeroom_class.grade.number, session=placement.group.session,
                             weekdays=app.weekdays):
            raise DomainError(gettext_lazy("%(group)s does not serve this child's grade, session and days.")
                              % {"group": target.name}, field="to_group")
        if target.placements.filter(active=True).count() >= target.capacity:
            raise ConflictError(gettext_lazy("%(group)s is full.") % {"group": target.name}, field="to_group")
        now = timezone.now()
        placement.active, placement.ended_at, placement.end_reason = False, now, reason[:255]
        placement.save()
        new = Placement.objects.create(application=app, group=target, placed_by=by, reason=reason[:255])
        app = _lock_application(app)
        app.explanation = {**app.explanation, "kind": "moved", "groups": [
            p.group.name for p in app.placements.filter(active=True).select_related("group")],
            "reason": reason[:255], "at": now.isoformat()}
        _transition(app, S.PLACED, by=by, reason=reason)
        events = [(app, "moved", {"reason": reason, "seq": new.pk})]
        events += _allocate(school_id=target.school_id, term_id=target.term_id, by=None, include_reviewed=False,
                            locked=True)
        _notify(events)
    return new


# --- groups ----------------------------------------------------------------------------------
def _clean_group(group: ServiceGroup) -> None:
    weekdays = group.weekdays
    if not isinstance(weekdays, list) or not weekdays or any(d not in (1, 2, 3, 4, 5) for d in weekdays):
        raise DomainError(gettext_lazy("Choose at least one school day (1 = Monday ... 5 = Friday)."),
                          field="weekdays")
    group.weekdays = sorted(set(weekdays))
    grades = group.school.grade_range
    if group.grade_from not in grades or group.grade_to not in grades or group.grade_from > group.grade_to:
        raise DomainError(gettext_lazy("Choose a grade band of this school (grades %(a)s-%(b)s).")
                          % {"a": grades.start, "b": grades.stop - 1}, field="grade_from")
    if group.capacity < 1:
        raise DomainError(gettext_lazy("The head-count must be at least 1."), field="capacity")
    if group.venue_id:
        venue = group.venue
        if venue.school_id != group.school_id or not venue.active:
            raise DomainError(gettext_lazy("Choose a venue of this school."), field="venue")
        if group.capacity > venue.capacity:
            raise DomainError(gettext_lazy("%(venue)s holds %(n)s children; lower the head-count or choose a bigger venue.")
                              % {"venue": venue.name, "n": venue.capacity}, field="capacity")
    try:
        group.full_clean()
    except Exception as exc:
        from django.core.exceptions import ValidationError

        if isinstance(exc, ValidationError):
            raise DomainError(" ".join(str(m) for m in exc.messages)) from exc
        raise


def _check_venue_against_clubs(group: ServiceGroup) -> None:
    """A group's venue is booked for its session's window on its weekdays (the approved plan's): a
    club in the same room at an overlapping time is refused, naming the club and its time."""
    if not group.venue_id:
        return
    from clubs.bookings import club_bookings, resource_labels
    from clubs.services import plan_in_force
    from clubs.timetable import clashes_with

    from .bookings import bookings_for_group

    plan = plan_in_force(school=group.school, term=group.term)
    if plan is None:
        return
    mine = bookings_for_group(group, plan)
    clashes = [c for c in clashes_with(mine, club_bookings(term=group.term, school_ids=[group.school_id]))
               if c.resource == ("venue", group.venue_id)]
    if clashes:
        labels = resource_labels({clashes[0].resource})
        clash = clashes[0]
        object.__setattr__(clash, "resource_label", labels.get(clash.resource, clash.resource_label))
        raise ConflictError(clash.against_message, field="venue")


def service_group_create(*, school: School, term: Term, by, name: str, session: str, grade_from: int,
                         grade_to: int, weekdays: list[int], capacity: int, venue: Venue | None = None
                         ) -> ServiceGroup:
    _require_school_role(by, school.pk, Role.MORAL_ED, Role.PRINCIPAL,
                         message=gettext_lazy("Only the moral-education office or the principal forms groups."))
    if session not in Session.values:
        raise DomainError(gettext_lazy("Choose the noon or the after-school session."), field="session")
    group = ServiceGroup(school=school, term=term, name=(name or "").strip(), session=session, grade_from=grade_from,
                         grade_to=grade_to, weekdays=list(weekdays or []), capacity=capacity, venue=venue)
    _clean_group(group)
    _check_venue_against_clubs(group)
    with transaction.atomic():
        _lock_groups(school_id=school.pk, term_id=term.pk)
        if ServiceGroup.objects.filter(school=school, term=term, name=group.name).exists():
            raise ConflictError(gettext_lazy("There is already a group called %(name)s.") % {"name": group.name},
                                field="name")
        group.save()
        # New seats, like a raised head-count, go to the waiting list first (in its order).
        _notify(_allocate(school_id=school.pk, term_id=term.pk, by=None, include_reviewed=False, locked=True))
    return group


def service_group_update(*, group: ServiceGroup, by, name: str | None = None, capacity: int | None = None,
                         venue: Venue | None | bool = False) -> ServiceGroup:
    """Rename, change the head-count or the venue. A raised head-count promotes waitlisted children;
    it can never drop below the children already placed."""
    _require_school_role(by, group.school_id, Role.MORAL_ED, Role.PRINCIPAL,
                         message=gettext_lazy("Only the moral-education office or the principal changes groups."))
    with transaction.atomic():
        locked = {g.pk: g for g in _lock_groups(school_id=group.school_id, term_id=group.term_id)}
        group = locked[group.pk]
        if group.status != ServiceGroup.Status.ACTIVE:
            raise ConflictError(gettext_lazy("This group is closed."))
        if name is not None:
            group.name = name.strip()
            if ServiceGroup.objects.filter(school_id=group.school_id, term_id=group.term_id, name=group.name
                                           ).exclude(pk=group.pk).exists():
                raise ConflictError(gettext_lazy("There is already a group called %(name)s.") % {"name": group.name},
                                    field="name")
        if venue is not False:
            group.venue = venue
        raised = False
        if capacity is not None:
            placed = group.placements.filter(active=True).count()
            if capacity < placed:
                raise ConflictError(gettext_lazy("%(n)s children are placed in this group; the head-count cannot be lower.")
                                    % {"n": placed}, field="capacity")
            raised = capacity > group.capacity
            group.capacity = capacity
        _clean_group(group)
        if venue is not False:
            _check_venue_against_clubs(group)
        group.save()
        if raised:
            _notify(_allocate(school_id=group.school_id, term_id=group.term_id, by=None,
                                    include_reviewed=False, locked=True))
    return group


def service_group_close(*, group: ServiceGroup, by) -> ServiceGroup:
    """Groups are never deleted: an empty group is closed."""
    _require_school_role(by, group.school_id, Role.MORAL_ED, Role.PRINCIPAL,
                         message=gettext_lazy("Only the moral-education office or the principal changes groups."))
    with transaction.atomic():
        locked = {g.pk: g for g in _lock_groups(school_id=group.school_id, term_id=group.term_id)}
        group = locked[group.pk]
        placed = group.placements.filter(active=True).count()
        if placed:
            raise ConflictError(gettext_lazy("%(n)s children are still placed in %(group)s; move them first.")
                                % {"n": placed, "group": group.name})
        group.status = ServiceGroup.Status.CLOSED
        group.save()
    return group


def service_group_assign_teacher(*, group: ServiceGroup, teacher, by) -> ServiceGroup:
    """The teaching office assigns a teacher. A teacher is never in two groups of the same session
    on the same weekday: a clash is refused with a message naming the other group."""
    _require_school_role(by, group.school_id, Role.ACADEMIC, Role.PRINCIPAL,
                         message=gettext_lazy("Only the teaching-affairs office or the principal assigns teachers."))
    with transaction.atomic():
        group = ServiceGroup.objects.select_for_update().get(pk=group.pk)
        if teacher is not None:
            # Lock the teacher's row: two assignments of the same teacher queue up, so the clash
            # check below sees the other one.
            get_user_model().objects.select_for_update().filter(pk=teacher.pk).first()
            if teacher.pk not in _school_teacher_ids(group.school_id):
                raise DomainError(gettext_lazy("%(name)s is not a teacher of this school.") % {"name": teacher},
                                  field="teacher")
            for other in ServiceGroup.objects.filter(term_id=group.term_id, teacher=teacher, session=group.session,
                                                     status=ServiceGroup.Status.ACTIVE).exclude(pk=group.pk):
                common = set(other.weekdays) & set(group.weekdays)
                if common:
                    raise ConflictError(
                        gettext_lazy("%(teacher)s already teaches %(group)s (%(school)s) in the same session on "
                                     "%(days)s.")
                        % {"teacher": teacher, "group": other.name, "school": other.school.name,
                           "days": other.weekdays_display}, field="teacher")
        group.teacher = teacher
        group.save()
    return group


def _school_teacher_ids(school_id: int) -> set[int]:
    from accounts.models import RoleAssignment

    return set(RoleAssignment.objects.active().filter(
        school_id=school_id, role__in=[Role.TEACHER, Role.HOMEROOM]).values_list("user_id", flat=True))


# --- authorised pickup persons ----------------------------------------------------------------
def pickup_person_add(*, student: Student, by, name: str, relation: str, phone: str) -> AuthorisedPickupPerson:
    if not _is_guardian(by, student):
        raise PermissionDenied(gettext_lazy("Only the child's guardian manages pickup persons."))
    name, relation, phone = (name or "").strip(), (relation or "").strip(), normalise_phone(phone)
    if not name:
        raise DomainError(gettext_lazy("Enter the person's name."), field="name")
    if not relation:
        raise DomainError(gettext_lazy("Enter how the person is related to the child."), field="relation")
    from django.core.exceptions import ValidationError

    try:
        validate_phone(phone)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="phone") from exc
    person = AuthorisedPickupPerson(student=student, name=name[:64], relation=relation[:32], phone=phone, added_by=by)
    person.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            if AuthorisedPickupPerson.objects.filter(student=student, phone=phone, active=True).exists():
                raise ConflictError(gettext_lazy("This phone number is already on the list."), field="phone")
            person.save()
    except IntegrityError as exc:
        raise ConflictError(gettext_lazy("This phone number is already on the list."), field="phone") from exc
    return person


def pickup_person_end(*, person: AuthorisedPickupPerson, by) -> AuthorisedPickupPerson:
    """Take a person off the list (kept in the history, never deleted)."""
    if not _is_guardian(by, person.student):
        raise PermissionDenied(gettext_lazy("Only the child's guardian manages pickup persons."))
    if person.active:
        person.active = False
        person.save()
    return person
