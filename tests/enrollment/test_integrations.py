"""Enrollment plugged into privacy (audit pages, data download, retention), clubs (priority hook,
service groups on the clash checker) and voice (the "group" audience kind)."""
import datetime

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from clubs import allocation
from clubs.models import ClubChoice, ReviewStatus
from clubs.selectors import clash_list
from clubs.services import club_problems
from enrollment import hooks, services
from enrollment.models import Application, AuthorisedPickupPerson, PriorityClaim, Session
from privacy.selectors import child_data
from shahe_afterschool.errors import DomainError
from tests.clubs.factories import ChoiceWindowFactory, ClubFactory, ServicePlanFactory
from tests.factories import VenueFactory
from voice import services as voice
from voice.models import AnnouncementReceipt

from .factories import ServiceGroupFactory

pytestmark = pytest.mark.django_db


def _placed(enr, child, parent, **kw):
    app = enr.apply(child, parent, **kw)
    enr.approve(app)
    services.allocation_run(school=enr.world.school_a, term=enr.world.term, by=enr.moral)
    app.refresh_from_db()
    assert app.status == Application.Status.PLACED
    return app


# --- privacy: priority-claim reads on the audit pages ------------------------------------------------
def test_principal_reading_priority_claims_is_listed_on_the_audit_page(enr, login_as):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a, claims=[("dual_working", "父母均为双职工")])
    principal = login_as(w.principal)
    page = principal.get(f"/enrollment/applications/{app.pk}/").content.decode()
    assert "父母均为双职工" in page
    claim = PriorityClaim.objects.get(application=app)
    event = AuditEvent.objects.get(object_type="enrollment.priorityclaim", object_id=str(claim.pk))
    assert event.user == w.principal

    page = principal.get("/privacy/audit/access/", {"child": w.child_a.name}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rows = [r for r in page.split("<tr>") if "priority claim details" in r]
    assert len(rows) == 1
    assert w.principal.name in rows[0] and w.child_a.name in rows[0]
    assert "priority claim" in rows[0].split("priority claim details")[0]  # the object type, readable
    assert "enrollment.priorityclaim" not in page
    zh = principal.get("/privacy/audit/access/", {"child": w.child_a.name}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'data-testid="object-kind">优先申请<' in zh.content.decode()
    # searching for another child does not list it
    other = principal.get("/privacy/audit/access/", {"child": w.child_a2.name}).content.decode()
    assert "priority claim details" not in other


def test_bureau_sees_the_claim_read_by_student_number_only(enr, login_as):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a, claims=[("hardship", "")])
    login_as(w.principal).get(f"/enrollment/applications/{app.pk}/")
    page = login_as(w.bureau).get("/privacy/audit/access/", {"child": w.child_a.student_number},
                                  HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = next(r for r in page.split("<tr>") if "priority claim details" in r)
    assert w.child_a.student_number in row and w.child_a.name not in page


def test_claim_reads_are_in_the_guardians_data_download_access_log(enr, login_as):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a, claims=[("migrant", "")])
    login_as(w.principal).get(f"/enrollment/applications/{app.pk}/")
    log = child_data(student=w.child_a)["accounts"]["data"]["access_log"]
    assert any(e["what"] == "priority claim details" and e["by"] == w.principal.name for e in log)


# --- privacy: data download and retention ------------------------------------------------------------
def test_data_download_holds_applications_claims_placements_and_pickup_persons(enr, login_as):
    w = enr.world
    services.pickup_person_add(student=w.child_a, by=w.parent_a, name="张爷爷", relation="祖父", phone="13912345678")
    _placed(enr, w.child_a, w.parent_a, claims=[("dual_working", "双职工")])
    data = login_as(w.parent_a).get(f"/privacy/children/{w.child_a.pk}/data.json", HTTP_ACCEPT_LANGUAGE="en").json()
    section = data["sections"]["enrollment"]["data"]
    assert [a["status"] for a in section["applications"]] == ["Placed"]
    assert [(c["group"], c["note"]) for c in section["priority_claims"]] == [("Dual-working family", "双职工")]
    assert [p["group"] for p in section["placements"]] == [enr.group.name]
    assert section["pickup_persons"][0]["name"] == "张爷爷"
    assert "13912345678" not in str(section)  # masked like on the pickup page
    assert w.child_a2.name not in str(data)


def test_retention_scrubs_enrollment_free_text(enr):
    from privacy.services import anonymous_name, student_anonymise

    w = enr.world
    services.pickup_person_add(student=w.child_a, by=w.parent_a, name="张爷爷", relation="祖父", phone="13912345678")
    app = enr.apply(w.child_a, w.parent_a, claims=[("left_behind", "张小明由祖父母照顾")])
    services.application_review(application=app, by=w.homeroom, decision="reject",
                                reason=f"{w.child_a.name}不在服务年级")
    name = w.child_a.name
    assert student_anonymise(student=w.child_a, left_at=timezone.now()) is True
    app.refresh_from_db()
    assert name not in app.reject_reason and anonymous_name(w.child_a.pk) in app.reject_reason
    assert not Application.history.filter(student_id=w.child_a.pk, reject_reason__contains=name).exists()
    assert not app.transitions.filter(reason__contains=name).exists()
    assert PriorityClaim.objects.get(application=app).note == ""
    assert not PriorityClaim.history.filter(note__contains="祖父母").exists()
    person = AuthorisedPickupPerson.objects.get(student=w.child_a)
    assert (person.name, person.phone, person.active) == (hooks.REMOVED, "", False)
    assert not AuthorisedPickupPerson.history.filter(phone="13912345678").exists()


# --- clubs: priority hook ------------------------------------------------------------------------------
def test_verified_claims_give_priority_in_the_club_allocation(enr):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a, claims=[("dual_working", "")])
    enr.apply(w.child_a2, w.other_parent, claims=[("hardship", "")])  # claimed, never verified
    assert allocation.priority_students([w.child_a.pk, w.child_a2.pk], w.term) == set()
    services.claim_decide(claim=app.claims.get(), by=w.homeroom, verified=True)
    assert allocation.priority_students([w.child_a.pk, w.child_a2.pk], w.term) == {w.child_a.pk}

    ChoiceWindowFactory(school=w.school_a, term=w.term)
    club = ClubFactory(school=w.school_a, term=w.term, capacity=1)
    first = allocation.choice_make(user=w.other_parent, student=w.child_a2, club=club, rank=1)
    second = allocation.choice_make(user=w.parent_a, student=w.child_a, club=club, rank=1)
    allocation.allocate(school=w.school_a, term=w.term)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.status, second.priority, second.reason) == (ClubChoice.Status.ENROLLED, True, "granted_priority")
    assert first.status == ClubChoice.Status.WAITLISTED


