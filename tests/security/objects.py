"""Objects the access matrix asks about, built through each app's own services and factories.

Every helper takes the `world` of tests/conftest.py, creates what it needs in school_a / family a
(and a twin in school_b where the endpoint lists things), stores it on the world and is safe to call
twice in one test (it returns early when the objects exist).
"""
from __future__ import annotations

#: Sensitive texts the matrix plants on the children, so a page that shows them to the wrong role fails.
HEALTH = {"child_a": "HEALTH-A 哮喘", "child_a2": "HEALTH-A2 花生过敏", "child_b": "HEALTH-B 癫痫"}
CLAIM = {"child_a": "CLAIM-A 父母外出务工", "child_a2": "CLAIM-A2 低保家庭", "child_b": "CLAIM-B 残疾证"}


def sensitive(world):
    """Health notes on the three children (the priority-claim notes come with `enrollment_objects`)."""
    for key, text in HEALTH.items():
        child = getattr(world, key)
        if child.health_notes != text:
            child.health_notes = text
            child.save()


# --- enrollment --------------------------------------------------------------------------------
def enrollment_objects(world):
    """Letters of both schools; an application with a priority claim for each child (child_a's
    submitted, child_a2's approved and placed in group_a, child_b's in school_b); a pickup person."""
    if hasattr(world, "app_a"):
        return
    from enrollment import services
    from enrollment.models import PriorityGroup

    # Enrollment refuses an application without the guardian's consent (privacy); the families of
    # the matrix have given it, as the demo's have.
    from privacy.models import GuardianConsent
    from privacy.services import consent_record
    from tests.enrollment.factories import ParentLetterFactory, ServiceGroupFactory, submit
    from tests.factories import VenueFactory

    for parent, child in ((world.parent_a, world.child_a), (world.other_parent, world.child_a2),
                          (world.parent_b, world.child_b)):
        consent_record(student=child, guardian=parent, decision=GuardianConsent.Decision.GIVEN)

    world.letter_a = ParentLetterFactory(school=world.school_a, term=world.term)
    world.letter_b = ParentLetterFactory(school=world.school_b, term=world.term)
    world.venue_a = VenueFactory(school=world.school_a, capacity=40, name="阅览室")
    world.venue_b = VenueFactory(school=world.school_b, capacity=40, name="体育馆")
    world.group_a = ServiceGroupFactory(school=world.school_a, term=world.term, capacity=5, venue=world.venue_a)
    world.group_a_other = ServiceGroupFactory(school=world.school_a, term=world.term, capacity=5, venue=world.venue_a)
    world.group_b = ServiceGroupFactory(school=world.school_b, term=world.term, capacity=5, venue=world.venue_b)
    world.app_a = submit(parent=world.parent_a, child=world.child_a, term=world.term, letter=world.letter_a,
                         claims=[(PriorityGroup.LEFT_BEHIND, CLAIM["child_a"])])
    world.app_a2 = submit(parent=world.other_parent, child=world.child_a2, term=world.term, letter=world.letter_a,
                          claims=[(PriorityGroup.HARDSHIP, CLAIM["child_a2"])])
    world.app_b = submit(parent=world.parent_b, child=world.child_b, term=world.term, letter=world.letter_b,
                         claims=[(PriorityGroup.DISABLED, CLAIM["child_b"])])
    world.claim_a = world.app_a.claims.get()
    services.application_review(application=world.app_a2, by=world.homeroom, decision="approve")
    services.allocation_run(school=world.school_a, term=world.term, by=world.principal)
    world.placement_a2 = world.app_a2.placements.get(active=True)
    world.pickup_a = services.pickup_person_add(student=world.child_a, by=world.parent_a, name="张奶奶",
                                               relation="祖母", phone="13900000011")


# --- clubs -------------------------------------------------------------------------------------
def clubs_objects(world):
    """school_a: an approved club (homeroom teaches it) with child_a enrolled through an open choice
    window, a draft club, a draft service plan; school_b: an approved club."""
    if hasattr(world, "club_a"):
        return
    from clubs import allocation
    from clubs.models import ReviewStatus
    from tests.clubs.factories import ChoiceWindowFactory, ClubFactory, ServicePlanFactory
    from tests.factories import VenueFactory

    world.club_venue_a = VenueFactory(school=world.school_a, name="美术室", capacity=30)
    world.club_a = ClubFactory(school=world.school_a, term=world.term, name="沙河篮球社", venue=world.club_venue_a,
                               teachers=[world.homeroom])
    world.club_a_draft = ClubFactory(school=world.school_a, term=world.term, name="沙河书法社",
                                     venue=world.club_venue_a, status=ReviewStatus.DRAFT, slots=[(2, "16:00", "17:00")],
                                     teachers=[world.homeroom])
    world.club_b = ClubFactory(school=world.school_b, term=world.term, name="桥西足球社")
    world.plan_a = ServicePlanFactory(school=world.school_a, term=world.term)
    ChoiceWindowFactory(school=world.school_a, term=world.term)
    ChoiceWindowFactory(school=world.school_b, term=world.term)
    world.choice_a = allocation.choice_make(user=world.parent_a, student=world.child_a, club=world.club_a, rank=1)
    world.choice_b = allocation.choice_make(user=world.parent_b, student=world.child_b, club=world.club_b, rank=1)


