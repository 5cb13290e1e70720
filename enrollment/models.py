"""Enrollment: the letter to parents, applications and their state machine, after-school groups,
placements, priority claims, authorised pickup persons, and idempotency records for retried writes."""
from __future__ import annotations

import functools

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy
from simple_history.models import HistoricalRecords

from accounts.roles import Role
from accounts.scoping import scope_of
from accounts.text import join_list
from schools.models import Guardianship, School, Student, Term, Venue

WEEKDAY_LABELS = {1: _("Mon"), 2: _("Tue"), 3: _("Wed"), 4: _("Thu"), 5: _("Fri")}

#: Why the system placed, waitlisted or ended a seat. Stored as these English source texts on
#: placements and transitions, and shown in the reader's language (`reason_text`); a person's own
#: words (a move, a rejection, a withdrawal) are stored and shown as written.
REASON_ALLOCATION = gettext_noop("allocation")
REASON_PROMOTED = gettext_noop("promoted from the waiting list")
REASON_NO_SEAT = gettext_noop("no free seat")
REASON_WITHDRAWN = gettext_noop("withdrawn")
REASON_CONSENT_REFUSED = gettext_noop("withdrawn: a guardian refused consent to the privacy notice")
SYSTEM_REASONS = (REASON_ALLOCATION, REASON_PROMOTED, REASON_NO_SEAT, REASON_WITHDRAWN, REASON_CONSENT_REFUSED)


@functools.cache
def _system_reason_sources() -> dict[str, str]:
    """Each system reason in every language of the site → its source text. Rows written before the
    reasons were stored untranslated hold the text in the language of whoever ran the allocation."""
    sources = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            sources.update({translation.gettext(reason): reason for reason in SYSTEM_REASONS})
    sources.update({reason: reason for reason in SYSTEM_REASONS})
    return sources


def reason_text(reason: str) -> str:
    """A stored reason in the reader's language (a system reason) or as written (a person's)."""
    source = _system_reason_sources().get(reason)
    return translation.gettext(source) if source else reason


class Session(models.TextChoices):
    NOON = "noon", _("Noon service")
    AFTER_SCHOOL = "after_school", _("After-school service")


class PriorityGroup(models.TextChoices):
    """The priority groups of the seed: these children get seats first once a claim is verified."""

    DUAL_WORKING = "dual_working", _("Dual-working family")
    DISABLED = "disabled", _("Child with a disability")
    LEFT_BEHIND = "left_behind", _("Left-behind child")
    MIGRANT = "migrant", _("Child of migrant workers")
    HARDSHIP = "hardship", _("Family in economic difficulty")


def choice_label(choices, value) -> str:
    """The label of `value` among `choices` (a TextChoices class), or the value itself."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def weekdays_display(days) -> str:
    return " ".join(str(WEEKDAY_LABELS.get(d, d)) for d in sorted(days or []))


# --- the letter to parents -------------------------------------------------------------------
class ParentLetterQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A published letter to parents is a public document: anyone signed in may read it."""
        if scope_of(user).user_id is None:
            return self.none()
        return self.all()

    def newest_first(self, *, school, term) -> ParentLetterQuerySet:
        """The school's letters of the term, the current version first."""
        return self.filter(school=school, term=term).order_by("-version")

    def current_for(self, *, school, term) -> ParentLetter | None:
        return self.newest_first(school=school, term=term).first()


