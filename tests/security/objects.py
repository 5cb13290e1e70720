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
    from tests.enrollment.factories import ParentLetterFactory, ServiceGroupFactory, submit
    from tests.factories import VenueFactory

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
