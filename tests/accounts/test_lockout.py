"""Password spraying and attacks on one account (issue #17, item 5).

django-axes counts failed sign-ins per (account, address), per address across accounts and per
account across addresses (settings: AXES_LOCKOUT_PARAMETERS, SIGN_IN_FAILURE_LIMITS); the answer to a
lock is the same whether the account exists or not, and the admin (or `axes_reset_*`) unlocks.
"""
import re

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.management import call_command

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER = "198.51.100.66"


@pytest.fixture(autouse=True)
def _clean():
    AccessAttempt.objects.all().delete()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def limits(settings):
    return settings.AXES_FAILURE_LIMIT, settings.SIGN_IN_FAILURE_LIMITS["ip_address"], \
        settings.SIGN_IN_FAILURE_LIMITS["username"]


def sign_in(client, username, password=PASSWORD, address=ATTACKER, lang="en"):
    return client.post("/accounts/login/", {"username": username, "password": password},
                       REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=lang)


def token(api, username, password=PASSWORD, address=ATTACKER, lang="en"):
    return api.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json",
                    REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=lang)


def page_text(response) -> str:
    """The page without what differs from one response to the next (CSRF tokens)."""
    return re.sub(r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]*"', "", response.content.decode())


def test_spraying_25_accounts_from_one_address_is_locked_after_the_limit(world, client, limits):
    _pair, per_address, _per_account = limits
    victims = [UserFactory(username=f"spray{i:02}") for i in range(25)]
    answers = [sign_in(client, victim.username, "123456").status_code for victim in victims]
    # Each account saw one failure only; the address is locked at its limit (the locking try says so).
    assert answers == [200] * (per_address - 1) + [429] * (25 - per_address + 1)
    # While the lock lasts, even a right password from that address is refused...
    response = sign_in(client, "parent_a")
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    # ...and through the API too.
    assert token(api_client(), "principal").status_code == 429
    # Other addresses are not affected: neither the sprayed accounts nor anyone else.
    assert sign_in(client, victims[0].username, address="203.0.113.5").status_code == 302


def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def test_spraying_through_the_api_is_locked_too(world, api, limits):
    _pair, per_address, _per_account = limits
    victims = [UserFactory(username=f"spray{i:02}") for i in range(per_address)]
    answers = [token(api, victim.username, "123456").status_code for victim in victims]
    assert answers == [400] * (per_address - 1) + [429]
    assert token(api, "principal").status_code == 429
    assert token(api, "principal", address="203.0.113.5").status_code == 200


def test_one_account_attacked_from_many_addresses_is_locked(world, client, limits):
    _pair, _per_address, per_account = limits
    answers = [sign_in(client, "principal", "wrong", address=f"203.0.113.{i + 1}").status_code
               for i in range(per_account)]
    assert answers == [200] * (per_account - 1) + [429]
    # The right password from a new address is refused while the lock lasts.
    response = sign_in(client, "principal", address="192.0.2.200")
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    assert token(api_client(), "principal", address="192.0.2.201").status_code == 429
    # Those addresses were not locked: another account signs in from one of them.
    assert sign_in(client, "parent_a", address="203.0.113.1").status_code == 302


def test_a_few_mistakes_do_not_lock_the_address_or_the_account(world, client, limits):
    pair, _per_address, _per_account = limits
    for _ in range(pair - 1):
        assert sign_in(client, "principal", "wrong").status_code == 200
    assert sign_in(client, "principal").status_code == 302


def test_a_successful_sign_in_does_not_reset_a_spray_from_the_same_address(world, client, limits):
    """The attacker's own account signing in between rounds must not clear the address's count."""
    _pair, per_address, _per_account = limits
    victims = [UserFactory(username=f"spray{i:02}") for i in range(per_address)]
    for victim in victims[:per_address - 1]:
        assert sign_in(client, victim.username, "123456").status_code == 200
    assert sign_in(client, "parent_b").status_code == 302  # the attacker's own account
    client.post("/accounts/logout/", REMOTE_ADDR=ATTACKER)
    assert sign_in(client, victims[-1].username, "123456").status_code == 429


