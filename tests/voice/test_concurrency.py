"""Two guardians submitting for the same child at the same moment store one response (PostgreSQL)."""
import threading

import pytest
from django.db import connection

from shahe_afterschool.errors import ConflictError
from tests.factories import GuardianshipFactory, UserFactory
from voice import services
from voice.models import SurveyInvitation, SurveyResponse

from .conftest import answers_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_answers_for_one_child_store_one_response(voice_world, survey):
    w = voice_world
    father = UserFactory(username="father_a")
    GuardianshipFactory(guardian=father, student=w.child_a)
    SurveyInvitation.objects.create(questionnaire=survey, user=father, student=w.child_a, school=w.school_a)
    answers = answers_for(survey)
    barrier = threading.Barrier(4)
    outcomes = []

    def submit(user):
        try:
            barrier.wait()
            services.survey_answer(user=user, questionnaire=survey, answers=answers, student=w.child_a)
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(u,)) for u in (w.parent_a, father, w.parent_a, father)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    assert SurveyResponse.objects.filter(questionnaire=survey).count() == 1
