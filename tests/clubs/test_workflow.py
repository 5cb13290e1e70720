"""Service plan and club review: who may do each step, and what each step refuses."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from clubs import services
from clubs.models import ReviewStatus, ServicePlan
from shahe_afterschool.errors import ConflictError, DomainError
from tests.clubs.factories import ClubFactory, ServicePlanFactory, club_type
from tests.factories import VenueFactory

pytestmark = pytest.mark.django_db
T = datetime.time


def test_plan_is_created_and_submitted_by_the_teaching_office_and_approved_by_the_principal(staff):
    w = staff
    plan = services.plan_create(user=w.academic, school=w.school_a, term=w.term, school_days=[1, 2, 3, 4, 5],
                                winter_after_start=T(16, 0), winter_after_end=T(18, 0),
                                summer_after_start=T(16, 0), summer_after_end=T(18, 0))
    services.plan_submit(user=w.academic, plan=plan)
    plan = services.plan_approve(user=w.principal, plan=plan)
    assert plan.status == ReviewStatus.APPROVED and plan.decided_by == w.principal


def test_a_teacher_cannot_approve_and_cannot_create(staff):
    plan = ServicePlanFactory(school=staff.school_a, term=staff.term, status=ReviewStatus.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.plan_approve(user=staff.teacher_a, plan=plan)
    with pytest.raises(PermissionDenied):
        services.plan_approve(user=staff.academic, plan=plan)  # the office submits, it does not approve
    with pytest.raises(PermissionDenied):
        services.plan_create(user=staff.teacher_a, school=staff.school_a, term=staff.term)


def test_principal_of_another_school_cannot_approve(staff):
    plan = ServicePlanFactory(school=staff.school_a, term=staff.term, status=ReviewStatus.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.plan_approve(user=staff.principal_b, plan=plan)
    assert not ServicePlan.objects.visible_to(staff.principal_b).filter(pk=plan.pk).exists()


def test_a_plan_breaking_the_rules_cannot_be_submitted_and_says_why(staff):
    plan = ServicePlanFactory(school=staff.school_a, term=staff.term, winter_after_end=T(18, 30))
    with translation.override("en"), pytest.raises(DomainError) as exc:
        services.plan_submit(user=staff.academic, plan=plan)
    assert "must end by 18:00" in str(exc.value.message)
    plan.refresh_from_db()
    assert plan.status == ReviewStatus.DRAFT


def test_returned_plan_needs_a_comment_and_can_be_resubmitted(staff):
    plan = ServicePlanFactory(school=staff.school_a, term=staff.term, status=ReviewStatus.SUBMITTED,
                              created_by=staff.academic)
    with pytest.raises(DomainError):
        services.plan_return(user=staff.principal, plan=plan, comment="  ")
    plan = services.plan_return(user=staff.principal, plan=plan, comment="周五延长到18:00")
    assert plan.status == ReviewStatus.RETURNED and plan.review_comment == "周五延长到18:00"
    services.plan_update(user=staff.academic, plan=plan, winter_after_start=T(15, 50))
    assert services.plan_submit(user=staff.academic, plan=plan).status == ReviewStatus.SUBMITTED
    assert staff.academic.notifications.filter(kind="clubs.plan_returned").exists()


def test_approved_plan_is_read_only_and_changes_through_a_revision_that_keeps_the_old(staff):
    plan = ServicePlanFactory(school=staff.school_a, term=staff.term, status=ReviewStatus.APPROVED)
    with pytest.raises(ConflictError):
        services.plan_update(user=staff.academic, plan=plan, notes="x")
    revision = services.plan_revise(user=staff.academic, plan=plan)
    assert revision.revision == 2 and revision.previous == plan and revision.status == ReviewStatus.DRAFT
    assert services.plan_in_force(school=staff.school_a, term=staff.term) == plan
    services.plan_update(user=staff.academic, plan=revision, winter_after_start=T(15, 30))
    services.plan_submit(user=staff.academic, plan=revision)
    services.plan_approve(user=staff.principal, plan=revision)
    plan.refresh_from_db()
    assert plan.status == ReviewStatus.SUPERSEDED and plan.winter_after_start == T(16, 0)
    assert services.plan_in_force(school=staff.school_a, term=staff.term) == revision
    assert ServicePlan.objects.filter(school=staff.school_a).count() == 2


def _draft_club(w, **kw):
    venue = kw.pop("venue", None) or VenueFactory(school=w.school_a, capacity=40)
    return services.club_create(user=w.academic, school=w.school_a, term=w.term, club_type=club_type("seal-carving"),
                                name=kw.pop("name", "篆刻社"), venue=venue, capacity=kw.pop("capacity", 20),
                                grade_min=3, grade_max=6, teachers=kw.pop("teachers", [w.teacher_a]),
                                slots=kw.pop("slots", [(2, "16:00", "17:00")]), **kw)


def test_club_review_workflow(staff):
    club = _draft_club(staff)
    services.club_submit(user=staff.academic, club=club)
    with pytest.raises(PermissionDenied):
        services.club_approve(user=staff.teacher_a, club=club)
    with pytest.raises(PermissionDenied):
        services.club_approve(user=staff.principal_b, club=club)
    club = services.club_approve(user=staff.principal, club=club)
    assert club.status == ReviewStatus.APPROVED
    with pytest.raises(ConflictError):
        services.club_update(user=staff.academic, club=club, name="改名")


def test_club_with_a_too_small_venue_or_a_teacher_clash_is_refused_with_reasons(staff):
    ClubFactory(school=staff.school_a, term=staff.term, name="篮球", teachers=[staff.teacher_a],
                slots=[(2, "16:30", "17:30")])
    club = _draft_club(staff, venue=VenueFactory(school=staff.school_a, capacity=10, name="小教室"))
    with translation.override("en"), pytest.raises(DomainError) as exc:
        services.club_submit(user=staff.academic, club=club)
    problems = [str(p) for p in exc.value.extra["problems"]]
    assert any("holds 10" in p for p in problems)
    assert any("吴老师" in p and "booked twice" in p for p in problems)


def test_touching_club_slots_of_one_teacher_are_accepted(staff):
    ClubFactory(school=staff.school_a, term=staff.term, teachers=[staff.teacher_a], slots=[(2, "17:00", "18:00")])
    club = _draft_club(staff)
    assert services.club_submit(user=staff.academic, club=club).status == ReviewStatus.SUBMITTED


def test_club_teacher_must_be_staff_of_the_school(staff):
    with pytest.raises(DomainError):
        _draft_club(staff, teachers=[staff.teacher_b])


def test_club_slot_outside_the_approved_plan_is_refused(staff):
    ServicePlanFactory(school=staff.school_a, term=staff.term, status=ReviewStatus.APPROVED)
    club = _draft_club(staff, slots=[(2, "15:00", "16:00")])
    with pytest.raises(DomainError):
        services.club_submit(user=staff.academic, club=club)
