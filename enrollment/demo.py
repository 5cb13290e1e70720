"""Demo enrollment (run by `manage.py seed_demo` after the schools' demo).

- every demo school publishes its letter to parents for the term;
- S001 (principal1's school) has after-school and noon groups; teacher1 teaches the grade 3-4
  after-school group, which is nearly full, so that withdrawing promotes a waitlisted child;
- in homeroom1's class (三年级（1）班) several children have submitted applications waiting for
  review; parent2's child is placed; parent1's child has no application, so parent1 can apply.

Idempotent: groups and letters are looked up by natural keys, and a child with an application
for the term gets no second one.
"""
from __future__ import annotations

from schools.models import HomeroomClass, Student, Venue

from . import services
from .models import Application, ParentLetter, ServiceGroup, Session

LETTER = {
    "title": "{school}课后服务致家长的一封信",
    "service_scope": "本学期学校继续开展课后服务，面向本校全体学生，家长自愿报名，学校不收取任何费用。"
                     "双职工家庭、残疾儿童、留守儿童、进城务工人员随迁子女和家庭经济困难学生优先安排。",
    "times": "午间服务：冬季作息 13:00 起、夏季作息 14:00 起至下午上课；课后服务：放学后至 18:00 前，"
             "每天不少于 2 小时。可选择弹性离校时间。",
    "content": "完成作业、阅读指导、体育锻炼、文艺和科技社团活动，不讲新课、不集体补课。",
    "safety_measures": "每个服务小组由教师全程看护，带班领导每天巡查；家长或家长授权的接送人凭身份接走孩子，"
                       "选择弹性离校的学生按约定时间离校。请家长如实填写接送人信息。",
}

#: name, session, grades, capacity, venue name
GROUPS = [
    ("一二年级课后服务组", Session.AFTER_SCHOOL, (1, 2), 30, "阅览室"),
    ("三四年级课后服务组", Session.AFTER_SCHOOL, (3, 4), 6, "图书馆"),
    ("五六年级课后服务组", Session.AFTER_SCHOOL, (5, 6), 30, "科学实验室"),
    ("三四年级午间看护组", Session.NOON, (3, 4), 20, "美术室"),
]


def _apply(ctx, student: Student, guardian, letter, *, claims=(), sessions=(Session.AFTER_SCHOOL,)) -> Application:
    existing = Application.objects.filter(student=student, term=ctx.term).first()
    if existing:
        return existing
    return services.application_submit(by=guardian, student=student, term=ctx.term, sessions=list(sessions),
                                       weekdays=[1, 2, 3, 4, 5], letter=letter, letter_acknowledged=True,
                                       priority_claims=claims)


def _guardian(student: Student):
    return student.guardianships.filter(active=True).select_related("guardian").order_by("id").first().guardian


def seed(ctx) -> None:
    term = ctx.term
    letters = {}
    for code, school in ctx.schools.items():
        letter = ParentLetter.objects.current_for(school=school, term=term)
        if letter is None:
            letter = ParentLetter.objects.create(
                school=school, term=term, version=1, title=LETTER["title"].format(school=school.name),
                service_scope=LETTER["service_scope"], times=LETTER["times"], content=LETTER["content"],
                safety_measures=LETTER["safety_measures"],
                published_by=ctx.users.get("principal1" if code == "S001" else f"principal_{code.lower()}"),
            )
        letters[code] = letter

    school = ctx.schools["S001"]
    moral, academic = ctx.users["moral1"], ctx.users["academic1"]
    groups = {}
    for name, session, (g_from, g_to), capacity, venue_name in GROUPS:
        group = ServiceGroup.objects.filter(school=school, term=term, name=name).first()
        if group is None:
            group = services.service_group_create(
                school=school, term=term, by=moral, name=name, session=session, grade_from=g_from, grade_to=g_to,
                weekdays=[1, 2, 3, 4, 5], capacity=capacity,
                venue=Venue.objects.get(school=school, name=venue_name))
        groups[name] = group
    teacher_groups = [("teacher1", "三四年级课后服务组"), ("teacher_s001_2", "一二年级课后服务组"),
                      ("teacher_s001_3", "五六年级课后服务组"), ("teacher_s001_4", "三四年级午间看护组")]
    for username, name in teacher_groups:
        group = groups[name]
        if group.teacher_id is None and username in ctx.users:
            services.service_group_assign_teacher(group=group, teacher=ctx.users[username], by=academic)

    letter = letters["S001"]
    class1 = HomeroomClass.objects.get(school=school, name="三年级（1）班")
    class2 = HomeroomClass.objects.get(school=school, name="三年级（2）班")
    kids1 = list(class1.students.order_by("student_number"))
    kids2 = list(class2.students.order_by("student_number"))

    # Placed: parent2's child and three children of 三年级（2）班 (4 of the 6 seats of grades 3-4).
    placed = [kids1[1], *kids2[:3]]
    for i, child in enumerate(placed):
        app = _apply(ctx, child, _guardian(child), letter,
                     claims=[("dual_working", "父母均为双职工")] if i == 2 else ())
        if app.status == Application.Status.SUBMITTED:
            reviewer = class1.homeroom_teacher if child.homeroom_class_id == class1.pk else class2.homeroom_teacher
            services.application_review(application=app, by=reviewer, decision="approve")
    services.allocation_run(school=school, term=term, by=moral)

    # Waiting for homeroom1's review: six classmates (parent1's child, kids1[0], has none).
    pending_claims = {2: [("migrant", "父母在本市务工")], 4: [("left_behind", "父母在外地打工，由祖父母照顾")],
                      6: [("hardship", "")]}
    for i, child in enumerate(kids1[2:8], start=2):
        _apply(ctx, child, _guardian(child), letter, claims=pending_claims.get(i, ()))
    ctx.log.append(f"enrollment: {len(letters)} letters, {len(groups)} groups at {school.name}, "
                   f"{Application.objects.filter(term=term).count()} applications")

