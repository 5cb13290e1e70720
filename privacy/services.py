"""Writes of the privacy app: consent, correction requests, retention (anonymisation)."""
from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import AuditEvent
from accounts.roles import Role
from accounts.services import audit_record
from shahe_afterschool.errors import ConflictError, DomainError

from . import notice
from .models import CorrectionRequest, GuardianConsent, StudentAnonymisation
from .registry import CONSENT_REFUSED, SCRUBBERS

log = logging.getLogger("shahe.privacy")

LEFT_STATUSES = ("transferred", "graduated")


def _is_active_guardian(student, guardian) -> bool:
    return student.guardianships.filter(guardian=guardian, active=True).exists()


# --- consent -----------------------------------------------------------------------------------
@transaction.atomic
def consent_record(*, student, guardian, decision: str, version: str | None = None, at=None) -> GuardianConsent:
    """Record one guardian's consent (or refusal) for one child and notice version.

    A guardian may change their answer: the row is updated and its history keeps every answer. A
    refusal of the current notice (also a consent withdrawn) stops the processing of the child's
    data at once: each app's consent-refused hook runs in this transaction (enrollment withdraws the
    child's open applications, saying why to the family and the school).
    """
    from schools.models import Student

    version = version or notice.current().version
    if decision not in GuardianConsent.Decision.values:
        raise DomainError(gettext_lazy("Choose to give or to refuse consent."), field="decision")
    if not _is_active_guardian(student, guardian):
        raise DomainError(gettext_lazy("Only the child's guardian can answer for the child."))
    # The child's row is the gate between a refusal and an application being submitted at the same
    # moment (enrollment takes the same lock): the application is either withdrawn here or refused.
    Student.objects.select_for_update().filter(pk=student.pk).first()
    consent = (
        GuardianConsent.objects.select_for_update()
        .filter(student=student, guardian=guardian, notice_version=version)
        .first()
    ) or GuardianConsent(student=student, guardian=guardian, notice_version=version)
    consent.decision = decision
    consent.decided_at = at or timezone.now()
    consent.full_clean()
    consent.save()
    #: what the refusal stopped, in words for the guardian (e.g. "the application ... was withdrawn")
    consent.stopped = []
    if decision == GuardianConsent.Decision.REFUSED and version == notice.current().version:
        for stop_processing in CONSENT_REFUSED.values():
            said = stop_processing(student=student, guardian=guardian)
            if said:
                consent.stopped.append(str(said))
    return consent


def consent_given(student, guardian=None) -> bool:
    """May the school enroll this child? Called by enrollment before it accepts an application.

    With a guardian: has that guardian (an active guardian of the child) consented to the current
    notice? Without: has at least one active guardian consented to the current notice and none
    refused it? A refusal means no enrollment.
    """
    version = notice.current().version
    consents = GuardianConsent.objects.filter(
        student=student, notice_version=version,
        guardian__guardianships__student=student, guardian__guardianships__active=True,
    )
    if guardian is not None:
        consents = consents.filter(guardian=guardian)
    decisions = set(consents.values_list("decision", flat=True))
    return GuardianConsent.Decision.GIVEN in decisions and GuardianConsent.Decision.REFUSED not in decisions


def consent_refused(student) -> bool:
    """Has an active guardian of the child refused the current notice? Then nobody may enroll the
    child (another guardian's consent does not outweigh it) until that guardian consents."""
    return GuardianConsent.objects.filter(
        student=student, notice_version=notice.current().version, decision=GuardianConsent.Decision.REFUSED,
        guardian__guardianships__student=student, guardian__guardianships__active=True,
    ).exists()


# --- correction requests -------------------------------------------------------------------------
@transaction.atomic
def correction_request_create(*, student, guardian, text: str) -> CorrectionRequest:
    text = (text or "").strip()
    if not text:
        raise DomainError(gettext_lazy("Say what should be corrected."), field="text")
    if not _is_active_guardian(student, guardian):
        raise DomainError(gettext_lazy("Only the child's guardian can ask for a correction."))
    request = CorrectionRequest(student=student, requested_by=guardian, text=text)
    request.full_clean()
    request.save()

    def tell_principals():
        from accounts.models import RoleAssignment
        from notices.services import notify

        principals = [
            a.user for a in RoleAssignment.objects.active()
            .filter(role=Role.PRINCIPAL, school_id=student.school_id).select_related("user")
        ]
        notify(recipients=principals, kind="privacy.correction", title=gettext_lazy("A guardian asks for a correction"),
               body=text[:500], link=reverse("privacy:corrections"))

    transaction.on_commit(tell_principals)
    return request


