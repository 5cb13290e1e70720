"""The enrollment API: the contract of API.md, scoping for every role, priority claims hidden from
those who may not see them, idempotent retries, bad input, and constant query counts."""
import pytest

from accounts.models import AuditEvent
from enrollment import services
from enrollment.models import Application, IdempotencyRecord
from tests.conftest import ALL_MATRIX_ROLES, OFFICE_ROLES, matrix_user

from .factories import child_with_parent

pytestmark = pytest.mark.django_db


def body(enr, child=None, **kw):
    return {"student": (child or enr.world.child_a).pk, "sessions": ["noon", "after_school"],
            "weekdays": [1, 2, 3, 4, 5], "priority_groups": [{"group": "dual_working", "note": "双职工"}],
            "letter": enr.letter_a.pk, "letter_acknowledged": True, **kw}


def test_letters_current_version_for_school_and_term(enr, api):
    w = enr.world
    v2 = services.letter_publish(school=w.school_a, term=w.term, by=w.principal, title="第二版", service_scope="a",
                                 times="b", content="c", safety_measures="d")
    data = api.as_user(w.parent_a).get(f"/api/v1/letters/?school={w.school_a.pk}&term={w.term.pk}").json()
    assert [(r["id"], r["version"]) for r in data["results"]] == [(v2.pk, 2)]
    assert "a" in data["results"][0]["text"]
    assert api.get("/api/v1/letters/?school=abc").status_code == 400


def test_letters_need_a_signed_in_user(enr, client):
    assert client.get("/api/v1/letters/").status_code in (401, 403)


