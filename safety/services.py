"""Writes of the safety app. Every function checks who may do it, validates, and keeps history.

Side effects (notices to the principal, the bureau and guardians) are queued with
`transaction.on_commit`, so nobody hears of an incident that was rolled back, and they carry a
`dedupe_key`, so a retried task or a second save never notifies twice.
"""
from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import RoleAssignment
from accounts.roles import SCHOOL_ROLES, SCHOOL_WIDE_ROLES, Role
from accounts.scoping import scope_of
from schools.models import Guardianship, School, Student, Venue
from shahe_afterschool.errors import ConflictError, DomainError
from shahe_afterschool.ids import parse_id
from shahe_afterschool.queue import enqueue

from .models import (
    Drill,
    EmergencyPlan,
    FollowUpAnswer,
    FollowUpRequest,
    GuardianContact,
    Incident,
    IncidentFollowUp,
    IncidentType,
    Inspection,
    InspectionHeading,
    RectificationItem,
    Severity,
)

#: Clocks of tablets drift; a time this far ahead of the server's is still "now".
CLOCK_SKEW = datetime.timedelta(minutes=5)

INCIDENT_TRANSITIONS = {
    Incident.Status.OPEN: {Incident.Status.REVIEWING},
    Incident.Status.REVIEWING: {Incident.Status.CLOSED},
    Incident.Status.CLOSED: set(),
}
ITEM_TRANSITIONS = {
    RectificationItem.Status.OPEN: {RectificationItem.Status.RESPONDED},
    RectificationItem.Status.REOPENED: {RectificationItem.Status.RESPONDED},
    RectificationItem.Status.RESPONDED: {RectificationItem.Status.ACCEPTED, RectificationItem.Status.REOPENED},
    RectificationItem.Status.ACCEPTED: set(),
}


# --- who may do what --------------------------------------------------------------------------
def _require_staff_of(user, school_id: int) -> None:
    scope = scope_of(user)
    if not (scope.is_admin or school_id in scope.schools_with(*SCHOOL_ROLES)):
        raise PermissionDenied(_("Only staff of this school may do this."))


def _require_school_lead(user, school_id: int) -> None:
    """The principal, the offices and the duty leader run the school's safety work."""
    scope = scope_of(user)
    if not (scope.is_admin or school_id in scope.schools_with(*SCHOOL_WIDE_ROLES)):
        raise PermissionDenied(_("Only the principal or the school's offices may do this."))


def _require_bureau(user) -> None:
    scope = scope_of(user)
    if not (scope.is_admin or scope.is_bureau):
        raise PermissionDenied(_("Only education-bureau staff may do this."))


def _clean(obj) -> None:
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from exc


# --- incidents --------------------------------------------------------------------------------
def _check_severity(severity) -> int:
    try:
        value = int(severity)
    except (TypeError, ValueError):
        value = None
    if value not in Severity.values:
        raise DomainError(gettext_lazy("Choose a severity from 1 (general) to 4 (critical)."), field="severity")
    return value


def _check_type(kind) -> str:
    if kind not in IncidentType.values:
        raise DomainError(gettext_lazy("Choose one of the listed incident types."), field="type")
    return kind


def _check_time(occurred_at) -> datetime.datetime:
    if not isinstance(occurred_at, datetime.datetime):
        raise DomainError(gettext_lazy("Give the date and time it happened."), field="occurred_at")
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    if occurred_at > timezone.now() + CLOCK_SKEW:
        raise DomainError(gettext_lazy("The time of the incident cannot be in the future."), field="occurred_at")
    if occurred_at < timezone.now() - datetime.timedelta(days=366):
        raise DomainError(gettext_lazy("The time of the incident is more than a year ago; check the date."),
                          field="occurred_at")
    return occurred_at


def _check_children(school: School, children: Iterable) -> list[Student]:
    """Children as Student objects or ids; every one must be a child of this school. An unknown id and
    a child of another school get the same message, so the answer confirms nothing."""
    ids = []
    for child in children or ():
        pk = child.pk if isinstance(child, Student) else parse_id(child)
        if pk is None:  # not an id, or beyond what the database can hold
            raise DomainError(gettext_lazy("Unknown child: %(id)s.") % {"id": str(child)[:20]}, field="children")
        ids.append(pk)
    found = {s.pk: s for s in Student.objects.filter(pk__in=ids, school=school)}
    for pk in ids:
        if pk not in found:
            raise DomainError(gettext_lazy("Unknown child: %(id)s. Choose children of this school.") % {"id": pk},
                              field="children")
    return [found[pk] for pk in dict.fromkeys(ids)]


