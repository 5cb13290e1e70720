"""督办 (issue 21, item 4): the bureau or the incident's district asks the school's principal about an
escalated incident with a deadline; the principal answers; the requester closes. open → answered →
closed, on the incident's timeline with who and when, a notice to the principal, scoped to the
bureau, the incident's district and the school (anyone else 404)."""
import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import override

from notices.models import Notification
from safety import services
from safety.models import FollowUpAnswer, FollowUpRequest, IncidentType, Severity
from shahe_afterschool.errors import ConflictError, DomainError
from tests.factories import Role, UserFactory, give_role

from .factories import report

pytestmark = pytest.mark.django_db
S = FollowUpRequest.Status
ASK = "请于 30 分钟内报告学生下落"


def missing_child(world):
    return report(world, type=IncidentType.MISSING_CHILD, severity=Severity.SERIOUS, description="点名时发现一名学生未到")


@pytest.fixture
def escalated(safety):
    incident = missing_child(safety)
    assert incident.escalated_at
    return incident


def open_request(world, incident, *, by=None, minutes=30, text=ASK):
    return services.follow_up_request_open(user=by or world.bureau, incident=incident, text=text,
                                           due_in_minutes=minutes)


# --- the state machine --------------------------------------------------------------------------
def test_open_answer_close_with_history_notices_and_timeline(safety, escalated, django_capture_on_commit_callbacks,
                                                             login):
    with django_capture_on_commit_callbacks(execute=True):
        request = open_request(safety, escalated)
    assert request.status == S.OPEN and request.school_id == safety.school_a.pk
    assert request.due_at - request.requested_at == datetime.timedelta(minutes=30)
    notice = Notification.objects.get(recipient=safety.principal, kind="safety.follow_up_request")
    assert notice.must_read and ASK in notice.body and notice.link.endswith("#follow-up-requests")
    # the task runs twice (acks_late): still one notice
    services.follow_up_request_notify(request_id=request.pk)
    assert Notification.objects.filter(kind="safety.follow_up_request").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.follow_up_request_answer(user=safety.principal, request=request, text="已在体育馆找到，家长已接走。")
    request.refresh_from_db()
    assert request.status == S.ANSWERED and request.answered_at and not request.answered_late
    assert Notification.objects.filter(recipient=safety.bureau, kind="safety.follow_up_answered").count() == 1
    # a second answer while it is not closed
    services.follow_up_request_answer(user=safety.principal, request=request, text="补充：已调取监控。")
    assert FollowUpAnswer.objects.filter(request=request).count() == 2

    closed = services.follow_up_request_close(user=safety.bureau, request=request, note="情况清楚，办结。")
    assert closed.status == S.CLOSED and closed.closed_by == safety.bureau and closed.closed_at
    statuses = [h.status for h in closed.history.order_by("history_date", "history_id")]
    assert [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s] == [S.OPEN, S.ANSWERED, S.CLOSED]

    # the incident's page: the request, both answers and the closing on the timeline, with who
    page = login(safety.bureau).get(f"/safety/incidents/{escalated.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    timeline = html[html.index('data-testid="incident-timeline"'):]
    for text in (ASK, "已在体育馆找到", "补充：已调取监控", "情况清楚，办结", safety.bureau.name, safety.principal.name):
        assert text in timeline
    assert timeline.index(ASK) < timeline.index("已在体育馆找到") < timeline.index("情况清楚，办结")


def test_closed_takes_no_answer_and_cannot_close_again(safety, escalated):
    request = open_request(safety, escalated)
    services.follow_up_request_answer(user=safety.principal, request=request, text="已找到")
    services.follow_up_request_close(user=safety.bureau, request=request)
    with override("en"):
        with pytest.raises(ConflictError) as exc:
            services.follow_up_request_answer(user=safety.principal, request=request, text="再补充")
        assert "closed" in str(exc.value.message)
    with pytest.raises(ConflictError):
        services.follow_up_request_close(user=safety.bureau, request=request, note="again")
    assert FollowUpAnswer.objects.count() == 1


def test_closing_an_unanswered_request_needs_a_note(safety, escalated):
    request = open_request(safety, escalated)
    with pytest.raises(DomainError) as exc:
        services.follow_up_request_close(user=safety.bureau, request=request, note="  ")
    assert exc.value.field == "note"
    assert FollowUpRequest.objects.get().status == S.OPEN
    services.follow_up_request_close(user=safety.bureau, request=request, note="电话已了解，撤回督办。")
    assert FollowUpRequest.objects.get().status == S.CLOSED


def test_overdue_flag_and_late_answer(safety, escalated):
    request = open_request(safety, escalated, minutes=15)
    assert not request.is_overdue
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=20)):
        request.refresh_from_db()
        assert request.is_overdue
        services.follow_up_request_answer(user=safety.principal, request=request, text="已找到")
        request.refresh_from_db()
        assert not request.is_overdue and request.answered_late


