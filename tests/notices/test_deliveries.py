"""Delivery rows, the outbox, exactly once per notice and channel, retries with backoff (issue 20
items 3 and 8). No provider is configured here: text messages go to the outbox."""
import datetime
import io

import pytest
from django.core.management import call_command

from accounts.roles import Role
from notices import tasks
from notices.models import Delivery, Notification, OutboxMessage
from notices.services import delivery_attempt, notify
from tests.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db(transaction=True)

DAYTIME = datetime.datetime(2026, 12, 2, 15, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.mark.time_machine(DAYTIME)
def test_urgent_notice_goes_to_the_outbox_with_one_delivery_row(world):
    notify(recipients=[world.parent_a], kind="attendance.absent", title="张小明今天缺席",
           params={"child": "张小明", "school": "沙河市实验小学", "time": "15:00"})
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.status, delivery.attempts) == ("sms", "sent", 1)
    assert delivery.to_display == "138****0001"
    message = OutboxMessage.objects.get()
    assert message.to == "13800000001" and message.channel == "sms"
    assert "张小明" in message.text and "沙河市实验小学" in message.text and "15:00" in message.text
    assert delivery.provider_ref == f"outbox:{message.pk}"
    # a second run of the task (a redelivered Celery message) sends nothing again
    tasks.deliver_notifications([delivery.notification_id])
    assert OutboxMessage.objects.count() == 1 and Delivery.objects.count() == 1


@pytest.mark.time_machine(DAYTIME)
def test_ordinary_notice_sends_no_sms(world):
    notify(recipients=[world.parent_a], kind="voice.announcement", title="通知")
    assert not Delivery.objects.exists() and not OutboxMessage.objects.exists()
    assert Notification.objects.filter(recipient=world.parent_a).count() == 1


@pytest.mark.time_machine(DAYTIME)
def test_failing_provider_keeps_the_notice_and_retries_with_backoff(world, settings, time_machine):
    from tests.notices.broken_channel import DownSmsChannel

    settings.NOTIFICATION_CHANNELS = ["tests.notices.broken_channel.DownSmsChannel"]
    DownSmsChannel.calls = 0
    notice = notify(recipients=[world.parent_a], kind="attendance.absent", title="缺席")[0]
    assert Notification.objects.filter(pk=notice.pk).exists()
    delivery = Delivery.objects.get()
    assert delivery.status == "retrying" and delivery.error_code == "ConnectionResetError"
    assert delivery.next_attempt_at - delivery.last_attempt_at == datetime.timedelta(seconds=30)
    assert tasks.deliver_due() == 0 and DownSmsChannel.calls == 1  # not due yet
    time_machine.shift(datetime.timedelta(seconds=31))
    tasks.deliver_due()
    delivery.refresh_from_db()
    assert (delivery.attempts, DownSmsChannel.calls) == (2, 2)
    assert delivery.next_attempt_at - delivery.last_attempt_at == datetime.timedelta(seconds=60)  # doubled
    for _ in range(10):
        time_machine.shift(datetime.timedelta(hours=1))
        tasks.deliver_due()
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 6 and delivery.next_attempt_at is None


@pytest.mark.time_machine(DAYTIME)
def test_two_workers_never_send_one_delivery_twice(world):
    notice = notify(recipients=[world.parent_b], kind="attendance.released", title="接走")[0]
    delivery = Delivery.objects.get(notification=notice)
    assert delivery.status == "sent"
    assert delivery_attempt(delivery_id=delivery.pk) is None  # already sent: nothing claimed
    assert OutboxMessage.objects.count() == 1


def test_outbox_page_is_the_administrators_only(world, login, client):
    notify(recipients=[world.parent_a], kind="attendance.absent", title="缺席",
           params={"child": "张小明"})
    admin = UserFactory(username="sysadmin")
    give_role(admin, Role.ADMIN)
    assert login(world.parent_a).get("/notices/outbox/").status_code == 404
    client.logout()
    body = login(admin).get("/notices/outbox/?to=%2B86%20138-0000-0001").content.decode()
    assert "13800000001" in body and "张小明" in body


def test_outbox_command_prints_the_last_messages_to_a_number(world):
    notify(recipients=[world.parent_a], kind="attendance.absent", title="一", params={"child": "甲"},
           dedupe_key="a")
    notify(recipients=[world.parent_a], kind="attendance.absent", title="二", params={"child": "乙"},
           dedupe_key="b")
    notify(recipients=[world.parent_b], kind="attendance.absent", title="三", params={"child": "丙"})
    out = io.StringIO()
    call_command("outbox", "--to", "+86 138 0000 0001", "--last", "1", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1 and "乙" in lines[0] and "13800000001" in lines[0]


def test_short_link_leads_the_recipient_to_the_notice(world, login):
    notice = notify(recipients=[world.parent_a], kind="attendance.absent", title="x", link="/attendance/leave/")[0]
    response = login(world.parent_a).get(f"/notices/n/{notice.pk}/")
    assert response.status_code == 302 and response["Location"] == "/attendance/leave/"
