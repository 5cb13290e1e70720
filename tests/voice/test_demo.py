"""The demo of issue 9: the term survey is open to every demo school, some parents have answered
but not parent1, who answers it on the phone page; the bureau reads the results by school and
downloads them."""
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from schools.models import School
from voice.models import Announcement, Questionnaire, SurveyInvitation, SurveyResponse

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def clubs_catalogue(transactional_db):
    """A transactional test run before this one on the same worker flushes every table, the clubs
    catalogue (loaded by a data migration) included; the demo's clubs need it. Idempotent."""
    import importlib

    from django.apps import apps

    importlib.import_module("clubs.migrations.0002_catalogue").load(apps, None)


def test_demo_survey_flow(client):
    call_command("seed_demo", verbosity=0)
    User = get_user_model()
    parent1 = User.objects.get(username="parent1")
    survey = Questionnaire.objects.get(kind=Questionnaire.Kind.TERM_SATISFACTION)
    assert survey.status == "open"
    assert set(survey.invitations.values_list("school_id", flat=True)) == set(School.objects.values_list("pk", flat=True))
    assert SurveyResponse.objects.filter(questionnaire=survey).count() > 20
    mine = SurveyInvitation.objects.get(questionnaire=survey, user=parent1)
    assert mine.answered_on is None
    assert Announcement.objects.filter(school__isnull=True).exists()
    assert Announcement.objects.filter(school__code="S001", must_read=True).exists()
    assert parent1.notifications.filter(kind="voice.announcement").count() == 2
    assert parent1.notifications.filter(kind="voice.questionnaire").count() == 1

    assert client.post("/accounts/login/", {"username": "parent1", "password": "shahe-demo-2026"}).status_code == 302
    page = client.get(f"/voice/questionnaires/{survey.pk}/answer/")
    assert page.status_code == 200
    data = {f"q{q.pk}": "4" for q in survey.questions.filter(kind="rating")}
    data["student"] = mine.student_id
    before = SurveyResponse.objects.count()
    assert client.post(f"/voice/questionnaires/{survey.pk}/answer/", data).status_code == 302
    assert SurveyResponse.objects.count() == before + 1
    client.post("/accounts/logout/")

    assert client.post("/accounts/login/", {"username": "bureau", "password": "shahe-demo-2026"}).status_code == 302
    body = client.get(f"/voice/questionnaires/{survey.pk}/results/").content.decode()
    for school in School.objects.all():
        assert school.name in body
    export = client.get(f"/voice/questionnaires/{survey.pk}/results.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    client.post("/accounts/logout/")

    notice = Announcement.objects.get(school__code="S001", must_read=True)
    assert client.post("/accounts/login/", {"username": "homeroom1", "password": "shahe-demo-2026"}).status_code == 302
    body = client.get(f"/voice/announcements/{notice.pk}/").content.decode()
    assert 'data-testid="unread"' in body and parent1.name in body