class ParentLetter(models.Model):
    """致家长的一封信: a school's letter to parents for a term. A new text is a new version."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="parent_letters",
                               verbose_name=_("school"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="parent_letters", verbose_name=_("term"))
    version = models.PositiveIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=200)
    service_scope = models.TextField(_("who and what the service covers"))
    times = models.TextField(_("service times"))
    content = models.TextField(_("content of the service"))
    safety_measures = models.TextField(_("safety measures"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("published by"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = ParentLetterQuerySet.as_manager()

    class Meta:
        verbose_name = _("letter to parents (致家长的一封信)")
        verbose_name_plural = _("letters to parents")
        ordering = ["school", "term", "-version"]
        constraints = [models.UniqueConstraint(fields=["school", "term", "version"], name="unique_letter_version")]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def text(self) -> str:
        return "\n\n".join([self.service_scope, self.times, self.content, self.safety_measures])


class LetterAcknowledgement(models.Model):
    """A guardian has read and acknowledged one version of a letter."""

    letter = models.ForeignKey(ParentLetter, on_delete=models.PROTECT, related_name="acknowledgements",
                               verbose_name=_("letter"))
    guardian = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("guardian"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("letter acknowledgement")
        verbose_name_plural = _("letter acknowledgements")
        constraints = [models.UniqueConstraint(fields=["letter", "guardian"], name="unique_letter_ack")]

    def __str__(self) -> str:
        return f"{self.guardian} ✓ {self.letter}"


# --- after-school groups -----------------------------------------------------------------------
class ServiceGroupQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff of the school (teachers included: they hold the groups), the district, the city."""
        scope = scope_of(user)
        if scope.sees_city:
            return self.all()
        return self.filter(Q(school_id__in=scope.staff_school_ids) | Q(school__district_id__in=scope.district_ids))

    def active(self):
        return self.filter(status=ServiceGroup.Status.ACTIVE)


class ServiceGroup(models.Model):
    """An after-school group (课后服务小组) formed by the moral-education office for a term."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="service_groups",
                               verbose_name=_("school"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="service_groups", verbose_name=_("term"))
    name = models.CharField(_("name"), max_length=64)
    session = models.CharField(pgettext_lazy("service", "session"), max_length=16, choices=Session.choices)
    grade_from = models.PositiveSmallIntegerField(_("from grade"))
    grade_to = models.PositiveSmallIntegerField(_("to grade"))
    weekdays = models.JSONField(_("weekdays"), default=list, help_text=_("1 = Monday ... 5 = Friday"))
    capacity = models.PositiveIntegerField(_("capacity (head-count)"))
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="service_groups",
                              verbose_name=_("venue"))
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="service_groups", verbose_name=_("teacher"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    history = HistoricalRecords()

    objects = ServiceGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("after-school group (课后服务小组)")
        verbose_name_plural = _("after-school groups")
        ordering = ["school", "term", "session", "grade_from", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "term", "name"], name="unique_group_name"),
            models.CheckConstraint(condition=Q(grade_to__gte=models.F("grade_from")), name="group_grade_band"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def weekdays_display(self) -> str:
        return weekdays_display(self.weekdays)

    @property
    def grade_band(self) -> str:
        if self.grade_from == self.grade_to:
            return str(_("grade %(n)s") % {"n": self.grade_from})
        return str(_("grades %(a)s-%(b)s") % {"a": self.grade_from, "b": self.grade_to})

    def serves(self, *, grade: int, session: str, weekdays) -> bool:
        return (self.status == self.Status.ACTIVE and self.session == session
                and self.grade_from <= grade <= self.grade_to and set(weekdays or []) <= set(self.weekdays or []))


# --- applications -----------------------------------------------------------------------------
class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Guardians their own children's; the school's principal and offices the school's; a
        homeroom teacher the class's; a teacher the children placed in their groups. District
        and bureau staff see counts only, never an application."""
        scope = scope_of(user)
        if scope.is_admin:
            return self.all()
        if scope.user_id is None:
            return self.none()
        # Id subqueries and column tests only, no join under the OR (a join to guardianships made
        # PostgreSQL hash every application and guardianship of the city per request).
        q = Q(student_id__in=Guardianship.objects.filter(guardian_id=scope.user_id, active=True)
              .values("student_id"))
        q |= Q(school_id__in=scope.school_wide_ids)
        if scope.homeroom_class_ids:
            q |= Q(student_id__in=Student.objects.filter(homeroom_class_id__in=scope.homeroom_class_ids)
                   .values("pk"))
        teacher_schools = scope.schools_with(Role.TEACHER)
        if teacher_schools:
            q |= Q(pk__in=Placement.objects.filter(
                active=True, group__teacher_id=scope.user_id, group__school_id__in=teacher_schools
            ).values("application_id"))
        return self.filter(q)


