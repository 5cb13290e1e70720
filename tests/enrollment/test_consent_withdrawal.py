"""Issue #17 item 9: refusing (or withdrawing) consent to the privacy notice stops the processing of
the child: the open application is withdrawn whatever its state, with the reason in its history and
explanation (seen by the family and the school), a seat it held goes to the waiting list, no review
or allocation picks it up again, and no new application is accepted while the refusal stands."""
import pytest

from enrollment import services
from enrollment.models import REASON_CONSENT_REFUSED, Application, ApplicationTransition
from enrollment.selectors import explanation_text
from notices.models import Notification
from privacy import services as privacy_services
from shahe_afterschool.errors import ConflictError
from tests.factories import GuardianshipFactory, UserFactory

from .factories import child_with_parent

pytestmark = pytest.mark.django_db
S = Application.Status


def refuse(child, guardian):
    return privacy_services.consent_record(student=child, guardian=guardian, decision="refused")


def _in_state(enr, state):
    """child_a's application in `state` (the group has two seats; two others fill them for waitlisted)."""
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    if state == S.SUBMITTED:
        return app
    if state == S.WAITLISTED:
        for name in ("甲", "乙"):
            child, parent = child_with_parent(w.class_a, name=name)
            enr.approve(enr.apply(child, parent))
        services.allocation_run(school=w.school_a, term=w.term, by=w.principal)
    enr.approve(app)
    if state != S.CLASS_REVIEWED:
        services.allocation_run(school=w.school_a, term=w.term, by=w.principal)
    app.refresh_from_db()
    assert app.status == state
    return app


@pytest.mark.parametrize("state", [S.SUBMITTED, S.CLASS_REVIEWED, S.WAITLISTED, S.PLACED])
def test_refusing_consent_withdraws_the_open_application_with_the_reason(enr, state,
                                                                         django_capture_on_commit_callbacks):
    w = enr.world
    app = _in_state(enr, state)
    with django_capture_on_commit_callbacks(execute=True):
        consent = refuse(w.child_a, w.parent_a)
    app.refresh_from_db()
    assert app.status == S.WITHDRAWN and app.waitlist_position is None
    last = ApplicationTransition.objects.filter(application=app).last()
    assert (last.from_status, last.to_status, last.by, last.reason) == (state, S.WITHDRAWN, w.parent_a,
                                                                        REASON_CONSENT_REFUSED)
    assert "refused consent to the privacy notice" in explanation_text(app, show_priority=False)
    assert not app.placements.filter(active=True).exists()
    notice = Notification.objects.get(recipient=w.parent_a, kind="enrollment.withdrawn")
    assert "拒绝同意" in notice.body  # notices are written in the site language
    assert consent.stopped == [f"The application for {w.child_a.name} was withdrawn"]
    # Its processing stops: the allocation and the review never take it up again.
    services.allocation_run(school=w.school_a, term=w.term, by=w.principal)
    app.refresh_from_db()
    assert app.status == S.WITHDRAWN
    with pytest.raises(ConflictError):
        services.application_review(application=app, by=w.homeroom, decision="approve")


def test_the_seat_freed_goes_to_the_first_waiting_child(enr):
    w = enr.world
    enr.group.capacity = 1
    enr.group.save()
    app = enr.apply(w.child_a, w.parent_a)
    enr.approve(app)
    other, other_parent = child_with_parent(w.class_a, name="丙")
    waiting = enr.apply(other, other_parent)
    enr.approve(waiting)
    services.allocation_run(school=w.school_a, term=w.term, by=w.principal)
    waiting.refresh_from_db()
    assert waiting.status == S.WAITLISTED
    refuse(w.child_a, w.parent_a)
    waiting.refresh_from_db()
    assert waiting.status == S.PLACED
    placement = Application.objects.get(pk=app.pk).placements.get()
    assert placement.end_reason == REASON_CONSENT_REFUSED and not placement.active


def test_another_guardians_refusal_withdraws_it_and_blocks_a_new_application(enr):
    w = enr.world
    second = UserFactory()
    GuardianshipFactory(guardian=second, student=w.child_a)  # consents, as every guardian here
    app = enr.apply(w.child_a, w.parent_a)
    refuse(w.child_a, second)
    app.refresh_from_db()
    assert app.status == S.WITHDRAWN
    with pytest.raises(ConflictError) as refused:
        enr.apply(w.child_a, w.parent_a)
    assert refused.value.field == "consent" and "refused consent" in str(refused.value.message)
    assert Application.objects.filter(student=w.child_a).count() == 1
    # Once that guardian consents again, the family may apply again.
    privacy_services.consent_record(student=w.child_a, guardian=second, decision="given")
    assert enr.apply(w.child_a, w.parent_a).status == S.SUBMITTED


def test_giving_consent_or_refusing_without_an_application_changes_nothing(enr):
    w = enr.world
    other_app = enr.apply(w.child_a2, w.other_parent)
    consent = refuse(w.child_a, w.parent_a)
    assert consent.stopped == []
    other_app.refresh_from_db()
    assert other_app.status == S.SUBMITTED  # another child's application is untouched
    app_count = ApplicationTransition.objects.count()
    privacy_services.consent_record(student=w.child_a, guardian=w.parent_a, decision="given")
    assert ApplicationTransition.objects.count() == app_count


def test_refusal_on_the_consent_page_withdraws_and_family_and_school_see_why(enr, login_as, api):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    parent = login_as(w.parent_a)
    response = parent.post(f"/privacy/consent/{w.child_a.pk}/", {"decision": "refused"}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "Your refusal" in page and f"The application for {w.child_a.name} was withdrawn" in page
    app.refresh_from_db()
    assert app.status == S.WITHDRAWN
    # The family and the homeroom teacher: the application's page shows the reason in its history...
    for user in (w.parent_a, w.homeroom):
        detail = login_as(user).get(f"/enrollment/applications/{app.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        assert detail.status_code == 200
        assert "a guardian refused consent to the privacy notice" in detail.content.decode()
        chinese = login_as(user).get(f"/enrollment/applications/{app.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert "拒绝同意" in chinese.content.decode()
    # ... and the API's explanation says it, in either language.
    for user in (w.parent_a, w.homeroom):
        data = api.as_user(user).get(f"/api/v1/applications/{app.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
        assert data["status"] == "withdrawn" and "refused consent" in data["explanation"]
        data = api.as_user(user).get(f"/api/v1/applications/{app.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
        assert "拒绝同意" in data["explanation"]


def test_a_new_application_through_the_api_is_refused_while_a_refusal_stands(enr, api):
    w = enr.world
    second = UserFactory()
    GuardianshipFactory(guardian=second, student=w.child_a)
    refuse(w.child_a, second)
    response = api.as_user(w.parent_a).post("/api/v1/applications/", {
        "student": w.child_a.pk, "sessions": ["after_school"], "weekdays": [1, 2], "letter": enr.letter_a.pk,
        "letter_acknowledged": True}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 409
    assert "拒绝" in response.json()["consent"][0]
    assert not Application.objects.exists()
