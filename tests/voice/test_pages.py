"""Every page of parent voice in the role matrix, bad input, and query counts."""
import pytest

from tests.conftest import ALL_MATRIX_ROLES, matrix_user
from tests.factories import IN_TERM, GuardianshipFactory, StudentFactory, UserFactory
from voice import services
from voice.models import Announcement, AnnouncementReceipt, Questionnaire, SurveyInvitation, SurveyResponse

from .conftest import answers_for

pytestmark = pytest.mark.django_db

ROLES = [*ALL_MATRIX_ROLES, "parent_b", "moral"]
#: school_a's other offices (tests/conftest.add_offices) are not addressed by class_a's notices and do
#: not author: like a teacher of another school here. moral_a is a moral-education office like `moral`.
NOT_ADDRESSED = {"academic_a": 404, "duty_a": 404, "duty_off_a": 404}


@pytest.fixture
def notice(voice_world):
    """A must-read announcement of school_a to class_a."""
    return services.announcement_publish(author=voice_world.principal, title="接送须知", body="请按时接孩子",
                                         rules=[services.Rule("class", (voice_world.class_a.pk,))], must_read=True)


def status_of(login, user, url, method="get", data=None):
    client = login(user)
    return getattr(client, method)(url, data or {}).status_code


# --- announcements --------------------------------------------------------------------------------

ANNOUNCEMENT_SEEN = {"parent_a": 200, "other_parent": 200, "homeroom": 200, "teacher_b": 404, "principal": 200,
                     "district": 200, "bureau": 200, "parent_b": 404, "moral": 200, "moral_a": 200, **NOT_ADDRESSED}


@pytest.mark.parametrize("role", ROLES)
def test_announcement_page_in_the_role_matrix(voice_world, notice, login, role):
    assert status_of(login, matrix_user(voice_world, role), f"/voice/announcements/{notice.pk}/") == ANNOUNCEMENT_SEEN[role]


@pytest.mark.parametrize("role", ROLES)
def test_announcement_list_shows_only_visible_announcements(voice_world, notice, login, role):
    response = login(matrix_user(voice_world, role)).get("/voice/announcements/")
    assert response.status_code == 200
    assert ("接送须知" in response.content.decode()) == (ANNOUNCEMENT_SEEN[role] == 200)


PUBLISHERS = {"principal", "moral", "moral_a", "bureau"}


@pytest.mark.parametrize("role", ROLES)
def test_only_the_bureau_and_school_offices_may_publish(voice_world, login, role):
    assert status_of(login, matrix_user(voice_world, role), "/voice/announcements/new/") == (
        200 if role in PUBLISHERS else 403)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_sender_may_withdraw(voice_world, notice, login, role):
    expected = {"principal": 302, "moral": 302, "moral_a": 302}.get(
        role, 403 if ANNOUNCEMENT_SEEN[role] == 200 else 404)
    assert status_of(login, matrix_user(voice_world, role), f"/voice/announcements/{notice.pk}/withdraw/", "post") == expected


def test_publishing_through_the_page(voice_world, login):
    w = voice_world
    client = login(w.principal)
    response = client.post("/voice/announcements/new/", {
        "title": "家长会通知", "body": "周五下午", "targets": [f"class:{w.class_a.pk}", f"class:{w.class_a4.pk}"],
        "include_parents": "on"})
    assert response.status_code == 302
    a = Announcement.objects.get(title="家长会通知")
    assert set(a.receipts.values_list("user__username", flat=True)) == {"parent_a", "other_parent", "parent_a4"}


