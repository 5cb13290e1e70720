"""The application's state machine: every allowed transition, and the forbidden ones refused with
a clear message; every change recorded (who, when, from, to, why)."""
import datetime

import pytest

from enrollment import services
from enrollment.models import Application, ApplicationTransition, LetterAcknowledgement
from shahe_afterschool.errors import ConflictError, DomainError

from .factories import ParentLetterFactory

pytestmark = pytest.mark.django_db
S = Application.Status


def _path(app):
    return list(ApplicationTransition.objects.filter(application=app).values_list("from_status", "to_status"))


def test_submit_records_letter_version_and_time_and_first_transition(enr):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a, claims=[("dual_working", "父母均在工厂倒班")])
    assert app.status == S.SUBMITTED
    assert app.letter_id == enr.letter_a.pk and app.letter_version == 1
    ack = LetterAcknowledgement.objects.get(letter=enr.letter_a, guardian=w.parent_a)
    assert app.letter_acknowledged_at == ack.acknowledged_at
    assert _path(app) == [("", S.SUBMITTED)]
    assert app.transitions.get().by == w.parent_a
    assert list(app.claims.values_list("group", "note")) == [("dual_working", "父母均在工厂倒班")]


def test_approve_then_allocate_places(enr):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    enr.approve(app)
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    app.refresh_from_db()
    assert app.status == S.PLACED
    assert _path(app) == [("", S.SUBMITTED), (S.SUBMITTED, S.CLASS_REVIEWED), (S.CLASS_REVIEWED, S.PLACED)]
    assert app.transitions.get(to_status=S.CLASS_REVIEWED).by == w.homeroom
    assert app.transitions.get(to_status=S.PLACED).by == enr.moral


def test_reviewed_becomes_waitlisted_when_full_then_withdrawn(enr):
    w = enr.world
    enr.group.capacity = 0
    enr.group.save()
    app = enr.apply(w.child_a, w.parent_a)
    enr.approve(app)
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    app.refresh_from_db()
    assert (app.status, app.waitlist_position) == (S.WAITLISTED, 1)
    services.application_withdraw(application=app, by=w.parent_a, reason="家里有人接")
    app.refresh_from_db()
    assert (app.status, app.waitlist_position) == (S.WITHDRAWN, None)
    assert _path(app)[-2:] == [(S.CLASS_REVIEWED, S.WAITLISTED), (S.WAITLISTED, S.WITHDRAWN)]
    assert app.transitions.last().reason == "家里有人接"


def test_reject_needs_a_reason_and_keeps_it(enr):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    with pytest.raises(DomainError) as err:
        services.application_review(application=app, by=w.homeroom, decision="reject", reason="  ")
    assert "reason" in str(err.value.message)
    services.application_review(application=app, by=w.homeroom, decision="reject", reason="该生已转学")
    app.refresh_from_db()
    assert (app.status, app.reject_reason) == (S.REJECTED, "该生已转学")
    assert app.transitions.last().reason == "该生已转学"


@pytest.mark.parametrize("from_status", [S.SUBMITTED, S.CLASS_REVIEWED, S.PLACED])
def test_withdraw_from_every_open_state(enr, from_status):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    if from_status != S.SUBMITTED:
        enr.approve(app)
    if from_status == S.PLACED:
        services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    app.refresh_from_db()
    assert app.status == from_status
    services.application_withdraw(application=app, by=w.parent_a)
    app.refresh_from_db()
    assert app.status == S.WITHDRAWN
    assert not app.placements.filter(active=True).exists()


def test_reviewing_a_withdrawn_application_is_refused(enr):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    services.application_withdraw(application=app, by=w.parent_a)
    with pytest.raises(ConflictError) as err:
        enr.approve(app)
    assert "Withdrawn" in str(err.value.message)
    app.refresh_from_db()
    assert app.status == S.WITHDRAWN


def test_reviewing_twice_is_refused(enr):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    enr.approve(app)
    with pytest.raises(ConflictError):
        services.application_review(application=app, by=w.homeroom, decision="reject", reason="x")


@pytest.mark.parametrize("terminal", [S.WITHDRAWN, S.REJECTED])
def test_nothing_leaves_a_terminal_state(enr, terminal):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    if terminal == S.WITHDRAWN:
        services.application_withdraw(application=app, by=w.parent_a)
    else:
        services.application_review(application=app, by=w.homeroom, decision="reject", reason="不符合条件")
    with pytest.raises(ConflictError):
        services.application_withdraw(application=app, by=w.parent_a)
    app.refresh_from_db()
    for to in S.values:
        with pytest.raises(ConflictError) as err:
            services._transition(app, to, by=None)
        assert "cannot become" in str(err.value.message)


def test_transition_table_refuses_skipping_review(enr):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    for to in (S.PLACED, S.WAITLISTED):
        with pytest.raises(ConflictError):
            services._transition(app, to, by=None)


def test_a_parent_cannot_apply_for_someone_elses_child(enr):
    w = enr.world
    with pytest.raises(DomainError) as err:
        enr.apply(w.child_a2, w.parent_a)
    assert err.value.status_code == 403
    assert "own children" in str(err.value.message)
    assert not Application.objects.exists()