def _check_staff(school: School, staff: Iterable) -> list:
    User = get_user_model()
    ids = []
    for person in staff or ():
        pk = person.pk if isinstance(person, User) else parse_id(person)
        if pk is None:
            raise DomainError(gettext_lazy("Unknown staff member."), field="staff")
        ids.append(pk)
    found = {u.pk: u for u in User.objects.filter(
        pk__in=ids, role_assignments__school=school, role_assignments__active=True,
        role_assignments__role__in=SCHOOL_ROLES,
    ).distinct()}
    if any(pk not in found for pk in ids):
        raise DomainError(gettext_lazy("Unknown staff member: choose staff of this school."), field="staff")
    return list(found.values())


def _check_venue(school: School, venue) -> Venue | None:
    if venue in (None, ""):
        return None
    pk = venue.pk if isinstance(venue, Venue) else venue
    try:
        return Venue.objects.get(pk=int(pk), school=school)
    except (Venue.DoesNotExist, TypeError, ValueError):
        raise DomainError(gettext_lazy("Unknown place: choose a venue of this school."), field="venue") from None


def incident_report(*, user, school: School, occurred_at, type: str, severity, description: str,
                    venue=None, location_note: str = "", children: Iterable = (), staff: Iterable = (),
                    actions_taken: str = "", client_key: str = "") -> Incident:
    """Log an incident (the short tablet form: type, severity, where, what, children). Escalates at
    once when it is a missing child or serious and above."""
    _require_staff_of(user, school.pk)
    client_key = (client_key or "")[:64]
    if client_key:
        existing = Incident.objects.filter(reported_by=user, client_key=client_key).first()
        if existing:
            return existing
    incident = Incident(
        school=school, occurred_at=_check_time(occurred_at), type=_check_type(type),
        severity=_check_severity(severity), venue=_check_venue(school, venue),
        location_note=(location_note or "").strip(), description=(description or "").strip(),
        actions_taken=(actions_taken or "").strip(), reported_by=user, client_key=client_key,
    )
    kids = _check_children(school, children)
    people = _check_staff(school, staff)
    if not incident.description:
        raise DomainError(gettext_lazy("Say in a few words what happened."), field="description")
    _clean(incident)
    try:
        with transaction.atomic():
            if incident.must_escalate:
                incident.escalated_at = timezone.now()
            incident.save()
            incident.children.set(kids)
            incident.staff.set(people)
            if incident.escalated_at:
                _queue_escalation_notice(incident)
    except IntegrityError:  # the same Idempotency-Key raced in twice
        existing = Incident.objects.filter(reported_by=user, client_key=client_key).first()
        if client_key and existing:
            return existing
        raise
    return incident