# --- who may do what ------------------------------------------------------------------------------
def test_the_incidents_district_may_open_and_close_another_district_may_not(safety, escalated):
    request = open_request(safety, escalated, by=safety.district)
    assert request.requested_by == safety.district
    with pytest.raises(PermissionDenied):
        open_request(safety, escalated, by=safety.district_b_user)
    services.follow_up_request_answer(user=safety.principal, request=request, text="已找到")
    with pytest.raises(PermissionDenied):
        services.follow_up_request_close(user=safety.district_b_user, request=request)
    services.follow_up_request_close(user=safety.district, request=request)


@pytest.mark.parametrize("who", ["principal", "homeroom", "teacher_a", "principal_b", "parent_a"])
def test_school_staff_and_others_do_not_open_a_request(safety, escalated, who):
    with pytest.raises(PermissionDenied):
        open_request(safety, escalated, by=getattr(safety, who))
    assert not FollowUpRequest.objects.exists()


@pytest.mark.parametrize("who", ["bureau", "district", "homeroom", "teacher_a", "principal_b", "moral"])
def test_only_the_principal_of_the_incidents_school_answers(safety, escalated, who):
    if who == "moral":
        safety.moral = UserFactory()
        give_role(safety.moral, Role.MORAL_ED, school=safety.school_a)
    request = open_request(safety, escalated)
    with pytest.raises(PermissionDenied):
        services.follow_up_request_answer(user=getattr(safety, who), request=request, text="已找到")
    assert FollowUpRequest.objects.get().status == S.OPEN and not FollowUpAnswer.objects.exists()


def test_only_an_escalated_open_incident_gets_a_request(safety):
    minor = report(safety)  # general injury: not escalated
    with override("en"):
        with pytest.raises(ConflictError) as exc:
            open_request(safety, minor)
        assert "escalated" in str(exc.value.message)
    incident = missing_child(safety)
    services.incident_transition(incident=incident, user=safety.principal, to="reviewing")
    services.incident_transition(incident=incident, user=safety.principal, to="closed", summary="已找到")
    with pytest.raises(ConflictError):
        open_request(safety, incident)
    assert not FollowUpRequest.objects.exists()


@pytest.mark.parametrize(("text", "minutes", "field"), [
    ("", 30, "text"), ("   ", 30, "text"), ("x" * 2001, 30, "text"), (ASK, 0, "due_in_minutes"),
    (ASK, 4, "due_in_minutes"), (ASK, 10081, "due_in_minutes"), (ASK, "半小时", "due_in_minutes"),
    (ASK, None, "due_in_minutes"),
])
def test_bad_input_is_refused_with_the_field_and_nothing_written(safety, escalated, text, minutes, field):
    with pytest.raises(DomainError) as exc:
        open_request(safety, escalated, text=text, minutes=minutes)
    assert exc.value.field == field
    assert not FollowUpRequest.objects.exists()


