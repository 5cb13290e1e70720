"""Clubs, the school's term service plan (一校一策), weekly slots and menu-style choices.

The time rules are checked in `clubs.timerules` and clashes in `clubs.timetable`; both read from
these models and `schools.Term`, never from constants of their own.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.scoping import scope_of
from schools.models import School, Student, Term, Venue


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


def _localised(zh: str, en: str) -> str:
    return en if (get_language() or "zh-hans").startswith("en") else zh


class ClubCategory(models.Model):
    """One of the five big categories of clubs (学科拓展, 文艺, 体育, 科技, 综合实践)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=64)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("club category")
        verbose_name_plural = _("club categories")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localised(self.name_zh, self.name_en)


class ClubType(models.Model):
    """A kind of club in the city's catalogue (篆刻, 花样跳绳, ...). Shipped as data; the bureau adds more."""

    category = models.ForeignKey(ClubCategory, on_delete=models.PROTECT, related_name="types",
                                 verbose_name=_("category"))
    code = models.SlugField(_("code"), max_length=48, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=64, unique=True)
    name_en = models.CharField(_("English name"), max_length=96)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("club type")
        verbose_name_plural = _("club types")
        ordering = ["category__order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localised(self.name_zh, self.name_en)


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    SUPERSEDED = "superseded", _("Superseded by a revision")


class SchoolScopedQuerySet(models.QuerySet):
    """Staff of the school, its district and the city see a school's plans and clubs."""

    def visible_to(self, user):
        scope = scope_of(user)
        if scope.sees_city:
            return self.all()
        return self.filter(Q(school_id__in=scope.staff_school_ids) | Q(school__district_id__in=scope.district_ids))


class Reviewable(models.Model):
    """The fields of the `draft → submitted → approved | returned` workflow shared by plans and clubs."""

    status = models.CharField(_("status"), max_length=16, choices=ReviewStatus.choices,
                              default=ReviewStatus.DRAFT, db_index=True)
    review_comment = models.TextField(_("review comments"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_editable(self) -> bool:
        return self.status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED)


class ServicePlan(Reviewable):
    """一校一策: a school's after-school service plan for a term.

    The noon and after-school windows are given for the winter and for the summer timetable; the
    noon window is optional (a school may offer after-school service only). An approved plan is
    read-only: a change is a new revision (`revision + 1`, `previous` pointing at the old one), and
    the old one becomes `superseded` when the revision is approved.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="service_plans",
                               verbose_name=_("school"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="service_plans", verbose_name=_("term"))
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="next_revision", verbose_name=_("previous revision"))
    school_days = models.JSONField(_("school days"), default=list,
                                   help_text=_("Weekdays with service, 1 = Monday ... 7 = Sunday."))
    winter_noon_start = models.TimeField(_("noon start (winter)"), null=True, blank=True)
    winter_noon_end = models.TimeField(_("noon end (winter)"), null=True, blank=True)
    winter_after_start = models.TimeField(_("after-school start (winter)"))
    winter_after_end = models.TimeField(_("after-school end (winter)"))
    summer_noon_start = models.TimeField(_("noon start (summer)"), null=True, blank=True)
    summer_noon_end = models.TimeField(_("noon end (summer)"), null=True, blank=True)
    summer_after_start = models.TimeField(_("after-school start (summer)"))
    summer_after_end = models.TimeField(_("after-school end (summer)"))
    homework_groups = models.PositiveSmallIntegerField(
        _("supervised-homework groups"), default=0,
        help_text=_("Number of basic supervised-homework groups the school runs."))
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    objects = SchoolScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("service plan (一校一策)")
        verbose_name_plural = _("service plans")
        ordering = ["school__code", "-term__start_date", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["school", "term", "revision"], name="unique_plan_revision"),
        ]

    def __str__(self) -> str:
        return f"{self.school} · {self.term} · r{self.revision}"

    def windows(self, summer: bool) -> dict:
        """{"noon": (start, end) or None, "after": (start, end)} for one timetable."""
        p = "summer" if summer else "winter"
        noon = (getattr(self, f"{p}_noon_start"), getattr(self, f"{p}_noon_end"))
        return {"noon": noon if all(noon) else None,
                "after": (getattr(self, f"{p}_after_start"), getattr(self, f"{p}_after_end"))}


class ClubQuerySet(SchoolScopedQuerySet):
    def visible_to(self, user):
        """Staff of the school, its district and the city see every club; a parent sees the approved
        clubs of their children's schools (the menu)."""
        scope = scope_of(user)
        if scope.sees_city:
            return self.all()
        q = Q(school_id__in=scope.staff_school_ids) | Q(school__district_id__in=scope.district_ids)
        if scope.user_id is not None:
            q |= Q(status=ReviewStatus.APPROVED, school_id__in=Student.objects.filter(
                guardianships__guardian_id=scope.user_id, guardianships__active=True).values("school_id"))
        return self.filter(q)


class Club(Reviewable):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="clubs", verbose_name=_("school"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="clubs", verbose_name=_("term"))
    club_type = models.ForeignKey(ClubType, on_delete=models.PROTECT, related_name="clubs", verbose_name=_("type"))
    name = models.CharField(_("name"), max_length=64)
    teachers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="clubs_taught",
                                      verbose_name=_("teachers"))
    external_instructor = models.CharField(_("external instructor"), max_length=64, blank=True,
                                           help_text=_("Name of an instructor from outside the school, if any."))
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="clubs", verbose_name=_("venue"))
    capacity = models.PositiveIntegerField(_("capacity"))
    grade_min = models.PositiveSmallIntegerField(_("lowest grade"), default=1)
    grade_max = models.PositiveSmallIntegerField(_("highest grade"), default=9)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    objects = ClubQuerySet.as_manager()

    class Meta:
        verbose_name = _("club")
        verbose_name_plural = _("clubs")
        ordering = ["school__code", "club_type__category__order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "term", "name"], name="unique_club_name"),
            models.CheckConstraint(condition=Q(grade_min__lte=models.F("grade_max")), name="club_grade_range"),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="club_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def open_to_grade(self, grade: int) -> bool:
        return self.grade_min <= grade <= self.grade_max


class ClubSlot(models.Model):
    """One weekly meeting of a club: weekday, start and end (Asia/Shanghai wall-clock time)."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="slots", verbose_name=_("club"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("weekly slot")
        verbose_name_plural = _("weekly slots")
        ordering = ["weekday", "start"]
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="slot_end_after_start")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


class ChoiceWindow(models.Model):
    """When parents of a school may rank clubs for a term, and when the allocation ran."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="club_choice_windows",
                               verbose_name=_("school"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="club_choice_windows",
                             verbose_name=_("term"))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    allocated_at = models.DateTimeField(_("allocated at"), null=True, blank=True)
    history = HistoricalRecords()

    objects = SchoolScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("club choice window")
        verbose_name_plural = _("club choice windows")
        constraints = [
            models.UniqueConstraint(fields=["school", "term"], name="unique_choice_window"),
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="choice_window_order"),
        ]

    def __str__(self) -> str:
        return f"{self.school} · {self.term}"

    def is_open(self, now) -> bool:
        return self.opens_at <= now < self.closes_at


class ClubChoiceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The child's guardians, school-wide staff and the club's teachers; the district and the
        bureau see counts only (children's data)."""
        scope = scope_of(user)
        if scope.is_admin:
            return self.all()
        if scope.user_id is None:
            return self.none()
        q = Q(student__guardianships__guardian_id=scope.user_id, student__guardianships__active=True)
        q |= Q(club__school_id__in=scope.school_wide_ids)
        q |= Q(club__teachers__id=scope.user_id)
        return self.filter(pk__in=ClubChoice.objects.filter(q).values("pk"))

    def holding_seat(self):
        return self.filter(status=ClubChoice.Status.ENROLLED)


#: Why the allocation decided as it did: stored as a code with parameters, shown in the reader's language.
CHOICE_REASONS = {
    "replaced": _("Replaced by another choice."),
    "late_join": _("Joined late while a seat was free."),
    "late_full": _("The club was full; the child is on its waitlist."),
    "withdrawn": _("Withdrawn by %(name)s."),
    "lower_not_needed": _("Choice %(rank)d was granted, so this lower choice was not needed."),
    "grade": _("The club is not open to the child's grade."),
    "clash": _("It clashes with %(other)s (%(day)s %(start)s-%(end)s)."),
    "granted_priority": _("Granted as choice %(rank)d (priority group)."),
    "granted": _("Granted as choice %(rank)d."),
    "full_waitlisted": _("The club was full when choice %(rank)d was served; the child is on its waitlist."),
    "promoted": _("Promoted from the waitlist when a seat became free."),
    "higher_granted": _("A higher choice was granted from the waitlist."),
    "released": _("Released: the child moved up to choice %(rank)d."),
}


def reason_text(code: str, params: dict | None) -> str:
    template = CHOICE_REASONS.get(code)
    if template is None:
        return code
    params = dict(params or {})
    if "weekday" in params:
        params["day"] = Weekday(params["weekday"]).label if params["weekday"] in Weekday.values else ""
    try:
        return str(template) % params if params else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template)


class ClubChoice(models.Model):
    """A parent's ranked choice of a club for a child, and what became of it.

    `rank` is 1-3 for the menu choices made in the choice window and empty for a late join.
    `reason` (a code of `CHOICE_REASONS` with `reason_params`) says why the allocation decided as it
    did; `reason_text` renders it in the reader's language.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for allocation")
        ENROLLED = "enrolled", _("Enrolled")
        WAITLISTED = "waitlisted", _("Waitlisted")
        NOT_PLACED = "not_placed", _("Not placed")
        RELEASED = "released", _("Released for a higher choice")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="choices", verbose_name=_("club"))
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="club_choices",
                                verbose_name=_("student"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    priority = models.BooleanField(_("priority group"), default=False)
    reason = models.CharField(_("reason"), max_length=32, blank=True)
    reason_params = models.JSONField(_("reason details"), default=dict, blank=True)
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("chosen by"))
    chosen_at = models.DateTimeField(_("chosen at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    history = HistoricalRecords()

    objects = ClubChoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("club choice")
        verbose_name_plural = _("club choices")
        ordering = ["student", "rank", "chosen_at"]
        constraints = [
            # One live choice of a club per child; a withdrawn one may be chosen again.
            models.UniqueConstraint(fields=["club", "student"], name="unique_live_choice",
                                    condition=~Q(status__in=["withdrawn", "released", "not_placed"])),
            models.UniqueConstraint(fields=["student", "term", "rank"], name="unique_choice_rank",
                                    condition=Q(rank__isnull=False) & ~Q(status__in=["withdrawn"])),
            models.CheckConstraint(condition=Q(rank__isnull=True) | Q(rank__gte=1, rank__lte=3),
                                   name="choice_rank_1_to_3"),
        ]
        indexes = [models.Index(fields=["club", "status"])]

    def __str__(self) -> str:
        return f"{self.student} → {self.club} ({self.get_status_display()})"

    @property
    def reason_text(self) -> str:
        return reason_text(self.reason, self.reason_params) if self.reason else ""
