"""No enrollment without the guardian's consent to the privacy notice (PIPL): the service, the page
and the API refuse the application with a clear message and write nothing."""
import pytest

from accounts.models import AuditEvent
from enrollment import services
from enrollment.models import Application, ApplicationTransition, LetterAcknowledgement, PriorityClaim
from notices.models import Notification
from privacy import services as privacy_services
from privacy.models import GuardianConsent
from shahe_afterschool.errors import ConflictError

pytestmark = pytest.mark.django_db


def _withdraw_consent(w, *, refuse: bool):
    if refuse:
        privacy_services.consent_record(student=w.child_a, guardian=w.parent_a, decision="refused")
    else:
        GuardianConsent.objects.filter(student=w.child_a).delete()
    assert not privacy_services.consent_given(w.child_a, w.parent_a)


def _nothing_written():
    assert not Application.objects.exists()
    assert not ApplicationTransition.objects.exists()
    assert not PriorityClaim.objects.exists()
    assert not LetterAcknowledgement.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize("refuse", [False, True], ids=["never-asked", "refused"])
def test_service_refuses_without_consent(enr, refuse, django_capture_on_commit_callbacks):
    w = enr.world
    _withdraw_consent(w, refuse=refuse)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ConflictError) as exc:
        services.application_submit(by=w.parent_a, student=w.child_a, term=w.term, sessions=["after_school"],
                                    weekdays=[1, 2], letter=enr.letter_a, letter_acknowledged=True,
                                    priority_claims=[("dual_working", "双职工")])
    assert exc.value.field == "consent" and "consent" in str(exc.value.message)
    _nothing_written()


def test_service_accepts_once_the_guardian_consents(enr):
    w = enr.world
    _withdraw_consent(w, refuse=True)
    privacy_services.consent_record(student=w.child_a, guardian=w.parent_a, decision="given")
    app = enr.apply(w.child_a, w.parent_a)
    assert app.status == Application.Status.SUBMITTED


def test_apply_page_links_to_consent_and_refuses_without_it(enr, login_as):
    w = enr.world
    services.letter_acknowledge(letter=enr.letter_a, guardian=w.parent_a)
    client = login_as(w.parent_a)
    page = client.get(f"/enrollment/apply/{w.child_a.pk}/").content.decode()
    assert 'href="/privacy/consent/"' in page and 'data-testid="consent-missing"' not in page
    LetterAcknowledgement.objects.all().delete()
    _withdraw_consent(w, refuse=False)
    services.letter_acknowledge(letter=enr.letter_a, guardian=w.parent_a)
    page = client.get(f"/enrollment/apply/{w.child_a.pk}/").content.decode()
    assert 'data-testid="consent-missing"' in page and 'href="/privacy/consent/"' in page
    response = client.post(f"/enrollment/apply/{w.child_a.pk}/", {
        "sessions": ["after_school"], "weekdays": ["1"], "pickup_plan": "guardian"}, follow=True,
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "give your consent" in response.content.decode()
    assert not Application.objects.exists()
    # in Chinese too
    response = client.post(f"/enrollment/apply/{w.child_a.pk}/", {
        "sessions": ["after_school"], "weekdays": ["1"], "pickup_plan": "guardian"}, follow=True,
        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "同意" in response.content.decode()
    assert not Application.objects.exists()


def test_api_refuses_without_consent_with_409_and_writes_nothing(enr, api):
    w = enr.world
    _withdraw_consent(w, refuse=True)
    before = AuditEvent.objects.count()
    response = api.as_user(w.parent_a).post("/api/v1/applications/", {
        "student": w.child_a.pk, "sessions": ["after_school"], "weekdays": [1, 2],
        "priority_groups": [{"group": "dual_working", "note": "双职工"}], "letter": enr.letter_a.pk,
        "letter_acknowledged": True}, format="json", HTTP_IDEMPOTENCY_KEY="consent-1")
    assert response.status_code == 409, response.content
    assert "consent" in str(response.json())
    _nothing_written()
    from enrollment.models import IdempotencyRecord

    assert not IdempotencyRecord.objects.exists()
    assert AuditEvent.objects.count() == before


def test_another_guardians_consent_does_not_stand_in_for_the_applicant(enr):
    """The guardian who applies must have consented themselves."""
    from tests.factories import GuardianshipFactory, UserFactory

    w = enr.world
    second = UserFactory()
    GuardianshipFactory(guardian=second, student=w.child_a)
    GuardianConsent.objects.filter(student=w.child_a, guardian=second).delete()
    with pytest.raises(ConflictError):
        services.application_submit(by=second, student=w.child_a, term=w.term, sessions=["noon"], weekdays=[1],
                                    letter=enr.letter_a, letter_acknowledged=True)
    assert not Application.objects.exists()
