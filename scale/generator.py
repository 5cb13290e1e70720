"""A deterministic Shahe-sized city, loaded with bulk inserts.

This is data generation, not a domain write: rows go in with `bulk_create` (large batches) and the
services' checks are not called one by one. The invariants the services enforce are kept by
construction and checked at the end (`verify`): no group over capacity, one open application per
child and term, unique natural keys (they are unique constraints, so PostgreSQL refuses a breach).
History tables (simple_history) are not filled: the generated rows have no past.

Scale 1.0 is the city of issue 12: 18 districts and 10 city-direct schools, about 150 schools,
75,000 students with guardians, 5,000 staff, 1,200 clubs in the five categories, an approved plan
per school, enrollment (letters, applications, groups, placements), incidents, drills, inspections.

Attendance (rolls, marks, custody events for a term) and the weekly reports are extensions:
`EXTENSIONS` holds callables `(generator) -> None` run after the rest, in the same transaction;
`scale/apps.py` registers `scale.attendance.generate_attendance` and
`scale.weekly_reports.generate_weekly_reports`.
"""
from __future__ import annotations

import math
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import RoleAssignment
from accounts.roles import Role
from clubs.models import Club, ClubSlot, ClubType, ReviewStatus, ServicePlan
from enrollment.models import (
    Application,
    ApplicationTransition,
    LetterAcknowledgement,
    ParentLetter,
    Placement,
    PriorityClaim,
    PriorityGroup,
    ServiceGroup,
    Session,
)
from safety.models import Drill, EmergencyPlan, Incident, IncidentType, Inspection, RectificationItem
from schools.models import (
    District,
    Grade,
    Guardianship,
    HomeroomClass,
    School,
    Student,
    Term,
    Venue,
    pinyin_key,
)

BENCH_PASSWORD = "shahe-bench-2026"
BATCH = 5000
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "子涵欣怡梓轩浩宇雨桐一诺佳怡宇轩梓涵思远俊杰明轩语嫣紫萱嘉怡若汐晨阳天佑博文雅琪诗涵瑞泽可馨皓轩"
GRADE_NAMES = {1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级",
               7: "七年级", 8: "八年级", 9: "九年级"}
DISTRICT_NAMES = ["桥东", "桥西", "褡裢", "赞善", "周庄", "新城", "白错", "十里亭", "綦村", "册井", "刘石岗",
                  "柴关", "蝉房", "东环", "西环", "南关", "北关", "开发区"]
CLASS_SIZE = 45
GROUP_SIZE = 40
#: Fractions of students with an application, and what became of it.
APPLY_RATE = 0.72
STATUS_MIX = [(Application.Status.PLACED, 0.86), (Application.Status.CLASS_REVIEWED, 0.05),
              (Application.Status.SUBMITTED, 0.05), (Application.Status.WITHDRAWN, 0.02),
              (Application.Status.WAITLISTED, 0.02)]
TERM_WEEKS = 18

#: Callables `(generator) -> None` run after the base city is loaded (attendance, reports, ...).
EXTENSIONS: list = []


class GeneratorRefused(Exception):
    pass


@dataclass
class Stats:
    rows: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    phases: list = field(default_factory=list)


