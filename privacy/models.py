"""Guardian consent to the privacy notice, correction requests, and the anonymisation mark."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.roles import Role
from accounts.scoping import scope_of


class GuardianConsentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A guardian sees the consents about their children; school-wide staff their school's."""
        scope = scope_of(user)
        if scope.is_admin:
            return self.all()
        if scope.user_id is None:
            return self.none()
        return self.filter(
            Q(student__guardianships__guardian_id=scope.user_id, student__guardianships__active=True)
            | Q(student__school_id__in=scope.school_wide_ids)
        ).distinct()


class GuardianConsent(models.Model):
    """One guardian's answer, for one child, to one version of the privacy notice."""

    class Decision(models.TextChoices):
        GIVEN = "given", _("Consent given")
        REFUSED = "refused", _("Consent refused")

    student = models.ForeignKey(
        "schools.Student", on_delete=models.PROTECT, related_name="consents", verbose_name=_("student")
    )
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consents", verbose_name=_("guardian")
    )
    notice_version = models.CharField(_("privacy notice version"), max_length=16)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    decided_at = models.DateTimeField(_("decided at"))
    history = HistoricalRecords()

    objects = GuardianConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("guardian consent")
        verbose_name_plural = _("guardian consents")
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(fields=["student", "guardian", "notice_version"], name="unique_consent_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.guardian} · {self.student} · {self.notice_version} · {self.get_decision_display()}"


class CorrectionRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The guardian who asked sees it; so do the principal of the child's school and admins."""
        scope = scope_of(user)
        if scope.is_admin:
            return self.all()
        if scope.user_id is None:
            return self.none()
        return self.filter(
            Q(requested_by_id=scope.user_id) | Q(student__school_id__in=scope.schools_with(Role.PRINCIPAL))
        )


class CorrectionRequest(models.Model):
    """A guardian's request to correct (or delete) something held about their child."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    student = models.ForeignKey(
        "schools.Student", on_delete=models.PROTECT, related_name="correction_requests", verbose_name=_("student")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="correction_requests",
        verbose_name=_("requested by"),
    )
    text = models.TextField(_("what should be corrected"), max_length=2000)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("done by"),
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    response = models.TextField(_("response to the guardian"), max_length=2000, blank=True)
    history = HistoricalRecords()

    objects = CorrectionRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.student} · {self.get_status_display()}"


class StudentAnonymisation(models.Model):
    """Marks a student whose personal data the retention task has removed (and when)."""

    student = models.OneToOneField(
        "schools.Student", on_delete=models.PROTECT, related_name="anonymisation", verbose_name=_("student")
    )
    left_at = models.DateTimeField(_("left at"))
    anonymised_at = models.DateTimeField(_("anonymised at"), auto_now_add=True)

    class Meta:
        verbose_name = _("student anonymisation")
        verbose_name_plural = _("student anonymisations")

    def __str__(self) -> str:
        return f"student {self.student_id} anonymised {self.anonymised_at:%Y-%m-%d}"
