"""Monthly statements of teachers' service hours (课后服务课时月报) and the bureau's rates
(课后服务补助标准). Imported at the end of `attendance.models`; the rules live in
`attendance/statements.py`.

A statement is one school's month in one version: built from the rolls (`attendance.hours`) while a
draft, checked by the teaching-affairs office (教务处), signed off by the principal. A signed
statement is never changed: a correction after signing makes the next version (a draft that copies
the lines), and the city's sums read the latest signed version of each school's month.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.roles import Role
from accounts.scoping import scope_of
from schools.models import School, Term

KINDS = ("noon", "group", "club")
CENT = Decimal("0.01")


def amount_for(minutes: int, rate: Decimal | None) -> Decimal | None:
    """Yuan for `minutes` at `rate` yuan an hour, to the fen (half up); None without a rate."""
    if rate is None:
        return None
    return (Decimal(minutes) * Decimal(rate) / Decimal(60)).quantize(CENT, rounding=ROUND_HALF_UP)


class ServiceRate(models.Model):
    """课后服务补助标准: what the city pays a teacher per hour of service in a term, by kind."""

    term = models.OneToOneField(Term, on_delete=models.PROTECT, related_name="service_rate", verbose_name=_("term"))
    noon = models.DecimalField(_("noon service (yuan per hour)"), max_digits=7, decimal_places=2)
    group = models.DecimalField(_("after-school group (yuan per hour)"), max_digits=7, decimal_places=2)
    club = models.DecimalField(_("club (yuan per hour)"), max_digits=7, decimal_places=2)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("set by"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service rate (课后服务补助标准)")
        verbose_name_plural = _("service rates")
        constraints = [models.CheckConstraint(condition=Q(noon__gte=0, group__gte=0, club__gte=0),
                                              name="service_rate_not_negative")]

    def __str__(self) -> str:
        return f"{self.term} · {self.noon}/{self.group}/{self.club}"

    def as_dict(self) -> dict[str, Decimal]:
        return {"noon": self.noon, "group": self.group, "club": self.club}


class StatementQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The bureau and the admin every statement; district staff their district's schools'; a
        school's principal and teaching-affairs office their school's; a teacher the statements of
        their school that have a line of theirs (the lines they see are their own only). Nobody else."""
        scope = scope_of(user)
        if scope.sees_city:
            return self.all()
        if scope.user_id is None:
            return self.none()
        q = Q(school_id__in=scope.schools_with(Role.PRINCIPAL, Role.ACADEMIC)) | Q(
            school__district_id__in=scope.district_ids)
        teacher_schools = scope.schools_with(Role.TEACHER, Role.HOMEROOM)
        if teacher_schools:
            q |= Q(school_id__in=teacher_schools, pk__in=StatementLine.objects.filter(
                teacher_id=scope.user_id).values("statement_id"))
        return self.filter(q)


class Statement(models.Model):
    """One school's month of teachers' held service hours, in one version."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CHECKED = "checked", _("Checked by the teaching-affairs office")
        SIGNED = "signed", _("Signed off by the principal")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="statements", verbose_name=_("school"))
    #: The first day of the month.
    month = models.DateField(_("month"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT,
                              db_default=Status.DRAFT)
    term = models.ForeignKey(Term, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("term"), help_text=_("The term whose rates apply."))
    supersedes = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("corrects version"))
    built_at = models.DateTimeField(_("built from the rolls at"))
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("checked by"))
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("signed off by"))
    signed_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    #: The rates in force when signed (yuan per hour): a signed statement never changes its amounts.
    noon_rate = models.DecimalField(_("noon rate"), max_digits=7, decimal_places=2, null=True, blank=True)
    group_rate = models.DecimalField(_("group rate"), max_digits=7, decimal_places=2, null=True, blank=True)
    club_rate = models.DecimalField(_("club rate"), max_digits=7, decimal_places=2, null=True, blank=True)
    history = HistoricalRecords()

    objects = StatementQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly hours statement")
        verbose_name_plural = _("monthly hours statements")
        ordering = ["-month", "school_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["school", "month", "version"], name="one_statement_version")]

    def __str__(self) -> str:
        return f"{self.school} · {self.month:%Y-%m} · v{self.version}"

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED

    def signed_rates(self) -> dict[str, Decimal] | None:
        if self.noon_rate is None:
            return None
        return {"noon": self.noon_rate, "group": self.group_rate, "club": self.club_rate}


class StatementLine(models.Model):
    """One teacher's held sessions and minutes of the month by kind. `held_*` come from the rolls
    (rebuilt while the statement is a draft); `*_minutes` are the figures in force: the held ones,
    or the teaching-affairs office's correction (with its reason, `StatementCorrection`)."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines",
                                  verbose_name=_("statement"))
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("teacher"))
    teacher_name = models.CharField(_("teacher's name"), max_length=150, blank=True, default="", db_default="")
    planned_sessions = models.PositiveIntegerField(_("planned sessions"), default=0)
    planned_minutes = models.PositiveIntegerField(_("planned minutes"), default=0)
    noon_sessions = models.PositiveIntegerField(_("noon sessions held"), default=0)
    group_sessions = models.PositiveIntegerField(_("group sessions held"), default=0)
    club_sessions = models.PositiveIntegerField(_("club sessions held"), default=0)
    held_noon_minutes = models.PositiveIntegerField(_("noon minutes held (rolls)"), default=0)
    held_group_minutes = models.PositiveIntegerField(_("group minutes held (rolls)"), default=0)
    held_club_minutes = models.PositiveIntegerField(_("club minutes held (rolls)"), default=0)
    noon_minutes = models.PositiveIntegerField(_("noon minutes"), default=0)
    group_minutes = models.PositiveIntegerField(_("group minutes"), default=0)
    club_minutes = models.PositiveIntegerField(_("club minutes"), default=0)
    corrected = models.BooleanField(_("corrected"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement_id", "id"]
        constraints = [models.UniqueConstraint(fields=["statement", "teacher"], name="one_line_per_teacher")]

    def __str__(self) -> str:
        return f"{self.statement} · {self.teacher_name}"

    def minutes(self) -> dict[str, int]:
        return {k: getattr(self, f"{k}_minutes") for k in KINDS}

    def sessions(self) -> dict[str, int]:
        return {k: getattr(self, f"{k}_sessions") for k in KINDS}

    @property
    def total_minutes(self) -> int:
        return sum(self.minutes().values())

    @property
    def total_sessions(self) -> int:
        return sum(self.sessions().values())

    def amounts(self, rates: dict[str, Decimal] | None) -> dict[str, Decimal | None]:
        """Yuan by kind and `total` at the rates (None without rates)."""
        if rates is None:
            return {**dict.fromkeys(KINDS), "total": None}
        out = {k: amount_for(getattr(self, f"{k}_minutes"), rates[k]) for k in KINDS}
        out["total"] = sum(out.values(), Decimal("0.00"))
        return out


class StatementCorrection(models.Model):
    """A correction of one line by the teaching-affairs office: who, when, why, before and after."""

    line = models.ForeignKey(StatementLine, on_delete=models.PROTECT, related_name="corrections",
                             verbose_name=_("line"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("corrected by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=300, default="", db_default="")
    before = models.JSONField(_("minutes before"), default=dict)
    after = models.JSONField(_("minutes after"), default=dict)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("statement correction")
        verbose_name_plural = _("statement corrections")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.line} · {self.reason}"
