"""Targeting: exactly the right parents receive an announcement or a questionnaire."""
import pytest
from django.core import mail

from notices.models import Notification
from schools.models import Student
from shahe_afterschool.errors import DomainError
from voice import services
from voice.audiences import AUDIENCE_KINDS, AudienceKind, register_audience_kind
from voice.models import AnnouncementReceipt, SurveyInvitation

pytestmark = pytest.mark.django_db


def recipients(announcement, audience="parent"):
    return set(AnnouncementReceipt.objects.filter(announcement=announcement, audience=audience)
               .values_list("user__username", flat=True))


def publish(author, *rules, **kw):
    return services.announcement_publish(author=author, title="通知", body="内容", rules=list(rules), **kw)


def test_class_announcement_reaches_exactly_the_parents_of_the_class(voice_world):
    w = voice_world
    a = publish(w.principal, services.Rule("class", (w.class_a.pk,)))
    assert recipients(a) == {"parent_a", "other_parent"}
    assert recipients(a, "staff") == set()


def test_grade_announcement_reaches_every_class_of_the_grade_and_no_other(voice_world):
    w = voice_world
    a = publish(w.moral, services.Rule("grade", (w.grade3.pk,)))
    assert recipients(a) == {"parent_a", "other_parent", "parent_a3"}


def test_school_announcement_reaches_the_school_and_not_another(voice_world):
    w = voice_world
    a = publish(w.principal, services.Rule("school", (w.school_a.pk,)))
    assert recipients(a) == {"parent_a", "other_parent", "parent_a3", "parent_a4"}


def test_city_announcement_with_staff_reaches_every_parent_and_school_staff(voice_world):
    w = voice_world
    a = publish(w.bureau, services.Rule("city"), include_staff=True)
    assert recipients(a) == {"parent_a", "other_parent", "parent_a3", "parent_a4", "parent_b"}
    assert recipients(a, "staff") == {"homeroom", "principal", "moral_a", "teacher_b"}
    assert a.school is None


def test_bureau_can_address_some_schools_staff_only(voice_world):
    w = voice_world
    a = publish(w.bureau, services.Rule("school", (w.school_b.pk,)), include_parents=False, include_staff=True)
    assert recipients(a) == set()
    assert recipients(a, "staff") == {"teacher_b"}


def test_district_rule_reaches_the_districts_schools(voice_world):
    w = voice_world
    a = publish(w.bureau, services.Rule("district", (w.district_b.pk,)))
    assert recipients(a) == {"parent_b"}


def test_transferred_children_and_ended_guardianships_are_not_reached(voice_world):
    w = voice_world
    Student.objects.filter(pk=w.child_a2.pk).update(status=Student.Status.TRANSFERRED)
    w.child_a.guardianships.update(active=False)
    a = publish(w.principal, services.Rule("school", (w.school_a.pk,)))
    assert recipients(a) == {"parent_a3", "parent_a4"}


def test_a_school_cannot_address_another_schools_class_and_nothing_is_written(voice_world):
    w = voice_world
    with pytest.raises(DomainError):
        publish(w.principal, services.Rule("class", (w.class_b.pk,)))
    with pytest.raises(DomainError):
        publish(w.principal, services.Rule("city"))
    with pytest.raises(DomainError):
        publish(w.parent_a, services.Rule("class", (w.class_a.pk,)))
    with pytest.raises(DomainError):
        publish(w.homeroom, services.Rule("class", (w.class_a.pk,)))
    assert not AnnouncementReceipt.objects.exists()


def test_unknown_kind_or_empty_ids_is_refused(voice_world):
    w = voice_world
    for rule in (services.Rule("planet", (1,)), services.Rule("class", ())):
        with pytest.raises(DomainError):
            publish(w.principal, rule)


def test_announcement_lands_in_the_inbox_and_by_email(voice_world, django_capture_on_commit_callbacks):
    w = voice_world
    w.parent_a.email = "zhang@example.cn"
    w.parent_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        a = publish(w.principal, services.Rule("class", (w.class_a.pk,)), must_read=True)
    notices = Notification.objects.filter(kind="voice.announcement")
    assert set(notices.values_list("recipient__username", flat=True)) == {"parent_a", "other_parent"}
    assert notices.first().link == f"/voice/announcements/{a.pk}/"
    assert notices.first().must_read
    assert [m.to for m in mail.outbox] == [["zhang@example.cn"]]
    # Delivering twice (a retried task) notifies nobody twice.
    assert services.announcement_deliver(announcement_id=a.pk) == 0


def test_per_child_survey_invites_each_guardian_for_each_child_in_the_audience(voice_world):
    w = voice_world
    q = services.questionnaire_create(author=w.principal, title="问卷", rules=[services.Rule("grade", (w.grade3.pk,))],
                                      per="child")
    services.question_add(user=w.principal, questionnaire=q, kind="rating", text="满意度")
    services.questionnaire_open(user=w.principal, questionnaire=q)
    got = set(SurveyInvitation.objects.filter(questionnaire=q).values_list("user__username", "student__name"))
    assert got == {("parent_a", "张小明"), ("other_parent", "李小红"), ("parent_a3", "陈小东")}


def test_per_family_survey_invites_a_guardian_of_two_children_once(voice_world):
    w = voice_world
    from tests.factories import GuardianshipFactory

    GuardianshipFactory(guardian=w.parent_a, student=w.child_a4)
    q = services.questionnaire_create(author=w.bureau, title="问卷", rules=[services.Rule("city")], per="family")
    services.question_add(user=w.bureau, questionnaire=q, kind="rating", text="满意度")
    services.questionnaire_open(user=w.bureau, questionnaire=q)
    rows = list(SurveyInvitation.objects.filter(questionnaire=q).values_list("user__username", "student_id"))
    assert sorted(u for u, _s in rows) == ["other_parent", "parent_a", "parent_a3", "parent_a4", "parent_b"]
    assert all(s is None for _u, s in rows)


def test_a_registered_audience_kind_extends_targeting_without_changing_voice(voice_world):
    """What the clubs app will do: register a "club" kind. Here a stand-in club holds child_a3 and child_b."""
    w = voice_world
    members = {7: [w.child_a3.pk]}
    register_audience_kind(AudienceKind(
        code="test_club", label="社团",
        students=lambda ids: Student.objects.filter(pk__in=[p for i in ids for p in members.get(i, [])]),
        school_ids=lambda ids: {w.school_a.pk},
        options=lambda scope: [(7, "足球社")] if w.school_a.pk in scope.staff_school_ids else [],
    ))
    try:
        a = publish(w.principal, services.Rule("test_club", (7,)))
        assert recipients(a) == {"parent_a3"}
        with pytest.raises(DomainError):  # school_b's teacher is not offered this club
            publish(w.bureau, services.Rule("test_club", (8,)))
    finally:
        AUDIENCE_KINDS.pop("test_club")