def test_a_successful_sign_in_clears_that_accounts_mistakes_from_that_address(world, client, limits):
    pair, _per_address, _per_account = limits
    for _ in range(pair - 1):
        sign_in(client, "principal", "wrong")
    assert sign_in(client, "principal").status_code == 302
    client.post("/accounts/logout/", REMOTE_ADDR=ATTACKER)
    for _ in range(pair - 1):
        assert sign_in(client, "principal", "wrong").status_code == 200


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_the_lock_does_not_tell_whether_the_account_exists(world, client, limits, lang):
    _pair, _per_address, per_account = limits
    answers = {}
    for username in ("principal", "no_such_user"):
        for i in range(per_account):
            sign_in(client, username, "wrong", address=f"203.0.113.{i + 1}")
        answers[username] = sign_in(client, username, "wrong", address="192.0.2.9", lang=lang)
    existing, missing = answers["principal"], answers["no_such_user"]
    assert existing.status_code == missing.status_code == 429
    assert page_text(existing) == page_text(missing)
    text = page_text(existing)
    assert "principal" not in text
    if lang == "en":
        assert "locked for 15 minutes for this account or this network" in text
    else:
        assert "此账号或当前网络的登录已被锁定 15 分钟" in text
    # The API answers alike.
    api = api_client()
    existing = token(api, "principal", "wrong", address="192.0.2.10", lang=lang)
    missing = token(api, "no_such_user", "wrong", address="192.0.2.10", lang=lang)
    assert existing.status_code == missing.status_code == 429
    assert existing.json() == missing.json()


def test_a_wrong_password_does_not_tell_whether_the_account_exists(world, client):
    existing = sign_in(client, "principal", "wrong")
    missing = sign_in(client, "no_such_user", "wrong")
    assert page_text(existing).replace("principal", "X") == page_text(missing).replace("no_such_user", "X")


@pytest.fixture
def admin_client(db):
    from django.test import Client

    admin = UserFactory(username="sysadmin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    return client


def test_the_admin_unlocks_an_account(world, client, admin_client, limits):
    _pair, _per_address, per_account = limits
    for i in range(per_account):
        sign_in(client, "principal", "wrong", address=f"203.0.113.{i + 1}")
    assert sign_in(client, "principal", address="192.0.2.1").status_code == 429
    listing = admin_client.get("/admin/axes/accessattempt/?q=principal")
    assert listing.status_code == 200 and "principal" in listing.content.decode()
    ids = list(AccessAttempt.objects.filter(username="principal").values_list("pk", flat=True))
    response = admin_client.post("/admin/axes/accessattempt/", {
        "action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert response.status_code == 302
    assert sign_in(client, "principal", address="192.0.2.1").status_code == 302


def test_the_admin_unlocks_an_address(world, client, admin_client, limits):
    _pair, per_address, _per_account = limits
    for i in range(per_address):
        sign_in(client, f"spray{i:02}", "123456")
    assert sign_in(client, "parent_a").status_code == 429
    ids = list(AccessAttempt.objects.filter(ip_address=ATTACKER).values_list("pk", flat=True))
    admin_client.post("/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": ids,
                                                      "post": "yes"})
    assert sign_in(client, "parent_a").status_code == 302


def test_the_reset_commands_unlock(world, client, limits):
    _pair, per_address, per_account = limits
    for i in range(per_account):
        sign_in(client, "principal", "wrong", address=f"203.0.113.{i + 1}")
    call_command("axes_reset_username", "principal", verbosity=0)
    assert sign_in(client, "principal", address="192.0.2.1").status_code == 302
    client.post("/accounts/logout/", REMOTE_ADDR="192.0.2.1")
    for i in range(per_address):
        sign_in(client, f"spray{i:02}", "123456")
    assert sign_in(client, "parent_a").status_code == 429
    call_command("axes_reset_ip", ATTACKER, verbosity=0)
    assert sign_in(client, "parent_a").status_code == 302
