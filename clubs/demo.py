"""Demo clubs (run by `manage.py seed_demo` after schools and enrollment).

Every school gets an approved service plan and clubs across the five categories (13 at S001, fewer
at the small schools), with clash-free teachers and venues: each club has its own teacher (not one already teaching an
after-school group at that time), clubs keep out of the rooms the after-school groups hold, and two
clubs sharing a venue meet at touching times (16:00-17:00 and 17:00-18:00) or on other days. At S001 one club is
left `submitted` for principal1 to approve, a draft revision of the plan breaks the time rules (the
plan page lists the reasons and submitting it is refused), and the choice window is open so that
parent1 can rank clubs; some other children of S001 have ranked already. Deterministic (its own
seeded generator, natural keys) and idempotent.
"""
from __future__ import annotations

import datetime
import random

from django.utils import timezone

from accounts.models import RoleAssignment
from accounts.roles import Role
from schools.models import Student, Venue

from .models import ChoiceWindow, Club, ClubChoice, ClubSlot, ClubType, ReviewStatus, ServicePlan

#: (type code, club name) in category order: subject, arts, sports, science, practice, ...
CLUBS = [
    ("recitation", "经典诵读社"), ("paper-quilling", "衍纸社"), ("basketball", "篮球社"),
    ("robotics", "机器人社"), ("labour", "小农夫种植园"), ("seal-carving", "篆刻社"),
    ("fancy-rope-skipping", "花样跳绳队"), ("programming", "少儿编程社"), ("tie-dye", "扎染社"),
    ("math-thinking", "数学思维社"), ("choir", "童声合唱团"), ("glass-culture", "沙河玻璃文化探究"),
    ("weiqi", "围棋社"),
]
CLUBS_PER_SCHOOL = {"S001": 13, "S002": 10}
DEFAULT_CLUBS = 8
SUBMITTED_AT_S001 = "围棋社"


def _plan_values() -> dict:
    t = datetime.time
    return {
        "school_days": [1, 2, 3, 4, 5], "winter_noon_start": t(13, 0), "winter_noon_end": t(14, 0),
        "winter_after_start": t(16, 0), "winter_after_end": t(18, 0), "summer_noon_start": t(14, 0),
        "summer_noon_end": t(14, 30), "summer_after_start": t(16, 0), "summer_after_end": t(18, 0),
        "homework_groups": 6, "notes": "基础托管：作业辅导；拓展：社团活动。",
    }


def _teachers(school, term) -> list:
    """The school's teachers free for a club: not those already on the timetable through another
    provider (enrollment's after-school groups), so the demo stays clash-free."""
    from .timetable import collect_bookings

    busy = {key for b in collect_bookings(term=term, school_ids=[school.pk]) if not b.source.startswith("club:")
            for kind, key in b.resources if kind == "teacher"}
    users = {a.user for a in RoleAssignment.objects.active().filter(school=school, role=Role.TEACHER)
             .exclude(user_id__in=busy).select_related("user")}
    return sorted(users, key=lambda u: (u.username != "teacher1", not u.username.startswith("teacher"), u.username))


def seed(ctx) -> None:
    term = ctx.term
    principal1 = ctx.users.get("principal1")
    for code, school in sorted(ctx.schools.items()):
        principal = next((a.user for a in RoleAssignment.objects.active().filter(school=school, role=Role.PRINCIPAL)
                          .select_related("user")), None)
        plan, _ = ServicePlan.objects.get_or_create(
            school=school, term=term, revision=1,
            defaults={**_plan_values(), "status": ReviewStatus.APPROVED, "decided_by": principal,
                      "submitted_at": timezone.now(), "decided_at": timezone.now()})
        if code == "S001":
            # A draft revision that breaks the rules: noon from 12:30 in winter, after-school until 18:30.
            ServicePlan.objects.get_or_create(
                school=school, term=term, revision=2,
                defaults={**_plan_values(), "previous": plan, "status": ReviewStatus.DRAFT,
                          "winter_noon_start": datetime.time(12, 30), "winter_after_end": datetime.time(18, 30),
                          "summer_after_start": datetime.time(17, 30), "summer_noon_start": None,
                          "summer_noon_end": None, "notes": "草稿：冬季午间提前到12:30，放学后延长到18:30。",
                          "created_by": ctx.users.get("academic1")})
        _seed_clubs(ctx, code, school, term)
        ctx.log.append(f"{school.name}: {Club.objects.filter(school=school, term=term).count()} clubs")
    s001 = ctx.schools.get("S001")
    if s001 is not None:
        _seed_choices(ctx, s001, term, principal1)


