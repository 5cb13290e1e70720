"""The WeChat channel and binding through wechatpy against a local server that speaks the official
account's API (tests/notices/fake_wechat.py): success, the provider's errors, a timeout then success
(sent once), an invalid template parameter, the access token expired and refreshed once under
concurrent senders, the OAuth binding (issue 20 item 2). No mock of wechatpy."""
import datetime
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.cache import cache

from notices import tasks, wechat
from notices.models import Delivery, Notification
from notices.services import notify

from . import fake_wechat

pytestmark = pytest.mark.django_db(transaction=True)

DAYTIME = datetime.datetime(2026, 12, 2, 15, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture
def server(settings):
    fake = fake_wechat.FakeWechat().start()
    cache.clear()
    settings.WECHAT_PROVIDER = "wechatpy"
    settings.WECHAT = {"app_id": fake_wechat.APP_ID, "secret": fake_wechat.SECRET, "api_base": fake.base,
                       "oauth_base": f"{fake.base}connect/", "timeout": 1}
    settings.WECHAT_TEMPLATES = {"notice": "TPL-NOTICE", "attendance.absent": "TPL-URGENT",
                                 "attendance.released": "TPL-URGENT"}
    settings.NOTIFICATION_CHANNELS = ["notices.channels.WechatChannel"]
    yield fake
    fake.stop()
    cache.clear()


def bind(user, openid):
    user.wechat_openid = openid
    user.save(update_fields=["wechat_openid"])


@pytest.mark.time_machine(DAYTIME)
def test_a_notice_is_sent_as_a_template_message(world, server):
    bind(world.parent_a, "o-parent-a")
    notice = notify(recipients=[world.parent_a], kind="attendance.absent", title="张小明今天缺席", body="请联系学校",
                    params={"child": "张小明", "school": "沙河市实验小学", "time": "15:00"})[0]
    delivery = Delivery.objects.get(notification=notice)
    assert delivery.status == "sent" and delivery.channel == "wechat"
    [message] = server.messages
    assert message["touser"] == "o-parent-a" and message["template_id"] == "TPL-URGENT"
    assert message["data"]["keyword1"]["value"] == "张小明" and message["data"]["first"]["value"] == "张小明今天缺席"
    assert message["client_msg_id"] == delivery.key and message["url"].endswith(f"/notices/n/{notice.pk}/")
    assert delivery.provider_ref == str(message["msgid"])
    assert server.token_fetches == 1


@pytest.mark.time_machine(DAYTIME)
def test_an_unsubscribed_user_fails_for_good_with_wechats_code(world, server):
    bind(world.parent_a, "o-left-the-account")
    notice = notify(recipients=[world.parent_a], kind="attendance.absent", title="缺席")[0]
    delivery = Delivery.objects.get(notification=notice)
    assert (delivery.status, delivery.error_code) == ("failed", "43004")
    assert Notification.objects.filter(pk=notice.pk).exists()


@pytest.mark.time_machine(DAYTIME)
def test_an_invalid_template_parameter_fails_for_good(world, server):
    bind(world.parent_a, "o-parent-a")
    notice = notify(recipients=[world.parent_a], kind="attendance.absent", title="缺席",
                    params={"child": "一个名字长得超过了微信模板关键词二十个字符限制的孩子"})[0]
    delivery = Delivery.objects.get(notification=notice)
    assert (delivery.status, delivery.error_code) == ("failed", "47003")
    assert server.messages == []


@pytest.mark.time_machine(DAYTIME)
def test_a_timeout_then_success_sends_once(world, server, time_machine):
    bind(world.parent_a, "o-parent-a")
    server.slow_next_send = 2.5  # WeChat takes the message; its answer comes after the client's 1 s
    notice = notify(recipients=[world.parent_a], kind="attendance.absent", title="缺席")[0]
    delivery = Delivery.objects.get(notification=notice)
    assert delivery.status == "retrying" and delivery.uncertain
    time_machine.shift(datetime.timedelta(seconds=31))
    tasks.deliver_due()
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 2
    assert server.send_calls == 2 and len(server.messages) == 1  # client_msg_id: WeChat sent it once


@pytest.mark.time_machine(DAYTIME)
def test_an_expired_token_is_refreshed_once_for_concurrent_senders(world, server):
    account = wechat.provider()
    account.send_notice(openid="o-parent-a", kind="notice", title="热身", body="", values={}, key="warm-up")
    assert server.token_fetches == 1
    server.expire_tokens()  # WeChat answers 40001 to the token everyone holds
    server.token_delay = 0.3  # a slow token endpoint: the senders pile up on the refresh
    errors, start = [], threading.Barrier(8)

    def send(i):
        try:
            start.wait()
            wechat.provider().send_notice(openid="o-parent-b", kind="notice", title=f"消息{i}", body="",
                                          values={}, key=f"concurrent-{i}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert server.token_fetches == 2, "one refresh for all eight senders"
    assert len(server.messages) == 9


def test_binding_wechat_through_oauth_and_unbinding(world, server, login, settings):
    settings.SITE_URL = "http://testserver"
    client = login(world.parent_a)
    response = client.get("/accounts/wechat/bind/")
    assert response.status_code == 302
    authorize = response["Location"]
    assert authorize.startswith(f"{server.base}connect/oauth2/authorize?appid={fake_wechat.APP_ID}")
    assert "snsapi_base" in authorize
    # inside WeChat: the user allows, WeChat comes back to the callback with a code and our state
    back = requests.get(authorize.split("#")[0], allow_redirects=False, timeout=5).headers["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    assert urlsplit(back).path == "/accounts/wechat/callback/"
    forged = client.get("/accounts/wechat/callback/", {"code": query["code"], "state": "forged"})
    assert forged.status_code == 400  # and the state is spent: start again
    response = client.get("/accounts/wechat/bind/")
    back = requests.get(response["Location"].split("#")[0], allow_redirects=False, timeout=5).headers["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    assert client.get("/accounts/wechat/callback/", query).status_code == 302
    world.parent_a.refresh_from_db()
    assert world.parent_a.wechat_openid == "o-parent-a" and world.parent_a.wechat_bound_at
    # a code used twice is refused by WeChat (40029): a clear page, not a 500
    response = client.get("/accounts/wechat/bind/")
    state = parse_qs(urlsplit(response["Location"].split("#")[0]).query)["state"][0]
    refused = client.get("/accounts/wechat/callback/", {"code": query["code"], "state": state})
    assert refused.status_code == 400 and "40029" in refused.content.decode()
    assert client.post("/accounts/wechat/unbind/").status_code == 302
    world.parent_a.refresh_from_db()
    assert world.parent_a.wechat_openid == ""
