"""The providers and audit subjects of the apps that exist when the privacy app is built (schools,
accounts, notices, privacy). Later apps register their own in their AppConfig.ready()."""
from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.privacy import mask_phone

from .registry import register_audit_subject, register_provider, register_scrubber

STUDENT_TYPE = "schools.student"


def schools_provider(student) -> dict:
    from schools.models import Guardianship

    guardianships = Guardianship.objects.filter(student=student).select_related("guardian").order_by("id")
    return {
        "student": {
            "id": student.pk,
            "student_number": student.student_number,
            "name": student.name,
            "gender": student.get_gender_display(),
            "birth_date": student.birth_date,
            "status": student.get_status_display(),
            "school": student.school.name,
            "class": student.homeroom_class.name,
            "health_notes": student.health_notes,
        },
        "guardians": [
            {
                "name": g.guardian.get_full_name(),
                # masked: a guardian's number is the guardian's data, not the child's
                "phone": mask_phone(g.guardian.phone),
                "relation": g.get_relation_display(),
                "may_pick_up": g.may_pick_up,
                "active": g.active,
            }
            for g in guardianships
        ],
    }


def accounts_provider(student) -> dict:
    """Who read or changed the child's data: the access log about the child."""
    from accounts.models import AuditEvent

    from .selectors import audit_event_filter_for_students

    events = (
        AuditEvent.objects.filter(audit_event_filter_for_students([student.pk]))
        .select_related("user")
        .order_by("-at")
    )
    return {
        "access_log": [
            {
                "at": e.at,
                "by": (e.user.get_full_name() if e.user else e.username),
                "action": e.get_action_display(),
                "what": e.detail,
            }
            for e in events
        ]
    }


def notices_provider(student) -> dict:
    """Messages sent to the child's guardians that name the child."""
    from notices.models import Notification

    guardian_ids = student.guardianships.values("guardian_id")
    notices = Notification.objects.filter(
        Q(title__contains=student.name) | Q(body__contains=student.name), recipient_id__in=guardian_ids
    ).order_by("-created_at")
    return {
        "notices": [
            {"at": n.created_at, "title": n.title, "message": n.body, "read_at": n.read_at} for n in notices
        ]
    }


def notices_scrubber(student) -> None:
    """Messages to the guardians that name the child lose the name (run before it is replaced)."""
    from django.db.models import Value
    from django.db.models.functions import Replace

    from notices.models import Notification

    from .services import anonymous_name

    if not student.name:
        return
    guardian_ids = student.guardianships.values("guardian_id")
    anon = Value(anonymous_name(student.pk))
    Notification.objects.filter(
        Q(title__contains=student.name) | Q(body__contains=student.name), recipient_id__in=guardian_ids
    ).update(title=Replace("title", Value(student.name), anon), body=Replace("body", Value(student.name), anon))


def privacy_provider(student) -> dict:
    from .models import CorrectionRequest, GuardianConsent

    consents = GuardianConsent.objects.filter(student=student).select_related("guardian").order_by("decided_at")
    requests = CorrectionRequest.objects.filter(student=student).select_related("requested_by").order_by("created_at")
    return {
        "consents": [
            {"guardian": c.guardian.get_full_name(), "notice_version": c.notice_version,
             "decision": c.get_decision_display(), "at": c.decided_at}
            for c in consents
        ],
        "correction_requests": [
            {"at": r.created_at, "by": r.requested_by.get_full_name(), "request": r.text,
             "status": r.get_status_display(), "done_at": r.done_at, "response": r.response}
            for r in requests
        ],
    }


def register_builtin() -> None:
    register_provider("schools", _("School records"), schools_provider)
    register_provider("accounts", _("Access log"), accounts_provider)
    register_provider("notices", _("Messages"), notices_provider)
    register_provider("privacy", _("Consent and correction requests"), privacy_provider)
    register_scrubber("notices", notices_scrubber)
    register_scrubber("privacy", _scrub_correction_requests)
    register_audit_subject(STUDENT_TYPE, "schools.Student", "")
    register_audit_subject("schools.guardianship", "schools.Guardianship", "student")
    register_audit_subject("privacy.correctionrequest", "privacy.CorrectionRequest", "student")


def _scrub_correction_requests(student) -> None:
    from .services import scrub_correction_requests

    scrub_correction_requests(student)
