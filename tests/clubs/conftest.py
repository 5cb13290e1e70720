import pytest

from accounts.roles import Role
from tests.factories import UserFactory, give_role


@pytest.fixture
def staff(world):
    """Extra staff: the teaching office of school_a, a teacher of school_a, the principal of school_b."""
    academic = UserFactory(username="academic_a", name="钱主任")
    give_role(academic, Role.ACADEMIC, school=world.school_a)
    teacher_a = UserFactory(username="teacher_a", name="吴老师")
    give_role(teacher_a, Role.TEACHER, school=world.school_a)
    principal_b = UserFactory(username="principal_b", name="郑校长")
    give_role(principal_b, Role.PRINCIPAL, school=world.school_b)
    world.academic, world.teacher_a, world.principal_b = academic, teacher_a, principal_b
    return world


@pytest.fixture
def relogin(client, login):
    """`login` that first signs out, for tests that act as several users in turn."""

    def do(user):
        client.logout()
        return login(user)

    return do


@pytest.fixture
def clubs_catalogue(transactional_db):
    """For transactional tests: a transactional test run before on the same worker flushes every
    table, the catalogue loaded by the data migration included. Loads it again (idempotent)."""
    from tests.conftest import load_clubs_catalogue

    load_clubs_catalogue()
