"""Districts, schools, terms, classes, students, guardians and venues."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from pypinyin import lazy_pinyin
from simple_history.models import HistoricalRecords

from accounts.roles import Role
from accounts.scoping import scope_of


def pinyin_key(name: str) -> str:
    """Sort key so that lists sorted by name follow pinyin order, as Chinese users expect."""
    return " ".join(lazy_pinyin(name or ""))[:128]


class District(models.Model):
    """学区: one of the city's school districts."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    code = models.CharField(_("code"), max_length=16, unique=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("district (学区)")
        verbose_name_plural = _("districts")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class SchoolQuerySet(models.QuerySet):
    def visible_to(self, user) -> SchoolQuerySet:
        scope = scope_of(user)
        if scope.sees_city:
            return self.all()
        q = Q(pk__in=scope.staff_school_ids) | Q(district_id__in=scope.district_ids)
        if scope.user_id is not None:
            q |= Q(pk__in=Student.objects.filter(
                guardianships__guardian_id=scope.user_id, guardianships__active=True
            ).values("school_id"))
        return self.filter(q)


class School(models.Model):
    class Level(models.TextChoices):
        PRIMARY = "primary", _("Primary school")
        JUNIOR = "junior", _("Junior middle school")
        NINE_YEAR = "nine_year", _("Nine-year school")

    class Demonstration(models.TextChoices):
        NONE = "", _("Not a demonstration school")
        PROVINCIAL_1 = "provincial_1", _("Provincial demonstration school, first batch")
        PROVINCIAL_2 = "provincial_2", _("Provincial demonstration school, second batch")

    name = models.CharField(_("name"), max_length=128, unique=True)
    code = models.CharField(_("code"), max_length=32, unique=True)
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.PROTECT, related_name="schools", verbose_name=_("district")
    )
    city_direct = models.BooleanField(_("city-direct (市直)"), default=False)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    demonstration = models.CharField(
        _("demonstration school"), max_length=16, choices=Demonstration.choices, blank=True, default=""
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    objects = SchoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(city_direct=True, district__isnull=True) | Q(city_direct=False, district__isnull=False),
                name="school_city_direct_xor_district",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def grade_range(self) -> range:
        return {self.Level.PRIMARY: range(1, 7), self.Level.JUNIOR: range(7, 10)}.get(self.level, range(1, 10))


class Term(models.Model):
    """A school term, city-wide, with the bureau's policy values for it.

    The four time rules of DESIGN.md (noon start in winter and summer, the latest end, the daily
    minimum) are read from the term and nowhere else.
    """

    name = models.CharField(_("name"), max_length=64, unique=True)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    summer_timetable_from = models.DateField(_("summer timetable from"), null=True, blank=True)
    winter_timetable_from = models.DateField(_("winter timetable from"), null=True, blank=True)
    noon_start_winter = models.TimeField(_("noon service from (winter)"), default="13:00")
    noon_start_summer = models.TimeField(_("noon service from (summer)"), default="14:00")
    latest_end = models.TimeField(_("after-school service ends by"), default="18:00")
    min_daily_minutes = models.PositiveSmallIntegerField(_("minimum service minutes a day"), default=120)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["-start_date"]
        constraints = [models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="term_dates")]

    def __str__(self) -> str:
        return self.name

    def is_summer(self, day) -> bool:
        """Summer timetable applies from `summer_timetable_from` until `winter_timetable_from`."""
        s, w = self.summer_timetable_from, self.winter_timetable_from
        if s and w:
            return s <= day < w if s < w else not (w <= day < s)
        if s:
            return day >= s
        if w:
            return day < w
        return False

    @classmethod
    def current(cls, day=None) -> Term | None:
        from django.utils import timezone

        day = day or timezone.localdate()
        return cls.objects.filter(start_date__lte=day, end_date__gte=day).first() or cls.objects.first()


class Grade(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="grades", verbose_name=_("school"))
    number = models.PositiveSmallIntegerField(_("grade"))
    name = models.CharField(_("name"), max_length=32)

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grades")
        ordering = ["school", "number"]
        constraints = [models.UniqueConstraint(fields=["school", "number"], name="unique_grade")]

    def __str__(self) -> str:
        return self.name


class HomeroomClassQuerySet(models.QuerySet):
    def visible_to(self, user) -> HomeroomClassQuerySet:
        scope = scope_of(user)
        if scope.sees_city:
            return self.all()
        return self.filter(
            Q(school_id__in=scope.staff_school_ids) | Q(school__district_id__in=scope.district_ids)
        )


