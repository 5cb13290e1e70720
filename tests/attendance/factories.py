"""Helpers for attendance tests: place children in a group quickly (the seat allocation itself is
enrollment's and tested there), and an approved service plan."""
import datetime

from django.utils import timezone

from clubs.models import ReviewStatus, ServicePlan
from enrollment.models import Application, Placement
from schools.models import Guardianship
from tests.factories import GuardianshipFactory, StudentFactory, UserFactory, give_role

from ..enrollment.factories import ParentLetterFactory


def approved_plan(school, term) -> ServicePlan:
    t = datetime.time
    plan, _ = ServicePlan.objects.get_or_create(
        school=school, term=term, revision=1,
        defaults={"school_days": [1, 2, 3, 4, 5], "winter_noon_start": t(13, 0), "winter_noon_end": t(14, 0),
                  "winter_after_start": t(16, 0), "winter_after_end": t(18, 0), "summer_noon_start": t(14, 0),
                  "summer_noon_end": t(14, 30), "summer_after_start": t(16, 0), "summer_after_end": t(18, 0),
                  "status": ReviewStatus.APPROVED})
    return plan


def place(child, group, *, guardian=None, pickup_plan=Application.Pickup.GUARDIAN, weekdays=(1, 2, 3, 4, 5)):
    """An approved, placed application of `child` with an active seat in `group`."""
    letter = ParentLetterFactory._meta.model.objects.filter(school=group.school, term=group.term).first() \
        or ParentLetterFactory(school=group.school, term=group.term)
    if guardian is None:
        g = child.guardianships.filter(active=True).select_related("guardian").first()
        guardian = g.guardian if g else UserFactory()
    now = timezone.now()
    app = Application.objects.create(
        student=child, term=group.term, school=group.school, sessions=[group.session], weekdays=list(weekdays),
        pickup_plan=pickup_plan, letter=letter, letter_version=letter.version, letter_acknowledged_at=now,
        status=Application.Status.PLACED, submitted_by=guardian, submitted_at=now)
    Placement.objects.create(application=app, group=group)
    return app


def children_in_group(group, homeroom_class, n: int) -> list:
    """n new children of the class, each with a guardian (with a phone) placed in the group."""
    from accounts.roles import Role

    kids = []
    for i in range(n):
        child = StudentFactory(homeroom_class=homeroom_class)
        parent = UserFactory(phone=f"139{group.pk:04d}{i:04d}")
        give_role(parent, Role.PARENT)
        GuardianshipFactory(guardian=parent, student=child, relation=Guardianship.Relation.MOTHER)
        place(child, group, guardian=parent)
        kids.append(child)
    return kids