# --- pages and API: scoping, bad input ------------------------------------------------------------
def test_api_flow_and_scoping(safety, escalated, api):
    r = api.as_user(safety.bureau).post("/api/v1/follow-up-requests/",
                                        {"incident": escalated.pk, "text": ASK, "due_in_minutes": 30}, format="json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["status"] == "open" and r.json()["overdue"] is False

    seen = {"bureau": 200, "district": 200, "principal": 200, "district_b_user": 404, "principal_b": 404,
            "homeroom": 404, "teacher_a": 404, "parent_a": 404, "teacher_b": 404}
    for who, status in seen.items():
        client = api.as_user(getattr(safety, who))
        assert client.get(f"/api/v1/follow-up-requests/{pk}/").status_code == status, who
        listed = client.get("/api/v1/follow-up-requests/").json()["count"]
        assert listed == (1 if status == 200 else 0), who

    client = api.as_user(safety.principal_b)
    assert client.post(f"/api/v1/follow-up-requests/{pk}/answer/", {"text": "x"}, format="json").status_code == 404
    client = api.as_user(safety.district)  # sees it, may not answer
    assert client.post(f"/api/v1/follow-up-requests/{pk}/answer/", {"text": "x"}, format="json").status_code == 403
    client = api.as_user(safety.principal)
    r = client.post(f"/api/v1/follow-up-requests/{pk}/answer/", {"text": ""}, format="json",
                    HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 400 and "text" in r.json()
    r = client.post(f"/api/v1/follow-up-requests/{pk}/answer/", {"text": "已找到，家长已接走。"}, format="json")
    assert r.status_code == 201 and r.json()["status"] == "answered" and len(r.json()["answers"]) == 1
    assert client.post(f"/api/v1/follow-up-requests/{pk}/close/", {}, format="json").status_code == 403
    r = api.as_user(safety.bureau).post(f"/api/v1/follow-up-requests/{pk}/close/", {"note": "办结"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = api.as_user(safety.bureau).post(f"/api/v1/follow-up-requests/{pk}/close/", {"note": "办结"}, format="json")
    assert r.status_code == 409


def test_api_bad_input(safety, escalated, api):
    client = api.as_user(safety.bureau)
    for body, status in [
        ({"incident": escalated.pk, "text": ASK, "due_in_minutes": 2}, 400),
        ({"incident": escalated.pk, "text": ASK}, 400),
        ({"incident": "abc", "text": ASK, "due_in_minutes": 30}, 400),
        ({"incident": 999999, "text": ASK, "due_in_minutes": 30}, 404),
        ({"incident": escalated.pk, "text": "", "due_in_minutes": 30}, 400),
    ]:
        r = client.post("/api/v1/follow-up-requests/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert r.status_code == status, (body, r.content)
    # a non-escalated incident of school_b: the bureau does not see it (404); of its own school's
    # incident the principal sees it but may not open a request (403)
    other = report(safety, school=safety.school_b, user=safety.teacher_b, children=[safety.child_b])
    assert client.post("/api/v1/follow-up-requests/", {"incident": other.pk, "text": ASK, "due_in_minutes": 30},
                       format="json").status_code == 404
    r = api.as_user(safety.principal).post("/api/v1/follow-up-requests/",
                                           {"incident": escalated.pk, "text": ASK, "due_in_minutes": 30}, format="json")
    assert r.status_code == 403
    assert api.as_user(safety.bureau).get("/api/v1/follow-up-requests/?incident=abc").json()["count"] == 0
    assert not FollowUpRequest.objects.exists()


def test_pages_open_answer_close_and_list(safety, escalated, login_as):
    bureau = login_as(safety.bureau)
    page = bureau.get(f"/safety/incidents/{escalated.pk}/").content.decode()
    assert 'data-testid="follow-up-request-form"' in page
    r = bureau.post(f"/safety/incidents/{escalated.pk}/follow-up-requests/", {"text": ASK, "due_in_minutes": "30"})
    assert r.status_code == 302 and r.url.endswith("#follow-up-requests")
    request = FollowUpRequest.objects.get()
    # a bad deadline: a message, nothing written
    bureau.post(f"/safety/incidents/{escalated.pk}/follow-up-requests/", {"text": ASK, "due_in_minutes": "7"})
    assert FollowUpRequest.objects.count() == 1

    principal = login_as(safety.principal)
    page = principal.get(f"/safety/incidents/{escalated.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ASK in page and f"/safety/follow-up-requests/{request.pk}/answer/" in page
    assert 'data-testid="follow-up-request-form"' not in page  # the school does not open requests
    principal.post(f"/safety/follow-up-requests/{request.pk}/answer/", {"text": "已找到"})
    assert FollowUpRequest.objects.get().status == S.ANSWERED
    listing = principal.get("/safety/follow-up-requests/").content.decode()
    assert listing.count('data-testid="follow-up-row"') == 1

    # out of scope: 404 for the pages and the posts
    other = login_as(safety.principal_b)
    assert other.post(f"/safety/follow-up-requests/{request.pk}/answer/", {"text": "x"}).status_code == 404
    assert other.get("/safety/follow-up-requests/").content.decode().count('data-testid="follow-up-row"') == 0
    district_b = login_as(safety.district_b_user)
    assert district_b.post(f"/safety/follow-up-requests/{request.pk}/close/", {"note": "x"}).status_code == 404
    assert district_b.post(f"/safety/incidents/{escalated.pk}/follow-up-requests/",
                           {"text": ASK, "due_in_minutes": "30"}).status_code == 404
    teacher = login_as(safety.teacher_a)  # sees the incident, not the 督办
    page = teacher.get(f"/safety/incidents/{escalated.pk}/").content.decode()
    assert ASK not in page
    assert teacher.post(f"/safety/follow-up-requests/{request.pk}/answer/", {"text": "x"}).status_code == 404
    assert teacher.get("/safety/follow-up-requests/").status_code == 403

    bureau.post(f"/safety/follow-up-requests/{request.pk}/close/", {"note": ""})
    assert FollowUpRequest.objects.get().status == S.CLOSED
