"""Fixtures of parent voice, on top of the role matrix `world`.

`voice_world` adds to school_a a second grade-3 class (class_a3, child_a3 of parent_a3) and a
grade-4 class (class_a4, child_a4 of parent_a4), and a moral-education officer of school_a.
"""
import pytest

from accounts.roles import Role
from tests.factories import (
    GradeFactory,
    GuardianshipFactory,
    HomeroomClassFactory,
    StudentFactory,
    UserFactory,
    give_role,
)


@pytest.fixture
def voice_world(world):
    grade3 = world.class_a.grade
    grade4 = GradeFactory(school=world.school_a, number=4)
    class_a3 = HomeroomClassFactory(school=world.school_a, grade=grade3, name="三年级（9）班")
    class_a4 = HomeroomClassFactory(school=world.school_a, grade=grade4, name="四年级（1）班")
    child_a3 = StudentFactory(homeroom_class=class_a3, name="陈小东")
    child_a4 = StudentFactory(homeroom_class=class_a4, name="吴小西")
    parent_a3 = UserFactory(username="parent_a3", name="陈家长")
    parent_a4 = UserFactory(username="parent_a4", name="吴家长")
    for parent, child in ((parent_a3, child_a3), (parent_a4, child_a4)):
        GuardianshipFactory(guardian=parent, student=child)
        give_role(parent, Role.PARENT)
    moral = UserFactory(username="moral_a", name="德育处")
    give_role(moral, Role.MORAL_ED, school=world.school_a)
    world.__dict__.update(grade3=grade3, grade4=grade4, class_a3=class_a3, class_a4=class_a4, child_a3=child_a3,
                          child_a4=child_a4, parent_a3=parent_a3, parent_a4=parent_a4, moral=moral)
    return world


@pytest.fixture
def survey(voice_world):
    """An open, anonymous, once-per-child questionnaire of school_a to class_a, with one question
    of each kind."""
    from voice import services
    from voice.models import Question

    w = voice_world
    q = services.questionnaire_create(author=w.principal, title="课后服务调查", rules=[services.Rule("class", (w.class_a.pk,))],
                                      per="child", anonymous=True)
    services.question_add(user=w.principal, questionnaire=q, kind=Question.Kind.SINGLE, text="时段",
                          choices=["午间", "课后", "都参加"])
    services.question_add(user=w.principal, questionnaire=q, kind=Question.Kind.MULTIPLE, text="社团",
                          choices=["体育", "艺术", "科技"])
    services.question_add(user=w.principal, questionnaire=q, kind=Question.Kind.RATING, text="总体满意度")
    services.question_add(user=w.principal, questionnaire=q, kind=Question.Kind.TEXT, text="建议", required=False)
    services.questionnaire_open(user=w.principal, questionnaire=q)
    return q


def answers_for(questionnaire, *, single=0, multiple=(0,), rating=5, text=""):
    """Answers by position of the choice, for the fixture's four questions."""
    q1, q2, q3, q4 = list(questionnaire.questions.prefetch_related("choices"))
    c1, c2 = list(q1.choices.all()), list(q2.choices.all())
    return {q1.pk: c1[single].pk, q2.pk: [c2[i].pk for i in multiple], q3.pk: rating, q4.pk: text}

