"""Invitation codes: a guardian sets a password with the code on the school's letter."""
import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import Invitation, UserSession
from accounts.roles import Role
from accounts.services import invitation_issue, user_deactivate
from tests.factories import PASSWORD, GuardianshipFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW_PASSWORD = "Shahe-river-2026"


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def new_parent(world):
    """A guardian the roster import created: an account without a password, linked to child_a."""
    parent = User.objects.create(username="13911112222", name="张妈妈", phone="13911112222")
    parent.set_unusable_password()
    parent.save()
    give_role(parent, Role.PARENT)
    GuardianshipFactory(guardian=parent, student=world.child_a)
    return parent


def join(client, code, password=NEW_PASSWORD, password2=None, **extra):
    return client.post("/accounts/join/", {"code": code, "password1": password, "password2": password2 or password},
                       HTTP_ACCEPT_LANGUAGE="en", **extra)


def test_parent_joins_with_code_and_sees_own_child(world, client, new_parent):
    code = invitation_issue(user=new_parent, by=world.principal, school=world.school_a)
    response = join(client, code.lower().replace("-", " "))  # typed in lower case with a space
    assert response.status_code == 302
    new_parent.refresh_from_db()
    assert new_parent.check_password(NEW_PASSWORD)
    page = client.get("/schools/my-children/").content.decode()
    assert world.child_a.name in page and world.child_a2.name not in page
    # and can sign in with the new password afterwards
    client.logout()
    assert client.post("/accounts/login/", {"username": "13911112222", "password": NEW_PASSWORD}).status_code == 302


def test_code_works_only_once(world, client, new_parent):
    code = invitation_issue(user=new_parent, by=world.principal)
    assert join(client, code).status_code == 302
    client.logout()
    response = join(client, code, password="Another-pass-2026")
    assert response.status_code == 400
    assert "already been used" in response.content.decode()
    new_parent.refresh_from_db()
    assert new_parent.check_password(NEW_PASSWORD)


def test_expired_code_is_refused(world, client, new_parent):
    code = invitation_issue(user=new_parent, by=world.principal)
    Invitation.objects.filter(user=new_parent).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = join(client, code)
    assert response.status_code == 400 and "expired" in response.content.decode()
    new_parent.refresh_from_db()
    assert not new_parent.has_usable_password()


def test_wrong_code_is_refused_and_nothing_changes(world, client, new_parent):
    invitation_issue(user=new_parent, by=world.principal)
    response = join(client, "ABCDE-FGHJK")
    assert response.status_code == 400 and "not valid" in response.content.decode()
    new_parent.refresh_from_db()
    assert not new_parent.has_usable_password()


def test_weak_password_is_refused_with_the_validators_message(world, client, new_parent):
    code = invitation_issue(user=new_parent, by=world.principal)
    response = join(client, code, password="12345678")
    assert response.status_code == 400
    assert "entirely numeric" in response.content.decode() or "too common" in response.content.decode()
    assert join(client, code, password="Abc-12345678", password2="different-1").status_code == 400
    # the code was not spent by the failed attempts
    assert join(client, code).status_code == 302


def test_a_new_code_replaces_the_old_one(world, client, new_parent):
    old = invitation_issue(user=new_parent, by=world.principal)
    new = invitation_issue(user=new_parent, by=world.principal)
    assert join(client, old).status_code == 400
    assert join(client, new).status_code == 302


def test_brute_force_is_throttled_even_for_the_right_code(world, client, new_parent):
    code = invitation_issue(user=new_parent, by=world.principal)
    for i in range(10):
        assert join(client, f"ZZZZZ-ZZZ{i + 2}Z").status_code == 400
    response = join(client, code)
    assert response.status_code == 429
    assert "Too many wrong codes" in response.content.decode()
    new_parent.refresh_from_db()
    assert not new_parent.has_usable_password()
    # another address is not blocked
    assert join(client, code, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_no_code_for_an_account_that_already_has_a_password(world):
    from shahe_afterschool.errors import DomainError

    with pytest.raises(DomainError):
        invitation_issue(user=world.parent_a, by=world.principal)


def test_codes_are_stored_only_as_hashes(world, new_parent):
    code = invitation_issue(user=new_parent, by=world.principal)
    stored = Invitation.objects.get(user=new_parent).code_hash
    assert code.replace("-", "") not in stored and len(stored) == 64


# --- deactivation -----------------------------------------------------------------------------------------
def test_deactivation_ends_sessions_and_tokens(world, client):
    teacher = UserFactory(username="t_leaving")
    give_role(teacher, Role.TEACHER, school=world.school_a)
    assert client.post("/accounts/login/", {"username": "t_leaving", "password": PASSWORD}).status_code == 302
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    assert UserSession.objects.filter(user=teacher, session_key=key).exists()
    Token.objects.create(user=teacher)
    user_deactivate(user=teacher)
    assert not Session.objects.filter(session_key=key).exists()
    assert not Token.objects.filter(user=teacher).exists()
    assert client.get("/accounts/profile/").status_code == 302  # back to the sign-in page


def test_principal_deactivates_staff_from_the_staff_page(world, login, client):
    from django.test import Client

    teacher = UserFactory(username="t_gone")
    give_role(teacher, Role.TEACHER, school=world.school_a)
    teacher_client = Client()
    assert teacher_client.post("/accounts/login/", {"username": "t_gone", "password": PASSWORD}).status_code == 302
    token = Token.objects.create(user=teacher)
    principal = login(world.principal)
    response = principal.post(f"/schools/{world.school_a.pk}/staff/{teacher.pk}/deactivate/")
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert not teacher.is_active
    assert teacher_client.get("/accounts/profile/").status_code == 302
    assert not Session.objects.filter(session_key=teacher_client.session.session_key).exists()
    api = __import__("rest_framework.test", fromlist=["APIClient"]).APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/me/").status_code == 401