class CityGenerator:
    def __init__(self, *, scale: float = 1.0, seed: int = 2026, log=print, today: date | None = None,
                 extensions: list | None = None):
        self.scale = scale
        self.extensions = EXTENSIONS if extensions is None else extensions
        self.seed = seed
        self.rng = random.Random(seed)
        self.log = log
        self.today = today or timezone.localdate()
        self.stats = Stats()
        self.password = make_password(BENCH_PASSWORD, salt="shahebench")
        self._pinyin: dict[str, str] = {}
        self._user_seq = 0
        self._phone_seq = 13800000000

    # --- sizes -----------------------------------------------------------------------------------
    @property
    def n_schools(self) -> int:
        return max(3, round(150 * self.scale))

    @property
    def n_city_direct(self) -> int:
        return max(1, round(10 * self.scale))

    @property
    def n_students(self) -> int:
        return max(60, round(75000 * self.scale))

    @property
    def n_staff(self) -> int:
        return max(20, round(5000 * self.scale))

    @property
    def n_clubs(self) -> int:
        return max(5, round(1200 * self.scale))

    # --- helpers ---------------------------------------------------------------------------------
    def name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))

    def pinyin(self, name: str) -> str:
        key = self._pinyin.get(name)
        if key is None:
            key = self._pinyin[name] = pinyin_key(name)
        return key

    def bulk(self, model, objs, *, label: str | None = None):
        objs = list(objs)
        if objs:
            model.objects.bulk_create(objs, batch_size=BATCH)
        self.stats.rows[label or model._meta.label] += len(objs)
        return objs

    def new_user(self, prefix: str, *, phone: bool = False):
        self._user_seq += 1
        User = get_user_model()
        u = User(username=f"{prefix}{self._user_seq:06d}", name=self.name(), password=self.password,
                 is_active=True)
        if phone:
            self._phone_seq += 1
            u.phone = str(self._phone_seq)
        return u

    def phase(self, label: str, started: float) -> None:
        took = time.monotonic() - started
        self.stats.phases.append((label, took))
        self.log(f"  {label}: {took:.1f} s")

    # --- the run ---------------------------------------------------------------------------------
    def run(self) -> Stats:
        if School.objects.filter(code__startswith="C").exists():
            raise GeneratorRefused("This database already holds a generated city (schools C...); use a fresh one.")
        if not ClubType.objects.exists():
            # A test database flushed between transactional tests loses the catalogue that migration
            # 0002 loads; load it again the same way (get_or_create).
            from clubs.demo import _ensure_catalogue

            _ensure_catalogue()
        started = time.monotonic()
        self.log(f"seed_city: scale {self.scale} -> {self.n_schools} schools, {self.n_students:,} students, "
                 f"{self.n_staff:,} staff, {self.n_clubs:,} clubs")
        with transaction.atomic():
            for step in (self.city, self.schools, self.people, self.clubs, self.enrollment, self.safety):
                t = time.monotonic()
                step()
                self.phase(step.__name__, t)
            for ext in self.extensions:
                t = time.monotonic()
                ext(self)
                self.phase(getattr(ext, "__name__", "extension"), t)
            self.verify()
            t = time.monotonic()
        self.phase("commit", t)  # deferred foreign-key checks run here
        if connection.vendor == "postgresql":
            t = time.monotonic()
            with connection.cursor() as cur:
                # VACUUM as well as ANALYZE: on a server without autovacuum the freshly loaded pages
                # would keep no hint bits and no visibility map, and the first readers (the
                # benchmark's) would pay for writing them. A test's transaction cannot VACUUM.
                cur.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
            self.phase("vacuum, analyze", t)
        self.stats.seconds = time.monotonic() - started
        return self.stats

    def city(self) -> None:
        start = self.today - timedelta(weeks=TERM_WEEKS // 2, days=self.today.weekday())
        self.term, _ = Term.objects.get_or_create(
            name=f"Bench term {start:%Y-%m}", defaults={
                "start_date": start, "end_date": start + timedelta(weeks=TERM_WEEKS, days=-3),
                "winter_timetable_from": start + timedelta(weeks=8)})
        self.districts = self.bulk(District, [
            District(name=f"{DISTRICT_NAMES[i]}学区（基准）", code=f"BD{i + 1:02d}") for i in range(18)])
        User = get_user_model()
        bureau = [self.new_user("bureau") for _ in range(3)]
        self.district_staff = [self.new_user("district") for _ in self.districts]
        self.bulk(User, bureau + self.district_staff)
        self.bureau_users = bureau
        self.bulk(RoleAssignment, [RoleAssignment(user=u, role=Role.BUREAU) for u in bureau]
                  + [RoleAssignment(user=u, role=Role.DISTRICT, district=d)
                     for u, d in zip(self.district_staff, self.districts, strict=True)])

    def schools(self) -> None:
        rng = self.rng
        levels = [School.Level.PRIMARY] * 12 + [School.Level.JUNIOR] * 5 + [School.Level.NINE_YEAR] * 3
        objs = []
        for i in range(self.n_schools):
            city_direct = i < self.n_city_direct
            level = levels[i % len(levels)]
            kind = {"primary": "小学", "junior": "中学", "nine_year": "九年一贯制学校"}[level]
            district = None if city_direct else self.districts[(i - self.n_city_direct) % len(self.districts)]
            where = "沙河市" if city_direct else district.name.replace("学区（基准）", "")
            objs.append(School(
                code=f"C{i + 1:04d}", name=f"{where}第{i + 1}{kind}", district=district, city_direct=city_direct,
                level=level, demonstration=School.Demonstration.PROVINCIAL_1 if i % 17 == 0 else "",
                address=f"沙河市{where}路{i + 1}号"))
        self.school_list = self.bulk(School, objs)
        # Grades, classes, venues. Students are spread evenly over schools, then over grades.
        per_school = self.n_students / len(self.school_list)
        self.class_plan = []  # (school, grade, [class...])
        grades, venues = [], []
        for school in self.school_list:
            for n in school.grade_range:
                grades.append(Grade(school=school, number=n, name=GRADE_NAMES[n]))
            for kind, cap in ((Venue.Kind.LIBRARY, 60), (Venue.Kind.GYM, 120), (Venue.Kind.ART_ROOM, 40),
                              (Venue.Kind.MUSIC_ROOM, 40), (Venue.Kind.COMPUTER_ROOM, 50),
                              (Venue.Kind.LAB, 45), (Venue.Kind.PLAYGROUND, 300)):
                venues.append(Venue(school=school, name=f"{Venue.Kind(kind).label}", kind=kind, capacity=cap))
            for k in range(1, 9):
                venues.append(Venue(school=school, name=f"教室{k}", kind=Venue.Kind.CLASSROOM, capacity=50))
        self.bulk(Grade, grades)
        self.bulk(Venue, venues)
        self.venues_by_school = defaultdict(list)
        for v in venues:
            self.venues_by_school[v.school_id].append(v)
        classes = []
        grades_by_school = defaultdict(list)
        for g in grades:
            grades_by_school[g.school_id].append(g)
        remaining = self.n_students
        for idx, school in enumerate(self.school_list):
            target = remaining if idx == len(self.school_list) - 1 else round(per_school * rng.uniform(0.8, 1.2))
            target = min(target, remaining)
            remaining -= target
            sg = grades_by_school[school.pk]
            per_grade = [target // len(sg) + (1 if j < target % len(sg) else 0) for j in range(len(sg))]
            for g, n_in_grade in zip(sg, per_grade, strict=True):
                n_classes = max(1, math.ceil(n_in_grade / CLASS_SIZE))
                cls = [HomeroomClass(school=school, grade=g, name=f"{g.name}（{k}）班") for k in range(1, n_classes + 1)]
                classes.extend(cls)
                self.class_plan.append((school, g, cls, n_in_grade))
        self.classes = classes  # saved in people(), once homeroom teachers exist

    def people(self) -> None:
        rng = self.rng
        User = get_user_model()
        # Staff: four office holders per school, a homeroom teacher per class, the rest teachers.
        staff_users, roles = [], []
        classes_by_school = defaultdict(list)
        for c in self.classes:
            classes_by_school[c.school_id].append(c)
        per_school_staff = max(self.n_staff // len(self.school_list), 4)
        self.staff_by_school = defaultdict(list)
        self.principals = {}
        for school in self.school_list:
            office = {}
            for role in (Role.PRINCIPAL, Role.MORAL_ED, Role.ACADEMIC, Role.DUTY_LEADER):
                u = self.new_user("staff", phone=True)
                staff_users.append(u)
                office[role] = u
                roles.append((u, role, school))
            self.principals[school.pk] = office
            homerooms = []
            for c in classes_by_school[school.pk]:
                u = self.new_user("staff", phone=True)
                staff_users.append(u)
                homerooms.append(u)
                c.homeroom_teacher = u
                roles.append((u, Role.HOMEROOM, school))
                roles.append((u, Role.TEACHER, school))
            extra = [self.new_user("staff", phone=True)
                     for _ in range(max(0, per_school_staff - 4 - len(homerooms)))]
            staff_users.extend(extra)
            roles.extend((u, Role.TEACHER, school) for u in extra)
            self.staff_by_school[school.pk] = homerooms + extra
        self.bulk(User, staff_users, label="accounts.User (staff)")
        self.bulk(RoleAssignment, [RoleAssignment(user=u, role=r, school=s) for u, r, s in roles])
        self.bulk(HomeroomClass, self.classes)
        # Students and guardians: a class is filled up to the grade's head-count.
        students, guardians, links = [], [], []
        year = self.today.year
        for school, grade, cls, n_in_grade in self.class_plan:
            for s in range(n_in_grade):
                hc = cls[s % len(cls)]
                name = self.name()
                students.append(Student(
                    school=school, homeroom_class=hc, student_number=f"{school.code}{grade.number:02d}{s + 1:04d}",
                    name=name, name_pinyin=self.pinyin(name), gender=rng.choice("MF"),
                    birth_date=date(year - 6 - grade.number, rng.randint(1, 12), rng.randint(1, 28))))
        self.bulk(Student, students)
        self.students = students
        for st in students:
            n = 2 if rng.random() < 0.3 else 1
            for k in range(n):
                g = self.new_user("parent", phone=True)
                guardians.append(g)
                links.append((g, st, Guardianship.Relation.MOTHER if k == 0 else Guardianship.Relation.FATHER))
        self.bulk(User, guardians, label="accounts.User (guardians)")
        self.bulk(RoleAssignment, [RoleAssignment(user=g, role=Role.PARENT) for g in guardians],
                  label="accounts.RoleAssignment (parents)")
        self.bulk(Guardianship, [Guardianship(guardian=g, student=st, relation=rel) for g, st, rel in links])
        # Every generated guardian has consented to the current privacy notice, as enrollment requires.
        from privacy import notice
        from privacy.models import GuardianConsent

        version = notice.current().version
        self.bulk(GuardianConsent, [
            GuardianConsent(student=st, guardian=g, notice_version=version,
                            decision=GuardianConsent.Decision.GIVEN, decided_at=timezone.now())
            for g, st, _rel in links
        ])
        self.first_guardian = {}
        for g, st, _rel in links:
            self.first_guardian.setdefault(st.pk, g)

    def clubs(self) -> None:
        rng = self.rng
        now = timezone.now()
        types = list(ClubType.objects.select_related("category").order_by("category__order", "pk"))
        by_cat = defaultdict(list)
        for t in types:
            by_cat[t.category_id].append(t)
        cats = sorted(by_cat)
        plans, clubs = [], []
        district_reviewer = {d.pk: u for d, u in zip(self.districts, self.district_staff, strict=True)}
        for school in self.school_list:
            office = self.principals[school.pk]
            plans.append(ServicePlan(
                school=school, term=self.term, revision=1, status=ReviewStatus.APPROVED, school_days=[1, 2, 3, 4, 5],
                winter_noon_start=dtime(12, 0), winter_noon_end=dtime(13, 30), winter_after_start=dtime(16, 0),
                winter_after_end=dtime(17, 30), summer_noon_start=dtime(12, 0), summer_noon_end=dtime(14, 0),
                summer_after_start=dtime(16, 30), summer_after_end=dtime(18, 0), homework_groups=4,
                created_by=office[Role.ACADEMIC], submitted_at=now, decided_at=now,
                decided_by=district_reviewer.get(school.district_id, self.bureau_users[0])))
        self.bulk(ServicePlan, plans)
        for i in range(self.n_clubs):
            school = self.school_list[i % len(self.school_list)]
            cat = cats[i % len(cats)]
            ctype = by_cat[cat][(i // len(cats)) % len(by_cat[cat])]
            lo, hi = min(school.grade_range), max(school.grade_range)
            g_lo = rng.randint(lo, hi)
            venue = rng.choice(self.venues_by_school[school.pk])
            clubs.append(Club(
                school=school, term=self.term, club_type=ctype, name=f"{ctype.name_zh}{i // len(self.school_list) + 1}",
                venue=venue, capacity=min(venue.capacity, rng.choice((20, 25, 30, 40))), grade_min=g_lo,
                grade_max=min(hi, g_lo + rng.randint(0, 2)), status=ReviewStatus.APPROVED, submitted_at=now,
                decided_at=now, decided_by=self.principals[school.pk][Role.PRINCIPAL],
                created_by=self.principals[school.pk][Role.ACADEMIC]))
        self.bulk(Club, clubs)
        slots, teachers = [], []
        Through = Club.teachers.through
        for c in clubs:
            for wd in sorted(rng.sample([1, 2, 3, 4, 5], rng.choice((1, 2)))):
                slots.append(ClubSlot(club=c, weekday=wd, start=dtime(16, 0), end=dtime(17, 30)))
            staff = self.staff_by_school[c.school_id]
            if staff:
                teachers.append(Through(club_id=c.pk, user_id=rng.choice(staff).pk))
        self.bulk(ClubSlot, slots)
        self.bulk(Through, teachers, label="clubs.Club_teachers")

    def enrollment(self) -> None:
        rng = self.rng
        now = timezone.now()
        letters = {}
        for school in self.school_list:
            letters[school.pk] = ParentLetter(
                school=school, term=self.term, version=1, title=f"{school.name}课后服务致家长的一封信",
                service_scope="本校一至九年级自愿参加的学生。", times="周一至周五 16:00-17:30。",
                content="作业辅导、社团活动。", safety_measures="班主任点名，家长或授权人接送。",
                published_by=self.principals[school.pk][Role.PRINCIPAL])
        self.bulk(ParentLetter, letters.values())
        # Who applies and what became of it; groups are sized so that no seat is oversold.
        statuses = [s for s, _w in STATUS_MIX]
        weights = [w for _s, w in STATUS_MIX]
        grade_of = {c.pk: None for c in self.classes}
        for c in self.classes:
            grade_of[c.pk] = c.grade.number
        apps, acks = [], {}
        demand = defaultdict(lambda: defaultdict(int))  # (school, session) -> grade -> placed count
        for st in self.students:
            if rng.random() >= APPLY_RATE:
                continue
            guardian = self.first_guardian[st.pk]
            status = rng.choices(statuses, weights)[0]
            sessions = [Session.AFTER_SCHOOL] + ([Session.NOON] if rng.random() < 0.35 else [])
            submitted = now - timedelta(days=rng.randint(30, 60), minutes=rng.randint(0, 1440))
            reviewed = status not in (Application.Status.SUBMITTED,)
            app = Application(
                student=st, term=self.term, school_id=st.school_id, sessions=sessions, weekdays=[1, 2, 3, 4, 5],
                letter=letters[st.school_id], letter_version=1, letter_acknowledged_at=submitted, status=status,
                submitted_by=guardian, submitted_at=submitted,
                reviewed_by=self.class_homeroom(st) if reviewed else None,
                reviewed_at=submitted + timedelta(days=1) if reviewed else None)
            app._grade = grade_of[st.homeroom_class_id]
            # About one family in eight claims a priority group; reviewed claims are verified.
            if rng.random() < 0.12:
                app._claim = rng.choice(PriorityGroup.values)
                app.has_verified_priority = reviewed
            apps.append(app)
            acks[(st.school_id, guardian.pk)] = LetterAcknowledgement(
                letter=letters[st.school_id], guardian=guardian)
            if status == Application.Status.PLACED:
                for s in sessions:
                    demand[(st.school_id, s)][app._grade] += 1
        self.bulk(LetterAcknowledgement, acks.values())
        # One group per (school, session, grade) for each GROUP_SIZE placed children, plus one
        # spare seat block so that the later reviewed ones could still be placed.
        groups, group_cap = [], {}
        for school in self.school_list:
            staff = self.staff_by_school[school.pk]
            for session in (Session.AFTER_SCHOOL, Session.NOON):
                for g in school.grade_range:
                    placed = demand[(school.pk, session)][g]
                    for k in range(max(1, math.ceil(placed / GROUP_SIZE))):
                        grp = ServiceGroup(
                            school=school, term=self.term, session=session, grade_from=g, grade_to=g,
                            name=f"{GRADE_NAMES[g]}{'午间' if session == Session.NOON else '课后'}{k + 1}组",
                            weekdays=[1, 2, 3, 4, 5], capacity=GROUP_SIZE,
                            venue=self.venues_by_school[school.pk][(g + k) % len(self.venues_by_school[school.pk])],
                            teacher=staff[(g * 3 + k) % len(staff)] if staff else None)
                        groups.append(grp)
        self.bulk(ServiceGroup, groups)
        open_groups = defaultdict(list)
        for grp in groups:
            open_groups[(grp.school_id, grp.session, grp.grade_from)].append(grp)
            group_cap[grp.pk] = grp.capacity
        self.bulk(Application, apps)
        self.bulk(PriorityClaim, [
            PriorityClaim(application=a, group=a._claim, note="",
                          status=PriorityClaim.Status.VERIFIED if a.has_verified_priority else PriorityClaim.Status.CLAIMED,
                          decided_by=a.reviewed_by if a.has_verified_priority else None,
                          decided_at=a.reviewed_at if a.has_verified_priority else None)
            for a in apps if getattr(a, "_claim", None)])
        taken = Counter()
        placements, transitions = [], []
        waitpos = Counter()
        T = ApplicationTransition
        for app in apps:
            transitions.append(T(application=app, from_status="", to_status=Application.Status.SUBMITTED,
                                 by=app.submitted_by))
            if app.status == Application.Status.SUBMITTED:
                continue
            transitions.append(T(application=app, from_status=Application.Status.SUBMITTED,
                                 to_status=Application.Status.CLASS_REVIEWED, by=app.reviewed_by))
            if app.status == Application.Status.PLACED:
                for s in app.sessions:
                    grp = next(g for g in open_groups[(app.school_id, s, app._grade)] if taken[g.pk] < g.capacity)
                    taken[grp.pk] += 1
                    placements.append(Placement(application=app, group=grp, reason="allocation"))
                transitions.append(T(application=app, from_status=Application.Status.CLASS_REVIEWED,
                                     to_status=Application.Status.PLACED, reason="allocation"))
            elif app.status == Application.Status.WAITLISTED:
                waitpos[app.school_id] += 1
                app.waitlist_position = waitpos[app.school_id]
                transitions.append(T(application=app, from_status=Application.Status.CLASS_REVIEWED,
                                     to_status=Application.Status.WAITLISTED, reason="no free seat"))
            elif app.status == Application.Status.WITHDRAWN:
                transitions.append(T(application=app, from_status=Application.Status.CLASS_REVIEWED,
                                     to_status=Application.Status.WITHDRAWN, by=app.submitted_by))
        Application.objects.bulk_update([a for a in apps if a.waitlist_position], ["waitlist_position"],
                                        batch_size=BATCH)
        self.bulk(Placement, placements)
        self.bulk(ApplicationTransition, transitions)
        self.groups = groups

    def class_homeroom(self, student):
        return self._homeroom_by_class().get(student.homeroom_class_id)

    def _homeroom_by_class(self):
        if not hasattr(self, "_hr"):
            self._hr = {c.pk: c.homeroom_teacher for c in self.classes}
        return self._hr

    def safety(self) -> None:
        rng = self.rng
        plans, drills, incidents, inspections = [], [], [], []
        weeks_so_far = max(1, (self.today - self.term.start_date).days // 7)
        for school in self.school_list:
            office = self.principals[school.pk]
            for pt in ("fire", "earthquake", "missing_child"):
                plans.append(EmergencyPlan(school=school, plan_type=pt, text="应急预案全文。",
                                           responsible=office[Role.PRINCIPAL],
                                           last_reviewed_on=self.term.start_date))
        self.bulk(EmergencyPlan, plans)
        plans_by_school = defaultdict(list)
        for p in plans:
            plans_by_school[p.school_id].append(p)
        tz = timezone.get_current_timezone()
        types = list(IncidentType.values)
        for school in self.school_list:
            office = self.principals[school.pk]
            for k, plan in enumerate(plans_by_school[school.pk]):
                drills.append(Drill(school=school, plan=plan, held_on=self.term.start_date + timedelta(weeks=2 + 4 * k),
                                    participants=rng.randint(200, 900), duration_minutes=rng.randint(15, 45),
                                    recorded_by=office[Role.MORAL_ED]))
            # About one incident every two weeks per school, most of them minor and closed.
            for _ in range(max(0, round(weeks_so_far * 0.5 * rng.uniform(0.5, 1.5)))):
                day = self.term.start_date + timedelta(days=rng.randint(0, weeks_so_far * 7 - 1))
                at = datetime.combine(day, dtime(16, rng.randint(0, 59)), tzinfo=tz)
                sev = rng.choices([1, 2, 3], [85, 13, 2])[0]
                incidents.append(Incident(
                    school=school, occurred_at=at, type=rng.choice(types), severity=sev,
                    description="课后服务期间发生的事件。", status=Incident.Status.CLOSED if rng.random() < 0.8
                    else Incident.Status.OPEN, reported_by=office[Role.DUTY_LEADER], created_at=at,
                    escalated_at=at if sev >= 2 else None))
            if rng.random() < 0.5:
                inspections.append(Inspection(
                    school=school, inspected_on=self.term.start_date + timedelta(weeks=rng.randint(1, weeks_so_far)),
                    score_organisation=rng.randint(15, 25), score_staffing=rng.randint(15, 25),
                    score_content=rng.randint(15, 25), score_safety=rng.randint(15, 25),
                    recorded_by=self.bureau_users[0]))
        self.bulk(Drill, drills)
        self.bulk(Incident, incidents)
        self.bulk(Inspection, inspections)
        items = []
        for ins in inspections:
            for heading in ("safety", "staffing"):
                items.append(RectificationItem(
                    inspection=ins, heading=heading, description="整改事项。", deadline=ins.inspected_on + timedelta(weeks=4),
                    owner=self.principals[ins.school_id][Role.PRINCIPAL]))
        self.bulk(RectificationItem, items)

    def verify(self) -> None:
        """The invariants the services keep: no group over capacity, one open application a child."""
        over = (ServiceGroup.objects.filter(term=self.term)
                .annotate(n=Count("placements", filter=models_q_active())).filter(n__gt=models_f_capacity()))
        if over.exists():
            raise AssertionError(f"{over.count()} groups over capacity")
        dup = (Application.objects.filter(term=self.term, status__in=Application.OPEN_STATUSES)
               .values("student").annotate(n=Count("id")).filter(n__gt=1))
        if dup.exists():
            raise AssertionError("a child has two open applications")


def models_q_active():
    from django.db.models import Q

    return Q(placements__active=True)


def models_f_capacity():
    from django.db.models import F

    return F("capacity")
