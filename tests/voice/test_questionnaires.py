"""Answer once, anonymity in the database, closing, result figures, the term survey."""
import io

import pytest
from django.db import connection
from django.utils import translation
from openpyxl import load_workbook

from notices.models import Notification
from shahe_afterschool.errors import ConflictError, DomainError
from tests.factories import GuardianshipFactory, StudentFactory, UserFactory
from voice import selectors, services
from voice.models import Answer, Question, Questionnaire, SurveyInvitation, SurveyResponse

from .conftest import answers_for

pytestmark = pytest.mark.django_db


def test_a_child_is_answered_once_even_by_a_second_guardian(survey, voice_world):
    w = voice_world
    services.survey_answer(user=w.parent_a, questionnaire=survey, answers=answers_for(survey), student=w.child_a)
    with pytest.raises(ConflictError) as exc:
        services.survey_answer(user=w.parent_a, questionnaire=survey, answers=answers_for(survey), student=w.child_a)
    with translation.override("en"):
        assert "already been answered" in str(exc.value.message)
    father = UserFactory(username="father_a")
    GuardianshipFactory(guardian=father, student=w.child_a)
    SurveyInvitation.objects.create(questionnaire=survey, user=father, student=w.child_a, school=w.school_a)
    with pytest.raises(ConflictError):
        services.survey_answer(user=father, questionnaire=survey, answers=answers_for(survey), student=w.child_a)
    assert SurveyResponse.objects.filter(questionnaire=survey).count() == 1


def test_a_family_questionnaire_is_answered_once_per_guardian(voice_world):
    w = voice_world
    q = services.questionnaire_create(author=w.principal, title="家庭问卷", rules=[services.Rule("class", (w.class_a.pk,))],
                                      per="family", anonymous=False)
    rating = services.question_add(user=w.principal, questionnaire=q, kind="rating", text="满意度")
    services.questionnaire_open(user=w.principal, questionnaire=q)
    services.survey_answer(user=w.parent_a, questionnaire=q, answers={rating.pk: 4})
    with pytest.raises(ConflictError):
        services.survey_answer(user=w.parent_a, questionnaire=q, answers={rating.pk: 5})
    services.survey_answer(user=w.other_parent, questionnaire=q, answers={rating.pk: 2})
    assert SurveyResponse.objects.filter(questionnaire=q).count() == 2


def test_a_parent_not_asked_cannot_answer(survey, voice_world):
    w = voice_world
    with pytest.raises(DomainError):
        services.survey_answer(user=w.parent_b, questionnaire=survey, answers=answers_for(survey), student=w.child_b)
    with pytest.raises(DomainError):  # parent_a for another family's child
        services.survey_answer(user=w.parent_a, questionnaire=survey, answers=answers_for(survey), student=w.child_a2)
    assert not SurveyResponse.objects.exists()


