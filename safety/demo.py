"""Demo data for safety: plans and drills for the demo schools, a few incidents at S001 (one
escalated: a missing child), and an inspection of S001 with rectification items for principal1.

Idempotent: plans by (school, type), drills by (school, plan, date), incidents by the reporter's
client key, the inspection by (school, date); everything goes through the services.
"""
from __future__ import annotations

import datetime

from django.utils import timezone

from schools.models import Student

from . import services
from .models import Drill, EmergencyPlan, Incident, IncidentType, Inspection, PlanType, Severity

PLAN_TEXT = {
    PlanType.FIRE: "一、发现火情立即报警（119）并报告带班领导；二、按疏散路线有序撤离至操场；三、班主任清点人数并上报。",
    PlanType.EARTHQUAKE: "一、震时就近避险，护住头部；二、震后沿指定路线撤离至操场空旷处；三、清点人数，救治伤员。",
    PlanType.MISSING_CHILD: "一、发现学生未到或走失，立即报告带班领导并联系家长；二、调取监控，分组寻找；三、30分钟未找到即报警并上报教育局。",
    PlanType.FOOD_SAFETY: "一、发现食物中毒症状立即停止供餐并留样；二、送医救治；三、报告卫生部门和教育局。",
    PlanType.INJURY: "一、轻伤由校医处理；二、重伤立即拨打120并通知家长；三、记录经过，上报校长。",
    PlanType.STRANGER: "一、门卫拦截并报警（110）；二、学生就近进入教室并锁门；三、安保人员持防护器械处置。",
    PlanType.WEATHER: "一、接到极端天气预警调整课后服务安排；二、通知家长提前接送；三、学生留校待接，专人看护。",
}


def seed(ctx) -> None:
    today = timezone.localdate()
    term = ctx.term
    drill_day = min(today, term.start_date + datetime.timedelta(days=14)) if term else today
    for code, school in ctx.schools.items():
        principal = ctx.users.get("principal1" if code == "S001" else f"principal_{code.lower()}")
        plans = {}
        for i, (plan_type, text) in enumerate(PLAN_TEXT.items()):
            # S002 lets a plan go unreviewed for over a year, so the flag has something to show.
            reviewed = today - datetime.timedelta(days=400 if (code == "S002" and i == 0) else 30 + i)
            plan = EmergencyPlan.objects.filter(school=school, plan_type=plan_type).first()
            if plan is None:
                plan = services.emergency_plan_save(user=principal, school=school, plan_type=plan_type, text=text,
                                                    last_reviewed_on=reviewed, responsible=principal)
            plans[plan_type] = plan
        # S301 has held no drill this term: flagged.
        if code != "S301" and not Drill.objects.filter(school=school, plan=plans[PlanType.FIRE],
                                                        held_on=drill_day).exists():
            services.drill_record(user=principal, plan=plans[PlanType.FIRE], held_on=drill_day, participants=320,
                                  duration_minutes=25, findings="三年级疏散用时偏长，楼梯口需增派教师引导。")
    _incidents(ctx)
    _inspection(ctx, today)


def _incidents(ctx) -> None:
    school = ctx.schools["S001"]
    teacher, principal = ctx.users["teacher1"], ctx.users["principal1"]
    parent1 = ctx.users["parent1"]
    child = Student.objects.filter(guardianships__guardian=parent1, school=school).first()
    others = list(Student.objects.filter(school=school).exclude(pk=child.pk).order_by("student_number")[:2])
    venues = {v.name: v for v in school.venues.all()}
    now = timezone.now().replace(second=0, microsecond=0)
    minor = services.incident_report(
        user=teacher, school=school, occurred_at=now - datetime.timedelta(days=1, hours=2),
        type=IncidentType.INJURY, severity=Severity.GENERAL, venue=venues.get("操场"), children=[child],
        description="跑步时摔倒，右膝擦伤。", actions_taken="校医清洗伤口并包扎，观察后返回活动。",
        client_key="demo-minor-injury",
    )
    services.incident_notify_guardians(incident=minor, user=teacher,
                                       message="孩子今天在操场跑步时摔倒，膝盖轻微擦伤，校医已处理，请放心。")
    conflict = services.incident_report(
        user=teacher, school=school, occurred_at=now - datetime.timedelta(days=3), type=IncidentType.CONFLICT,
        severity=Severity.GENERAL, venue=venues.get("阅览室"), children=others,
        description="两名学生因座位发生争执并推搡。", client_key="demo-conflict",
    )
    if conflict.status == Incident.Status.OPEN:
        services.incident_transition(incident=conflict, user=principal, to=Incident.Status.REVIEWING)
    services.incident_report(
        user=ctx.users.get("duty1", teacher), school=school, occurred_at=now - datetime.timedelta(hours=1),
        type=IncidentType.MISSING_CHILD, severity=Severity.SERIOUS, venue=venues.get("体育馆"), children=others[:1],
        description="课后服务点名时发现一名学生未到，正在校内寻找并联系家长。", client_key="demo-missing-child",
    )


def _inspection(ctx, today) -> None:
    school, bureau = ctx.schools["S001"], ctx.users["bureau"]
    inspected_on = today - datetime.timedelta(days=20)
    inspection = Inspection.objects.filter(school=school, inspected_on=inspected_on).first()
    if inspection is not None:
        return
    inspection = services.inspection_record(
        user=bureau, school=school, inspected_on=inspected_on, inspectors=[bureau],
        scores={"organisation": 22, "staffing": 20, "content": 23, "safety": 18},
        findings={"organisation": "课后服务领导小组健全，职责明确。", "staffing": "部分社团缺少专业指导教师。",
                  "content": "社团种类丰富，学生参与度高。", "safety": "体育馆应急通道有杂物堆放；部分预案未及时修订。"},
        summary="总体良好，安全措施需整改。",
    )
    for heading, text, days in [
        ("safety", "清理体育馆应急通道杂物，并建立每日巡查记录。", 17),
        ("staffing", "为科技类社团聘请专业指导教师。", 40),
        ("safety", "修订食品安全应急预案并组织一次演练。", 30),
    ]:
        services.rectification_item_add(user=bureau, inspection=inspection, heading=heading, description=text,
                                        deadline=inspected_on + datetime.timedelta(days=days))
