"""A parent's questionnaire list says whether they answered (issue 19, item 5): 已提交 with the date
once answered, 待填写 before, never the staff's 进行中 / the privacy office's 待处理."""
import pytest
from django.utils import timezone

from voice import services

from .conftest import answers_for

pytestmark = pytest.mark.django_db


def badge(client, lang="zh-hans"):
    body = client.get("/voice/questionnaires/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    start = body.index('data-testid="answer-state">') + len('data-testid="answer-state">')
    return body[start:body.index("</span>", start)], body


def test_parent_sees_to_answer_then_submitted_with_the_date(voice_world, survey, login):
    w = voice_world
    client = login(w.parent_a)
    text, body = badge(client)
    assert text == "待填写" and "待处理" not in body
    services.survey_answer(user=w.parent_a, questionnaire=survey, answers=answers_for(survey), student=w.child_a)
    text, body = badge(client)
    assert text == f"已提交 {timezone.localdate():%Y-%m-%d}" and "待处理" not in body
    assert badge(client, "en")[0] == f"Submitted {timezone.localdate():%Y-%m-%d}"


def test_staff_see_the_questionnaire_state_in_its_own_words(voice_world, survey, login):
    body = login(voice_world.principal).get("/voice/questionnaires/").content.decode()
    assert "进行中" in body and "待处理" not in body
    page = login(voice_world.principal).get(f"/voice/questionnaires/{survey.pk}/").content.decode()
    assert "待处理" not in page
