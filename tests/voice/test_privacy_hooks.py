"""Voice in the privacy registries: named questionnaire answers in the guardian's data download
(anonymous ones never), and the retention scrubber for the child's name in written answers."""
import pytest
from django.utils import timezone

from privacy.selectors import child_data
from privacy.services import anonymous_name, student_anonymise
from voice import services
from voice.models import Answer, Question

from .conftest import answers_for

pytestmark = pytest.mark.django_db


def _named_survey(w, *, per="child"):
    q = services.questionnaire_create(author=w.principal, title="接送调查", rules=[services.Rule("class", (w.class_a.pk,))],
                                      per=per, anonymous=False)
    services.question_add(user=w.principal, questionnaire=q, kind=Question.Kind.SINGLE, text="时段",
                          choices=["午间", "课后", "都参加"])
    services.question_add(user=w.principal, questionnaire=q, kind=Question.Kind.MULTIPLE, text="社团",
                          choices=["体育", "艺术", "科技"])
    services.question_add(user=w.principal, questionnaire=q, kind=Question.Kind.RATING, text="总体满意度")
    services.question_add(user=w.principal, questionnaire=q, kind=Question.Kind.TEXT, text="建议", required=False)
    services.questionnaire_open(user=w.principal, questionnaire=q)
    return q


def test_named_answers_are_in_the_download_and_anonymous_ones_are_not(voice_world, survey):
    w = voice_world
    named = _named_survey(w)
    services.survey_answer(user=w.parent_a, questionnaire=named, student=w.child_a,
                           answers=answers_for(named, single=1, multiple=(0, 2), rating=4, text="张小明想学画画"))
    services.survey_answer(user=w.parent_a, questionnaire=survey, student=w.child_a,
                           answers=answers_for(survey, text="匿名的建议"))
    rows = child_data(student=w.child_a)["voice"]["data"]["questionnaire_answers"]
    assert [r["questionnaire"] for r in rows] == ["接送调查"]
    assert rows[0]["answers"] == [{"question": "时段", "answer": ["课后"]},
                                  {"question": "社团", "answer": ["体育", "科技"]},
                                  {"question": "总体满意度", "answer": [4]},
                                  {"question": "建议", "answer": ["张小明想学画画"]}]
    assert "匿名的建议" not in str(child_data(student=w.child_a))
    assert child_data(student=w.child_a2)["voice"]["data"]["questionnaire_answers"] == []


def test_family_answers_of_a_guardian_count_for_the_child(voice_world):
    w = voice_world
    named = _named_survey(w, per="family")
    services.survey_answer(user=w.parent_a, questionnaire=named, answers=answers_for(named, text="家庭意见"))
    rows = child_data(student=w.child_a)["voice"]["data"]["questionnaire_answers"]
    assert len(rows) == 1 and rows[0]["for_the_child"] is False


def test_retention_removes_the_childs_name_from_named_written_answers(voice_world):
    w = voice_world
    named = _named_survey(w)
    services.survey_answer(user=w.parent_a, questionnaire=named, student=w.child_a,
                           answers=answers_for(named, text="张小明想学画画"))
    assert student_anonymise(student=w.child_a, left_at=timezone.now())
    assert Answer.objects.get(text__startswith=anonymous_name(w.child_a.pk)).text.endswith("想学画画")
    assert not Answer.objects.filter(text__contains="张小明").exists()
