"""Group venues against club venues, both directions (issue #22 item 5): a club in the room an
after-school group holds is refused naming the group and its time; a group moved into a room a club
uses at that time is refused naming the club."""
import pytest
from django.utils import translation

from accounts.roles import Role
from clubs import services
from clubs.selectors import clash_list
from enrollment import services as enrollment_services
from enrollment.models import Session
from shahe_afterschool.errors import ConflictError, DomainError
from tests.attendance.factories import approved_plan
from tests.clubs.factories import ClubFactory, club_type
from tests.enrollment.factories import ServiceGroupFactory
from tests.factories import UserFactory, VenueFactory, give_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def rooms(staff):
    w = staff
    w.moral = UserFactory(username="clash_moral", name="德育处")
    give_role(w.moral, Role.MORAL_ED, school=w.school_a)
    approved_plan(w.school_a, w.term)  # after school 16:00-18:00, winter and summer
    w.library = VenueFactory(school=w.school_a, name="图书馆", capacity=60)
    w.gym = VenueFactory(school=w.school_a, name="体育馆", capacity=80)
    w.group = ServiceGroupFactory(school=w.school_a, term=w.term, venue=w.library, name="三四年级课后服务组",
                                  session=Session.AFTER_SCHOOL, weekdays=[1, 2, 3, 4, 5], capacity=40)
    return w


def _club_in(w, venue, slots):
    return services.club_create(user=w.academic, school=w.school_a, term=w.term, club_type=club_type("seal-carving"),
                                name="篆刻社", venue=venue, capacity=20, grade_min=3, grade_max=6,
                                teachers=[w.teacher_a], slots=slots)


def test_a_club_in_a_groups_room_is_refused_naming_the_group_and_its_time(rooms):
    club = _club_in(rooms, rooms.library, [(3, "17:00", "18:00")])
    with translation.override("en"), pytest.raises(DomainError) as exc:
        services.club_submit(user=rooms.academic, club=club)
    problems = [str(p) for p in exc.value.extra["problems"]]
    assert "Clashes with 三四年级课后服务组 (图书馆 Wednesday 16:00-18:00)." in problems
    with translation.override("zh-hans"):
        assert "与三四年级课后服务组（图书馆 星期三 16:00-18:00）冲突" in [str(p) for p in services.club_problems(club)]


def test_a_club_elsewhere_or_after_the_window_is_accepted(rooms):
    club = _club_in(rooms, rooms.gym, [(3, "17:00", "18:00")])
    services.club_submit(user=rooms.academic, club=club)
    assert not [c for c in clash_list(term=rooms.term, school_ids=[rooms.school_a.pk]) if c.resource[0] == "venue"]


def test_a_group_moved_into_a_clubs_room_is_refused_naming_the_club(rooms):
    ClubFactory(school=rooms.school_a, term=rooms.term, name="篮球社", venue=rooms.gym, slots=[(2, "16:30", "17:30")])
    with translation.override("en"), pytest.raises(ConflictError) as exc:
        enrollment_services.service_group_update(group=rooms.group, by=rooms.moral, venue=rooms.gym)
    assert str(exc.value.message) == "Clashes with 篮球社 (体育馆 Tuesday 16:30-17:30)."
    assert exc.value.field == "venue"
    rooms.group.refresh_from_db()
    assert rooms.group.venue == rooms.library


def test_a_new_group_in_a_clubs_room_is_refused(rooms):
    ClubFactory(school=rooms.school_a, term=rooms.term, name="篮球社", venue=rooms.gym, slots=[(5, "17:00", "18:00")])
    with pytest.raises(ConflictError):
        enrollment_services.service_group_create(school=rooms.school_a, term=rooms.term, by=rooms.moral,
                                                 name="五六年级组", session=Session.AFTER_SCHOOL, grade_from=5,
                                                 grade_to=6, weekdays=[5], capacity=30, venue=rooms.gym)
    # on a day the club does not meet it is fine
    group = enrollment_services.service_group_create(school=rooms.school_a, term=rooms.term, by=rooms.moral,
                                                     name="五六年级组", session=Session.AFTER_SCHOOL, grade_from=5,
                                                     grade_to=6, weekdays=[1, 2], capacity=30, venue=rooms.gym)
    assert group.venue == rooms.gym


def test_the_timetable_lists_a_venue_clash_between_a_group_and_a_club(rooms):
    ClubFactory(school=rooms.school_a, term=rooms.term, name="读书社", venue=rooms.library, slots=[(3, "17:00", "18:00")])
    clashes = [c for c in clash_list(term=rooms.term, school_ids=[rooms.school_a.pk]) if c.resource[0] == "venue"]
    assert {frozenset((c.first.label, c.second.label)) for c in clashes} == {frozenset(("三四年级课后服务组", "读书社"))}