def test_anonymous_answer_row_carries_no_user_and_no_child(survey, voice_world):
    w = voice_world
    response = services.survey_answer(user=w.parent_a, questionnaire=survey,
                                      answers=answers_for(survey, text="希望延长"), student=w.child_a)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM voice_surveyresponse WHERE id = %s",
                       [response.pk.hex if connection.vendor == "sqlite" else response.pk])
        columns = [c[0] for c in cursor.description]
        row = dict(zip(columns, cursor.fetchone(), strict=True))
    assert row["respondent_id"] is None and row["student_id"] is None
    assert set(columns) == {"id", "questionnaire_id", "school_id", "submitted_on", "respondent_id", "student_id"}
    # No other column of the response or its answers holds the parent's or the child's id.
    assert w.parent_a.pk not in [v for k, v in row.items() if k.endswith("_id") and k != "school_id"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM voice_answer")
        answer_columns = {c[0] for c in cursor.description}
    assert answer_columns == {"id", "response_id", "question_id", "choice_id", "rating", "text"}
    # Who answered is on the invitation, by day only, never linked to the response.
    invitation = SurveyInvitation.objects.get(questionnaire=survey, user=w.parent_a)
    assert invitation.answered_on is not None


def test_named_answer_records_the_parent_and_child_and_they_can_read_it(voice_world):
    w = voice_world
    q = services.questionnaire_create(author=w.principal, title="实名", rules=[services.Rule("class", (w.class_a.pk,))],
                                      per="child", anonymous=False)
    question = services.question_add(user=w.principal, questionnaire=q, kind="text", text="建议")
    services.questionnaire_open(user=w.principal, questionnaire=q)
    response = services.survey_answer(user=w.parent_a, questionnaire=q, answers={question.pk: "多些体育"},
                                      student=w.child_a)
    assert (response.respondent, response.student) == (w.parent_a, w.child_a)
    own = selectors.own_answers(user=w.parent_a, questionnaire=q)
    assert own[0]["answers"][0][1] == ["多些体育"]
    assert selectors.own_answers(user=w.other_parent, questionnaire=q) == []


def test_closing_stops_answers_with_a_clear_message(survey, voice_world):
    w = voice_world
    services.questionnaire_close(user=w.principal, questionnaire=survey)
    with pytest.raises(ConflictError) as exc:
        services.survey_answer(user=w.parent_a, questionnaire=survey, answers=answers_for(survey), student=w.child_a)
    with translation.override("en"):
        assert str(exc.value.message) == "This questionnaire has closed; answers are no longer accepted."
    assert str(exc.value.message) == "问卷已结束，不再接受填写。"
    assert not SurveyResponse.objects.exists()
    assert SurveyInvitation.objects.filter(answered_on__isnull=False).count() == 0


def test_closing_twice_is_harmless_and_a_draft_cannot_be_closed(voice_world, survey):
    w = voice_world
    services.questionnaire_close(user=w.principal, questionnaire=survey)
    services.questionnaire_close(user=w.principal, questionnaire=survey)
    draft = services.questionnaire_create(author=w.principal, title="草稿", rules=[services.Rule("class", (w.class_a.pk,))])
    with pytest.raises(ConflictError):
        services.questionnaire_close(user=w.principal, questionnaire=draft)


@pytest.mark.parametrize("bad", [
    {"rating": 7}, {"rating": "x"}, {"single": "other"}, {"multiple": "other"}, {"missing": True},
])
def test_bad_answers_are_refused_and_nothing_is_stored(survey, voice_world, bad):
    w = voice_world
    answers = answers_for(survey)
    q1, q2, q3, _q4 = list(survey.questions.all())
    if "rating" in bad:
        answers[q3.pk] = bad["rating"]
    if "single" in bad:
        answers[q1.pk] = q2.choices.first().pk  # a choice of another question
    if "multiple" in bad:
        answers[q2.pk] = [q1.choices.first().pk]
    if "missing" in bad:
        answers.pop(q1.pk)
    with pytest.raises(DomainError):
        services.survey_answer(user=w.parent_a, questionnaire=survey, answers=answers, student=w.child_a)
    assert not SurveyResponse.objects.exists() and not Answer.objects.exists()
    assert not SurveyInvitation.objects.filter(answered_on__isnull=False).exists()


def test_questions_cannot_change_once_open_and_choice_questions_need_two_choices(voice_world, survey):
    w = voice_world
    with pytest.raises(ConflictError):
        services.question_add(user=w.principal, questionnaire=survey, kind="rating", text="再问")
    draft = services.questionnaire_create(author=w.principal, title="草稿", rules=[services.Rule("class", (w.class_a.pk,))])
    with pytest.raises(DomainError):
        services.question_add(user=w.principal, questionnaire=draft, kind="single", text="一个选项", choices=["是"])
    with pytest.raises(DomainError):  # an empty questionnaire cannot open
        services.questionnaire_open(user=w.principal, questionnaire=draft)
    with pytest.raises(DomainError):  # only the owner edits
        services.question_add(user=w.bureau, questionnaire=draft, kind="rating", text="x")


def _hand_built(voice_world):
    """Six answers to a bureau questionnaire: four at school_a, two at school_b.

    single (时段): 午间 x3, 课后 x2, 都参加 x1; multiple (社团): 体育 x4, 艺术 x3, 科技 x0;
    rating: school_a 5,4,4,3 (mean 4, index 75); school_b 2,1 (mean 1.5, index 12.5);
    all: mean 19/6 = 3.17, index 54.2.
    """
    w = voice_world
    more = []
    for i in range(3):
        child = StudentFactory(homeroom_class=w.class_a if i < 2 else w.class_b)
        parent = UserFactory(username=f"extra{i}")
        GuardianshipFactory(guardian=parent, student=child)
        more.append((parent, child))
    q = services.questionnaire_create(author=w.bureau, title="全市问卷", rules=[services.Rule("city")], per="child")
    services.question_add(user=w.bureau, questionnaire=q, kind="single", text="时段", choices=["午间", "课后", "都参加"])
    services.question_add(user=w.bureau, questionnaire=q, kind="multiple", text="社团", choices=["体育", "艺术", "科技"])
    services.question_add(user=w.bureau, questionnaire=q, kind="rating", text="满意度")
    services.question_add(user=w.bureau, questionnaire=q, kind="text", text="建议", required=False)
    services.questionnaire_open(user=w.bureau, questionnaire=q)
    plan = [
        (w.parent_a, w.child_a, 0, (0, 1), 5, "很好"),
        (w.other_parent, w.child_a2, 0, (0,), 4, ""),
        (more[0][0], more[0][1], 0, (0, 1), 4, "=SUM(A1)"),
        (more[1][0], more[1][1], 1, (1,), 3, ""),
        (w.parent_b, w.child_b, 1, (0,), 2, "接送拥挤"),
        (more[2][0], more[2][1], 2, (), 1, ""),
    ]
    for parent, child, single, multiple, rating, text in plan:
        answers = answers_for(q, single=single, multiple=multiple, rating=rating, text=text)
        if not multiple:
            answers.pop(list(answers)[1])
            q2 = q.questions.get(position=2)
            Question.objects.filter(pk=q2.pk).update(required=False)
        services.survey_answer(user=parent, questionnaire=q, answers=answers, student=child)
    return q


def test_result_figures_on_a_hand_built_set(voice_world):
    w = voice_world
    q = _hand_built(voice_world)
    r = selectors.questionnaire_results(user=w.bureau, questionnaire=q)
    single, multiple, rating, text = r["questions"]
    assert [(c.text, n, pct) for c, n, pct in single.choices] == [("午间", 3, 50.0), ("课后", 2, 33.3), ("都参加", 1, 16.7)]
    assert multiple.answered == 5
    assert [(c.text, n, pct) for c, n, pct in multiple.choices] == [("体育", 4, 80.0), ("艺术", 3, 60.0), ("科技", 0, 0.0)]
    assert [(v, n) for v, n, _p in rating.ratings] == [(1, 1), (2, 1), (3, 1), (4, 2), (5, 1)]
    assert rating.mean == 3.17 and rating.index == 54.2
    assert text.text_count == 3
    assert r["responses"] == 6 and r["index"] == 54.2
    by_school = {s["name"]: s for s in r["schools"]}
    assert by_school[w.school_a.name]["index"] == 75.0 and by_school[w.school_a.name]["responses"] == 4
    assert by_school[w.school_b.name]["index"] == 12.5 and by_school[w.school_b.name]["responses"] == 2
    # school_a: 4 invited of class_a + parent_a3, parent_a4 = 6 asked, 4 answered
    assert by_school[w.school_b.name]["by_question"] == [12.5]
    assert by_school[w.school_a.name]["invited"] == 6 and by_school[w.school_a.name]["rate"] == 66.7
    by_district = {d["name"]: d for d in r["districts"]}
    assert by_district[w.district_a.name]["index"] == 75.0 and by_district[w.district_b.name]["index"] == 12.5
    # Narrowed to one school: the same figures as that school's row.
    only_b = selectors.questionnaire_results(user=w.bureau, questionnaire=q, school_id=w.school_b.pk)
    assert only_b["responses"] == 2 and only_b["index"] == 12.5


def test_district_and_school_staff_see_only_their_part_of_the_results(voice_world):
    w = voice_world
    q = _hand_built(voice_world)
    for user in (w.district, w.principal):
        r = selectors.questionnaire_results(user=user, questionnaire=q)
        assert [s["name"] for s in r["schools"]] == [w.school_a.name]
        assert r["responses"] == 4 and r["index"] == 75.0


def test_satisfaction_by_school_counts_closed_term_surveys(voice_world):
    w = voice_world
    survey = services.term_survey_launch(user=w.bureau, term=w.term)
    questions = {q.code: q for q in survey.questions.all()}
    ratings = {"time": 5, "content": 4, "safety": 5, "teachers": 4, "overall": 5}
    services.survey_answer(user=w.parent_a, questionnaire=survey, student=w.child_a,
                           answers={questions[c].pk: v for c, v in ratings.items()})
    services.survey_answer(user=w.parent_b, questionnaire=survey, student=w.child_b,
                           answers={questions[c].pk: 3 for c in ratings})
    assert selectors.satisfaction_by_school(term=w.term) == []  # not closed yet
    services.questionnaire_close(user=w.bureau, questionnaire=survey)
    rows = {r["school"]: r for r in selectors.satisfaction_by_school(term=w.term)}
    assert rows[w.school_a.name]["index"] == 90.0  # mean 4.6
    assert rows[w.school_a.name]["questions"]["safety"] == 100.0
    assert rows[w.school_b.name]["index"] == 50.0 and rows[w.school_b.name]["responses"] == 1
    assert [r["school"] for r in selectors.satisfaction_by_school(term=w.term, user=w.district)] == [w.school_a.name]


def test_term_survey_launches_in_one_step_to_every_school_once(voice_world, django_capture_on_commit_callbacks):
    w = voice_world
    with django_capture_on_commit_callbacks(execute=True):
        survey = services.term_survey_launch(user=w.bureau, term=w.term)
    assert survey.status == Questionnaire.Status.OPEN and survey.anonymous and survey.per == "child"
    assert [q.code for q in survey.questions.all()] == ["time", "content", "safety", "teachers", "overall",
                                                        "suggestions"]
    assert set(SurveyInvitation.objects.filter(questionnaire=survey).values_list("school_id", flat=True)) == {
        w.school_a.pk, w.school_b.pk}
    assert Notification.objects.filter(kind="voice.questionnaire", recipient=w.parent_b).count() == 1
    with pytest.raises(ConflictError):
        services.term_survey_launch(user=w.bureau, term=w.term)
    with pytest.raises(DomainError):
        services.term_survey_launch(user=w.principal, term=w.term)


def test_xlsx_export_holds_questions_schools_and_written_answers(voice_world, login):
    w = voice_world
    q = _hand_built(voice_world)
    response = login(w.bureau).get(f"/voice/questionnaires/{q.pk}/results.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 4
    schools = list(book.worksheets[1].iter_rows(values_only=True))
    assert any(w.school_a.name in row and 75 in row for row in schools)
    texts = [row[3] for row in book.worksheets[3].iter_rows(min_row=2, values_only=True)]
    assert "'=SUM(A1)" in texts and "很好" in texts  # formula-safe
