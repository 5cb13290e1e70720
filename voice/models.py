"""Parent voice: announcements (通知公告) and questionnaires (问卷), with their audiences.

Audiences are stored as rules (kind + ids, `AudienceRule`) and resolved into recipients once, when
the announcement is published or the questionnaire opened: `AnnouncementReceipt` and
`SurveyInvitation` rows are the snapshot of who was addressed, so read counts and response rates
refer to the people actually asked.

An anonymous questionnaire's `SurveyResponse` carries no user and no child: who has answered is kept
apart, on the invitation (`answered_on`, a date only), and the response's primary key is a random
UUID and its date a day, so rows cannot be matched up by order or time either.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from accounts.scoping import scope_of

from .audiences import SCHOOL_AUTHOR_ROLES


class Audience(models.Model):
    """Who a message or questionnaire is for: its rules, and whether parents and/or staff."""

    include_parents = models.BooleanField(_("parents"), default=True)
    include_staff = models.BooleanField(_("staff"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")

    def __str__(self) -> str:
        return ", ".join(str(rule) for rule in self.rules.all())


class AudienceRule(models.Model):
    """One rule of an audience: a kind from `voice.audiences.AUDIENCE_KINDS` and the ids it names."""

    audience = models.ForeignKey(Audience, on_delete=models.CASCADE, related_name="rules", verbose_name=_("audience"))
    kind = models.CharField(_("kind"), max_length=32)
    target_ids = models.JSONField(_("ids"), default=list, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("audience rule")
        verbose_name_plural = _("audience rules")

    def __str__(self) -> str:
        from .audiences import audience_kind

        kind = audience_kind(self.kind)
        label = kind.label if kind else self.kind
        return f"{label} {self.target_ids}" if self.target_ids else str(label)


def _owner_q(scope) -> Q:
    """What a school author sees as its own: things its school published."""
    return Q(school_id__in=scope.schools_with(*SCHOOL_AUTHOR_ROLES))


class AnnouncementQuerySet(models.QuerySet):
    def visible_to(self, user) -> AnnouncementQuerySet:
        """The bureau sees all; a school's principal and moral-education office see their school's
        and those addressed to their school; district staff those addressed to their district; a
        homeroom teacher those that reached the class; anyone those addressed to them."""
        scope = scope_of(user)
        if scope.sees_city:
            return self.all()
        if scope.user_id is None:
            return self.none()
        receipts = AnnouncementReceipt.objects.filter(announcement=OuterRef("pk"))
        q = _owner_q(scope) | Exists(receipts.filter(user_id=scope.user_id))
        receipt_scope = receipt_scope_q(scope)
        if receipt_scope is not None:
            q |= Exists(receipts.filter(receipt_scope))
        return self.filter(q)


def receipt_scope_q(scope) -> Q | None:
    """Receipts (and so read counts) a member of staff may see; None for no staff role."""
    if scope.sees_city:
        return Q()
    q = Q(pk__in=[])
    found = False
    if scope.schools_with(*SCHOOL_AUTHOR_ROLES):
        q |= Q(school_id__in=scope.schools_with(*SCHOOL_AUTHOR_ROLES))
        found = True
    if scope.district_ids:
        q |= Q(school__district_id__in=scope.district_ids)
        found = True
    if scope.homeroom_class_ids:
        q |= Q(homeroom_class_id__in=scope.homeroom_class_ids)
        found = True
    return q if found else None


class Announcement(models.Model):
    """通知公告: from the bureau (school empty) or from one school."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    must_read = models.BooleanField(_("must read"), default=False,
                                    help_text=_("Recipients who have not opened it are listed for follow-up."))
    school = models.ForeignKey("schools.School", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="announcements", verbose_name=_("from school"))
    audience = models.OneToOneField(Audience, on_delete=models.PROTECT, related_name="announcement",
                                    verbose_name=_("audience"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("author"))
    published_at = models.DateTimeField(_("published at"), db_index=True)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    history = HistoricalRecords()

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        verbose_name = _("announcement (通知公告)")
        verbose_name_plural = _("announcements")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title


class AnnouncementReceipt(models.Model):
    """One recipient of one announcement, in one school (and class, for a parent): read or not.

    A parent with children in two classes has a receipt for each class, so each homeroom teacher
    sees them; opening the announcement marks all of that person's receipts read.
    """

    class Audience(models.TextChoices):
        PARENT = "parent", _("Parent")
        STAFF = "staff", _("Staff")

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(max_length=8, choices=Audience.choices)
    school = models.ForeignKey("schools.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    homeroom_class = models.ForeignKey("schools.HomeroomClass", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("announcement receipt")
        verbose_name_plural = _("announcement receipts")
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user", "homeroom_class"],
                                    condition=Q(homeroom_class__isnull=False), name="unique_receipt_per_class"),
            models.UniqueConstraint(fields=["announcement", "user", "school"],
                                    condition=Q(homeroom_class__isnull=True), name="unique_receipt_per_school"),
        ]
        indexes = [models.Index(fields=["announcement", "read_at"]), models.Index(fields=["user", "announcement"])]

    def __str__(self) -> str:
        return f"{self.announcement_id} → {self.user_id}"