def test_priority_hook_is_per_term(enr):
    from tests.factories import TermFactory

    w = enr.world
    app = enr.apply(w.child_a, w.parent_a, claims=[("dual_working", "")])
    services.claim_decide(claim=app.claims.get(), by=w.homeroom, verified=True)
    other_term = TermFactory(name="2030-2031学年第一学期", start_date=datetime.date(2030, 9, 1),
                             end_date=datetime.date(2031, 1, 20))
    assert hooks.clubs_priority([w.child_a.pk], other_term) == set()
    assert hooks.clubs_priority([], w.term) == set()


# --- clubs: service groups on the clash checker ---------------------------------------------------------
@pytest.fixture
def plan_and_teacher(enr):
    w = enr.world
    plan = ServicePlanFactory(school=w.school_a, term=w.term, status=ReviewStatus.APPROVED)
    services.service_group_assign_teacher(group=enr.group, teacher=enr.teacher_a, by=enr.academic)
    return plan


def test_teacher_in_a_group_and_a_club_at_overlapping_times_is_a_clash(enr, plan_and_teacher, login_as):
    w = enr.world
    club = ClubFactory(school=w.school_a, term=w.term, teachers=[enr.teacher_a], slots=[(1, "17:00", "17:45")])
    clashes = [c for c in clash_list(term=w.term, school_ids=[w.school_a.pk])
               if c.resource == ("teacher", enr.teacher_a.pk)]
    # winter (16:00-18:00) and summer (16:30-18:00) after-school windows both overlap the club
    assert len(clashes) == 2
    for clash in clashes:
        assert {clash.first.source, clash.second.source} == {f"service:{enr.group.pk}", f"club:{club.pk}"}
        assert enr.teacher_a.name in clash.message and enr.group.name in clash.message
    page = login_as(enr.academic).get(f"/clubs/clashes/?school={w.school_a.pk}").content.decode()
    assert enr.group.name in page and club.name in page


def test_a_new_club_is_refused_for_a_teacher_busy_in_a_group(enr, plan_and_teacher):
    w = enr.world
    from clubs.models import Club, ClubSlot
    from tests.clubs.factories import club_type

    club = Club(school=w.school_a, term=w.term, club_type=club_type(), name="新社团", capacity=10, grade_min=1,
                grade_max=6, venue=VenueFactory(school=w.school_a))

    slots = [ClubSlot(weekday=2, start=datetime.time(16, 30), end=datetime.time(17, 30))]
    problems = club_problems(club, slots=slots, teacher_ids=[enr.teacher_a.pk])
    assert any(enr.group.name in p and enr.teacher_a.name in p for p in problems)


