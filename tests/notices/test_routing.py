"""Urgent and ordinary notices, quiet hours, the guardian's preferences (issue 20 item 4). No provider
is configured: SMS and WeChat go to the outbox."""
import datetime

import pytest

from notices import routing, tasks
from notices.models import Delivery, OutboxMessage
from notices.services import notify

pytestmark = pytest.mark.django_db(transaction=True)

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
AFTERNOON = datetime.datetime(2026, 12, 2, 15, 0, tzinfo=SHANGHAI)
LATE = datetime.datetime(2026, 12, 2, 22, 30, tzinfo=SHANGHAI)


def channels_of(notice):
    return sorted(Delivery.objects.filter(notification=notice).values_list("channel", "status"))


def bind(user, openid="o-parent-a"):
    user.wechat_openid = openid
    user.save(update_fields=["wechat_openid"])


def test_the_urgent_kinds_are_the_ones_apps_send():
    """Every urgent kind is one an app passes to notify (a renamed kind would silently go ordinary)."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    sent = set()
    for path in root.glob("*/services.py"):
        sent |= set(re.findall(r'kind="([a-z_]+\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    assert sent >= routing.URGENT_KINDS


@pytest.mark.time_machine(AFTERNOON)
def test_urgent_goes_by_sms_and_wechat_at_once(world):
    bind(world.parent_a)
    notice = notify(recipients=[world.parent_a], kind="attendance.pickup_refused", title="x")[0]
    assert channels_of(notice) == [("sms", "sent"), ("wechat", "sent")]


@pytest.mark.time_machine(AFTERNOON)
def test_ordinary_goes_by_wechat_when_bound_otherwise_in_app_only(world):
    bind(world.parent_a)
    to_bound = notify(recipients=[world.parent_a], kind="clubs.allocated", title="x")[0]
    to_unbound = notify(recipients=[world.parent_b], kind="clubs.allocated", title="x")[0]
    assert channels_of(to_bound) == [("wechat", "sent")]
    assert channels_of(to_unbound) == []


@pytest.mark.time_machine(AFTERNOON)
def test_ordinary_by_sms_only_when_the_guardian_asks(world):
    world.parent_b.notify_ordinary_sms = True
    world.parent_b.save()
    notice = notify(recipients=[world.parent_b], kind="voice.questionnaire", title="问卷")[0]
    assert channels_of(notice) == [("sms", "sent")]
    assert OutboxMessage.objects.get().template == "notice"


@pytest.mark.time_machine(LATE, tick=False)
def test_quiet_hours_hold_ordinary_notices_until_seven(world, time_machine):
    bind(world.parent_a)
    ordinary = notify(recipients=[world.parent_a], kind="voice.announcement", title="公告")[0]
    urgent = notify(recipients=[world.parent_a], kind="attendance.absent", title="缺席")[0]
    assert channels_of(urgent) == [("sms", "sent"), ("wechat", "sent")]
    held = Delivery.objects.get(notification=ordinary)
    assert held.status == "held"
    assert held.next_attempt_at == datetime.datetime(2026, 12, 3, 7, 0, tzinfo=SHANGHAI)
    time_machine.move_to(datetime.datetime(2026, 12, 3, 6, 59, tzinfo=SHANGHAI))
    tasks.deliver_due()
    assert channels_of(ordinary) == [("wechat", "held")]
    time_machine.move_to(datetime.datetime(2026, 12, 3, 7, 0, 30, tzinfo=SHANGHAI))
    tasks.deliver_due()
    assert channels_of(ordinary) == [("wechat", "sent")]


def test_quiet_hours_edges():
    at = lambda h, m=0: datetime.datetime(2026, 12, 2, h, m, tzinfo=SHANGHAI)  # noqa: E731
    assert routing.quiet_until(at(20, 59)) is None
    assert routing.quiet_until(at(21, 0)) == datetime.datetime(2026, 12, 3, 7, 0, tzinfo=SHANGHAI)
    assert routing.quiet_until(at(6, 59)) == at(7)
    assert routing.quiet_until(at(7, 0)) is None


@pytest.mark.time_machine(AFTERNOON)
def test_preferences_page_turns_wechat_off_for_ordinary_but_never_for_urgent(world, login):
    bind(world.parent_a)
    client = login(world.parent_a)
    page = client.get("/notices/preferences/").content.decode()
    assert "cannot be turned off" in page or "不能关闭" in page
    response = client.post("/notices/preferences/", {"ordinary_sms": "", "urgent": "off"})
    assert response.status_code == 302
    world.parent_a.refresh_from_db()
    assert not world.parent_a.notify_ordinary_wechat and not world.parent_a.notify_ordinary_sms
    ordinary = notify(recipients=[world.parent_a], kind="voice.announcement", title="公告")[0]
    urgent = notify(recipients=[world.parent_a], kind="attendance.released", title="接走")[0]
    assert channels_of(ordinary) == []
    assert channels_of(urgent) == [("sms", "sent"), ("wechat", "sent")]
