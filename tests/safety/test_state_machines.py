"""The incident's open → reviewing → closed and the rectification item's
open → responded → accepted | reopened, with forbidden moves refused clearly."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import override

from notices.models import Notification
from safety import services
from safety.models import Incident, RectificationItem
from shahe_afterschool.errors import ConflictError, DomainError

from .factories import add_item, inspect, report

pytestmark = pytest.mark.django_db
S = Incident.Status
R = RectificationItem.Status


def test_incident_goes_open_reviewing_closed_with_a_summary(safety):
    incident = report(safety)
    assert incident.status == S.OPEN
    incident = services.incident_transition(incident=incident, user=safety.principal, to=S.REVIEWING)
    incident = services.incident_transition(incident=incident, user=safety.principal, to=S.CLOSED,
                                            summary="家长已确认，孩子无碍。")
    assert incident.status == S.CLOSED and incident.closed_at and incident.closing_summary
    statuses = [h.status for h in incident.history.order_by("history_date", "history_id")]
    assert [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s] == [S.OPEN, S.REVIEWING, S.CLOSED]


@pytest.mark.parametrize(("path", "to"), [
    ([], S.CLOSED),             # open cannot skip review
    ([], S.OPEN),
    ([S.REVIEWING], S.OPEN),
    ([S.REVIEWING, S.CLOSED], S.REVIEWING),  # closed is final
    ([S.REVIEWING, S.CLOSED], S.OPEN),
])
def test_forbidden_incident_transitions_are_refused_with_a_message(safety, path, to):
    incident = report(safety)
    for state in path:
        incident = services.incident_transition(incident=incident, user=safety.principal, to=state, summary="完")
    with override("en"), pytest.raises(ConflictError) as exc:
        services.incident_transition(incident=incident, user=safety.principal, to=to, summary="完")
    assert "cannot become" in str(exc.value.message)
    incident.refresh_from_db()
    assert incident.status == (path[-1] if path else S.OPEN)


def test_closing_without_summary_is_refused(safety):
    incident = services.incident_transition(incident=report(safety), user=safety.principal, to=S.REVIEWING)
    with pytest.raises(DomainError) as exc:
        services.incident_transition(incident=incident, user=safety.principal, to=S.CLOSED, summary="  ")
    assert exc.value.field == "summary"
    assert Incident.objects.get().status == S.REVIEWING


def test_only_school_leads_move_an_incident(safety):
    incident = report(safety)
    for user in (safety.teacher_a, safety.homeroom, safety.bureau, safety.parent_a, safety.principal_b):
        with pytest.raises(PermissionDenied):
            services.incident_transition(incident=incident, user=user, to=S.REVIEWING)


def test_a_closed_incident_cannot_be_edited_but_takes_follow_ups(safety):
    incident = report(safety)
    services.incident_transition(incident=incident, user=safety.principal, to=S.REVIEWING)
    services.incident_transition(incident=incident, user=safety.principal, to=S.CLOSED, summary="完")
    with pytest.raises(ConflictError):
        services.incident_update(incident=incident, user=safety.principal, description="改")
    services.incident_add_follow_up(incident=incident, user=safety.homeroom, text="家长来电致谢")
    assert incident.follow_ups.count() == 1


def test_api_transition_forbidden_is_409_and_not_allowed_is_403(safety, api):
    incident = report(safety)
    r = api.as_user(safety.principal).post(f"/api/v1/incidents/{incident.pk}/transition/", {"to": "closed"},
                                           format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 409 and "cannot become" in r.json()["detail"]
    r = api.as_user(safety.principal).post(f"/api/v1/incidents/{incident.pk}/transition/", {"to": "done"},
                                           format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and r.json() == {"to": ["Unknown status."]}
    r = api.as_user(safety.teacher_a).post(f"/api/v1/incidents/{incident.pk}/transition/", {"to": "reviewing"},
                                           format="json")
    assert r.status_code == 403
    r = api.as_user(safety.principal).post(f"/api/v1/incidents/{incident.pk}/transition/", {"to": "reviewing"},
                                           format="json")
    assert r.status_code == 200 and r.json()["status"] == "reviewing"


# --- rectification items ----------------------------------------------------------------------
def test_item_open_responded_accepted(safety):
    item = add_item(safety, inspect(safety))
    assert item.owner == safety.principal and item.status == R.OPEN
    item = services.rectification_item_respond(item=item, user=safety.principal, response="已清理，并建立巡查制度")
    assert item.status == R.RESPONDED and item.responded_by == safety.principal
    item = services.rectification_item_review(item=item, user=safety.bureau, decision="accept")
    assert item.status == R.ACCEPTED and item.reviewed_by == safety.bureau


def test_item_reopened_then_responded_again(safety):
    item = add_item(safety, inspect(safety))
    item = services.rectification_item_respond(item=item, user=safety.principal, response="已清理")
    item = services.rectification_item_review(item=item, user=safety.bureau, decision="reopen", note="未见巡查记录")
    assert item.status == R.REOPENED
    item = services.rectification_item_respond(item=item, user=safety.principal, response="已补充巡查记录")
    item = services.rectification_item_review(item=item, user=safety.bureau, decision="accept")
    assert [h.status for h in item.history.order_by("history_date")] == [R.OPEN, R.RESPONDED, R.REOPENED,
                                                                          R.RESPONDED, R.ACCEPTED]


def test_forbidden_item_transitions_are_refused(safety):
    item = add_item(safety, inspect(safety))
    with override("en"), pytest.raises(ConflictError) as exc:
        services.rectification_item_review(item=item, user=safety.bureau, decision="accept")
    assert "cannot become" in str(exc.value.message)
    item = services.rectification_item_respond(item=item, user=safety.principal, response="已整改")
    with pytest.raises(ConflictError):
        services.rectification_item_respond(item=item, user=safety.principal, response="再说一次")
    with pytest.raises(DomainError) as exc:
        services.rectification_item_review(item=item, user=safety.bureau, decision="reopen", note="")
    assert exc.value.field == "note"
    item = services.rectification_item_review(item=item, user=safety.bureau, decision="accept")
    for call in (lambda: services.rectification_item_respond(item=item, user=safety.principal, response="x"),
                 lambda: services.rectification_item_review(item=item, user=safety.bureau, decision="reopen",
                                                            note="x")):
        with pytest.raises(ConflictError):
            call()
    item.refresh_from_db()
    assert item.status == R.ACCEPTED


def test_only_the_school_responds_and_only_the_bureau_reviews(safety):
    item = add_item(safety, inspect(safety))
    for user in (safety.bureau, safety.teacher_a, safety.principal_b, safety.district):
        with pytest.raises(PermissionDenied):
            services.rectification_item_respond(item=item, user=user, response="x")
    item = services.rectification_item_respond(item=item, user=safety.principal, response="已整改")
    for user in (safety.principal, safety.district):
        with pytest.raises(PermissionDenied):
            services.rectification_item_review(item=item, user=user, decision="accept")


def test_inspections_are_recorded_by_the_bureau_only(safety):
    with pytest.raises(PermissionDenied):
        services.inspection_record(
            user=safety.principal, school=safety.school_a, inspected_on=timezone.localdate(), inspectors=[],
            scores={"organisation": 1, "staffing": 1, "content": 1, "safety": 1}, findings={})


def test_inspection_scores_out_of_range_are_refused(safety):
    with pytest.raises(DomainError) as exc:
        services.inspection_record(user=safety.bureau, school=safety.school_a, inspected_on=timezone.localdate(),
                                   inspectors=[], scores={"organisation": 26, "staffing": 1, "content": 1,
                                                          "safety": 1}, findings={})
    assert exc.value.field == "score_organisation"


def test_overdue_items_are_flagged_to_the_bureau_once(safety, django_capture_on_commit_callbacks):
    inspection = inspect(safety, days_ago=30)
    late = add_item(safety, inspection, deadline_days=-2)
    add_item(safety, inspection, deadline_days=5)
    assert list(RectificationItem.objects.overdue()) == [late]
    assert late.is_overdue
    assert services.rectification_flag_overdue() == 1
    assert services.rectification_flag_overdue() == 0
    assert Notification.objects.filter(kind="safety.rectification_overdue").get().recipient == safety.bureau
    services.rectification_item_respond(item=late, user=safety.principal, response="已整改")
    assert not RectificationItem.objects.overdue().exists()
    assert services.rectification_flag_overdue(today=timezone.localdate() + datetime.timedelta(days=1)) == 0