def _ensure_catalogue() -> None:
    """The catalogue ships with migration 0002; a test database flushed between transactional tests
    loses it, so the demo loads it again (get_or_create: nothing twice)."""
    import importlib

    from django.apps import apps

    importlib.import_module("clubs.migrations.0002_catalogue").load(apps, None)


def _seed_clubs(ctx, code, school, term) -> None:
    from enrollment.models import ServiceGroup, Session

    # The after-school groups hold their rooms for the whole window: clubs meet elsewhere.
    held = ServiceGroup.objects.active().filter(school=school, term=term, session=Session.AFTER_SCHOOL,
                                                venue__isnull=False).values("venue_id")
    venues = (list(Venue.objects.filter(school=school, active=True).exclude(pk__in=held).order_by("pk"))
              or list(Venue.objects.filter(school=school, active=True).order_by("pk")))
    teachers = _teachers(school, term)
    grades = list(school.grade_range)
    count = min(CLUBS_PER_SCHOOL.get(code, DEFAULT_CLUBS), len(teachers), len(CLUBS))
    _ensure_catalogue()
    types = {t.code: t for t in ClubType.objects.filter(code__in=[c[0] for c in CLUBS])}
    for i, (type_code, name) in enumerate(CLUBS[:count]):
        venue = venues[i % len(venues)]
        start = datetime.time(16 + (i // len(venues)) % 2, 0)
        end = datetime.time(start.hour + 1, 0)
        low = grades[0] + (i % 2) * min(2, len(grades) - 1)
        status = ReviewStatus.SUBMITTED if (code == "S001" and name == SUBMITTED_AT_S001) else ReviewStatus.APPROVED
        club, created = Club.objects.get_or_create(
            school=school, term=term, name=name,
            defaults={"club_type": types[type_code], "venue": venue, "capacity": min(20 + (i % 3) * 5, venue.capacity),
                      "grade_min": low, "grade_max": grades[-1], "status": status,
                      "description": f"{types[type_code].name_zh}：每周两次，{venue.name}。",
                      "created_by": ctx.users.get("academic1") if code == "S001" else None,
                      "submitted_at": timezone.now(),
                      "decided_at": timezone.now() if status == ReviewStatus.APPROVED else None},
        )
        if created:
            club.teachers.set([teachers[i]])
            if code == "S001" and name == "衍纸社":
                club.external_instructor = "沙河市文化馆 刘老师"
                club.save(update_fields=["external_instructor"])
            shift = i // (2 * len(venues))  # a third club in a room at the same hour meets on other days
            for weekday in (1 + (i + shift) % 5, 1 + (i + 2 + shift) % 5):
                ClubSlot.objects.create(club=club, weekday=weekday, start=start, end=end)


def _seed_choices(ctx, school, term, principal1) -> None:
    now = timezone.now()
    window, _ = ChoiceWindow.objects.get_or_create(
        school=school, term=term,
        defaults={"opens_at": now - datetime.timedelta(days=2), "closes_at": now + datetime.timedelta(days=7)})
    rng = random.Random(5)
    clubs = list(Club.objects.filter(school=school, term=term, status=ReviewStatus.APPROVED).order_by("pk"))
    students = list(Student.objects.filter(school=school).select_related("homeroom_class__grade")
                    .exclude(guardianships__guardian__username__in=["parent1", "parent2"]).order_by("student_number"))
    for k, student in enumerate(students[::3][:24]):
        open_clubs = [c for c in clubs if c.open_to_grade(student.homeroom_class.grade.number)]
        picks = rng.sample(open_clubs, min(3, len(open_clubs)))
        guardian = student.guardianships.filter(active=True).select_related("guardian").first()
        for rank, club in enumerate(picks, start=1):
            ClubChoice.objects.get_or_create(
                student=student, term=term, rank=rank,
                defaults={"club": club, "chosen_by": guardian.guardian if guardian else None,
                          "chosen_at": window.opens_at + datetime.timedelta(minutes=10 * k + rank)})
