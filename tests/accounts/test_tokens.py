"""API tokens: staff tokens follow the staff session policy; signing out can revoke them (#17, item 10)."""
import datetime

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from rest_framework.authtoken.models import Token

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 12, 2, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def _clean():
    AccessAttempt.objects.all().delete()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)

    def advance(seconds):
        time_machine.shift(datetime.timedelta(seconds=seconds))

    return advance


def sign_in(api, user):
    response = api.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return key


def test_a_staff_token_ends_after_the_idle_time(world, api, clock, settings):
    key = sign_in(api, world.principal)
    clock(settings.STAFF_SESSION_IDLE_SECONDS - 60)
    assert api.get("/api/v1/me/").status_code == 200
    clock(settings.STAFF_SESSION_IDLE_SECONDS + 1)
    response = api.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert not Token.objects.filter(key=key).exists()  # deleted, not only refused


def test_a_staff_token_stays_valid_while_used(world, api, clock, settings):
    sign_in(api, world.homeroom)
    for _ in range(6):  # three hours of a call every 25 minutes: never idle for 30
        clock(25 * 60)
        assert api.get("/api/v1/me/").status_code == 200


def test_a_staff_token_ends_at_the_absolute_limit_even_when_used(world, api, clock, settings):
    key = sign_in(api, world.bureau)
    elapsed = 0
    while elapsed + 20 * 60 <= settings.STAFF_SESSION_MAX_SECONDS:
        assert api.get("/api/v1/me/").status_code == 200
        clock(20 * 60)
        elapsed += 20 * 60
    clock(settings.STAFF_SESSION_MAX_SECONDS - elapsed + 1)
    assert api.get("/api/v1/me/").status_code == 401
    assert not Token.objects.filter(key=key).exists()


def test_signing_in_again_replaces_an_expired_staff_token(world, api, clock, settings):
    old = sign_in(api, world.principal)
    clock(settings.STAFF_SESSION_IDLE_SECONDS + 1)
    new = sign_in(api, world.principal)  # the expired token is not handed out again
    assert new != old
    assert api.get("/api/v1/me/").status_code == 200


def test_signing_in_again_keeps_a_live_staff_token(world, api, clock):
    old = sign_in(api, world.principal)
    clock(60)
    assert sign_in(api, world.principal) == old


def test_a_parent_token_keeps_its_fourteen_days(world, api, clock, settings):
    key = sign_in(api, world.parent_a)
    clock(settings.STAFF_SESSION_MAX_SECONDS + 3600)  # idle for longer than a staff token may live
    assert api.get("/api/v1/me/").status_code == 200
    clock(settings.API_TOKEN_TTL.total_seconds())
    assert api.get("/api/v1/me/").status_code == 401
    assert not Token.objects.filter(key=key).exists()


def test_a_lost_cache_ends_only_idle_staff_tokens(world, api, clock, settings):
    """The last use lives in the cache: without it a staff token counts as unused since its creation."""
    sign_in(api, world.principal)
    clock(60)
    cache.clear()
    assert api.get("/api/v1/me/").status_code == 200  # created a minute ago: not idle
    clock(settings.STAFF_SESSION_IDLE_SECONDS - 120)
    assert api.get("/api/v1/me/").status_code == 200  # its use was noted again
    clock(settings.STAFF_SESSION_IDLE_SECONDS + 1)
    cache.clear()
    assert api.get("/api/v1/me/").status_code == 401


def test_staff_token_checks_add_no_query(world, api, django_assert_num_queries):
    client = api.as_user(world.principal)
    assert client.get("/api/v1/students/").status_code == 200
    # token, scope (role rows, homeroom classes), count, page: as before the policy
    with django_assert_num_queries(4):
        assert client.get("/api/v1/students/").status_code == 200


# --- signing out on the web -------------------------------------------------------------------------

def test_sign_out_offers_to_revoke_the_api_tokens(world, login):
    client = login(world.homeroom)
    body = client.get("/schools/", HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
    assert 'name="revoke_tokens"' in body
    assert "Also sign out every tablet and app (revoke API tokens)" in body
    body = client.get("/schools/", follow=True).content.decode()
    assert "同时退出所有平板/应用（撤销 API 令牌）" in body


def test_sign_out_with_revoke_deletes_the_tokens(world, login, api):
    api.as_user(world.homeroom)
    assert api.get("/api/v1/me/").status_code == 200
    client = login(world.homeroom)
    response = client.post("/accounts/logout/", {"revoke_tokens": "1"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "API tokens revoked: 1" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not Token.objects.filter(user=world.homeroom).exists()
    assert api.get("/api/v1/me/").status_code == 401


def test_plain_sign_out_keeps_the_tokens(world, login, api):
    api.as_user(world.homeroom)
    client = login(world.homeroom)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert api.get("/api/v1/me/").status_code == 200


def test_revoke_on_sign_out_needs_a_signed_in_user(world, client, api):
    api.as_user(world.homeroom)
    assert client.post("/accounts/logout/", {"revoke_tokens": "1"}).status_code == 302
    assert api.get("/api/v1/me/").status_code == 200
