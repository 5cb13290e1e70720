"""The parent-voice API: scoped like the pages, same services."""
import pytest

from voice import services
from voice.models import AnnouncementReceipt, SurveyResponse

from .conftest import answers_for

pytestmark = pytest.mark.django_db


def test_announcements_api_is_scoped_and_reading_marks_read(voice_world, api):
    w = voice_world
    a = services.announcement_publish(author=w.principal, title="通知", body="x", must_read=True,
                                      rules=[services.Rule("class", (w.class_a.pk,))])
    client = api.as_user(w.parent_b)
    assert client.get("/api/v1/announcements/").json()["count"] == 0
    assert client.get(f"/api/v1/announcements/{a.pk}/").status_code == 404
    client = api.as_user(w.parent_a)
    assert client.get("/api/v1/announcements/").json()["results"][0]["unread"] is True
    body = client.get(f"/api/v1/announcements/{a.pk}/").json()
    assert body["title"] == "通知" and body["unread"] is False
    assert AnnouncementReceipt.objects.get(user=w.parent_a).read_at is not None


def test_parent_answers_through_the_api_once(voice_world, survey, api):
    w = voice_world
    client = api.as_user(w.parent_a)
    detail = client.get(f"/api/v1/questionnaires/{survey.pk}/").json()
    assert [q["kind"] for q in detail["questions"]] == ["single", "multiple", "rating", "text"]
    payload = {"student": w.child_a.pk, "answers": {str(k): v for k, v in answers_for(survey).items()}}
    assert client.post(f"/api/v1/questionnaires/{survey.pk}/answers/", payload, format="json").status_code == 201
    again = client.post(f"/api/v1/questionnaires/{survey.pk}/answers/", payload, format="json",
                        HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409 and "already been answered" in again.json()["detail"]
    assert SurveyResponse.objects.count() == 1


@pytest.mark.parametrize("payload", [
    {"answers": "x"},
    {"answers": {"abc": 1}},
    {"student": 999999, "answers": {}},
])
def test_bad_api_answers_are_400_and_store_nothing(voice_world, survey, api, payload):
    response = api.as_user(voice_world.parent_a).post(f"/api/v1/questionnaires/{survey.pk}/answers/", payload,
                                                       format="json")
    assert response.status_code == 400
    assert not SurveyResponse.objects.exists()


def test_rating_out_of_range_names_the_question(voice_world, survey, api):
    w = voice_world
    answers = answers_for(survey)
    q3 = survey.questions.get(position=3)
    answers[q3.pk] = 6
    response = api.as_user(w.parent_a).post(f"/api/v1/questionnaires/{survey.pk}/answers/", {
        "student": w.child_a.pk, "answers": {str(k): v for k, v in answers.items()}}, format="json")
    assert response.status_code == 400 and f"q{q3.pk}" in response.json()


@pytest.mark.parametrize("role,answer,results", [
    ("parent_a", 201, 404), ("parent_b", 404, 404), ("teacher_b", 404, 404), ("homeroom", 404, 404),
    ("principal", 403, 200), ("district", 403, 200), ("bureau", 403, 200),
])
def test_questionnaire_api_in_the_role_matrix(voice_world, survey, api, role, answer, results):
    w = voice_world
    client = api.as_user(getattr(w, role))
    payload = {"student": w.child_a.pk, "answers": {str(k): v for k, v in answers_for(survey).items()}}
    assert client.post(f"/api/v1/questionnaires/{survey.pk}/answers/", payload, format="json").status_code == answer
    response = client.get(f"/api/v1/questionnaires/{survey.pk}/results/")
    assert response.status_code == results
    if results == 200:
        assert response.json()["schools"][0]["name"] == w.school_a.name


def test_closed_questionnaire_api_answer_is_409_with_message(voice_world, survey, api):
    w = voice_world
    services.questionnaire_close(user=w.principal, questionnaire=survey)
    response = api.as_user(w.parent_a).post(f"/api/v1/questionnaires/{survey.pk}/answers/", {
        "student": w.child_a.pk, "answers": {str(k): v for k, v in answers_for(survey).items()}}, format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 409 and response.json()["detail"] == "问卷已结束，不再接受填写。"


@pytest.mark.parametrize("rows", [5, 50])
def test_questionnaire_api_list_query_count_does_not_grow(voice_world, api, django_assert_num_queries, rows):
    w = voice_world
    for i in range(rows):
        services.questionnaire_create(author=w.principal, title=f"问卷{i}", rules=[services.Rule("class", (w.class_a.pk,))])
    client = api.as_user(w.principal)
    with django_assert_num_queries(4):
        assert client.get("/api/v1/questionnaires/").status_code == 200


@pytest.mark.parametrize("rows", [5, 50])
def test_announcement_api_list_query_count_does_not_grow(voice_world, api, django_assert_num_queries, rows):
    w = voice_world
    for i in range(rows):
        services.announcement_publish(author=w.principal, title=f"通知{i}", body="x",
                                      rules=[services.Rule("class", (w.class_a.pk,))])
    client = api.as_user(w.parent_a)
    with django_assert_num_queries(4):
        assert client.get("/api/v1/announcements/").status_code == 200
