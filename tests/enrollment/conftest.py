"""Enrollment fixtures on top of the role matrix `world`: the offices of school_a, a letter for
each school, and helpers to apply and review through the services."""
from types import SimpleNamespace

import pytest

from accounts.roles import Role
from enrollment import services
from tests.factories import UserFactory, VenueFactory, give_role

from .factories import ParentLetterFactory, ServiceGroupFactory


@pytest.fixture
def enr(world):
    moral = UserFactory(username="moral", name="德育处 陈老师")
    give_role(moral, Role.MORAL_ED, school=world.school_a)
    academic = UserFactory(username="academic", name="教务处 吴老师")
    give_role(academic, Role.ACADEMIC, school=world.school_a)
    teacher_a = UserFactory(username="teacher_a", name="郑老师")
    give_role(teacher_a, Role.TEACHER, school=world.school_a)
    letter_a = ParentLetterFactory(school=world.school_a, term=world.term)
    letter_b = ParentLetterFactory(school=world.school_b, term=world.term)
    venue_a = VenueFactory(school=world.school_a, capacity=40)
    group = ServiceGroupFactory(school=world.school_a, term=world.term, capacity=2, venue=venue_a)

    def apply(child, parent, **kw):
        from .factories import submit

        return submit(parent=parent, child=child, term=world.term, letter=letter_a, **kw)

    def approve(app):
        return services.application_review(application=app, by=world.homeroom, decision="approve")

    return SimpleNamespace(world=world, moral=moral, academic=academic, teacher_a=teacher_a, letter_a=letter_a,
                           letter_b=letter_b, venue_a=venue_a, group=group, apply=apply, approve=approve)


@pytest.fixture
def login_as():
    """`login_as(user)`: a fresh signed-in client per user, for tests that switch people."""
    from django.test import Client

    def do(user):
        client = Client()
        client.force_login(user)
        return client

    return do


@pytest.fixture(autouse=True)
def english_messages():
    """Service-level assertions read the English source messages; pages and the API still pick the
    language per request (Accept-Language), as the i18n tests check."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def guardians_consent(request):
    """Enrollment refuses an application without the guardian's consent to the privacy notice
    (`privacy.services.consent_given`). In these tests every guardianship gets that consent, as in
    the demo: the role matrix's (`world`, built or copied first: tests/worldcopy.py) and each one
    created during the test; the tests of the refusal withdraw it (tests/enrollment/test_consent.py)."""
    from django.db.models.signals import post_save
    from django.utils import timezone

    from schools.models import Guardianship

    def consent(sender, instance, created, raw=False, **kwargs):
        if created and instance.active and not raw:
            from privacy import notice
            from privacy.models import GuardianConsent

            GuardianConsent.objects.get_or_create(
                student_id=instance.student_id, guardian_id=instance.guardian_id,
                notice_version=notice.current().version, defaults={"decision": GuardianConsent.Decision.GIVEN, "decided_at": timezone.now()})

    if "world" in request.fixturenames:
        request.getfixturevalue("world")
        for guardianship in Guardianship.objects.order_by("pk"):
            consent(Guardianship, guardianship, created=True)
    post_save.connect(consent, sender=Guardianship, dispatch_uid="tests.enrollment.consent")
    try:
        yield
    finally:
        post_save.disconnect(sender=Guardianship, dispatch_uid="tests.enrollment.consent")
