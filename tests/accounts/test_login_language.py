"""Signing in switches the interface to the user's saved language (issue 20 item 7): the language
switch keeps a signed-in user's choice (`User.language`); a sign-in (password, phone code) puts it in
the cookie Django's LocaleMiddleware reads, so an English-preferring parent who signs in on a fresh
browser sees English, and a Chinese-preferring one on an English browser sees Chinese. The API's
token answer carries the saved language for the app to use."""
import datetime
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from notices.models import OutboxMessage
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
NOON = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def fresh_counters(settings):
    """Phone codes count in the cache: a local one here, cleared (see test_phone_sign_in.py)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "login-language-tests"}}
    cache.clear()
    yield
    cache.clear()


def fresh_browser(accept="zh-CN,zh;q=0.9"):
    """A browser that has never seen the site (no cookie), asking for `accept`."""
    return Client(HTTP_ACCEPT_LANGUAGE=accept)


def saved(user, language):
    user.language = language
    user.save(update_fields=["language"])
    return user


def page_language(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def password_sign_in(browser, user):
    response = browser.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return response


def phone_sign_in(browser, phone):
    assert browser.post("/accounts/login/phone/", {"phone": phone, "action": "send"}).status_code == 200
    text = OutboxMessage.objects.filter(to=phone).order_by("-id").first().text
    code = re.search(r"\d{6}", text).group(0)
    response = browser.post("/accounts/login/phone/", {"phone": phone, "code": code, "action": "sign_in"})
    assert response.status_code == 302, response.content[:300]
    return response


SIGN_INS = {
    "password": lambda browser, user: password_sign_in(browser, user),
    "phone code": lambda browser, user: phone_sign_in(browser, user.phone),
}


@pytest.mark.time_machine(NOON)
@pytest.mark.parametrize("how", list(SIGN_INS))
def test_an_english_preferring_parent_sees_english_on_a_fresh_browser(world, how):
    parent = saved(world.parent_a, "en")
    browser = fresh_browser()
    assert page_language(browser.get("/accounts/login/")) == "zh-hans"  # before: the browser's Chinese
    response = SIGN_INS[how](browser, parent)
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en" and int(cookie["max-age"]) == settings.LANGUAGE_COOKIE_AGE  # kept a year
    home = browser.get(response["Location"], follow=True)
    assert page_language(home) == "en"
    assert "Sign out" in home.content.decode()
    # ... and on every later page, without choosing again
    inbox = browser.get("/notices/")
    assert page_language(inbox) == "en" and "Inbox" in inbox.content.decode()


@pytest.mark.time_machine(NOON)
@pytest.mark.parametrize("how", list(SIGN_INS))
def test_a_chinese_preferring_user_sees_chinese_on_an_english_browser(world, how):
    parent = saved(world.parent_a, "zh-hans")
    browser = fresh_browser("en-US,en;q=0.9")
    assert page_language(browser.get("/accounts/login/")) == "en"
    response = SIGN_INS[how](browser, parent)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert page_language(browser.get(response["Location"], follow=True)) == "zh-hans"


@pytest.mark.time_machine(NOON)
@pytest.mark.parametrize("how", list(SIGN_INS))
def test_without_a_saved_language_the_browsers_choice_stands(world, how):
    assert world.parent_a.language == ""
    browser = fresh_browser("en-US,en;q=0.9")
    response = SIGN_INS[how](browser, world.parent_a)
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert page_language(browser.get(response["Location"], follow=True)) == "en"


def test_the_switch_then_a_sign_in_elsewhere_follows_the_choice(world, login):
    """A parent switches to English on the phone; later signs in on a tablet that never saw the site."""
    phone = login(world.parent_a)
    phone.post("/i18n/setlang/", {"language": "en", "next": "/"})
    world.parent_a.refresh_from_db()
    tablet = fresh_browser()
    response = password_sign_in(tablet, world.parent_a)
    assert page_language(tablet.get(response["Location"], follow=True)) == "en"


def test_a_failed_sign_in_sets_no_language(world):
    saved(world.parent_a, "en")
    browser = fresh_browser()
    response = browser.post("/accounts/login/", {"username": world.parent_a.username, "password": "wrong"})
    assert response.status_code == 200
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert page_language(response) == "zh-hans"


def test_a_tests_force_login_changes_no_active_language(world, client):
    from django.utils import translation

    saved(world.parent_a, "en")
    with translation.override("zh-hans"):
        client.force_login(world.parent_a)
        assert translation.get_language() == "zh-hans"


@pytest.mark.time_machine(NOON)
def test_the_api_token_answer_carries_the_saved_language(world):
    from rest_framework.test import APIClient

    api = APIClient()
    saved(world.parent_a, "en")
    by_password = api.post("/api/v1/auth/token/", {"username": world.parent_a.username, "password": PASSWORD},
                           format="json")
    assert by_password.status_code == 200 and by_password.json()["language"] == "en"
    assert api.post("/api/v1/auth/sms-code/", {"phone": world.parent_a.phone}, format="json").status_code == 202
    code = re.search(r"\d{6}", OutboxMessage.objects.get(to=world.parent_a.phone).text).group(0)
    by_code = api.post("/api/v1/auth/token/", {"phone": world.parent_a.phone, "code": code}, format="json")
    assert by_code.status_code == 200 and by_code.json()["language"] == "en"
    me = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {by_code.json()['token']}")
    assert me.json()["language"] == "en"
    none_saved = api.post("/api/v1/auth/token/", {"username": world.other_parent.username, "password": PASSWORD},
                          format="json")
    assert none_saved.json()["language"] == ""
