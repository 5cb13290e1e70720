"""Factories and helpers for enrollment tests; state is built through the services."""
import datetime

import factory

from enrollment import services
from enrollment.models import ParentLetter, ServiceGroup, Session
from schools.models import Guardianship
from tests.factories import GuardianshipFactory, StudentFactory, UserFactory, give_role


class ParentLetterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParentLetter

    version = 1
    title = "致家长的一封信"
    service_scope = "本校一至六年级学生自愿参加。"
    times = "午间 13:00-14:00，课后 16:00-18:00。"
    content = "作业辅导、阅读、体育活动和社团。"
    safety_measures = "教师全程看护，家长或授权人接送。"


class ServiceGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceGroup

    name = factory.Sequence(lambda n: f"课后服务{n}组")
    session = Session.AFTER_SCHOOL
    grade_from = 1
    grade_to = 6
    weekdays = factory.LazyFunction(lambda: [1, 2, 3, 4, 5])
    capacity = 10


def child_with_parent(homeroom_class, *, name=None, parent=None):
    """A new child in the class and a guardian with the parent role."""
    from accounts.roles import Role

    child = StudentFactory(homeroom_class=homeroom_class, **({"name": name} if name else {}))
    if parent is None:
        parent = UserFactory()
        give_role(parent, Role.PARENT)
    GuardianshipFactory(guardian=parent, student=child, relation=Guardianship.Relation.FATHER)
    return child, parent


def submit(*, parent, child, term, letter, sessions=("after_school",), weekdays=(1, 2, 3, 4, 5), claims=(),
           submitted_at: datetime.datetime | None = None, **kw):
    app = services.application_submit(by=parent, student=child, term=term, sessions=list(sessions),
                                      weekdays=list(weekdays), letter=letter, letter_acknowledged=True,
                                      priority_claims=claims, **kw)
    if submitted_at is not None:
        type(app).objects.filter(pk=app.pk).update(submitted_at=submitted_at)
        app.refresh_from_db()
    return app