class Application(models.Model):
    """A guardian's opt-in for a child for a term (课后服务报名)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        CLASS_REVIEWED = "class_reviewed", _("Approved by the homeroom teacher")
        PLACED = "placed", _("Placed")
        WAITLISTED = "waitlisted", _("Waitlisted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REJECTED = "rejected", _("Rejected")

    class Pickup(models.TextChoices):
        GUARDIAN = "guardian", _("Picked up by a guardian")
        AUTHORISED = "authorised", _("Picked up by an authorised person")
        FLEXIBLE = "flexible", _("Flexible departure at a chosen time")

    #: Statuses that still hold or wait for a seat; only one such application per child and term.
    OPEN_STATUSES = (Status.SUBMITTED, Status.CLASS_REVIEWED, Status.PLACED, Status.WAITLISTED)

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="applications",
                                verbose_name=_("student"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="applications", verbose_name=_("term"))
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="applications",
                               verbose_name=_("school"))
    sessions = models.JSONField(pgettext_lazy("service", "sessions"), default=list)
    weekdays = models.JSONField(_("weekdays"), default=list)
    pickup_plan = models.CharField(_("pickup plan"), max_length=16, choices=Pickup.choices, default=Pickup.GUARDIAN)
    departure_time = models.TimeField(_("departure time"), null=True, blank=True,
                                      help_text=_("Only for flexible departure."))
    letter = models.ForeignKey(ParentLetter, on_delete=models.PROTECT, related_name="applications",
                               verbose_name=_("letter acknowledged"))
    letter_version = models.PositiveIntegerField(_("letter version"))
    letter_acknowledged_at = models.DateTimeField(_("letter acknowledged at"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED,
                              db_index=True)
    reject_reason = models.CharField(_("reason for rejection"), max_length=255, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    #: True once the homeroom teacher has verified at least one priority claim (allocation order).
    has_verified_priority = models.BooleanField(_("verified priority"), default=False)
    waitlist_position = models.PositiveIntegerField(_("waitlist position"), null=True, blank=True)
    #: Why the application got its place: {"kind", "rank", "total", "groups", "position", ...};
    #: rendered in the reader's language by `enrollment.selectors.explanation_text`.
    explanation = models.JSONField(_("explanation"), default=dict, blank=True)
    history = HistoricalRecords()

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application (课后服务报名)")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "term"], condition=Q(status__in=["submitted", "class_reviewed", "placed",
                                                                    "waitlisted"]),
                name="one_open_application_per_term",
            )
        ]
        indexes = [models.Index(fields=["school", "term", "status"])]

    def __str__(self) -> str:
        return f"{self.student} · {self.term}"

    @property
    def sessions_display(self) -> str:
        labels = dict(Session.choices)
        return join_list(labels.get(s, s) for s in self.sessions)

    @property
    def weekdays_display(self) -> str:
        return weekdays_display(self.weekdays)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    # Labels looked up by value: `get_FOO_display()` hashes (so translates) every choice per call.
    @property
    def status_label(self) -> str:
        return choice_label(Application.Status, self.status)

    @property
    def claim_count(self) -> int:
        """The number of priority claims: the claims the selectors prefetch, counted (a COUNT with
        the application's joins grouped made the parent's home plan 1.6 ms for one row)."""
        return len(self.claims.all())

    @property
    def pickup_plan_label(self) -> str:
        return choice_label(Application.Pickup, self.pickup_plan)


class ApplicationTransition(models.Model):
    """One state change of an application: who, when, from, to and why. Append-only."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="transitions",
                                    verbose_name=_("application"))
    from_status = models.CharField(_("from"), max_length=16, choices=Application.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=Application.Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    reason = models.CharField(_("why"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("application state change")
        verbose_name_plural = _("application state changes")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"

    @property
    def reason_text(self) -> str:
        return reason_text(self.reason)


class PriorityClaim(models.Model):
    """A priority group claimed by the guardian, verified or declined by the homeroom teacher.

    Sensitive (PIPL): shown only to the child's guardians, the class's homeroom teacher and the
    principal; everybody else sees counts. Reads of the details are audited."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("Claimed")
        VERIFIED = "verified", _("Verified")
        DECLINED = "declined", _("Declined")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="claims",
                                     verbose_name=_("application"))
    group = models.CharField(_("priority group"), max_length=16, choices=PriorityGroup.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.CLAIMED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("priority claim")
        verbose_name_plural = _("priority claims")
        ordering = ["application", "group"]
        constraints = [models.UniqueConstraint(fields=["application", "group"], name="unique_claim_group")]

    def __str__(self) -> str:
        return self.get_group_display()

    @property
    def group_label(self) -> str:
        return choice_label(PriorityGroup, self.group)

    @property
    def status_label(self) -> str:
        return choice_label(PriorityClaim.Status, self.status)


class PlacementQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(application__in=Application.objects.visible_to(user))


class Placement(models.Model):
    """A child's seat in a group. A move ends one placement and starts another, with a reason."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="placements",
                                    verbose_name=_("application"))
    group = models.ForeignKey(ServiceGroup, on_delete=models.PROTECT, related_name="placements",
                              verbose_name=_("group"))
    active = models.BooleanField(_("active"), default=True)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("placed by"))
    placed_at = models.DateTimeField(_("placed at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=255, blank=True)
    history = HistoricalRecords()

    objects = PlacementQuerySet.as_manager()

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["-placed_at", "-id"]
        constraints = [
            # One seat per session: a child is never in two groups of the same application at once
            # for the same group; the service checks sessions.
            models.UniqueConstraint(fields=["application", "group"], condition=Q(active=True),
                                    name="one_active_placement_per_group"),
        ]

    def __str__(self) -> str:
        return f"{self.application.student} → {self.group}"

    @property
    def reason_text(self) -> str:
        return reason_text(self.reason)

    @property
    def end_reason_text(self) -> str:
        return reason_text(self.end_reason)


# --- pickup ----------------------------------------------------------------------------------
#: The relations offered for an authorised pickup person. Stored as the school's word (what the
#: duty leader reads on the pickup list, and what rows typed before the choice existed hold), shown
#: in the reader's language; any other relation is typed and shown as written.
PICKUP_RELATIONS = [
    ("父亲", pgettext_lazy("pickup relation", "Father")),
    ("母亲", pgettext_lazy("pickup relation", "Mother")),
    ("祖父", pgettext_lazy("pickup relation", "Grandfather (father's father)")),
    ("祖母", pgettext_lazy("pickup relation", "Grandmother (father's mother)")),
    ("外祖父", pgettext_lazy("pickup relation", "Grandfather (mother's father)")),
    ("外祖母", pgettext_lazy("pickup relation", "Grandmother (mother's mother)")),
]


def pickup_relation_label(value: str) -> str:
    """A stored relation in the reader's language (one of `PICKUP_RELATIONS`) or as written."""
    return str(dict(PICKUP_RELATIONS).get(value, value))


class AuthorisedPickupPersonQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(student__in=Student.objects.visible_to(user))

    def active(self):
        return self.filter(active=True)


class AuthorisedPickupPerson(models.Model):
    """Someone a guardian authorises to pick the child up (name, relation, phone)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="pickup_persons",
                                verbose_name=_("student"))
    name = models.CharField(_("name"), max_length=64)
    relation = models.CharField(_("relation"), max_length=32)
    phone = models.CharField(_("mobile phone"), max_length=11)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("added by"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = AuthorisedPickupPersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("authorised pickup person")
        verbose_name_plural = _("authorised pickup persons")
        ordering = ["student", "name"]
        constraints = [models.UniqueConstraint(fields=["student", "phone"], condition=Q(active=True),
                                               name="unique_active_pickup_phone")]

    def __str__(self) -> str:
        return self.name

    @property
    def relation_label(self) -> str:
        return pickup_relation_label(self.relation)


# --- idempotency -----------------------------------------------------------------------------
class IdempotencyRecord(models.Model):
    """The first answer to a write sent with an `Idempotency-Key`, replayed for retries.

    Reusable by any app (attendance marks, custody events): see `enrollment.idempotency`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(default=0)
    response_body = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["user", "scope", "key"], name="unique_idempotency_key")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
