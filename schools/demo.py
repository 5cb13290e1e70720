"""The demo city's schools, people and classes (run by `manage.py seed_demo`).

Deterministic: every name comes from a `random.Random` seeded with a constant, and every row is
looked up by its natural key before it is created, so a second run creates nothing.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from accounts.roles import Role
from accounts.services import role_assign

from .models import District, Grade, Guardianship, HomeroomClass, School, Student, Term, Venue

DEMO_PASSWORD = "shahe-demo-2026"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "子涵欣怡梓轩浩宇雨桐一诺佳怡宇轩梓涵思远俊杰明轩语嫣紫萱嘉怡若汐晨阳天佑博文雅琪诗涵"
GRADE_NAMES = {1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级",
               7: "七年级", 8: "八年级", 9: "九年级"}

DISTRICTS = [("D01", "桥东学区"), ("D02", "桥西学区"), ("D03", "褡裢学区")]
#: code, name, district code or None (city-direct), level, demonstration batch, classes per grade
SCHOOLS = [
    ("S001", "沙河市第一实验小学", None, School.Level.PRIMARY, School.Demonstration.PROVINCIAL_1, 2),
    ("S002", "沙河市第二实验小学", None, School.Level.PRIMARY, School.Demonstration.PROVINCIAL_2, 1),
    ("S101", "桥东学区中心小学", "D01", School.Level.PRIMARY, "", 1),
    ("S102", "桥东学区第二中学", "D01", School.Level.JUNIOR, "", 1),
    ("S201", "桥西学区九年一贯制学校", "D02", School.Level.NINE_YEAR, "", 1),
    ("S301", "褡裢镇中心小学", "D03", School.Level.PRIMARY, "", 1),
]
STUDENTS_PER_CLASS = 8


@dataclass
class DemoContext:
    rng: random.Random = field(default_factory=lambda: random.Random(2026))
    today: date = field(default_factory=date.today)
    users: dict = field(default_factory=dict)
    schools: dict = field(default_factory=dict)
    term: Term | None = None
    log: list = field(default_factory=list)
    password_hash: str = ""


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def demo_user(ctx: DemoContext, username: str, name: str, *, is_staff: bool = False, phone: str = ""):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"name": name, "is_staff": is_staff, "phone": phone}
    )
    if created:
        # One hash for every demo account: hashing 500 passwords one by one takes a minute.
        if not ctx.password_hash:
            ctx.password_hash = make_password(DEMO_PASSWORD)
        user.password = ctx.password_hash
        user.save(update_fields=["password"])
    ctx.users[username] = user
    return user


def seed(ctx: DemoContext) -> None:
    today = ctx.today
    year = today.year if today.month >= 8 else today.year - 1
    ctx.term, _ = Term.objects.get_or_create(
        name=f"{year}-{year + 1}学年第一学期",
        defaults={
            "start_date": date(year, 9, 1), "end_date": date(year + 1, 1, 20),
            "summer_timetable_from": date(year, 5, 1), "winter_timetable_from": date(year, 10, 1),
        },
    )
    districts = {code: District.objects.get_or_create(code=code, defaults={"name": name})[0]
                 for code, name in DISTRICTS}

    admin = demo_user(ctx, "admin", "系统管理员", is_staff=True)
    if not admin.is_superuser:
        admin.is_superuser = True
        admin.save(update_fields=["is_superuser"])
    role_assign(user=demo_user(ctx, "bureau", "教育局 刘科长"), role=Role.BUREAU)
    role_assign(user=demo_user(ctx, "district1", "桥东学区 马主任"), role=Role.DISTRICT, district=districts["D01"])

    rng = ctx.rng
    phone_seq = iter(range(13800000000, 13900000000, 7))
    for code, name, district_code, level, demo_batch, per_grade in SCHOOLS:
        school, _ = School.objects.get_or_create(
            code=code,
            defaults={"name": name, "district": districts.get(district_code), "city_direct": district_code is None,
                      "level": level, "demonstration": demo_batch, "address": f"河北省沙河市{name}路{code[1:]}号"},
        )
        ctx.schools[code] = school
        n = code.lower()
        principal = demo_user(ctx, "principal1" if code == "S001" else f"principal_{n}", f"{person_name(rng)}校长")
        role_assign(user=principal, role=Role.PRINCIPAL, school=school)
        moral = demo_user(ctx, "moral1" if code == "S001" else f"moral_{n}", person_name(rng))
        role_assign(user=moral, role=Role.MORAL_ED, school=school)
        academic = demo_user(ctx, "academic1" if code == "S001" else f"academic_{n}", person_name(rng))
        role_assign(user=academic, role=Role.ACADEMIC, school=school)
        duty = demo_user(ctx, "duty1" if code == "S001" else f"duty_{n}", person_name(rng))
        role_assign(user=duty, role=Role.DUTY_LEADER, school=school)
        role_assign(user=duty, role=Role.TEACHER, school=school)
        teachers = []
        for i in range(1, 5):
            t = demo_user(ctx, "teacher1" if (code == "S001" and i == 1) else f"teacher_{n}_{i}", person_name(rng))
            role_assign(user=t, role=Role.TEACHER, school=school)
            teachers.append(t)
        for vname, kind, cap in [("图书馆", Venue.Kind.LIBRARY, 60), ("阅览室", Venue.Kind.READING_ROOM, 40),
                                 ("科学实验室", Venue.Kind.LAB, 40), ("计算机教室", Venue.Kind.COMPUTER_ROOM, 45),
                                 ("体育馆", Venue.Kind.GYM, 80), ("美术室", Venue.Kind.ART_ROOM, 40),
                                 ("音乐室", Venue.Kind.MUSIC_ROOM, 40), ("操场", Venue.Kind.PLAYGROUND, 300)]:
            Venue.objects.get_or_create(school=school, name=vname, defaults={"kind": kind, "capacity": cap})
        student_seq = 0
        for number in school.grade_range:
            grade, _ = Grade.objects.get_or_create(school=school, number=number,
                                                   defaults={"name": GRADE_NAMES[number]})
            for k in range(1, per_grade + 1):
                first_class = code == "S001" and number == 3 and k == 1
                if first_class:
                    homeroom = demo_user(ctx, "homeroom1", person_name(rng))
                else:
                    homeroom = demo_user(ctx, f"homeroom_{n}_{number}_{k}", person_name(rng))
                role_assign(user=homeroom, role=Role.HOMEROOM, school=school)
                role_assign(user=homeroom, role=Role.TEACHER, school=school)
                hc, _ = HomeroomClass.objects.get_or_create(
                    school=school, name=f"{GRADE_NAMES[number]}（{k}）班",
                    defaults={"grade": grade, "homeroom_teacher": homeroom},
                )
                for s in range(STUDENTS_PER_CLASS):
                    student_seq += 1
                    number_str = f"{code}{year}{number:02d}{k:02d}{s + 1:02d}"
                    student, created = Student.objects.get_or_create(
                        school=school, student_number=number_str,
                        defaults={
                            "homeroom_class": hc, "name": person_name(rng),
                            "gender": rng.choice(Student.Gender.values),
                            "birth_date": date(year - 5 - number, rng.randint(1, 12), rng.randint(1, 28)),
                        },
                    )
                    # Guardians: parent1 and parent2 are the demo accounts at principal1's school.
                    if first_class and s in (0, 1):
                        username = "parent1" if s == 0 else "parent2"
                    else:
                        username = f"parent_{number_str}"
                    guardian = demo_user(ctx, username, person_name(rng), phone=str(next(phone_seq)))
                    role_assign(user=guardian, role=Role.PARENT)
                    Guardianship.objects.get_or_create(
                        guardian=guardian, student=student,
                        defaults={"relation": rng.choice(Guardianship.Relation.values[:3])},
                    )
        ctx.log.append(f"{school.name}: {student_seq} students")