def test_group_bookings_follow_the_plan_windows_session_and_days(enr, plan_and_teacher):
    w = enr.world
    enr.group.refresh_from_db()
    enr.group.weekdays = [1, 3]
    enr.group.save()
    noon = ServiceGroupFactory(school=w.school_a, term=w.term, session=Session.NOON, weekdays=[2],
                               teacher=w.homeroom)
    roomed = ServiceGroupFactory(school=w.school_a, term=w.term, venue=enr.venue_a)  # no teacher: its room is booked
    ServiceGroupFactory(school=w.school_a, term=w.term, venue=None)  # no teacher, no room: nothing to book
    bookings = hooks.service_group_bookings(term=w.term, school_ids=[w.school_a.pk])
    after = sorted((b.weekday, b.start, b.end) for b in bookings if b.source == f"service:{enr.group.pk}")
    T = datetime.time
    assert after == [(1, T(16), T(18)), (1, T(16, 30), T(18)), (3, T(16), T(18)), (3, T(16, 30), T(18))]
    noon_times = {(b.weekday, b.start, b.end) for b in bookings if b.source == f"service:{noon.pk}"}
    assert noon_times == {(2, T(13), T(14)), (2, T(14), T(14, 30))}
    assert {b.source for b in bookings} == {f"service:{enr.group.pk}", f"service:{noon.pk}", f"service:{roomed.pk}"}
    group_resources = {("teacher", enr.teacher_a.pk), ("group", f"service:{enr.group.pk}")}
    if enr.group.venue_id:
        group_resources.add(("venue", enr.group.venue_id))
    assert all(b.resources == group_resources for b in bookings if b.source == f"service:{enr.group.pk}")
    assert all(b.resources == {("venue", enr.venue_a.pk), ("group", f"service:{roomed.pk}")}
               for b in bookings if b.source == f"service:{roomed.pk}")
    # touching the window does not clash; a club on a day the group does not meet does not either
    ClubFactory(school=w.school_a, term=w.term, teachers=[enr.teacher_a], slots=[(1, "18:00", "18:30"),
                                                                                  (2, "16:00", "17:00")])
    assert not [c for c in clash_list(term=w.term, school_ids=[w.school_a.pk]) if c.resource[0] == "teacher"]


def test_groups_have_no_times_without_an_approved_plan(enr):
    w = enr.world
    ServicePlanFactory(school=w.school_a, term=w.term)  # a draft
    services.service_group_assign_teacher(group=enr.group, teacher=enr.teacher_a, by=enr.academic)
    assert hooks.service_group_bookings(term=w.term, school_ids=[w.school_a.pk]) == []


# --- voice: the "group" audience ------------------------------------------------------------------------
def test_group_audience_reaches_exactly_the_placed_childrens_guardians_and_the_teacher(enr):
    w = enr.world
    services.service_group_assign_teacher(group=enr.group, teacher=enr.teacher_a, by=enr.academic)
    _placed(enr, w.child_a, w.parent_a)
    enr.apply(w.child_a2, w.other_parent)  # applied, not placed: not in the audience
    other = ServiceGroupFactory(school=w.school_a, term=w.term, name="另一组")
    a = voice.announcement_publish(author=w.principal, title="小组通知", body="周五提前放学",
                                   rules=[voice.Rule("group", (enr.group.pk,))], include_staff=True)
    receipts = set(AnnouncementReceipt.objects.filter(announcement=a).values_list("user_id", "audience"))
    assert receipts == {(w.parent_a.pk, "parent"), (enr.teacher_a.pk, "staff")}
    with pytest.raises(DomainError):  # a group with nobody placed: nobody to tell
        voice.announcement_publish(author=w.principal, title="x", body="y", rules=[voice.Rule("group", (other.pk,))])


def test_group_audience_options_are_the_authors_schools_only(enr):
    from accounts.scoping import scope_of
    from voice.audiences import audience_kind
    from voice.services import audience_create

    w = enr.world
    group_b = ServiceGroupFactory(school=w.school_b, term=w.term, name="乙校组")
    kind = audience_kind("group")
    assert [pk for pk, _label in kind.options(scope_of(w.principal))] == [enr.group.pk]
    assert kind.options(scope_of(w.parent_a)) == []
    with pytest.raises(DomainError):
        audience_create(user=w.principal, rules=[voice.Rule("group", (group_b.pk,))])
