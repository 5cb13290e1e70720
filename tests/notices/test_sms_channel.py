"""The SMS channel through the real Tencent Cloud SMS SDK against a local server that speaks its API
(tests/notices/fake_tencent.py): success, the provider's errors, a timeout then success (sent once),
an invalid template parameter, an answer nobody knows (issue 20 items 1, 3, 9). No mock of the SDK."""
import datetime

import pytest

from notices import tasks
from notices.models import Delivery, Notification
from notices.services import delivery_key, notify

from . import fake_tencent

pytestmark = pytest.mark.django_db(transaction=True)

DAYTIME = datetime.datetime(2026, 12, 2, 15, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
TEMPLATE_IDS = {"auth.code": "1000001", "auth.verify": "1000002", "attendance.absent": "2000001",
                "attendance.released": "2000002", "attendance.pickup_refused": "2000003",
                "safety.incident_guardian": "2000004", "safety.incident_escalated": "2000005", "notice": "2000009"}


@pytest.fixture
def tencent(settings):
    server = fake_tencent.FakeTencentSms().start()
    settings.SMS_PROVIDER = "tencent"
    settings.SMS_SIGN_NAME = fake_tencent.SIGN_NAME
    settings.TENCENT_SMS = {"secret_id": fake_tencent.SECRET_ID, "secret_key": fake_tencent.SECRET_KEY,
                            "app_id": fake_tencent.APP_ID, "region": "ap-guangzhou", "endpoint": server.endpoint,
                            "timeout": 1}
    settings.SMS_TEMPLATES = {k: {**v, "id": TEMPLATE_IDS[k]} for k, v in settings.SMS_TEMPLATES.items()}
    yield server
    server.stop()


def absent(world, **params):
    return notify(recipients=[world.parent_a], kind="attendance.absent", title="张小明今天缺席",
                  params={"child": "张小明", "school": "沙河市实验小学", "time": "15:00", **params})[0]


@pytest.mark.time_machine(DAYTIME)
def test_an_urgent_notice_is_sent_through_the_sdk(world, tencent):
    notice = absent(world)
    delivery = Delivery.objects.get(notification=notice)
    assert delivery.status == "sent" and delivery.attempts == 1
    [request] = tencent.sms_requests()
    assert request["signature_ok"], "a TC3-HMAC-SHA256 signature the server can check"
    assert request["headers"]["authorization"].startswith(f"TC3-HMAC-SHA256 Credential={fake_tencent.SECRET_ID}/")
    params = request["params"]
    assert params["PhoneNumberSet"] == ["+8613800000001"]
    assert params["TemplateId"] == "2000001" and params["SignName"] == "沙河课后服务"
    assert params["TemplateParamSet"] == ["张小明", "15:00", "沙河市实验小学", str(notice.pk)]
    assert params["SessionContext"] == delivery_key(notice.pk, "sms") == delivery.key
    assert delivery.provider_ref == tencent.sent[0]["serial"] and delivery.request_id


@pytest.mark.time_machine(DAYTIME)
def test_a_refusal_is_recorded_with_the_providers_code_and_not_retried(world, tencent):
    tencent.script = [("error", "FailedOperation.SignatureIncorrectOrUnapproved", "signature not approved")]
    notice = absent(world)
    delivery = Delivery.objects.get(notification=notice)
    assert delivery.status == "failed" and delivery.error_code == "FailedOperation.SignatureIncorrectOrUnapproved"
    assert delivery.request_id and delivery.next_attempt_at is None
    assert Notification.objects.filter(pk=notice.pk, recipient=world.parent_a).exists()  # the inbox keeps it


@pytest.mark.time_machine(DAYTIME)
def test_a_rate_limit_is_retried_after_the_backoff(world, tencent, time_machine):
    tencent.script = [("status", "LimitExceeded.PhoneNumberDailyLimit", "daily limit")]
    notice = absent(world)
    delivery = Delivery.objects.get(notification=notice)
    assert delivery.status == "retrying" and delivery.error_code == "LimitExceeded.PhoneNumberDailyLimit"
    time_machine.shift(datetime.timedelta(seconds=31))
    tasks.deliver_due()
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 2 and len(tencent.sent) == 1


@pytest.mark.time_machine(DAYTIME)
def test_a_timeout_after_tencent_took_the_message_does_not_send_it_twice(world, tencent, time_machine):
    tencent.script = [("slow", 2.5, True)]  # Tencent takes it, the answer comes after the client's 1 s
    notice = absent(world)
    delivery = Delivery.objects.get(notification=notice)
    assert delivery.status == "retrying" and delivery.uncertain
    assert delivery.error_code == "ClientNetworkError"
    time_machine.shift(datetime.timedelta(seconds=31))
    tasks.deliver_due()
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 2
    assert len(tencent.sent) == 1 and len(tencent.sms_requests()) == 1  # asked the status reports, not resent
    assert delivery.provider_ref == tencent.sent[0]["serial"]
    assert [r["action"] for r in tencent.requests] == ["SendSms", "PullSmsSendStatusByPhoneNumber"]


@pytest.mark.time_machine(DAYTIME)
def test_a_timeout_before_tencent_took_it_then_success_sends_once(world, tencent, time_machine):
    tencent.script = [("slow", 2.5, False)]
    notice = absent(world)
    time_machine.shift(datetime.timedelta(seconds=31))
    tasks.deliver_due()
    delivery = Delivery.objects.get(notification=notice)
    assert delivery.status == "sent" and delivery.attempts == 2
    assert len(tencent.sent) == 1 and len(tencent.sms_requests()) == 2


@pytest.mark.time_machine(DAYTIME)
def test_an_invalid_template_parameter_fails_for_good(world, tencent):
    notice = absent(world, child="一个名字长得超过了短信模板变量限制的孩子")
    delivery = Delivery.objects.get(notification=notice)
    assert delivery.status == "failed"
    assert delivery.error_code == "InvalidParameterValue.TemplateParameterLengthLimit"
    assert tencent.sent == []


@pytest.mark.time_machine(DAYTIME)
def test_an_answer_nobody_knows_is_logged_and_retried(world, tencent, caplog):
    tencent.script = [("error", "Brand.NewError", "something new")]
    notice = absent(world)
    delivery = Delivery.objects.get(notification=notice)
    assert delivery.status == "retrying" and delivery.error_code == "Brand.NewError"
    assert delivery.request_id in caplog.text


@pytest.mark.time_machine(DAYTIME)
def test_the_request_that_notifies_is_not_refused_by_a_down_provider(world, tencent, login, settings):
    """The provider is unreachable: the page that caused the notice still answers."""
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "endpoint": "http://127.0.0.1:9"}
    notice = absent(world)
    delivery = Delivery.objects.get(notification=notice)
    assert delivery.status == "retrying" and delivery.error_code == "ClientNetworkError"
    assert login(world.parent_a).get("/notices/").status_code == 200
