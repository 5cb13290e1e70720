"""Safety: incidents and their escalation, emergency plans and drills, the bureau's inspections.

Nothing here is deleted through the UI or the API: incidents close, rectification items are
accepted; every model keeps its full history (django-simple-history).
"""
from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.roles import SCHOOL_ROLES, SCHOOL_WIDE_ROLES
from accounts.scoping import scope_of


class IncidentType(models.TextChoices):
    INJURY = "injury", _("Injury")
    ILLNESS = "illness", _("Illness")
    MISSING_CHILD = "missing_child", _("Missing child")
    CONFLICT = "conflict", _("Conflict or bullying")
    FOOD = "food", _("Food safety")
    FIRE = "fire", _("Fire")
    TRAFFIC = "traffic", _("Traffic")
    PROPERTY = "property", _("Property damage or loss")
    OTHER = "other", _("Other")


class Severity(models.IntegerChoices):
    GENERAL = 1, _("General")
    SERIOUS = 2, _("Serious")
    MAJOR = 3, _("Major")
    CRITICAL = 4, _("Critical")


#: What each level means, shown next to the choice on every form and detail page.
SEVERITY_HELP = {
    Severity.GENERAL: _("Minor harm handled on site (a graze, a short illness, a quarrel); the school deals with it."),
    Severity.SERIOUS: _("A child needs a doctor or hospital, or the school's routine is disrupted; "
                        "the principal and the bureau are told at once."),
    Severity.MAJOR: _("Several children hurt, a lasting injury, or police or fire services called."),
    Severity.CRITICAL: _("A life is in danger or lost, or many children are affected; all hands, report upward now."),
}


class IncidentQuerySet(models.QuerySet):
    def escalated(self):
        return self.filter(escalated_at__isnull=False)

    def visible_to(self, user) -> IncidentQuerySet:
        """Staff of a school see all its incidents; the bureau sees escalated ones city-wide,
        district staff those of their district; a guardian sees incidents involving own children
        (and the pages show a guardian only the parts meant for them)."""
        scope = scope_of(user)
        if scope.is_admin:
            return self.all()
        if scope.user_id is None:
            return self.none()
        q = Q(school_id__in=scope.staff_school_ids)
        if scope.is_bureau:
            q |= Q(escalated_at__isnull=False)
        if scope.district_ids:
            q |= Q(escalated_at__isnull=False, school__district_id__in=scope.district_ids)
        q |= Q(pk__in=Incident.children.through.objects.filter(
            student__guardianships__guardian_id=scope.user_id, student__guardianships__active=True,
        ).values("incident_id"))
        return self.filter(q)


class Incident(models.Model):
    """安全事件: something that happened to or around children during the services."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        REVIEWING = "reviewing", _("Under review")
        CLOSED = "closed", _("Closed")

    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="incidents",
                               verbose_name=_("school"))
    occurred_at = models.DateTimeField(_("when it happened"))
    venue = models.ForeignKey("schools.Venue", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="incidents", verbose_name=_("where"))
    location_note = models.CharField(_("where, in words"), max_length=128, blank=True)
    type = models.CharField(_("type"), max_length=16, choices=IncidentType.choices)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices, default=Severity.GENERAL)
    children = models.ManyToManyField("schools.Student", blank=True, related_name="incidents",
                                      verbose_name=_("children involved"))
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="incidents_involved",
                                   verbose_name=_("staff involved"))
    description = models.TextField(_("what happened"))
    actions_taken = models.TextField(_("actions taken"), blank=True)
    guardian_message = models.TextField(
        _("message to guardians"), blank=True,
        help_text=_("What the guardians of the children involved are told. Written by the school."),
    )
    guardians_notified_at = models.DateTimeField(_("guardians notified at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    closing_summary = models.TextField(_("closing summary"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, db_index=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="incidents_reported", verbose_name=_("reported by"))
    created_at = models.DateTimeField(_("logged at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    #: The `Idempotency-Key` of the tablet's request: a retried POST returns the first incident.
    client_key = models.CharField(max_length=64, blank=True, default="", editable=False)
    history = HistoricalRecords(m2m_fields=[children, staff])

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident (安全事件)")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["school", "-occurred_at"])]
        constraints = [
            models.UniqueConstraint(fields=["reported_by", "client_key"], condition=~Q(client_key=""),
                                    name="unique_incident_client_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} · {self.school} · {timezone.localtime(self.occurred_at):%Y-%m-%d %H:%M}"

    @property
    def must_escalate(self) -> bool:
        return self.type == IncidentType.MISSING_CHILD or self.severity >= Severity.SERIOUS

    @property
    def severity_help(self):
        return SEVERITY_HELP.get(self.severity, "")

    # The labels of the choices, looked up by value. `get_FOO_display()` hashes every choice of the
    # field on each call, which translates every label: a list of incidents paid that per row.
    @property
    def type_label(self) -> str:
        return _choice_label(IncidentType, self.type)

    @property
    def severity_label(self) -> str:
        return _choice_label(Severity, self.severity)

    @property
    def severity_tone(self) -> str:
        """The Bootstrap colour of the severity's badge."""
        return "danger" if self.severity >= 3 else "warning" if self.severity == 2 else "secondary"

    @property
    def status_label(self) -> str:
        return _choice_label(Incident.Status, self.status)