def test_applying_without_acknowledging_the_current_letter_is_refused(enr):
    w = enr.world
    with pytest.raises(ConflictError) as err:
        services.application_submit(by=w.parent_a, student=w.child_a, term=w.term, sessions=["noon"],
                                    weekdays=[1], letter=enr.letter_a, letter_acknowledged=False)
    assert "acknowledge" in str(err.value.message)
    assert not Application.objects.exists()


def test_a_new_letter_version_needs_a_new_acknowledgement(enr):
    w = enr.world
    services.letter_acknowledge(letter=enr.letter_a, guardian=w.parent_a)
    v2 = services.letter_publish(school=w.school_a, term=w.term, by=w.principal, title="致家长的一封信（修订）",
                                 service_scope="a", times="b", content="c", safety_measures="d")
    assert v2.version == 2
    with pytest.raises(ConflictError):  # the old version is not the current one
        services.application_submit(by=w.parent_a, student=w.child_a, term=w.term, sessions=["noon"],
                                    weekdays=[1], letter=enr.letter_a)
    with pytest.raises(ConflictError):  # the current one is not acknowledged yet
        services.application_submit(by=w.parent_a, student=w.child_a, term=w.term, sessions=["noon"],
                                    weekdays=[1], letter=v2)
    services.letter_acknowledge(letter=v2, guardian=w.parent_a)
    app = services.application_submit(by=w.parent_a, student=w.child_a, term=w.term, sessions=["noon"],
                                      weekdays=[1], letter=v2)
    assert app.letter_version == 2


def test_applying_twice_for_the_same_term_is_refused(enr):
    w = enr.world
    enr.apply(w.child_a, w.parent_a)
    with pytest.raises(ConflictError) as err:
        enr.apply(w.child_a, w.parent_a)
    assert "already has an application" in str(err.value.message)
    assert Application.objects.count() == 1


def test_after_withdrawing_a_parent_may_apply_again(enr):
    w = enr.world
    first = enr.apply(w.child_a, w.parent_a)
    services.application_withdraw(application=first, by=w.parent_a)
    second = enr.apply(w.child_a, w.parent_a)
    assert second.pk != first.pk and second.status == S.SUBMITTED


@pytest.mark.parametrize("kw, field", [
    ({"sessions": []}, "sessions"),
    ({"sessions": ["evening"]}, "sessions"),
    ({"weekdays": [6]}, "weekdays"),
    ({"weekdays": []}, "weekdays"),
    ({"claims": [("royalty", "")]}, "priority_groups"),
    ({"claims": [("migrant", "x" * 201)]}, "priority_groups"),
    ({"pickup_plan": "flexible"}, "departure_time"),
    ({"pickup_plan": "flexible", "departure_time": datetime.time(19, 0)}, "departure_time"),
    ({"pickup_plan": "authorised"}, "pickup_plan"),
    ({"pickup_plan": "teleport"}, "pickup_plan"),
])
def test_bad_application_input_is_refused_and_nothing_is_written(enr, kw, field):
    w = enr.world
    with pytest.raises(DomainError) as err:
        enr.apply(w.child_a, w.parent_a, **kw)
    assert err.value.field == field
    assert not Application.objects.exists()


def test_only_the_homeroom_teacher_or_principal_reviews(enr):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    for user in (w.parent_a, enr.moral, w.teacher_b, w.bureau):
        with pytest.raises(DomainError) as err:
            services.application_review(application=app, by=user, decision="approve")
        assert err.value.status_code == 403
    services.application_review(application=app, by=w.principal, decision="approve")


def test_only_a_guardian_withdraws(enr):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    with pytest.raises(DomainError) as err:
        services.application_withdraw(application=app, by=w.other_parent)
    assert err.value.status_code == 403


def test_claims_verified_by_the_homeroom_teacher_set_the_priority_flag(enr):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a, claims=[("migrant", ""), ("hardship", "低保户")])
    migrant, hardship = app.claims.order_by("group")
    services.claim_decide(claim=hardship, by=w.homeroom, verified=False)
    app.refresh_from_db()
    assert app.has_verified_priority is False
    services.claim_decide(claim=migrant, by=w.homeroom, verified=True)
    app.refresh_from_db()
    assert app.has_verified_priority is True
    with pytest.raises(DomainError):
        services.claim_decide(claim=migrant, by=enr.moral, verified=False)


def test_history_keeps_every_version(enr):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    enr.approve(app)
    assert list(app.history.order_by("history_id").values_list("status", flat=True)) == [S.SUBMITTED,
                                                                                         S.CLASS_REVIEWED]


def test_letter_versions_are_per_school_and_term(enr):
    w = enr.world
    other = ParentLetterFactory(school=w.school_b, term=w.term, version=7)
    v = services.letter_publish(school=w.school_a, term=w.term, by=enr.moral, title="t", service_scope="a",
                                times="b", content="c", safety_measures="d")
    assert v.version == 2 and other.version == 7
    with pytest.raises(DomainError):
        services.letter_publish(school=w.school_a, term=w.term, by=w.homeroom, title="t", service_scope="a",
                                times="b", content="c", safety_measures="d")