def incident_update(*, incident: Incident, user, **fields) -> Incident:
    """Fill in details later: severity, where, what happened, actions taken, children, staff.
    Raising the severity to serious escalates the incident (once)."""
    _require_staff_of(user, incident.school_id)
    allowed = {"severity", "type", "venue", "location_note", "description", "actions_taken", "children", "staff",
               "occurred_at"}
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(gettext_lazy("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.status == Incident.Status.CLOSED:
            raise ConflictError(gettext_lazy("A closed incident cannot be changed; add a follow-up instead."))
        school = locked.school
        if "severity" in fields:
            locked.severity = _check_severity(fields["severity"])
        if "type" in fields:
            locked.type = _check_type(fields["type"])
        if "occurred_at" in fields:
            locked.occurred_at = _check_time(fields["occurred_at"])
        if "venue" in fields:
            locked.venue = _check_venue(school, fields["venue"])
        for name in ("location_note", "description", "actions_taken"):
            if name in fields:
                setattr(locked, name, (fields[name] or "").strip())
        if not locked.description:
            raise DomainError(gettext_lazy("Say in a few words what happened."), field="description")
        kids = _check_children(school, fields["children"]) if "children" in fields else None
        people = _check_staff(school, fields["staff"]) if "staff" in fields else None
        _clean(locked)
        newly_escalated = locked.must_escalate and locked.escalated_at is None
        if newly_escalated:
            locked.escalated_at = timezone.now()
        locked.save()
        if kids is not None:
            locked.children.set(kids)
        if people is not None:
            locked.staff.set(people)
        if newly_escalated:
            _queue_escalation_notice(locked)
    return locked


def _queue_escalation_notice(incident: Incident) -> None:
    pk = incident.pk
    transaction.on_commit(lambda: enqueue("safety.tasks.incident_escalation_notify", pk))


def escalation_recipients(incident: Incident) -> list:
    """The principal(s) of the school and every bureau user."""
    User = get_user_model()
    assignments = RoleAssignment.objects.active().filter(role=Role.PRINCIPAL, school_id=incident.school_id)
    bureau = RoleAssignment.objects.active().filter(role=Role.BUREAU)
    return list(User.objects.filter(is_active=True).filter(
        pk__in=[*assignments.values_list("user_id", flat=True), *bureau.values_list("user_id", flat=True)]
    ))


def incident_notify_escalation(*, incident_id: int) -> int:
    """Tell the principal and the bureau about an escalated incident. Safe to run twice."""
    from notices.services import notify

    incident = Incident.objects.select_related("school").filter(pk=incident_id, escalated_at__isnull=False).first()
    if incident is None:
        return 0
    # each recipient reads it in their own language; the description stays as the school wrote it
    title = gettext_lazy("Escalated incident at %(school)s: %(type)s (%(severity)s)")
    body = gettext_lazy("Happened at %(when)s. %(what)s")
    context = {"school": incident.school.name, "type": IncidentType(incident.type).label,
               "severity": Severity(incident.severity).label,
               "when": timezone.localtime(incident.occurred_at).strftime("%Y-%m-%d %H:%M"),
               "what": incident.description[:500]}
    first_child = incident.children.first()
    created = notify(recipients=escalation_recipients(incident), kind="safety.incident_escalated", title=title,
                     body=body, context=context, link=reverse("safety:incident_detail", args=[incident.pk]),
                     must_read=True,
                     dedupe_key=f"safety:incident:{incident.pk}:escalated",
                     params={"child": first_child.name if first_child else str(incident.get_type_display()),
                             "school": incident.school.name,
                             "time": timezone.localtime(incident.occurred_at).strftime("%H:%M")})
    return len(created)


def incident_transition(*, incident: Incident, user, to: str, summary: str = "") -> Incident:
    """open → reviewing → closed. Closing needs a summary. Done by the school's leads."""
    _require_school_lead(user, incident.school_id)
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if to not in Incident.Status.values:
            raise DomainError(gettext_lazy("Unknown status."), field="to")
        if to not in INCIDENT_TRANSITIONS[locked.status]:
            raise ConflictError(gettext_lazy("An incident that is “%(from)s” cannot become “%(to)s”.") % {
                "from": locked.get_status_display(), "to": Incident.Status(to).label})
        if to == Incident.Status.CLOSED:
            summary = (summary or "").strip()
            if not summary:
                raise DomainError(gettext_lazy("Write a closing summary before closing the incident."),
                                  field="summary")
            locked.closing_summary = summary
            locked.closed_at = timezone.now()
        locked.status = to
        locked.save()
    return locked


def incident_add_follow_up(*, incident: Incident, user, text: str) -> IncidentFollowUp:
    _require_staff_of(user, incident.school_id)
    text = (text or "").strip()
    if not text:
        raise DomainError(gettext_lazy("Write the follow-up."), field="text")
    entry = IncidentFollowUp(incident=incident, author=user, text=text)
    _clean(entry)
    entry.save()
    return entry


def incident_record_guardian_contact(*, incident: Incident, user, guardian_name: str, contacted_at, method: str,
                                     note: str = "") -> GuardianContact:
    _require_staff_of(user, incident.school_id)
    guardian_name = (guardian_name or "").strip()
    if not guardian_name:
        raise DomainError(gettext_lazy("Say who was told."), field="guardian_name")
    if not isinstance(contacted_at, datetime.datetime):
        raise DomainError(gettext_lazy("Give the date and time the guardian was told."), field="contacted_at")
    if timezone.is_naive(contacted_at):
        contacted_at = timezone.make_aware(contacted_at)
    if contacted_at > timezone.now() + CLOCK_SKEW:
        raise DomainError(gettext_lazy("That time is in the future."), field="contacted_at")
    if method not in GuardianContact.Method.values:
        raise DomainError(gettext_lazy("Choose how the guardian was told."), field="method")
    entry = GuardianContact(incident=incident, guardian_name=guardian_name, contacted_at=contacted_at,
                            method=method, note=(note or "").strip(), recorded_by=user)
    _clean(entry)
    entry.save()
    return entry


def guardian_message_key(incident_id: int, message: str) -> str:
    """The notices' dedupe_key prefix of one message to the guardians (each child's notice adds `:<id>`)."""
    return f"safety:incident:{incident_id}:guardians:{hashlib.sha1(message.encode(), usedforsecurity=False).hexdigest()[:16]}"


def incident_notify_guardians(*, incident: Incident, user, message: str) -> int:
    """Send the school's message to the guardians of the children involved, through the portal,
    and record each as a 'guardian informed' entry. Sending the same message twice sends nothing."""
    from notices.services import notify

    _require_staff_of(user, incident.school_id)
    message = (message or "").strip()
    if not message:
        raise DomainError(gettext_lazy("Write the message to the guardians."), field="message")
    guardianships = list(Guardianship.objects.active().filter(student__in=incident.children.all())
                         .select_related("guardian", "student"))
    if not guardianships:
        raise DomainError(gettext_lazy("No guardians to notify: add the children involved first."))
    key = guardian_message_key(incident.pk, message)
    now = timezone.now()
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.guardian_message == message and locked.guardians_notified_at:
            return 0
        locked.guardian_message = message
        locked.guardians_notified_at = now
        locked.save(update_fields=["guardian_message", "guardians_notified_at", "updated_at"])
        for g in guardianships:
            GuardianContact.objects.create(incident=locked, guardian=g.guardian, guardian_name=g.guardian.name,
                                           contacted_at=now, method=GuardianContact.Method.PORTAL,
                                           note=g.student.name, recorded_by=user)
        # One notice per child, naming the child: a family with two children involved can tell them apart.
        by_child: dict[int, tuple] = {}
        for g in guardianships:
            by_child.setdefault(g.student_id, (g.student, []))[1].append(g.guardian)
        # the title in each guardian's language; the message as the school wrote it
        title = gettext_lazy("%(school)s: a message about %(child)s")
        link = reverse("safety:incident_detail", args=[locked.pk])
        at = timezone.localtime(now).strftime("%H:%M")

        def send():
            for sid, (student, guardians) in by_child.items():  # each family's notice names its own child
                notify(recipients=guardians, kind="safety.incident_guardian", title=title, body=message,
                       context={"school": locked.school.name, "child": student.name},
                       link=link, must_read=True, dedupe_key=f"{key}:{sid}"[:128],
                       params={"child": student.name, "school": locked.school.name, "time": at})

        transaction.on_commit(send)
    return len({g.guardian_id for g in guardianships})


# --- emergency plans and drills ---------------------------------------------------------------
def emergency_plan_save(*, user, school: School, plan_type: str, text: str, last_reviewed_on: datetime.date,
                        responsible=None) -> EmergencyPlan:
    """Create or revise the school's plan of this type (one per type)."""
    _require_school_lead(user, school.pk)
    if last_reviewed_on and last_reviewed_on > timezone.localdate():
        raise DomainError(gettext_lazy("The review date cannot be in the future."), field="last_reviewed_on")
    if responsible is not None:
        _check_staff(school, [responsible])
    plan = EmergencyPlan.objects.filter(school=school, plan_type=plan_type).first() or EmergencyPlan(
        school=school, plan_type=plan_type)
    plan.text = (text or "").strip()
    plan.last_reviewed_on = last_reviewed_on
    plan.responsible = responsible
    _clean(plan)
    plan.save()
    return plan


def drill_record(*, user, plan: EmergencyPlan, held_on: datetime.date, participants: int, duration_minutes: int,
                 findings: str = "") -> Drill:
    _require_school_lead(user, plan.school_id)
    if held_on > timezone.localdate():
        raise DomainError(gettext_lazy("A drill cannot be recorded before it is held."), field="held_on")
    drill = Drill(school_id=plan.school_id, plan=plan, held_on=held_on, participants=participants,
                  duration_minutes=duration_minutes, findings=(findings or "").strip(), recorded_by=user)
    _clean(drill)
    drill.save()
    return drill


# --- inspections ------------------------------------------------------------------------------
def inspection_record(*, user, school: School, inspected_on: datetime.date, inspectors: Iterable, scores: dict,
                      findings: dict, summary: str = "") -> Inspection:
    """Record a 督导检查 with a score and findings under each of the four headings."""
    _require_bureau(user)
    if inspected_on > timezone.localdate():
        raise DomainError(gettext_lazy("The inspection date cannot be in the future."), field="inspected_on")
    inspectors = list(inspectors) or [user]
    inspection = Inspection(school=school, inspected_on=inspected_on, summary=(summary or "").strip(),
                            recorded_by=user)
    for code in InspectionHeading.values:
        setattr(inspection, f"score_{code}", scores.get(code))
        setattr(inspection, f"findings_{code}", (findings.get(code) or "").strip())
    _clean(inspection)
    with transaction.atomic():
        inspection.save()
        inspection.inspectors.set(inspectors)
    return inspection


def _school_principals(school_id: int) -> list:
    User = get_user_model()
    return list(User.objects.filter(
        is_active=True, pk__in=RoleAssignment.objects.active().filter(role=Role.PRINCIPAL, school_id=school_id)
        .values("user_id")))


def rectification_item_add(*, user, inspection: Inspection, heading: str, description: str,
                           deadline: datetime.date, owner=None) -> RectificationItem:
    """An item the school must put right. The owner (default: the principal) is told."""
    from notices.services import notify

    _require_bureau(user)
    if heading not in InspectionHeading.values:
        raise DomainError(gettext_lazy("Choose one of the four headings."), field="heading")
    if deadline < inspection.inspected_on:
        raise DomainError(gettext_lazy("The deadline cannot be before the inspection."), field="deadline")
    if owner is None:
        principals = _school_principals(inspection.school_id)
        if not principals:
            raise DomainError(gettext_lazy("The school has no principal: choose who owns this item."), field="owner")
        owner = principals[0]
    else:
        _check_staff(inspection.school, [owner])
    item = RectificationItem(inspection=inspection, heading=heading, description=(description or "").strip(),
                             deadline=deadline, owner=owner)
    _clean(item)
    with transaction.atomic():
        item.save()
        title = gettext_lazy("Rectification item from the inspection of %(date)s, due %(deadline)s")
        context = {"date": inspection.inspected_on, "deadline": deadline}
        link = reverse("safety:inspection_detail", args=[inspection.pk])
        recipients = [owner, *_school_principals(inspection.school_id)]
        transaction.on_commit(lambda: notify(recipients=recipients, kind="safety.rectification", title=title,
                                             context=context, body=item.description, link=link,
                                             dedupe_key=f"safety:rectification:{item.pk}:new"))
    return item


def _item_move(item: RectificationItem, to: str) -> RectificationItem:
    locked = RectificationItem.objects.select_for_update().get(pk=item.pk)
    if to not in ITEM_TRANSITIONS[locked.status]:
        raise ConflictError(gettext_lazy("An item that is “%(from)s” cannot become “%(to)s”.") % {
            "from": locked.get_status_display(), "to": RectificationItem.Status(to).label})
    locked.status = to
    return locked


def rectification_item_respond(*, item: RectificationItem, user, response: str) -> RectificationItem:
    """The school says what it has done (the owner or a school lead)."""
    school_id = item.inspection.school_id
    if item.owner_id != user.pk:
        _require_school_lead(user, school_id)
    response = (response or "").strip()
    if not response:
        raise DomainError(gettext_lazy("Say what the school has done."), field="response")
    with transaction.atomic():
        locked = _item_move(item, RectificationItem.Status.RESPONDED)
        locked.response = response
        locked.responded_at = timezone.now()
        locked.responded_by = user
        locked.save()
    return locked


def rectification_item_review(*, item: RectificationItem, user, decision: str, note: str = "") -> RectificationItem:
    """The bureau accepts the response or reopens the item (reopening says why)."""
    _require_bureau(user)
    targets = {"accept": RectificationItem.Status.ACCEPTED, "reopen": RectificationItem.Status.REOPENED}
    if decision not in targets:
        raise DomainError(gettext_lazy("Decide: accept or reopen."), field="decision")
    note = (note or "").strip()
    if decision == "reopen" and not note:
        raise DomainError(gettext_lazy("Say why the item is reopened."), field="note")
    with transaction.atomic():
        locked = _item_move(item, targets[decision])
        locked.review_note = note
        locked.reviewed_at = timezone.now()
        locked.reviewed_by = user
        locked.save()
    return locked


def rectification_flag_overdue(*, today: datetime.date | None = None) -> int:
    """Tell the bureau once about each item past its deadline (a daily task)."""
    from notices.services import notify

    today = today or timezone.localdate()
    User = get_user_model()
    bureau = list(User.objects.filter(is_active=True, pk__in=RoleAssignment.objects.active()
                                      .filter(role=Role.BUREAU).values("user_id")))
    sent = 0
    for item in RectificationItem.objects.overdue(today).select_related("inspection__school"):
        sent += len(notify(recipients=bureau, kind="safety.rectification_overdue",
                           title=gettext_lazy("Overdue rectification at %(school)s (due %(deadline)s)"),
                           context={"school": item.inspection.school.name, "deadline": item.deadline},
                           body=item.description,
                           link=reverse("safety:inspection_detail", args=[item.inspection_id]),
                           dedupe_key=f"safety:rectification:{item.pk}:overdue:{item.deadline}:{item.status}"))
    return sent


# --- 督办: follow-up requests from the bureau and the district --------------------------------
#: open → answered → closed; a second answer keeps it answered; closing an unanswered one needs a note.
FOLLOW_UP_TRANSITIONS = {
    FollowUpRequest.Status.OPEN: {FollowUpRequest.Status.ANSWERED, FollowUpRequest.Status.CLOSED},
    FollowUpRequest.Status.ANSWERED: {FollowUpRequest.Status.ANSWERED, FollowUpRequest.Status.CLOSED},
    FollowUpRequest.Status.CLOSED: set(),
}
#: The deadline of a request: from 5 minutes to 7 days.
FOLLOW_UP_MIN_MINUTES, FOLLOW_UP_MAX_MINUTES = 5, 7 * 24 * 60


def follow_up_may_request(user, incident: Incident) -> bool:
    """The bureau, and the district staff of the incident's district (and the system administrator)."""
    scope = scope_of(user)
    return scope.is_admin or scope.is_bureau or incident.school.district_id in scope.district_ids


def follow_up_may_answer(user, incident: Incident) -> bool:
    """The principal of the incident's school, only."""
    return incident.school_id in scope_of(user).schools_with(Role.PRINCIPAL)


def _follow_up_minutes(value) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        minutes = None
    if minutes is None or not FOLLOW_UP_MIN_MINUTES <= minutes <= FOLLOW_UP_MAX_MINUTES:
        raise DomainError(gettext_lazy("Give the time to answer in minutes, from 5 minutes to 7 days (10080)."),
                          field="due_in_minutes")
    return minutes


def follow_up_request_open(*, user, incident: Incident, text: str, due_in_minutes) -> FollowUpRequest:
    """督办: ask the school's principal about an escalated incident, with a deadline. The principal(s)
    are told at once (a must-read notice) after commit."""
    if not follow_up_may_request(user, incident):
        raise PermissionDenied(_("Only the education bureau and the incident's district open a follow-up request."))
    text = (text or "").strip()
    if not text:
        raise DomainError(gettext_lazy("Say what the school must report."), field="text")
    if len(text) > 2000:
        raise DomainError(gettext_lazy("Keep the request under 2000 characters."), field="text")
    minutes = _follow_up_minutes(due_in_minutes)
    with transaction.atomic():
        locked = Incident.objects.select_for_update().select_related("school").get(pk=incident.pk)
        if locked.escalated_at is None:
            raise ConflictError(gettext_lazy("Only an escalated incident can get a follow-up request."))
        if locked.status == Incident.Status.CLOSED:
            raise ConflictError(gettext_lazy("The incident is closed; a follow-up request is no longer possible."))
        now = timezone.now()
        request = FollowUpRequest(incident=locked, school_id=locked.school_id, text=text, requested_by=user,
                                  requested_at=now, due_at=now + datetime.timedelta(minutes=minutes))
        _clean(request)
        request.save()
        pk = request.pk
        transaction.on_commit(lambda: enqueue("safety.tasks.follow_up_request_notify", pk))
    return request


def follow_up_request_notify(*, request_id: int) -> int:
    """Tell the school's principal(s) about a new request (a must-read notice). Safe to run twice."""
    from notices.services import notify

    request = (FollowUpRequest.objects.select_related("incident", "school", "requested_by")
               .filter(pk=request_id).first())
    if request is None:
        return 0
    # in each principal's language; the request's text as written
    created = notify(recipients=_school_principals(request.school_id), kind="safety.follow_up_request",
                     title=gettext_lazy("Follow-up request (督办) on the incident at %(school)s: answer by %(due)s"),
                     body=gettext_lazy("%(who)s asks: %(text)s"),
                     context={"school": request.school.name,
                              "due": timezone.localtime(request.due_at).strftime("%m-%d %H:%M"),
                              "who": request.requested_by.name, "text": request.text},
                     must_read=True,
                     link=reverse("safety:incident_detail", args=[request.incident_id]) + "#follow-up-requests",
                     dedupe_key=f"safety:follow-up:{request.pk}:open")
    return len(created)


def follow_up_request_answer(*, user, request: FollowUpRequest, text: str) -> FollowUpAnswer:
    """The principal of the incident's school answers (more than once if need be, until it is closed).
    The requester is told."""
    from notices.services import notify

    if not follow_up_may_answer(user, request.incident):
        raise PermissionDenied(_("Only the principal of the incident's school answers a follow-up request."))
    text = (text or "").strip()
    if not text:
        raise DomainError(gettext_lazy("Write the answer."), field="text")
    if len(text) > 4000:
        raise DomainError(gettext_lazy("Keep the answer under 4000 characters."), field="text")
    with transaction.atomic():
        locked = FollowUpRequest.objects.select_for_update().get(pk=request.pk)
        if FollowUpRequest.Status.ANSWERED not in FOLLOW_UP_TRANSITIONS[locked.status]:
            raise ConflictError(gettext_lazy("This follow-up request is closed; it takes no more answers."))
        now = timezone.now()
        answer = FollowUpAnswer(request=locked, author=user, text=text, created_at=now)
        _clean(answer)
        answer.save()
        locked.status = FollowUpRequest.Status.ANSWERED
        locked.answered_at = locked.answered_at or now
        locked.save()
        requester = locked.requested_by
        title = gettext_lazy("%(school)s answered your follow-up request (督办)")
        context = {"school": request.school.name}
        link = reverse("safety:incident_detail", args=[locked.incident_id]) + "#follow-up-requests"
        key = f"safety:follow-up:{locked.pk}:answer:{answer.pk}"
        transaction.on_commit(lambda: notify(recipients=[requester], kind="safety.follow_up_answered", title=title,
                                             context=context, body=text, link=link, dedupe_key=key))
    return answer


def follow_up_request_close(*, user, request: FollowUpRequest, note: str = "") -> FollowUpRequest:
    """The bureau or the incident's district closes the request (an unanswered one only with a note)."""
    if not follow_up_may_request(user, request.incident):
        raise PermissionDenied(_("Only the education bureau and the incident's district close a follow-up request."))
    note = (note or "").strip()
    with transaction.atomic():
        locked = FollowUpRequest.objects.select_for_update().get(pk=request.pk)
        if FollowUpRequest.Status.CLOSED not in FOLLOW_UP_TRANSITIONS[locked.status]:
            raise ConflictError(gettext_lazy("This follow-up request is already closed."))
        if locked.status == FollowUpRequest.Status.OPEN and not note:
            raise DomainError(gettext_lazy("The school has not answered yet: say why the request is closed."),
                              field="note")
        locked.status = FollowUpRequest.Status.CLOSED
        locked.closed_by, locked.closed_at, locked.closing_note = user, timezone.now(), note
        locked.save()
    return locked