@transaction.atomic
def correction_request_mark_done(*, request: CorrectionRequest, user, response: str = "") -> CorrectionRequest:
    request = CorrectionRequest.objects.select_for_update().get(pk=request.pk)
    if request.status == CorrectionRequest.Status.DONE:
        raise ConflictError(gettext_lazy("This request is already done."))
    request.status = CorrectionRequest.Status.DONE
    request.done_by = user
    request.done_at = timezone.now()
    request.response = (response or "").strip()
    request.full_clean()
    request.save()

    def tell_guardian():
        from notices.services import notify

        notify(recipients=[request.requested_by], kind="privacy.correction_done",
               title=gettext_lazy("Your correction request about %(child)s is done"),
               context={"child": request.student.name},
               body=request.response,
               link=reverse("privacy:corrections"))

    transaction.on_commit(tell_guardian)
    return request


# --- retention -----------------------------------------------------------------------------------
ANON_REASON = "retention: anonymised"


def anonymous_name(student_pk: int) -> str:
    return f"匿名{student_pk}"


def departed_students(*, now=None, days: int | None = None) -> list[tuple[int, object]]:
    """(student id, left at) of students who left more than `days` ago and are not anonymised yet.

    When a child left is read from the student's history: the start of the latest unbroken run of
    `transferred`/`graduated` rows. A student without history is skipped (we cannot tell when).
    One query for all candidates.
    """
    from schools.models import Student

    now = now or timezone.now()
    days = settings.STUDENT_RETENTION_DAYS if days is None else days
    cutoff = now - timedelta(days=days)
    rows = (
        Student.history.filter(
            id__in=Student.objects.filter(status__in=LEFT_STATUSES, anonymisation__isnull=True).values("pk")
        )
        .order_by("id", "-history_date", "-history_id")
        .values_list("id", "status", "history_date")
    )
    left_at: dict[int, object] = {}
    closed: set[int] = set()
    for sid, status, at in rows.iterator():
        if sid in closed:
            continue
        if status in LEFT_STATUSES:
            left_at[sid] = at  # walk back while the child is still "left"
        else:
            closed.add(sid)
    return sorted((sid, at) for sid, at in left_at.items() if at <= cutoff)


@transaction.atomic
def student_anonymise(*, student, left_at) -> bool:
    """Remove a departed child's personal data, keeping the rows (counts in reports stay right).

    The change is saved through simple_history (so the anonymisation is recorded), then the
    personal fields are scrubbed from the student's earlier historical rows too, or the history
    would keep them. Every app's scrubber (`privacy.registry.register_scrubber`) runs first, in the
    same transaction, while the child's name and guardianships are still there to find. Returns False if the student was already anonymised (safe to run twice).
    """
    from schools.models import Guardianship, Student

    student = Student.objects.select_for_update().get(pk=student.pk)
    if StudentAnonymisation.objects.filter(student=student).exists():
        return False
    # Other apps' scrubbers first, while the child's name and guardians are still there to find.
    for key, scrub in SCRUBBERS.items():
        log.info("retention scrubber %s student=%s", key, student.pk)
        scrub(student)
    anon = anonymous_name(student.pk)
    student.name = anon
    student.student_number = f"ANON{student.pk}"
    student.birth_date = None
    student.health_notes = ""
    student._change_reason = ANON_REASON
    student.save()
    for guardianship in Guardianship.objects.select_for_update().filter(student=student, active=True):
        guardianship.active = False
        guardianship.may_pick_up = False
        guardianship._change_reason = ANON_REASON
        guardianship.save()
    # The history would otherwise keep the name, birth date and health notes.
    Student.history.filter(id=student.pk).update(
        name=anon, name_pinyin=student.name_pinyin, student_number=student.student_number,
        birth_date=None, health_notes="",
    )
    StudentAnonymisation.objects.create(student=student, left_at=left_at)
    audit_record(user=None, username="retention", action=AuditEvent.Action.CHANGE, obj=student,
                 detail="anonymised by the retention task")
    return True


def retention_run(*, now=None, days: int | None = None) -> int:
    """Anonymise every student who left more than STUDENT_RETENTION_DAYS ago; returns how many."""
    from schools.models import Student

    done = 0
    for sid, left_at in departed_students(now=now, days=days):
        student = Student.objects.get(pk=sid)
        if student_anonymise(student=student, left_at=left_at):
            done += 1
    log.info("retention: %d students anonymised", done)
    return done


def scrub_correction_requests(student) -> None:
    """The privacy app's own scrubber: a correction request's text may carry personal data."""
    removed = "[removed by retention]"
    for request in CorrectionRequest.objects.filter(student=student):
        request.text = removed
        request.response = removed if request.response else ""
        request._change_reason = ANON_REASON
        request.save()
    CorrectionRequest.history.filter(student_id=student.pk).update(
        text=removed, response=removed
    )
