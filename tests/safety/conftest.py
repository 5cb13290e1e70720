import pytest

from tests.factories import Role, UserFactory, VenueFactory, give_role


@pytest.fixture
def safety(world):
    """`world` plus what safety tests need: venues, a plain teacher of school_a, a second principal
    of school_b, a district user of district_b."""
    world.venue_a = VenueFactory(school=world.school_a, name="操场")
    world.venue_b = VenueFactory(school=world.school_b, name="体育馆")
    world.teacher_a = UserFactory(username="teacher_a", name="钱老师")
    give_role(world.teacher_a, Role.TEACHER, school=world.school_a)
    world.principal_b = UserFactory(username="principal_b", name="吴校长")
    give_role(world.principal_b, Role.PRINCIPAL, school=world.school_b)
    world.district_b_user = UserFactory(username="district_b", name="郑主任")
    give_role(world.district_b_user, Role.DISTRICT, district=world.district_b)
    return world


@pytest.fixture
def login_as():
    """Like `login`, but a fresh browser per call, so one test can act as several people."""
    from django.test import Client

    from tests.factories import PASSWORD

    def do(user):
        client = Client()
        response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302
        return client

    return do