def clubs_submitted_plan(world):
    clubs_objects(world)
    from clubs import services

    if world.plan_a.status == "draft":
        world.plan_a = services.plan_submit(user=world.principal, plan=world.plan_a)


def clubs_submitted_club(world):
    clubs_objects(world)
    from clubs import services

    if world.club_a_draft.status == "draft":
        world.club_a_draft = services.club_submit(user=world.principal, club=world.club_a_draft)


def clubs_approved_plan(world):
    clubs_submitted_plan(world)
    from clubs import services

    if world.plan_a.status == "submitted":
        world.plan_a = services.plan_approve(user=world.principal, plan=world.plan_a)


# --- safety ------------------------------------------------------------------------------------
def safety_objects(world):
    """school_a: an escalated incident involving child_a (reported by the homeroom teacher), a
    general one involving child_a2, an emergency plan, an inspection by the bureau with a
    rectification item; school_b: an escalated incident involving child_b."""
    if hasattr(world, "incident_a"):
        return
    import datetime

    from django.utils import timezone

    from safety import services
    from safety.models import IncidentType, PlanType, Severity
    from tests.safety.factories import add_item, inspect, report

    world.incident_a = report(world, severity=Severity.SERIOUS, children=[world.child_a],
                              description="INCIDENT-A 摔伤")
    world.incident_a_general = report(world, children=[world.child_a2], description="INCIDENT-A2 擦伤")
    world.incident_b = report(world, user=world.teacher_b, school=world.school_b, type=IncidentType.MISSING_CHILD,
                              severity=Severity.SERIOUS, children=[world.child_b], description="INCIDENT-B 走失")
    world.emergency_plan_a = services.emergency_plan_save(
        user=world.principal, school=world.school_a, plan_type=PlanType.FIRE, text="疏散路线",
        last_reviewed_on=timezone.localdate() - datetime.timedelta(days=30))
    world.inspection_a = inspect(world)
    world.item_a = add_item(world, world.inspection_a)


def safety_item_responded(world):
    safety_objects(world)
    from safety import services

    if world.item_a.status == "open":
        world.item_a = services.rectification_item_respond(item=world.item_a, user=world.principal, response="已整改")


# --- voice -------------------------------------------------------------------------------------
def voice_objects(world):
    """school_a: a must-read announcement of the principal to class_a's parents; an open, named,
    per-child questionnaire to class_a that parent_a answered (with a written answer); a draft
    questionnaire. school_b: nothing of voice (its parents are never addressed)."""
    if hasattr(world, "announcement_a"):
        return
    from voice import services
    from voice.models import Question

    rules = [services.Rule("class", (world.class_a.pk,))]
    world.announcement_a = services.announcement_publish(author=world.principal, title="期末通知", body="放假安排",
                                                         rules=rules, must_read=True)
    q = services.questionnaire_create(author=world.principal, title="课后服务满意度", rules=rules, per="child",
                                      anonymous=False)
    rating = services.question_add(user=world.principal, questionnaire=q, kind=Question.Kind.RATING, text="总体满意度")
    text = services.question_add(user=world.principal, questionnaire=q, kind=Question.Kind.TEXT, text="建议",
                                 required=False)
    services.questionnaire_open(user=world.principal, questionnaire=q)
    services.survey_answer(user=world.parent_a, questionnaire=q, answers={rating.pk: 4, text.pk: "希望多开体育社团"},
                           student=world.child_a)
    world.questionnaire_a, world.question_rating, world.question_text = q, rating, text
    world.questionnaire_draft = services.questionnaire_create(author=world.principal, title="草稿问卷", rules=rules)


# --- school administration ---------------------------------------------------------------------
def school_admin_objects(world):
    """school_a: a roster upload waiting for confirmation, a venue, and three members of staff the
    principal manages (one to end a role of, one to deactivate, one to invite)."""
    if hasattr(world, "batch_a"):
        return
    from accounts.roles import Role
    from schools import services
    from tests.factories import UserFactory, VenueFactory, give_role
    from tests.schools.conftest import xlsx_file

    row = ["S-M-0001", "孙小明", "男", "2017-05-01", world.class_a.name, "孙建国", "父亲", "13912340000", "", "", ""]
    world.batch_a = services.import_preview(school=world.school_a, user=world.principal, kind="roster",
                                            file_name="roster.xlsx", data=xlsx_file([row]), create_classes=False)
    world.admin_venue_a = VenueFactory(school=world.school_a, name="计算机房", capacity=30)
    world.staff_x, world.staff_y, world.staff_z = (UserFactory(name=f"教师{n}") for n in "XYZ")
    for user in (world.staff_x, world.staff_y, world.staff_z):
        give_role(user, Role.TEACHER, school=world.school_a)
    world.staff_x_role = world.staff_x.role_assignments.get()


def follow_up_objects(world):
    """safety_objects, and a 督办 request of the bureau on school_a's escalated incident (incident_a)."""
    safety_objects(world)
    if hasattr(world, "follow_up_a"):
        return
    from safety import services

    world.follow_up_a = services.follow_up_request_open(user=world.bureau, incident=world.incident_a,
                                                        text="请于 30 分钟内报告情况", due_in_minutes=30)