@pytest.mark.parametrize("data", [
    {"title": "", "body": "x", "targets": ["school:{a}"]},
    {"title": "t", "body": "x", "targets": []},
    {"title": "t", "body": "x", "targets": ["class:{b}"]},   # another school's class: not offered
    {"title": "t", "body": "x", "targets": ["school:{a}"]},  # neither parents nor staff ticked
    {"title": "t", "body": "x", "targets": ["planet:1"], "include_parents": "on"},
])
def test_bad_announcement_input_gets_a_message_and_changes_nothing(voice_world, login, data):
    w = voice_world
    data = {**data, "targets": [t.format(a=w.school_a.pk, b=w.class_b.pk) for t in data["targets"]]}
    response = login(w.principal).post("/voice/announcements/new/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode() or "alert" in response.content.decode()
    assert not Announcement.objects.exists()


def test_opening_marks_read_and_homeroom_teacher_sees_who_has_not(voice_world, notice, login, client):
    w = voice_world
    login(w.parent_a).get(f"/voice/announcements/{notice.pk}/")
    assert AnnouncementReceipt.objects.get(user=w.parent_a).read_at is not None
    client.post("/accounts/logout/")
    body = login(w.homeroom).get(f"/voice/announcements/{notice.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    unread = body.split('data-testid="unread"')[1].split("</ul>")[0]
    assert "李家长" in unread and "李小红" in unread   # other_parent, with the child
    assert "张家长" not in unread
    assert "1 / 2" in body                           # read count of the class
    assert "13800000002" not in body                 # phone masked


def test_district_sees_read_counts_of_its_district_only(voice_world, login):
    w = voice_world
    a = services.announcement_publish(author=w.bureau, title="全市通知", body="x", rules=[services.Rule("city")],
                                      must_read=True)
    body = login(w.district).get(f"/voice/announcements/{a.pk}/").content.decode()
    assert "张家长" in body and "赵家长" not in body  # parent_b is in district_b


# --- questionnaires -------------------------------------------------------------------------------

MANAGE = {"principal": 200, "moral": 200, "district": 200, "bureau": 200, "parent_a": 302, "other_parent": 302,
          "homeroom": 404, "teacher_b": 404, "parent_b": 404, "moral_a": 200, **NOT_ADDRESSED}
RESULTS = {"principal": 200, "moral": 200, "moral_a": 200, "district": 200, "bureau": 200}
ANSWER = {"parent_a": 200, "other_parent": 200, "principal": 403, "moral": 403, "district": 403, "bureau": 403,
          "homeroom": 404, "teacher_b": 404, "parent_b": 404, "moral_a": 403, **NOT_ADDRESSED}


@pytest.mark.parametrize("role", ROLES)
def test_questionnaire_list_in_the_role_matrix(voice_world, survey, login, role):
    response = login(matrix_user(voice_world, role)).get("/voice/questionnaires/")
    assert response.status_code == 200
    assert ("课后服务调查" in response.content.decode()) == (MANAGE[role] != 404)


@pytest.mark.parametrize("role", ROLES)
def test_questionnaire_page_in_the_role_matrix(voice_world, survey, login, role):
    assert status_of(login, matrix_user(voice_world, role), f"/voice/questionnaires/{survey.pk}/") == MANAGE[role]


@pytest.mark.parametrize("role", ROLES)
def test_answer_page_in_the_role_matrix(voice_world, survey, login, role):
    assert status_of(login, matrix_user(voice_world, role), f"/voice/questionnaires/{survey.pk}/answer/") == ANSWER[role]


@pytest.mark.parametrize("page", ["results/", "results.xlsx"])
@pytest.mark.parametrize("role", ROLES)
def test_results_pages_in_the_role_matrix(voice_world, survey, login, role, page):
    url = f"/voice/questionnaires/{survey.pk}/{page}"
    assert status_of(login, matrix_user(voice_world, role), url) == RESULTS.get(role, 404)


@pytest.mark.parametrize("role", ROLES)
def test_written_answers_are_for_the_owner(voice_world, survey, login, role):
    expected = {"principal": 200, "moral": 200, "moral_a": 200}.get(role, 403 if role in RESULTS else 404)
    assert status_of(login, matrix_user(voice_world, role), f"/voice/questionnaires/{survey.pk}/written-answers/") == expected


@pytest.mark.parametrize("action", ["close/", "questions/"])
@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_changes_a_questionnaire(voice_world, survey, login, role, action):
    # parents who were asked see it: visible but not the owner is 403 (regression: was 404)
    expected = {"principal": 302, "moral": 302, "moral_a": 302, "parent_a": 403, "other_parent": 403}.get(
        role, 403 if role in RESULTS else 404)
    if action == "questions/" and expected == 302:
        expected = 400  # open already: questions cannot change; the page says why
    data = {"kind": "rating", "text": "再问一个"}
    assert status_of(login, matrix_user(voice_world, role), f"/voice/questionnaires/{survey.pk}/{action}", "post",
                     data) == expected


@pytest.mark.parametrize("role", ROLES)
def test_only_the_bureau_launches_the_term_survey(voice_world, login, role):
    status = status_of(login, matrix_user(voice_world, role), "/voice/questionnaires/term-survey/", "post")
    assert status == (302 if role == "bureau" else 403)
    assert Questionnaire.objects.filter(kind="term_satisfaction").exists() == (role == "bureau")


def test_building_opening_and_closing_a_questionnaire_through_the_pages(voice_world, login):
    w = voice_world
    client = login(w.moral)
    response = client.post("/voice/questionnaires/new/", {
        "title": "四年级社团意向", "targets": [f"grade:{w.grade4.pk}"], "per": "family", "anonymous": "on"})
    assert response.status_code == 302
    q = Questionnaire.objects.get(title="四年级社团意向")
    assert client.post(f"/voice/questionnaires/{q.pk}/questions/", {
        "kind": "multiple", "text": "想参加哪些社团", "choices": "足球\n书法\n\n机器人", "required": "on"}).status_code == 302
    bad = client.post(f"/voice/questionnaires/{q.pk}/questions/", {"kind": "single", "text": "一项", "choices": "是"},
                      HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400 and "at least two choices" in bad.content.decode()
    assert [c.text for c in q.questions.get().choices.all()] == ["足球", "书法", "机器人"]
    assert client.post(f"/voice/questionnaires/{q.pk}/open/").status_code == 302
    q.refresh_from_db()
    assert q.status == "open"
    assert list(SurveyInvitation.objects.filter(questionnaire=q).values_list("user__username", flat=True)) == [
        "parent_a4"]
    assert client.post(f"/voice/questionnaires/{q.pk}/close/").status_code == 302
    q.refresh_from_db()
    assert q.status == "closed"


def test_parent_answers_on_the_page_once_and_sees_it_is_done(voice_world, survey, login):
    w = voice_world
    client = login(w.parent_a)
    page = client.get(f"/voice/questionnaires/{survey.pk}/answer/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Answering for 张小明" in page and 'name="viewport"' in page
    data = {f"q{k}": v for k, v in answers_for(survey, multiple=(0, 2), text="好").items()}
    data["student"] = w.child_a.pk
    assert client.post(f"/voice/questionnaires/{survey.pk}/answer/", data).status_code == 302
    done = client.get(f"/voice/questionnaires/{survey.pk}/answer/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="answer-form"' not in done and "Answered" in done
    assert "cannot be shown to you again" in done
    # A replayed submission stores nothing new.
    client.post(f"/voice/questionnaires/{survey.pk}/answer/", data)
    assert SurveyResponse.objects.count() == 1


def test_bad_answer_on_the_page_is_a_message_and_nothing_is_stored(voice_world, survey, login):
    w = voice_world
    q3 = survey.questions.get(position=3)
    data = {f"q{k}": v for k, v in answers_for(survey).items()}
    data[f"q{q3.pk}"] = "9"
    response = login(w.parent_a).post(f"/voice/questionnaires/{survey.pk}/answer/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_closed_questionnaire_page_says_so_and_refuses_answers(voice_world, survey, login):
    w = voice_world
    services.questionnaire_close(user=w.principal, questionnaire=survey)
    client = login(w.parent_a)
    data = {f"q{k}": v for k, v in answers_for(survey).items()}
    response = client.post(f"/voice/questionnaires/{survey.pk}/answer/", data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 409
    assert "问卷已结束" in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_results_page_shows_figures_by_school(voice_world, survey, login):
    w = voice_world
    services.survey_answer(user=w.parent_a, questionnaire=survey, answers=answers_for(survey, rating=4),
                           student=w.child_a)
    body = login(w.principal).get(f"/voice/questionnaires/{survey.pk}/results/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert w.school_a.name in body and "75.0" in body
    assert "50.0" in body  # response rate: 1 of 2 children answered


# --- query counts ---------------------------------------------------------------------------------

def _many_parents(w, n, homeroom_class):
    pairs = []
    for i in range(n):
        child = StudentFactory(homeroom_class=homeroom_class)
        parent = UserFactory(username=f"many{homeroom_class.pk}_{i}")
        GuardianshipFactory(guardian=parent, student=child)
        pairs.append((parent, child))
    return pairs


@pytest.mark.parametrize("rows", [5, 50])
def test_results_page_query_count_does_not_grow_with_answers(voice_world, login, django_assert_num_queries, rows):
    w = voice_world
    pairs = _many_parents(w, rows // 2, w.class_a) + _many_parents(w, rows - rows // 2, w.class_b)
    q = services.questionnaire_create(author=w.bureau, title="全市", rules=[services.Rule("city")], per="child")
    for kind, choices in (("single", ["甲", "乙"]), ("multiple", ["丙", "丁"]), ("rating", []), ("text", [])):
        services.question_add(user=w.bureau, questionnaire=q, kind=kind, text=kind, choices=choices)
    services.questionnaire_open(user=w.bureau, questionnaire=q)
    for i, (parent, child) in enumerate(pairs):
        services.survey_answer(user=parent, questionnaire=q, student=child,
                               answers=answers_for(q, single=i % 2, multiple=(0, 1), rating=1 + i % 5, text=f"意见{i}"))
    assert SurveyResponse.objects.count() == rows
    client = login(w.bureau)
    with django_assert_num_queries(16):
        assert client.get(f"/voice/questionnaires/{q.pk}/results/").status_code == 200
    with django_assert_num_queries(6):
        assert client.get(f"/voice/questionnaires/{q.pk}/written-answers/").status_code == 200


@pytest.mark.parametrize("rows", [5, 50])
def test_announcement_pages_query_count_does_not_grow(voice_world, login, django_assert_num_queries, rows):
    w = voice_world
    _many_parents(w, rows, w.class_a)
    for i in range(rows):
        a = services.announcement_publish(author=w.principal, title=f"通知{i}", body="x", must_read=True,
                                          rules=[services.Rule("class", (w.class_a.pk,))])
    client = login(w.principal)
    with django_assert_num_queries(8):
        assert client.get("/voice/announcements/").status_code == 200
    with django_assert_num_queries(10):
        assert client.get(f"/voice/announcements/{a.pk}/").status_code == 200


@pytest.mark.time_machine(IN_TERM)  # the workbench badges of the menu read the term of the day
@pytest.mark.parametrize("rows", [5, 50])
def test_questionnaire_list_query_count_does_not_grow(voice_world, login, django_assert_num_queries, rows):
    w = voice_world
    for i in range(rows):
        services.questionnaire_create(author=w.principal, title=f"问卷{i}", rules=[services.Rule("class", (w.class_a.pk,))])
    client = login(w.principal)
    with django_assert_num_queries(9):
        assert client.get("/voice/questionnaires/").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_only_the_bureau_and_school_offices_may_build_questionnaires(voice_world, login, role):
    assert status_of(login, matrix_user(voice_world, role), "/voice/questionnaires/new/") == (
        200 if role in PUBLISHERS else 403)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_opens_a_draft(voice_world, login, role):
    w = voice_world
    draft = services.questionnaire_create(author=w.principal, title="草稿问卷", rules=[services.Rule("school", (w.school_a.pk,))])
    services.question_add(user=w.principal, questionnaire=draft, kind="rating", text="满意度")
    # A draft has no invitations yet: only its school's offices (and the bureau, read-only) see it.
    expected = {"principal": 302, "moral": 302, "moral_a": 302, "bureau": 403}.get(role, 404)
    assert status_of(login, matrix_user(w, role), f"/voice/questionnaires/{draft.pk}/open/", "post") == expected
    draft.refresh_from_db()
    assert (draft.status == "open") == (expected == 302)


@pytest.mark.parametrize("data", [
    {"title": "", "targets": ["class:{a}"], "per": "child"},
    {"title": "t", "targets": [], "per": "child"},
    {"title": "t", "targets": ["class:{a}"], "per": "weekly"},
    {"title": "t", "targets": ["class:{b}"], "per": "child"},
])
def test_bad_questionnaire_input_gets_a_message_and_changes_nothing(voice_world, login, data):
    w = voice_world
    data = {**data, "targets": [t.format(a=w.class_a.pk, b=w.class_b.pk) for t in data["targets"]]}
    response = login(w.principal).post("/voice/questionnaires/new/", data)
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    assert not Questionnaire.objects.exists()


def test_malformed_ids_and_filters_are_404_or_ignored(voice_world, survey, login):
    client = login(voice_world.bureau)
    assert client.get("/voice/questionnaires/999999/results/").status_code == 404
    assert client.get("/voice/announcements/999999/").status_code == 404
    assert client.get(f"/voice/questionnaires/{survey.pk}/results/?school=abc&district=-1&page=zz").status_code == 200
    assert client.get("/voice/announcements/?page=zz").status_code == 200