def _choice_label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:  # a value no longer among the choices: shown as stored, like get_FOO_display
        return str(value)


class GuardianContact(models.Model):
    """One time a guardian was told: who, when, how."""

    class Method(models.TextChoices):
        PHONE = "phone", _("Phone call")
        IN_PERSON = "in_person", _("In person")
        PORTAL = "portal", _("Portal message")
        OTHER = "other", _("Other")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="guardian_contacts",
                                 verbose_name=_("incident"))
    guardian_name = models.CharField(_("who was told"), max_length=64)
    guardian = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("guardian account"))
    contacted_at = models.DateTimeField(_("when"))
    method = models.CharField(_("how"), max_length=16, choices=Method.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("guardian informed")
        verbose_name_plural = _("guardians informed")
        ordering = ["contacted_at", "id"]

    def __str__(self) -> str:
        return f"{self.guardian_name} ({self.get_method_display()})"


class IncidentFollowUp(models.Model):
    """A later entry on an incident: what was done next, news from the hospital, a meeting."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="follow_ups",
                                 verbose_name=_("incident"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("author"))
    text = models.TextField(_("follow-up"))
    created_at = models.DateTimeField(_("written at"), default=timezone.now, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class SchoolScopedQuerySet(models.QuerySet):
    """Plans, drills and inspections: the school's staff, its district, the bureau."""

    school_field = "school"

    def visible_to(self, user):
        scope = scope_of(user)
        if scope.sees_city:
            return self.all()
        f = self.school_field
        return self.filter(Q(**{f"{f}_id__in": scope.schools_with(*SCHOOL_ROLES)})
                           | Q(**{f"{f}__district_id__in": scope.district_ids}))


class PlanType(models.TextChoices):
    FIRE = "fire", _("Fire")
    EARTHQUAKE = "earthquake", _("Earthquake")
    MISSING_CHILD = "missing_child", _("Missing child")
    FOOD_SAFETY = "food_safety", _("Food safety")
    INJURY = "injury", _("Injury")
    STRANGER = "stranger", _("Stranger intrusion")
    WEATHER = "weather", _("Extreme weather")


class EmergencyPlan(models.Model):
    """应急预案: one per school and type."""

    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="emergency_plans",
                               verbose_name=_("school"))
    plan_type = models.CharField(_("type"), max_length=16, choices=PlanType.choices)
    text = models.TextField(_("plan"))
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("responsible person"))
    last_reviewed_on = models.DateField(_("last reviewed on"))
    history = HistoricalRecords()

    objects = SchoolScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("emergency plan (应急预案)")
        verbose_name_plural = _("emergency plans")
        ordering = ["school", "plan_type"]
        constraints = [models.UniqueConstraint(fields=["school", "plan_type"], name="unique_plan_per_type")]

    def __str__(self) -> str:
        return f"{self.school} · {self.get_plan_type_display()}"


