"""Sign-in with a code sent by SMS (手机验证码登录), page and API (issue 20 items 5 and 9). No
provider is configured: the code is read from the outbox, as the demo does."""
import datetime
import re

import pytest
from django.core.cache import cache

from accounts.models import AuditEvent, PhoneCode
from accounts.phones import normalise_phone
from notices.models import Notification, OutboxMessage
from shahe_afterschool.errors import DomainError

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
NOON = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def fresh_counters(settings):
    """The limits' counters live in the cache with expiry times; these tests move the clock (time
    machine), which an in-process cache follows and Redis (CI's cache) does not: its keys expire in
    real time. So the counters here are in a local-memory cache, whatever the run's cache is."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "phone-sign-in-tests"}}
    cache.clear()
    yield
    cache.clear()


def last_code(phone="13800000001") -> str:
    message = OutboxMessage.objects.filter(to=phone).order_by("-id").first()
    return re.search(r"\d{6}", message.text).group(0)


def ask(api, phone="13800000001", **extra):
    return api.post("/api/v1/auth/sms-code/", {"phone": phone}, format="json", **extra)


def token(api, phone="13800000001", code=""):
    return api.post("/api/v1/auth/token/", {"phone": phone, "code": code}, format="json")


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.mark.parametrize("raw", ["13800000001", "+86 138 0000 0001", "+86-138-0000-0001", "0086 13800000001",
                                 "138-0000-0001", "１３８００００００01", "(138) 0000 0001", "8613800000001"])
def test_phone_numbers_in_every_form_people_type_them(raw):
    assert normalise_phone(raw) == "13800000001"


@pytest.mark.parametrize(("raw", "words"), [("010-62345678", "固定电话"), ("1380000000", "11位"),
                                           ("138000000012", "11位"), ("138abc00001", "只能包含数字"),
                                           ("12800000001", "中国大陆"), ("", "请输入")])
def test_landlines_wrong_lengths_and_letters_are_refused_with_a_message(raw, words):
    with pytest.raises(DomainError) as info:
        normalise_phone(raw)
    assert words in str(info.value.message)


@pytest.mark.time_machine(NOON)
def test_api_sign_in_with_a_code(world, api):
    assert ask(api, "+86 138-0000-0001").status_code == 202
    code = last_code()
    stored = PhoneCode.objects.get()
    assert code not in stored.code_hash and stored.user == world.parent_a  # only a hash is kept
    response = token(api, code=code)
    assert response.status_code == 200 and response.json()["token"]
    me = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert me.json()["username"] == "parent_a"


@pytest.mark.time_machine(NOON)
def test_the_password_token_endpoint_is_unchanged(world, api):
    from tests.factories import PASSWORD

    assert api.post("/api/v1/auth/token/", {"username": "parent_a", "password": PASSWORD},
                    format="json").status_code == 200
    assert api.post("/api/v1/auth/token/", {"username": "parent_a", "password": "x"}, format="json").status_code == 400


def test_a_code_expires_after_five_minutes(world, api, time_machine):
    time_machine.move_to(NOON, tick=False)
    ask(api)
    code = last_code()
    time_machine.move_to(NOON + datetime.timedelta(minutes=5, seconds=1), tick=False)
    response = token(api, code=code)
    assert response.status_code == 400 and "过期" in response.json()["code"][0]


@pytest.mark.time_machine(NOON)
def test_a_code_is_used_once(world, api):
    ask(api)
    code = last_code()
    assert token(api, code=code).status_code == 200
    assert token(api, code=code).status_code == 400


@pytest.mark.time_machine(NOON)
def test_five_wrong_tries_end_the_code(world, api):
    ask(api)
    code = last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert token(api, code=wrong).status_code == 400
    assert token(api, code=code).status_code == 400  # the right code, too late
    assert PhoneCode.objects.get().wrong_tries == 5
    assert AuditEvent.objects.filter(action="login_failed", object_type="phone_code").count() == 6


@pytest.mark.time_machine(NOON)
@pytest.mark.parametrize("code", ["12a456", "12345", "1234567", ""])
def test_a_code_with_letters_or_the_wrong_length_is_400(world, api, code):
    response = token(api, code=code)
    assert response.status_code == 400 and response.json()["code"]


def test_resend_after_sixty_seconds(world, api, time_machine):
    time_machine.move_to(NOON, tick=False)
    assert ask(api).status_code == 202
    first = last_code()
    response = ask(api)
    assert response.status_code == 429 and "一分钟" in response.json()["detail"]
    time_machine.move_to(NOON + datetime.timedelta(seconds=61), tick=False)
    assert ask(api).status_code == 202
    assert OutboxMessage.objects.count() == 2
    assert token(api, code=first).status_code == 400  # a new code ends the earlier one
    assert token(api, code=last_code()).status_code == 200


def test_at_most_ten_codes_a_day_per_number(world, api, time_machine):
    start = NOON
    statuses = []
    for i in range(11):
        time_machine.move_to(start + datetime.timedelta(minutes=2 * i), tick=False)
        statuses.append(ask(api, REMOTE_ADDR=f"10.1.0.{i}").status_code)
    assert statuses == [202] * 10 + [429]
    assert OutboxMessage.objects.count() == 10


def test_at_most_twenty_requests_an_hour_per_address(world, api, time_machine):
    time_machine.move_to(NOON, tick=False)
    statuses = [ask(api, f"139{i:08d}").status_code for i in range(21)]
    assert statuses == [202] * 20 + [429]


@pytest.mark.time_machine(NOON)
def test_the_same_answer_for_an_unknown_number_and_nothing_sent(world, api, client):
    known, unknown = ask(api, "13800000001"), ask(api, "13999999999")
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert list(OutboxMessage.objects.values_list("to", flat=True)) == ["13800000001"]
    page_known = client.post("/accounts/login/phone/", {"phone": "13800000003", "action": "send"})
    page_unknown = client.post("/accounts/login/phone/", {"phone": "13999999998", "action": "send"})
    def strip(response):  # the echoed number and the CSRF tokens differ
        return re.sub(r'value="[^"]*"|"X-CSRFToken": "[^"]*"', "", response.content.decode())

    assert page_known.status_code == page_unknown.status_code == 200
    assert strip(page_known) == strip(page_unknown)
    assert token(api, "13999999999", "123456").status_code == 400


def test_the_city_budget_pauses_sending_and_alerts_the_administrator(world, api, settings, time_machine):
    from accounts.roles import Role
    from tests.factories import UserFactory, give_role

    admin = UserFactory(username="sysadmin")
    give_role(admin, Role.ADMIN)
    settings.SMS_HOURLY_BUDGET = 2
    time_machine.move_to(NOON, tick=False)
    assert ask(api, "13800000001").status_code == 202
    assert ask(api, "13800000002").status_code == 202
    paused = ask(api, "13800000003")
    assert paused.status_code == 503 and "暂停" in paused.json()["detail"]
    assert OutboxMessage.objects.filter(channel="sms").count() == 2
    alert = Notification.objects.get(recipient=admin, kind="accounts.sms_budget")
    assert "2" in alert.title
    time_machine.move_to(NOON + datetime.timedelta(hours=1), tick=False)
    assert ask(api, "13800000003").status_code == 202  # the next hour has its own budget


@pytest.mark.time_machine(NOON)
def test_web_sign_in_with_a_phone_code(world, client):
    login_page = client.get("/accounts/login/").content.decode()
    assert "/accounts/login/phone/" in login_page
    sent = client.post("/accounts/login/phone/", {"phone": "138 0000 0001", "action": "send"})
    assert sent.status_code == 200 and 'name="code"' in sent.content.decode()
    response = client.post("/accounts/login/phone/", {"phone": "138 0000 0001", "code": last_code(),
                                                      "action": "sign_in"})
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
    assert AuditEvent.objects.filter(user=world.parent_a, action="login").exists()


@pytest.mark.time_machine(NOON)
def test_web_bad_number_is_400_with_a_message(world, client):
    response = client.post("/accounts/login/phone/", {"phone": "0311-2345678", "action": "send"})
    assert response.status_code == 400 and "固定电话" in response.content.decode()