def test_parent_applies_and_gets_201_with_status(enr, api):
    response = api.as_user(enr.world.parent_a).post("/api/v1/applications/", body(enr), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "submitted" and data["waitlist_position"] is None
    assert data["priority_groups"] == ["dual_working"]
    assert data["letter_version"] == 1


def test_waitlist_position_in_list_and_detail(enr, api):
    w = enr.world
    enr.group.capacity = 0
    enr.group.save()
    app = enr.apply(w.child_a, w.parent_a)
    enr.approve(app)
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    client = api.as_user(w.parent_a)
    listed = client.get("/api/v1/applications/").json()["results"][0]
    assert (listed["status"], listed["waitlist_position"]) == ("waitlisted", 1)
    detail = client.get(f"/api/v1/applications/{app.pk}/").json()
    assert detail["waitlist_position"] == 1 and "1" in detail["explanation"]


def test_idempotency_key_replays_the_first_result_and_writes_nothing_new(enr, api):
    client = api.as_user(enr.world.parent_a)
    first = client.post("/api/v1/applications/", body(enr), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post("/api/v1/applications/", body(enr), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Application.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_idempotency_key_with_a_different_body_is_a_conflict(enr, api):
    client = api.as_user(enr.world.parent_a)
    client.post("/api/v1/applications/", body(enr), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    response = client.post("/api/v1/applications/", body(enr, weekdays=[1]), format="json",
                           HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 409
    assert "不同的请求" in response.json()["detail"]  # zh-hans by default
    assert Application.objects.count() == 1


def test_without_a_key_a_second_post_is_refused_as_a_duplicate(enr, api):
    client = api.as_user(enr.world.parent_a)
    client.post("/api/v1/applications/", body(enr), format="json")
    response = client.post("/api/v1/applications/", body(enr), format="json")
    assert response.status_code == 409
    assert Application.objects.count() == 1


def test_idempotency_keys_are_per_user_and_refusals_are_not_remembered(enr, api):
    w = enr.world
    refused = api.as_user(w.parent_a).post("/api/v1/applications/", body(enr, sessions=[]), format="json",
                                           HTTP_IDEMPOTENCY_KEY="same")
    assert refused.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    ok = api.as_user(w.parent_a).post("/api/v1/applications/", body(enr), format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert ok.status_code == 201
    other = api.as_user(w.other_parent).post("/api/v1/applications/", body(enr, child=w.child_a2), format="json",
                                             HTTP_IDEMPOTENCY_KEY="same")
    assert other.status_code == 201 and other.json()["student"] == w.child_a2.pk


@pytest.mark.parametrize("payload, field", [
    ({"sessions": ["evening"]}, "sessions"),
    ({"weekdays": [0]}, "weekdays"),
    ({"weekdays": "monday"}, "weekdays"),
    ({"student": "x"}, "student"),
    ({"student": 999999}, "student"),
    ({"letter": 999999}, "letter"),
    ({"priority_groups": ["royalty"]}, "priority_groups"),
    ({"letter_acknowledged": False}, "letter_acknowledged"),
    ({"pickup_plan": "flexible"}, "departure_time"),
    ({"departure_time": "25:99", "pickup_plan": "flexible"}, "departure_time"),
])
def test_bad_input_gets_400_or_409_with_a_field_message_and_writes_nothing(enr, api, payload, field):
    response = api.as_user(enr.world.parent_a).post("/api/v1/applications/", body(enr, **payload), format="json")
    assert response.status_code in (400, 409), response.content
    assert field in response.json(), response.json()
    assert not Application.objects.exists()


def test_messages_follow_the_request_language(enr, api):
    client = api.as_user(enr.world.parent_a)
    client.post("/api/v1/applications/", body(enr), format="json")
    response = client.post("/api/v1/applications/", body(enr), format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "已" in response.json()["detail"]


def test_parent_cannot_apply_for_another_parents_child(enr, api):
    response = api.as_user(enr.world.parent_a).post("/api/v1/applications/", body(enr, child=enr.world.child_a2),
                                                    format="json")
    assert response.status_code == 400 and "student" in response.json()
    assert not Application.objects.exists()


def test_homeroom_teacher_cannot_apply_for_a_child(enr, api):
    response = api.as_user(enr.world.homeroom).post("/api/v1/applications/", body(enr), format="json")
    assert response.status_code == 403
    assert not Application.objects.exists()


# --- scoping ----------------------------------------------------------------------------------
SEES_APP_A = {"parent_a", "homeroom", "principal"}
SEES_CLAIMS = {"parent_a", "homeroom", "principal"}


@pytest.mark.parametrize("role", [*ALL_MATRIX_ROLES, "moral"])
def test_application_scoping_and_claims_by_role(enr, api, role):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a, claims=[("left_behind", "父母在外地打工")])
    user = enr.moral if role == "moral" else matrix_user(w, role)
    client = api.as_user(user)
    detail = client.get(f"/api/v1/applications/{app.pk}/")
    listed = client.get("/api/v1/applications/").json()["results"]
    if role in SEES_APP_A or role == "moral" or role in OFFICE_ROLES:  # the offices: counts, not the claims
        assert detail.status_code == 200
        assert [a["id"] for a in listed] == [app.pk]
        data = detail.json()
        assert data["priority_claim_count"] == 1
        if role in SEES_CLAIMS:
            assert data["priority_claims"][0]["note"] == "父母在外地打工"
        else:
            assert data["priority_claims"] is None and data["priority_groups"] is None
            assert "父母在外地打工" not in detail.content.decode()
    else:
        assert detail.status_code == 404
        assert listed == []
        assert "left_behind" not in detail.content.decode()


def test_reading_claim_details_is_audited(enr, api):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a, claims=[("migrant", "")])
    api.as_user(w.homeroom).get(f"/api/v1/applications/{app.pk}/")
    claim = app.claims.get()
    assert AuditEvent.objects.filter(user=w.homeroom, action="read", object_type="enrollment.priorityclaim",
                                     object_id=str(claim.pk)).exists()
    api.as_user(enr.moral).get(f"/api/v1/applications/{app.pk}/")
    assert not AuditEvent.objects.filter(user=enr.moral, object_type="enrollment.priorityclaim").exists()


@pytest.mark.parametrize("role", ["other_parent", "teacher_b", "district", "bureau"])
def test_out_of_scope_actions_are_404(enr, api, role):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    client = api.as_user(getattr(w, role))
    for path, payload in (("withdraw", {}), ("review", {"decision": "approve"})):
        assert client.post(f"/api/v1/applications/{app.pk}/{path}/", payload, format="json").status_code == 404
    app.refresh_from_db()
    assert app.status == "submitted"


def test_review_endpoint(enr, api):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a, claims=[("migrant", "")])
    assert api.as_user(w.parent_a).post(f"/api/v1/applications/{app.pk}/review/", {"decision": "approve"},
                                        format="json").status_code == 403
    client = api.as_user(w.homeroom)
    assert client.post(f"/api/v1/applications/{app.pk}/review/", {"decision": "maybe"},
                       format="json").status_code == 400
    no_reason = client.post(f"/api/v1/applications/{app.pk}/review/", {"decision": "reject"}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    claim = app.claims.get()
    response = client.post(f"/api/v1/applications/{app.pk}/decide-claim/", {"claim": claim.pk, "verified": True},
                           format="json")
    assert response.status_code == 200 and response.json()["priority_claims"][0]["status"] == "verified"
    response = client.post(f"/api/v1/applications/{app.pk}/review/", {"decision": "approve"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "class_reviewed"
    again = client.post(f"/api/v1/applications/{app.pk}/review/", {"decision": "approve"}, format="json")
    assert again.status_code == 409


def test_withdraw_endpoint_frees_the_seat_and_promotes(enr, api):
    w = enr.world
    enr.group.capacity = 1
    enr.group.save()
    a = enr.apply(w.child_a, w.parent_a)
    b = enr.apply(w.child_a2, w.other_parent)
    enr.approve(a)
    enr.approve(b)
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    assert api.as_user(w.homeroom).post(f"/api/v1/applications/{a.pk}/withdraw/").status_code == 403
    response = api.as_user(w.parent_a).post(f"/api/v1/applications/{a.pk}/withdraw/")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    b.refresh_from_db()
    assert b.status == "placed"
    assert api.as_user(w.parent_a).post(f"/api/v1/applications/{a.pk}/withdraw/").status_code == 409


# --- query counts ------------------------------------------------------------------------------
def _many_applications(enr, n):
    w = enr.world
    for i in range(n):
        child, parent = child_with_parent(w.class_a, parent=w.parent_a if i % 2 == 0 else None)
        enr.apply(child, parent, claims=[("migrant", "")])


@pytest.mark.parametrize("n", [5, 50])
def test_application_list_query_count_is_constant(enr, api, django_assert_num_queries, n):
    _many_applications(enr, n)
    client = api.as_user(enr.world.homeroom)
    client.get("/api/v1/applications/")  # warm the token and content types
    with django_assert_num_queries(9):
        response = client.get("/api/v1/applications/")
    assert response.json()["count"] == n


# --- service groups ---------------------------------------------------------------------------
GROUPS_SEEN = {"parent_a": False, "other_parent": False, "homeroom": True, "teacher_b": False, "principal": True,
               "district": True, "bureau": True, **dict.fromkeys(OFFICE_ROLES, True)}


@pytest.mark.parametrize("role", ALL_MATRIX_ROLES)
def test_service_groups_are_scoped(enr, api, role):
    data = api.as_user(matrix_user(enr.world, role)).get("/api/v1/service-groups/").json()
    assert [g["id"] for g in data["results"]] == ([enr.group.pk] if GROUPS_SEEN[role] else [])
    status = api.get(f"/api/v1/service-groups/{enr.group.pk}/").status_code
    assert status == (200 if GROUPS_SEEN[role] else 404)


def test_service_group_head_counts(enr, api):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    enr.approve(app)
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    data = api.as_user(enr.moral).get(f"/api/v1/service-groups/{enr.group.pk}/").json()
    assert (data["capacity"], data["placed"], data["free_seats"]) == (2, 1, 1)


@pytest.mark.parametrize("n", [5, 50])
def test_service_group_list_query_count_is_constant(enr, api, django_assert_num_queries, n):
    from .factories import ServiceGroupFactory

    for _ in range(n):
        ServiceGroupFactory(school=enr.world.school_a, term=enr.world.term)
    client = api.as_user(enr.world.principal)
    client.get("/api/v1/service-groups/")
    with django_assert_num_queries(4):
        response = client.get("/api/v1/service-groups/")
    assert response.json()["count"] == n + 1