class QuestionnaireQuerySet(models.QuerySet):
    def visible_to(self, user) -> QuestionnaireQuerySet:
        """Staff: the bureau all; a school's principal and moral-education office their school's and
        those its parents were asked; district staff those asked in their district. Parents: those
        they were asked (never drafts)."""
        scope = scope_of(user)
        if scope.sees_city:
            return self.all()
        if scope.user_id is None:
            return self.none()
        invitations = SurveyInvitation.objects.filter(questionnaire=OuterRef("pk"))
        q = _owner_q(scope) | Exists(invitations.filter(user_id=scope.user_id))
        staff_q = response_scope_q(scope)
        if staff_q is not None:
            q |= Exists(invitations.filter(staff_q))
        return self.filter(q)

    def managed_by(self, user) -> QuestionnaireQuerySet:
        """Questionnaires whose results a member of staff may read (parents: none)."""
        scope = scope_of(user)
        if scope.sees_city:
            return self.all()
        staff_q = response_scope_q(scope)
        if staff_q is None:
            return self.none()
        invitations = SurveyInvitation.objects.filter(questionnaire=OuterRef("pk"))
        return self.filter(_owner_q(scope) | Exists(invitations.filter(staff_q)))


def response_scope_q(scope) -> Q | None:
    """Responses and invitations (by their `school`) a member of staff may count; None: no staff role
    that reads survey results (teachers and homeroom teachers do not)."""
    if scope.sees_city:
        return Q()
    q = Q(pk__in=[])
    found = False
    if scope.schools_with(*SCHOOL_AUTHOR_ROLES):
        q |= Q(school_id__in=scope.schools_with(*SCHOOL_AUTHOR_ROLES))
        found = True
    if scope.district_ids:
        q |= Q(school__district_id__in=scope.district_ids)
        found = True
    return q if found else None


class Questionnaire(models.Model):
    """问卷: built by the bureau (school empty) or a school; draft → open → closed."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", pgettext_lazy("questionnaire status", "Open")
        CLOSED = "closed", _("Closed")

    class Per(models.TextChoices):
        CHILD = "child", _("Once per child")
        FAMILY = "family", _("Once per family")

    class Kind(models.TextChoices):
        CUSTOM = "custom", _("Questionnaire")
        TERM_SATISFACTION = "term_satisfaction", _("Term satisfaction survey")

    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices, default=Kind.CUSTOM)
    term = models.ForeignKey("schools.Term", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="questionnaires", verbose_name=_("term"))
    school = models.ForeignKey("schools.School", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="questionnaires", verbose_name=_("from school"))
    audience = models.OneToOneField(Audience, on_delete=models.PROTECT, related_name="questionnaire",
                                    verbose_name=_("audience"))
    per = models.CharField(_("answered"), max_length=8, choices=Per.choices, default=Per.FAMILY)
    anonymous = models.BooleanField(_("anonymous"), default=True,
                                    help_text=_("Anonymous answers are stored without the parent or child."))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("author"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    history = HistoricalRecords()

    objects = QuestionnaireQuerySet.as_manager()

    class Meta:
        verbose_name = _("questionnaire (问卷)")
        verbose_name_plural = _("questionnaires")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["term"], condition=Q(kind="term_satisfaction"),
                                    name="one_term_satisfaction_survey"),
        ]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        RATING = "rating", _("Rating 1-5")
        TEXT = "text", _("Short text")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    text = models.CharField(_("question"), max_length=300)
    required = models.BooleanField(_("required"), default=True)
    #: a stable code for ready-made questions ("time", "content", ...), empty for the others
    code = models.CharField(max_length=32, blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "position"], name="unique_question_position")]

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(_("choice"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["question", "position", "id"]

    def __str__(self) -> str:
        return self.text


class SurveyInvitation(models.Model):
    """One parent asked (for one child, or for the family when `student` is empty). `answered_on`
    is set once, by compare-and-swap, when the child or family has answered."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey("schools.Student", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+")
    answered_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "user", "student"], condition=Q(student__isnull=False),
                                    name="unique_invitation_per_child"),
            models.UniqueConstraint(fields=["questionnaire", "user"], condition=Q(student__isnull=True),
                                    name="unique_invitation_per_family"),
        ]
        indexes = [models.Index(fields=["questionnaire", "school"])]

    def __str__(self) -> str:
        return f"{self.questionnaire_id} → {self.user_id}"


class SurveyResponseQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_of(user)
        if scope.sees_city:
            return self.all()
        q = response_scope_q(scope)
        return self.filter(q) if q is not None else self.none()


class SurveyResponse(models.Model):
    """One submitted questionnaire. Anonymous: `respondent` and `student` stay empty (the service
    never sets them) and only the school and the day are kept."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="responses")
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+")
    submitted_on = models.DateField()
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    student = models.ForeignKey("schools.Student", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = SurveyResponseQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["questionnaire", "school"])]

    def __str__(self) -> str:
        return str(self.pk)


class Answer(models.Model):
    """One answer to one question; a multiple-choice question has one row per ticked choice."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.PROTECT, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    choice = models.ForeignKey(Choice, null=True, blank=True, on_delete=models.PROTECT, related_name="answers")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="answer_rating_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.choice_id or self.rating or self.text[:20]}"
