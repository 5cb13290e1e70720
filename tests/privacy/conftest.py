import pytest

from accounts.roles import Role
from tests.factories import SchoolFactory, UserFactory, give_role


@pytest.fixture
def principal_b(world):
    """The principal of school_b (the other school of the matrix)."""
    user = UserFactory(username="principal_b", name="吴校长")
    give_role(user, Role.PRINCIPAL, school=world.school_b)
    return user


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", name="管理员", is_staff=True, is_superuser=True)


@pytest.fixture
def other_school(db):
    return SchoolFactory()
