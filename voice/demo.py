"""Demo data of parent voice: an announcement from the bureau, a must-read one from S001, and the
term satisfaction survey open to every demo school, answered by some parents but not by parent1
(so that parent1 can answer it in the demo). Idempotent: each piece is looked up first."""
from __future__ import annotations

import random

from django.utils import translation

from schools.models import HomeroomClass

from . import services
from .models import Announcement, Question, Questionnaire, SurveyInvitation

BUREAU_TITLE = "关于做好本学期课后服务工作的通知"
SCHOOL_TITLE = "三年级课后服务家长须知（请务必阅读）"


def seed(ctx) -> None:
    bureau = ctx.users["bureau"]
    principal = ctx.users["principal1"]
    s001 = ctx.schools["S001"]
    with translation.override("zh-hans"):
        if not Announcement.objects.filter(title=BUREAU_TITLE, school__isnull=True).exists():
            services.announcement_publish(
                author=bureau, title=BUREAU_TITLE, include_parents=True, include_staff=True,
                body="各学校、各位家长：本学期课后服务自开学第一周起实施，每天服务时间不少于2小时，"
                     "结束时间不晚于18:00。请各校做好安全管理与家长沟通。",
                rules=[services.Rule("city")],
            )
        if not Announcement.objects.filter(title=SCHOOL_TITLE, school=s001).exists():
            grade3 = HomeroomClass.objects.filter(school=s001, grade__number=3).values_list("grade_id", flat=True)
            services.announcement_publish(
                author=principal, school=s001, title=SCHOOL_TITLE, must_read=True,
                body="各位家长：课后服务17:30结束，请按您选择的时间到东门接孩子；如需委托他人接送，"
                     "请提前在平台登记授权接送人。",
                rules=[services.Rule("grade", (grade3.first(),))],
            )
        term = ctx.term
        if not Questionnaire.objects.filter(term=term, kind=Questionnaire.Kind.TERM_SATISFACTION).exists():
            survey = services.term_survey_launch(user=bureau, term=term)
            _answer_some(survey, skip={ctx.users["parent1"].pk})
    ctx.log.append("Parent voice: two announcements, the term satisfaction survey (open)")


def _answer_some(survey: Questionnaire, *, skip: set[int]) -> None:
    """About half of the children get an answer, with ratings leaning to satisfied."""
    rng = random.Random(9)
    questions = list(survey.questions.all())
    invitations = (SurveyInvitation.objects.filter(questionnaire=survey).exclude(user_id__in=skip)
                   .select_related("user", "student").order_by("student__student_number", "user_id"))
    done = set()
    suggestions = ["希望增加体育类社团", "作业辅导时间可以再长一些", "接送时门口比较拥挤", "老师很负责，孩子很喜欢"]
    for invitation in invitations:
        if invitation.student_id in done or rng.random() < 0.5:
            continue
        done.add(invitation.student_id)
        answers = {}
        for q in questions:
            if q.kind == Question.Kind.RATING:
                answers[q.pk] = rng.choices([5, 4, 3, 2, 1], weights=[45, 35, 12, 5, 3])[0]
            elif rng.random() < 0.3:
                answers[q.pk] = rng.choice(suggestions)
        services.survey_answer(user=invitation.user, questionnaire=survey, answers=answers,
                               student=invitation.student)