class Drill(models.Model):
    """演练: a drill of one plan."""

    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="drills",
                               verbose_name=_("school"))
    plan = models.ForeignKey(EmergencyPlan, on_delete=models.PROTECT, related_name="drills", verbose_name=_("plan"))
    held_on = models.DateField(_("date"))
    participants = models.PositiveIntegerField(_("participants"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"),
                                                        validators=[MinValueValidator(1), MaxValueValidator(600)])
    findings = models.TextField(_("findings"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    history = HistoricalRecords()

    objects = SchoolScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("drill (演练)")
        verbose_name_plural = _("drills")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.plan} · {self.held_on}"


class InspectionHeading(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation and management")
    STAFFING = "staffing", _("Staffing")
    CONTENT = "content", _("Service content and form")
    SAFETY = "safety", _("Safety measures")


HEADING_MAX_SCORE = 25


class Inspection(models.Model):
    """督导检查: the bureau's supervision visit to a school, scored under the four headings."""

    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="inspections",
                               verbose_name=_("school"))
    inspected_on = models.DateField(_("date"))
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="inspections",
                                        verbose_name=_("inspectors"))
    score_organisation = models.PositiveSmallIntegerField(
        _("organisation score"), validators=[MaxValueValidator(HEADING_MAX_SCORE)])
    findings_organisation = models.TextField(_("organisation findings"), blank=True)
    score_staffing = models.PositiveSmallIntegerField(_("staffing score"),
                                                      validators=[MaxValueValidator(HEADING_MAX_SCORE)])
    findings_staffing = models.TextField(_("staffing findings"), blank=True)
    score_content = models.PositiveSmallIntegerField(_("content and form score"),
                                                     validators=[MaxValueValidator(HEADING_MAX_SCORE)])
    findings_content = models.TextField(_("content and form findings"), blank=True)
    score_safety = models.PositiveSmallIntegerField(_("safety measures score"),
                                                    validators=[MaxValueValidator(HEADING_MAX_SCORE)])
    findings_safety = models.TextField(_("safety measures findings"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    history = HistoricalRecords(m2m_fields=[inspectors])

    objects = SchoolScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection (督导检查)")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_on", "-id"]

    def __str__(self) -> str:
        return f"{self.school} · {self.inspected_on}"

    @property
    def total_score(self) -> int:
        return self.score_organisation + self.score_staffing + self.score_content + self.score_safety

    def headings(self) -> list[tuple]:
        """(heading label, score, findings) for the four headings, in the seed's order."""
        return [(label, getattr(self, f"score_{code}"), getattr(self, f"findings_{code}"))
                for code, label in InspectionHeading.choices]


class RectificationQuerySet(SchoolScopedQuerySet):
    school_field = "inspection__school"

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.filter(deadline__lt=today, status__in=RectificationItem.OPEN_STATES)


class RectificationItem(models.Model):
    """整改项: something the inspection asks the school to put right, by a deadline."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESPONDED = "responded", _("Responded")
        ACCEPTED = "accepted", _("Accepted")
        REOPENED = "reopened", _("Reopened")

    OPEN_STATES = (Status.OPEN, Status.REOPENED)

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="items",
                                   verbose_name=_("inspection"))
    heading = models.CharField(_("heading"), max_length=16, choices=InspectionHeading.choices)
    description = models.TextField(_("what must be put right"))
    deadline = models.DateField(_("deadline"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rectification_items",
                              verbose_name=_("owner"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    response = models.TextField(_("school's response"), blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("responded by"))
    review_note = models.TextField(_("bureau's note"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("reviewed by"))
    history = HistoricalRecords()

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification item (整改项)")
        verbose_name_plural = _("rectification items")
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return self.description[:40]

    @property
    def is_overdue(self) -> bool:
        return self.status in self.OPEN_STATES and self.deadline < timezone.localdate()


# --- 督办: the bureau's (or the district's) follow-up request on an escalated incident -----------
class FollowUpRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> FollowUpRequestQuerySet:
        """The bureau (every one), the district staff of the incident's district and the school's
        principal and offices (principal, moral-education and teaching-affairs offices, duty leader);
        nobody else: not the school's teachers, not parents, not another district or school."""
        scope = scope_of(user)
        if scope.is_admin or scope.is_bureau:
            return self.all()
        if scope.user_id is None:
            return self.none()
        return self.filter(Q(school__district_id__in=scope.district_ids)
                           | Q(school_id__in=scope.schools_with(*SCHOOL_WIDE_ROLES)))

    def open(self):
        return self.exclude(status=FollowUpRequest.Status.CLOSED)


class FollowUpRequest(models.Model):
    """督办: a request from the bureau or the incident's district to the school's principal about an
    escalated incident ("请于 30 分钟内报告学生下落"), with a deadline. The principal answers (one
    answer or more); the bureau or the district closes it. `open → answered → closed` (closing an
    unanswered request needs a note); nothing is deleted."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the school's answer")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="follow_up_requests",
                                 verbose_name=_("incident"))
    #: The incident's school, kept here so that scoping and counts need no join.
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("school"))
    text = models.TextField(_("request"))
    due_at = models.DateTimeField(_("answer by"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN,
                              db_default=Status.OPEN, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
    answered_at = models.DateTimeField(_("first answered at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("closed by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True, default="", db_default="")
    history = HistoricalRecords()

    objects = FollowUpRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up request (督办)")
        verbose_name_plural = _("follow-up requests (督办)")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def is_overdue(self) -> bool:
        """Past its deadline without an answer."""
        return self.status == self.Status.OPEN and self.due_at < timezone.now()

    @property
    def last_answer(self):
        """The newest answer (from the prefetched answers when the list has them)."""
        answers = list(self.answers.all())
        return answers[-1] if answers else None

    @property
    def answered_late(self) -> bool:
        return self.answered_at is not None and self.answered_at > self.due_at

    @property
    def status_label(self) -> str:
        return _choice_label(FollowUpRequest.Status, self.status)


class FollowUpAnswer(models.Model):
    """The principal's answer to a 督办 request."""

    request = models.ForeignKey(FollowUpRequest, on_delete=models.PROTECT, related_name="answers",
                                verbose_name=_("follow-up request"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("author"))
    text = models.TextField(_("answer"))
    created_at = models.DateTimeField(_("answered at"), default=timezone.now, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("answer to a follow-up request")
        verbose_name_plural = _("answers to follow-up requests")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]
