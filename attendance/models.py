"""Attendance and custody: rolls and marks, leave, the duty rota and patrol log, the chain of
custody from the classroom to the adult who takes the child home, and the duty leader's day close.

The promise to parents: from the end of lessons until a child leaves with an authorised adult, the
school knows who holds the child. A child is *held* once marked present (or late) on a roll of the
day and until a `pickup` or `flexible_departure` custody event releases them.
"""
from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import TruncTime
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.roles import Role
from accounts.scoping import scope_of
from schools.models import School, Student, Venue


def _school_staff_q(scope, field: str = "school_id") -> Q:
    """School-wide staff (principal, offices, duty leader role) of the school, and the city admin."""
    return Q(**{f"{field}__in": scope.school_wide_ids})


class RollQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The teacher who holds the roll; the school's principal, offices and duty leaders. Nobody
        else (parents, other teachers, district and bureau see counts in reports only)."""
        scope = scope_of(user)
        if scope.is_admin:
            return self.all()
        if scope.user_id is None:
            return self.none()
        q = _school_staff_q(scope)
        teacher_schools = scope.schools_with(Role.TEACHER, Role.HOMEROOM)
        if teacher_schools:
            q |= Q(teacher_id=scope.user_id, school_id__in=teacher_schools)
        return self.filter(q)

    def for_day(self, *, school_id, date):
        return self.filter(school_id=school_id, date=date)


class Roll(models.Model):
    """点名册: one session of one after-school group or club on one date, held by one teacher."""

    class Kind(models.TextChoices):
        GROUP = "group", _("After-school group")
        CLUB = "club", _("Club")

    class Session(models.TextChoices):
        NOON = "noon", _("Noon service")
        AFTER_SCHOOL = "after_school", _("After-school service")
        CLUB = "club", _("Club session")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SUBMITTED = "submitted", _("Submitted")
        CANCELLED = "cancelled", _("Cancelled")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="rolls", verbose_name=_("school"))
    date = models.DateField(_("date"), db_index=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    session = models.CharField(_("session"), max_length=16, choices=Session.choices)
    group = models.ForeignKey("enrollment.ServiceGroup", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="rolls", verbose_name=_("group"))
    club = models.ForeignKey("clubs.Club", null=True, blank=True, on_delete=models.PROTECT, related_name="rolls",
                             verbose_name=_("club"))
    club_slot = models.ForeignKey("clubs.ClubSlot", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="rolls", verbose_name=_("club slot"))
    name = models.CharField(_("name"), max_length=64)
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    ends_at = models.TimeField(_("ends at"), null=True, blank=True)
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="rolls",
                              verbose_name=_("venue"))
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="rolls", verbose_name=_("teacher"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("submitted by"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_reason = models.CharField(_("reason for cancelling"), max_length=255, blank=True, default="",
                                        db_default="")
    cancelled_by_day = models.ForeignKey("schools.CalendarDay", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="cancelled_rolls", verbose_name=_("cancelled by the calendar day"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = RollQuerySet.as_manager()

    class Meta:
        verbose_name = _("roll (点名册)")
        verbose_name_plural = _("rolls")
        ordering = ["date", "starts_at", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "date"], condition=Q(group__isnull=False),
                                    name="one_roll_per_group_day"),
            models.UniqueConstraint(fields=["club_slot", "date"], condition=Q(club_slot__isnull=False),
                                    name="one_roll_per_club_slot_day"),
            models.CheckConstraint(condition=Q(kind="group", group__isnull=False, club__isnull=True)
                                   | Q(kind="club", club__isnull=False, group__isnull=True),
                                   name="roll_group_xor_club"),
        ]
        indexes = [models.Index(fields=["school", "date"])]

    def __str__(self) -> str:
        return f"{self.name} · {self.date}"


class Mark(models.Model):
    """A child's mark on a roll: the latest one the teacher's tablet sent (one row per child).

    `client_id` is the tablet's id of the tap that set it; `marked_at` the tablet's clock when the
    teacher tapped. A retried submission carries the same `client_id` and writes nothing; a mark
    tapped before the one the server holds (an old tablet coming back online) does not replace it.
    Every change is kept in the history table.
    """

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        LATE = "late", _("Late")
        LEAVE = "leave", _("On leave")

    roll = models.ForeignKey(Roll, on_delete=models.PROTECT, related_name="marks", verbose_name=_("roll"))
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="marks", verbose_name=_("student"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    client_id = models.CharField(_("client id"), max_length=64)
    marked_at = models.DateTimeField(_("marked at"))
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("marked by"))
    received_at = models.DateTimeField(_("received at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mark")
        verbose_name_plural = _("marks")
        ordering = ["roll", "student"]
        constraints = [
            models.UniqueConstraint(fields=["roll", "student"], name="one_mark_per_child_per_roll"),
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.get_status_display()}"

    @property
    def holds_child(self) -> bool:
        return self.status in (self.Status.PRESENT, self.Status.LATE)


HELD_STATUSES = (Mark.Status.PRESENT, Mark.Status.LATE)


class LeaveQuerySet(models.QuerySet):
    def active(self):
        return self.filter(cancelled_at__isnull=True)

    def visible_to(self, user):
        scope = scope_of(user)
        if scope.is_admin:
            return self.all()
        if scope.user_id is None:
            return self.none()
        return self.filter(student__in=Student.objects.visible_to(user))


class Leave(models.Model):
    """请假: a guardian reports in advance that the child will not attend the services on a date."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="leaves", verbose_name=_("student"))
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("reported by"))
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    history = HistoricalRecords()

    objects = LeaveQuerySet.as_manager()

    class Meta:
        verbose_name = _("leave (请假)")
        verbose_name_plural = _("leaves")
        ordering = ["-date", "student"]
        constraints = [models.UniqueConstraint(fields=["student", "date"], condition=Q(cancelled_at__isnull=True),
                                               name="one_active_leave_per_day")]

    def __str__(self) -> str:
        return f"{self.student} · {self.date}"


class SchoolDayQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_of(user)
        if scope.is_admin:
            return self.all()
        return self.filter(school_id__in=scope.staff_school_ids)


class DutyRota(models.Model):
    """值班表: the school's duty leader (带班领导) and duty teachers of one day."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="duty_rota", verbose_name=_("school"))
    date = models.DateField(_("date"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="duty_days",
                               verbose_name=_("duty leader"))
    teachers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="duty_teacher_days",
                                      verbose_name=_("duty teachers"))
    history = HistoricalRecords(m2m_fields=[teachers])

    objects = SchoolDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty rota (值班表)")
        verbose_name_plural = _("duty rota")
        ordering = ["school", "date"]
        constraints = [models.UniqueConstraint(fields=["school", "date"], name="one_rota_per_school_day")]

    def __str__(self) -> str:
        return f"{self.school} · {self.date} · {self.leader}"


class PatrolLog(models.Model):
    """巡查记录: what the duty leader saw on a round (time, place, note)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="patrol_logs",
                               verbose_name=_("school"))
    date = models.DateField(_("date"))
    at = models.DateTimeField(_("time"))
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("venue"))
    place = models.CharField(_("place"), max_length=64, blank=True)
    note = models.TextField(_("what was seen"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    history = HistoricalRecords()

    objects = SchoolDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("patrol log (巡查记录)")
        verbose_name_plural = _("patrol logs")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.school} · {self.at:%Y-%m-%d %H:%M}"


#: A handover's time of day in the service's time zone (Asia/Shanghai, fixed rather than the active
#: time zone so that the expression is the one of `attendance_custody_pickup_idx`).
PICKUP_LOCAL_TIME = TruncTime("at", tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


class CustodyEvent(models.Model):
    """交接: one handover of a child, from someone to someone, at a time, recorded by whom.

    `pickup` and `flexible_departure` release the child from the school's custody for the day.
    """

    class Kind(models.TextChoices):
        CLASS_TO_GROUP = "class_to_group", _("Class to after-school group")
        GROUP_TO_CLUB = "group_to_club", _("Group to club")
        TEACHER_TO_TEACHER = "teacher_to_teacher", _("Teacher to teacher")
        PICKUP = "pickup", _("Picked up")
        FLEXIBLE_DEPARTURE = "flexible_departure", _("Flexible departure")

    RELEASES = (Kind.PICKUP, Kind.FLEXIBLE_DEPARTURE)

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="custody_events",
                               verbose_name=_("school"))
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="custody_events",
                                verbose_name=_("student"))
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("from"))
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("to (staff or guardian)"))
    pickup_person = models.ForeignKey("enrollment.AuthorisedPickupPerson", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("authorised pickup person"))
    to_name = models.CharField(_("to (name)"), max_length=64, blank=True)
    relation = models.CharField(_("relation"), max_length=32, blank=True)
    roll = models.ForeignKey(Roll, null=True, blank=True, on_delete=models.PROTECT, related_name="custody_events",
                             verbose_name=_("to roll"))
    at = models.DateTimeField(_("at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    #: A correction (an `at` older than the replay window, or a fix of an earlier event): a separate
    #: event that keeps the original; `corrects` names the event it replaces, if any.
    correction_reason = models.CharField(_("correction reason"), max_length=200, blank=True, default="", db_default="")
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by",
                                 verbose_name=_("corrects"))
    history = HistoricalRecords()

    objects = SchoolDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("custody event (交接)")
        verbose_name_plural = _("custody events")
        ordering = ["date", "at", "id"]
        indexes = [
            models.Index(fields=["school", "date"]),
            # The weekly report's late pickups: the week's pickups by date and local time (an index
            # condition, not a time-zone conversion of every handover of the week), counted by school
            # from the index alone on PostgreSQL (INCLUDE). Queries must use `PICKUP_LOCAL_TIME`.
            models.Index(F("date"), PICKUP_LOCAL_TIME, include=["school", "at"], condition=Q(kind="pickup"),
                         name="attendance_custody_pickup_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.get_kind_display()} · {self.at:%H:%M}"


class PickupRefusal(models.Model):
    """A pickup refused because the person is not on the child's list: a custody exception."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("student"))
    date = models.DateField(_("date"))
    person = models.CharField(_("person"), max_length=120)
    reason = models.CharField(_("reason"), max_length=200)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    history = HistoricalRecords()

    objects = SchoolDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("refused pickup")
        verbose_name_plural = _("refused pickups")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.student} · {self.person}"


class DayClose(models.Model):
    """The duty leader's sign-off that every child of the day is accounted for."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="day_closes",
                               verbose_name=_("school"))
    date = models.DateField(_("date"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("closed by"))
    closed_at = models.DateTimeField(_("closed at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = SchoolDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("day close")
        verbose_name_plural = _("day closes")
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["school", "date"], name="one_close_per_school_day")]

    def __str__(self) -> str:
        return f"{self.school} · {self.date}"


class AbsenceFollowUp(models.Model):
    """跟进: who contacted which guardian of a child absent without leave, when, and the outcome.
    The day does not close while an absence without leave has none."""

    class Outcome(models.TextChoices):
        REACHED_SAFE = "reached_safe", _("Reached, the child is safe")
        NOT_REACHED = "not_reached", _("Not reached")
        ESCALATED = "escalated", _("Escalated as a missing-child incident")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("student"))
    date = models.DateField(_("date"))
    contacted = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("guardian contacted"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    history = HistoricalRecords()

    objects = SchoolDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("absence follow-up")
        verbose_name_plural = _("absence follow-ups")
        ordering = ["date", "at", "id"]
        indexes = [models.Index(fields=["school", "date"])]

    def __str__(self) -> str:
        return f"{self.student} · {self.date} · {self.get_outcome_display()}"


class DayTotal(models.Model):
    """One school's figures for one day, as the weekly report reads them (`attendance/totals.py`).

    Written when the duty leader closes the day (`source` close) and by the nightly task for every
    school that had rolls that day (`source` nightly when the day was not closed, close otherwise),
    so that a week of the city is about 750 rows instead of its marks. Derived data: recomputed
    from the marks and handovers at will, never edited by hand (no history of its own)."""

    class Source(models.TextChoices):
        CLOSE = "close", _("Day closed by the duty leader")
        NIGHTLY = "nightly", _("Written by the nightly task (day not closed)")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="day_totals", verbose_name=_("school"))
    date = models.DateField(_("date"))
    expected = models.PositiveIntegerField(_("children on the day's rolls"), default=0, db_default=0)
    present = models.PositiveIntegerField(_("present"), default=0, db_default=0)
    late = models.PositiveIntegerField(_("late"), default=0, db_default=0)
    absent = models.PositiveIntegerField(_("absent"), default=0, db_default=0)
    leave = models.PositiveIntegerField(_("on leave"), default=0, db_default=0)
    released = models.PositiveIntegerField(_("children released"), default=0, db_default=0)
    late_pickups = models.PositiveIntegerField(_("late pickups"), default=0, db_default=0)
    rolls = models.PositiveIntegerField(_("rolls"), default=0, db_default=0)
    rolls_open = models.PositiveIntegerField(_("rolls not submitted"), default=0, db_default=0)
    minutes_held = models.PositiveIntegerField(_("service minutes held"), default=0, db_default=0)
    closed = models.BooleanField(_("day closed"), default=False, db_default=False)
    source = models.CharField(_("written by"), max_length=8, choices=Source.choices, default=Source.NIGHTLY,
                              db_default=Source.NIGHTLY)
    computed_at = models.DateTimeField(_("computed at"))

    objects = SchoolDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("day total")
        verbose_name_plural = _("day totals")
        ordering = ["-date"]
        # (school, date): also the index of the weekly report's read (schools of a scope, a week)
        constraints = [models.UniqueConstraint(fields=["school", "date"], name="one_total_per_school_day")]

    def __str__(self) -> str:
        return f"{self.school} · {self.date}"


class PickupCode(models.Model):
    """接送码: today's pickup code of one child for one adult (the guardian who fetched it, or an
    authorised pickup person a guardian sent it to). The duty leader types or scans it; the console
    then shows the child and the adult the code belongs to for a one-tap confirm.

    The code is random (`secrets`), stored, and unique per school and date, rather than derived by
    an HMAC of (child, date, secret): an HMAC cut to 6 digits collides within a school (hundreds of
    children, several adults each) and would have to be recomputed for every child and adult of the
    school to resolve a typed code; a stored random code resolves with one indexed lookup, never
    collides within a school's day (unique constraint, a clash is drawn again), says who fetched it
    and when, and carries nothing that predicts another child's or another day's code. A code is
    valid on its `date` only and at the child's school only."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="pickup_codes",
                                verbose_name=_("student"))
    date = models.DateField(_("date"))
    code = models.CharField(_("pickup code"), max_length=8, db_default="")
    guardian = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("guardian"))
    pickup_person = models.ForeignKey("enrollment.AuthorisedPickupPerson", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("authorised pickup person"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("issued by"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    #: The pickup recorded with the code (a code serves once: the child is released once a day).
    used_event = models.ForeignKey(CustodyEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("used for"))
    history = HistoricalRecords()

    objects = SchoolDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("pickup code")
        verbose_name_plural = _("pickup codes")
        ordering = ["-date", "school", "code"]
        constraints = [
            models.UniqueConstraint(fields=["school", "date", "code"], name="one_pickup_code_per_school_day"),
            models.UniqueConstraint(fields=["student", "date", "guardian"], condition=Q(guardian__isnull=False),
                                    name="one_pickup_code_per_guardian_day"),
            models.UniqueConstraint(fields=["student", "date", "pickup_person"],
                                    condition=Q(pickup_person__isnull=False), name="one_pickup_code_per_person_day"),
            models.CheckConstraint(condition=Q(guardian__isnull=False, pickup_person__isnull=True)
                                   | Q(guardian__isnull=True, pickup_person__isnull=False),
                                   name="pickup_code_guardian_xor_person"),
        ]
        indexes = [models.Index(fields=["code", "date"])]

    def __str__(self) -> str:
        return f"{self.student} · {self.date}"


class WrongPickupCode(models.Model):
    """A code typed or scanned at the console that released nobody (unknown, of another day, of
    another school, of another child, of a child not held): counted like a refusal attempt,
    throttled per person and school and day, and the duty leader is alerted from the third."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    date = models.DateField(_("date"))
    code = models.CharField(_("code typed"), max_length=8, db_default="")
    reason = models.CharField(_("reason"), max_length=200, db_default="")
    pickup_code = models.ForeignKey(PickupCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("pickup code"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    history = HistoricalRecords()

    objects = SchoolDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("wrong pickup code")
        verbose_name_plural = _("wrong pickup codes")
        ordering = ["-at"]
        indexes = [models.Index(fields=["school", "date", "recorded_by"])]

    def __str__(self) -> str:
        return f"{self.school} · {self.date} · {self.code}"


class DepartureSlot(models.Model):
    """弹性离校时段: a time of day at which children whose guardians chose flexible departure may
    leave on their own. Each school sets its own per term (`services.departure_slots_set`); the
    guardians choose among them. A slot taken away is ended (`active=False`), never deleted."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="departure_slots",
                               verbose_name=_("school"))
    term = models.ForeignKey("schools.Term", on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    time = models.TimeField(_("departure time"))
    active = models.BooleanField(_("active"), default=True, db_default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("set by"))
    created_at = models.DateTimeField(_("set at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = SchoolDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("departure slot (弹性离校时段)")
        verbose_name_plural = _("departure slots")
        ordering = ["school", "term", "time", "id"]
        constraints = [models.UniqueConstraint(fields=["school", "term", "time"], condition=Q(active=True),
                                               name="one_active_departure_slot")]

    def __str__(self) -> str:
        return f"{self.school} · {self.term} · {self.time:%H:%M}"


# Monthly statements of teachers' service hours and the bureau's rates (attendance/statements.py).
from .statement_models import (  # noqa: E402, F401
    ServiceRate,
    Statement,
    StatementCorrection,
    StatementLine,
)
