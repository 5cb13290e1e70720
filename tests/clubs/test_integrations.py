"""Clubs in the other apps' registries: the "club" audience of voice (exactly the children holding a
seat, and the club's teachers) and the child's club choices in the privacy data download."""
import pytest

from accounts.scoping import scope_of
from clubs import allocation
from clubs.models import ClubChoice
from privacy.selectors import child_data
from shahe_afterschool.errors import DomainError
from tests.factories import GuardianshipFactory, StudentFactory, UserFactory, give_role
from voice import services as voice
from voice.audiences import audience_kind
from voice.models import AnnouncementReceipt

from .factories import ChoiceWindowFactory, ClubFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def club_with_members(staff):
    """A one-seat club of school_a: child_a holds the seat, child_a2 waits, a third child withdrew."""
    from accounts.roles import Role

    w = staff
    ChoiceWindowFactory(school=w.school_a, term=w.term)
    club = ClubFactory(school=w.school_a, term=w.term, capacity=1, teachers=[w.teacher_a])
    third = StudentFactory(homeroom_class=w.class_a, name="王小三")
    parent3 = UserFactory(username="parent3")
    give_role(parent3, Role.PARENT)
    GuardianshipFactory(guardian=parent3, student=third)
    allocation.choice_make(user=w.parent_a, student=w.child_a, club=club, rank=1)
    allocation.choice_make(user=w.other_parent, student=w.child_a2, club=club, rank=1)
    gone = allocation.choice_make(user=parent3, student=third, club=club, rank=2)
    allocation.choice_withdraw(user=parent3, choice=gone)
    allocation.allocate(school=w.school_a, term=w.term)
    statuses = dict(ClubChoice.objects.filter(club=club).values_list("student_id", "status"))
    assert statuses[w.child_a.pk] == ClubChoice.Status.ENROLLED
    assert statuses[w.child_a2.pk] == ClubChoice.Status.WAITLISTED
    w.club, w.third, w.parent3 = club, third, parent3
    return w


def test_club_audience_reaches_exactly_the_members_guardians_and_teachers(club_with_members):
    w = club_with_members
    a = voice.announcement_publish(author=w.principal, title="社团停课", body="周三停课",
                                   rules=[voice.Rule("club", (w.club.pk,))], include_staff=True)
    receipts = set(AnnouncementReceipt.objects.filter(announcement=a).values_list("user_id", "audience"))
    assert receipts == {(w.parent_a.pk, "parent"), (w.teacher_a.pk, "staff")}


def test_club_audience_options_are_the_authors_approved_clubs(club_with_members):
    w = club_with_members
    other_school = ClubFactory(school=w.school_b, term=w.term)
    draft = ClubFactory(school=w.school_a, term=w.term, status="draft")
    kind = audience_kind("club")
    assert [pk for pk, _label in kind.options(scope_of(w.principal))] == [w.club.pk]
    assert kind.options(scope_of(w.parent_a)) == [] and kind.options(scope_of(w.teacher_a)) == []
    for club in (other_school, draft):
        with pytest.raises(DomainError):
            voice.audience_create(user=w.principal, rules=[voice.Rule("club", (club.pk,))])
    assert kind.school_ids([w.club.pk, other_school.pk]) == {w.school_a.pk, w.school_b.pk}


def test_club_choices_are_in_the_childs_data_download(club_with_members, client):
    w = club_with_members
    choices = child_data(student=w.child_a)["clubs"]["data"]["club_choices"]
    assert [(c["club"], c["rank"]) for c in choices] == [(w.club.name, 1)]
    assert child_data(student=w.child_b)["clubs"]["data"]["club_choices"] == []
    assert [c["club"] for c in child_data(student=w.third)["clubs"]["data"]["club_choices"]] == [w.club.name]