class HomeroomClass(models.Model):
    """班级: a class with its homeroom teacher (班主任)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="classes", verbose_name=_("school"))
    grade = models.ForeignKey(Grade, on_delete=models.PROTECT, related_name="classes", verbose_name=_("grade"))
    name = models.CharField(_("name"), max_length=32)
    homeroom_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="homeroom_classes",
        verbose_name=_("homeroom teacher"),
    )
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    objects = HomeroomClassQuerySet.as_manager()

    class Meta:
        verbose_name = _("class (班级)")
        verbose_name_plural = _("classes")
        ordering = ["school", "grade__number", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="unique_class_name")]

    def __str__(self) -> str:
        return self.name


class StudentQuerySet(models.QuerySet):
    def visible_to(self, user) -> StudentQuerySet:
        """Children a user may see one by one.

        Guardians see their own children; the principal, the offices and the duty leader see their
        school; a homeroom teacher sees the class; a teacher sees the children placed with them
        (added by enrollment and clubs through `TEACHER_STUDENT_FILTERS`). District and bureau staff
        see counts only (DESIGN.md: aggregates for sensitive data), so no rows here.
        """
        scope = scope_of(user)
        if scope.is_admin:
            return self.all()
        if scope.user_id is None:
            return self.none()
        # Every branch is a column test or an id subquery, with no join in the outer query: a join
        # to guardianships under an OR made PostgreSQL hash the whole city's students and
        # guardianships on every request (137 ms at 75,000 students; 14 ms this way; see
        # docs/performance.md).
        # The guardians' branch only for a parent: under an OR, its subquery kept PostgreSQL from
        # using the school's index for a principal (a sequential scan of the city's students for the
        # student list's count; docs/performance.md).
        q = Q(school_id__in=scope.school_wide_ids)
        if scope.has_role(Role.PARENT):
            q |= Q(pk__in=Guardianship.objects.filter(guardian_id=scope.user_id, active=True).values("student_id"))
        q |= Q(homeroom_class_id__in=scope.homeroom_class_ids)
        teacher_schools = scope.schools_with(Role.TEACHER)
        if teacher_schools:
            tq = Q()
            for build in TEACHER_STUDENT_FILTERS:
                tq |= build(scope.user_id, teacher_schools)
            if tq:
                q |= Q(pk__in=Student.objects.filter(tq).values("pk"))
        return self.filter(q)


#: Callables `(user_id, school_ids) -> Q` registered by apps that give teachers children to hold.
TEACHER_STUDENT_FILTERS: list = []


class Student(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        TRANSFERRED = "transferred", _("Transferred out")
        GRADUATED = "graduated", _("Graduated")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="students", verbose_name=_("school"))
    homeroom_class = models.ForeignKey(
        HomeroomClass, on_delete=models.PROTECT, related_name="students", verbose_name=_("class")
    )
    student_number = models.CharField(_("student number"), max_length=32)
    name = models.CharField(_("name"), max_length=64)
    name_pinyin = models.CharField(max_length=128, editable=False, db_index=True, default="")
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ENROLLED)
    health_notes = models.TextField(
        _("health notes"), blank=True, help_text=_("Allergies or conditions the teacher holding the child must know.")
    )
    history = HistoricalRecords()

    objects = StudentQuerySet.as_manager()

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["name_pinyin", "id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "student_number"], name="unique_student_number")
        ]
        indexes = [
            # The school list counts each school's enrolled children (index-only, not 500 rows read
            # from the table per school: docs/performance.md).
            models.Index(fields=["school", "id"], condition=models.Q(status="enrolled"), name="student_enrolled_school"),
            # A school's children in name order (the student list, page by page).
            models.Index(fields=["school", "name_pinyin", "id"], name="student_school_pinyin"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_pinyin = pinyin_key(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_pinyin"}
        super().save(*args, **kwargs)

    @property
    def initials(self) -> str:
        return self.name[-2:] if self.name else "?"


class GuardianshipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def visible_to(self, user):
        return self.filter(student__in=Student.objects.visible_to(user))


class Guardianship(models.Model):
    """A guardian's link to a child: the relation, and whether they may pick the child up."""

    class Relation(models.TextChoices):
        FATHER = "father", _("Father")
        MOTHER = "mother", _("Mother")
        GRANDPARENT = "grandparent", _("Grandparent")
        OTHER = "other", _("Other guardian")

    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="guardianships", verbose_name=_("guardian")
    )
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="guardianships",
                                verbose_name=_("student"))
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    may_pick_up = models.BooleanField(_("may pick up"), default=True)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    objects = GuardianshipQuerySet.as_manager()

    class Meta:
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")
        constraints = [models.UniqueConstraint(fields=["guardian", "student"], name="unique_guardianship")]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.student} ({self.get_relation_display()})"


class VenueQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_of(user)
        if scope.sees_city:
            return self.all()
        return self.filter(Q(school_id__in=scope.staff_school_ids) | Q(school__district_id__in=scope.district_ids))


class Venue(models.Model):
    class Kind(models.TextChoices):
        LIBRARY = "library", _("Library")
        READING_ROOM = "reading_room", _("Reading room")
        LAB = "lab", _("Laboratory")
        COMPUTER_ROOM = "computer_room", _("Computer room")
        GYM = "gym", _("Gym")
        ART_ROOM = "art_room", _("Art room")
        MUSIC_ROOM = "music_room", _("Music room")
        PLAYGROUND = "playground", _("Playground")
        CLASSROOM = "classroom", _("Classroom")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="venues", verbose_name=_("school"))
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    capacity = models.PositiveIntegerField(_("capacity"))
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    objects = VenueQuerySet.as_manager()

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["school", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="unique_venue_name")]

    def __str__(self) -> str:
        return self.name


class ImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user) -> ImportBatchQuerySet:
        """An upload is seen by the person who made it, at a school where they are principal; a
        calendar upload (the city's or a school's) by the person who made it."""
        scope = scope_of(user)
        if scope.is_admin:
            return self.all()
        if scope.user_id is None:
            return self.none()
        return self.filter(Q(school_id__in=scope.schools_with(Role.PRINCIPAL))
                           | Q(kind=ImportBatch.Kind.CALENDAR), created_by_id=scope.user_id)


class ImportBatch(models.Model):
    """An uploaded spreadsheet between its preview and its confirmation (导入批次).

    The file is parsed once; its normalised rows and the errors found are kept here, so that the
    confirmation writes exactly what the preview showed. The batch is itself the audit record of
    the import (who, when, which file by its hash, what it changed), so it keeps no history table.
    """

    class Kind(models.TextChoices):
        ROSTER = "roster", _("Class roster")
        STAFF = "staff", _("Staff list")
        CALENDAR = "calendar", _("School calendar")

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Waiting for confirmation")
        APPLIED = "applied", _("Imported")
        DISCARDED = "discarded", _("Discarded")

    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="import_batches",
                               verbose_name=_("school"), help_text=_("Empty: the city's calendar (the bureau's)."))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file_hash = models.CharField(_("file hash (SHA-256)"), max_length=64)
    options = models.JSONField(_("options"), default=dict, blank=True)
    rows = models.JSONField(_("normalised rows"), default=list, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PREVIEW)
    applied_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("import batch (导入批次)")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.school} · {self.get_kind_display()} · {self.file_name}"


class CalendarDayQuerySet(models.QuerySet):
    def visible_to(self, user) -> CalendarDayQuerySet:
        """City days: every staff member (they shape every school's service). A school's days: its
        staff, its district's staff, the bureau. Parents and strangers see none."""
        scope = scope_of(user)
        if scope.sees_city:
            return self.all()
        if not scope.is_staff_member:
            return self.none()
        return self.filter(Q(school__isnull=True) | Q(school_id__in=scope.staff_school_ids)
                           | Q(school__district_id__in=scope.district_ids))

    def city(self):
        return self.filter(school__isnull=True)


class CalendarDay(models.Model):
    """校历: one exception to the ordinary week, city-wide (the bureau's: `school` empty) or one
    school's (its principal's or teaching-affairs office's). A school's day overrides the city's for
    that school and date. Ordinary weekdays without an entry follow the plan's school days.

    - holiday (节假日): no school, no service;
    - school_day (调休上课): a make-up school day on a weekend, following the timetable of
      `follows_weekday` (1 = Monday .. 7 = Sunday);
    - no_service (停课/无课后服务): a school day without the after-school service (exam days,
      sports day);
    - early_dismissal (提前放学): the service ends at `ends_at`.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        SCHOOL_DAY = "school_day", _("Make-up school day")
        NO_SERVICE = "no_service", _("No service")
        EARLY_DISMISSAL = "early_dismissal", _("Early dismissal")

    #: Kinds on which no session is held.
    NO_SERVICE_KINDS = (Kind.HOLIDAY, Kind.NO_SERVICE)

    date = models.DateField(_("date"), db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="calendar_days",
                               verbose_name=_("school"), help_text=_("Empty: a city-wide day set by the bureau."))
    follows_weekday = models.PositiveSmallIntegerField(_("follows the timetable of"), null=True, blank=True)
    ends_at = models.TimeField(_("service ends at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("entered by"))
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = CalendarDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("calendar day (校历)")
        verbose_name_plural = _("calendar days")
        ordering = ["date", "school_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["date"], condition=Q(school__isnull=True), name="one_city_day_per_date"),
            models.UniqueConstraint(fields=["school", "date"], condition=Q(school__isnull=False),
                                    name="one_school_day_per_date"),
            models.CheckConstraint(condition=Q(kind="school_day", follows_weekday__gte=1, follows_weekday__lte=7)
                                   | (~Q(kind="school_day") & Q(follows_weekday__isnull=True)),
                                   name="calendar_follows_weekday_on_make_up_days"),
            models.CheckConstraint(condition=Q(kind="early_dismissal", ends_at__isnull=False)
                                   | (~Q(kind="early_dismissal") & Q(ends_at__isnull=True)),
                                   name="calendar_ends_at_on_early_dismissals"),
        ]

    def __str__(self) -> str:
        return f"{self.date} · {self.get_kind_display()}"

    @property
    def scope(self) -> str:
        return "city" if self.school_id is None else "school"

    @property
    def follows_weekday_label(self) -> str:
        from django.utils.dates import WEEKDAYS

        return str(WEEKDAYS[self.follows_weekday - 1]) if self.follows_weekday in range(1, 8) else ""
