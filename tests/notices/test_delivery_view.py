"""Delivery you can see (issue 20 item 3): on an urgent notice staff see whether it reached each
guardian and by which channel: the duty console's absences without leave and refused pickups, the
principal's daily overview, and the incident page."""
import datetime
import itertools

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import override as translation_override

from attendance.models import Mark
from notices.models import Delivery, Notification
from notices.selectors import delivery_states
from safety import services as safety_services
from safety.services import guardian_message_key
from tests.attendance.conftest import att  # noqa: F401  (the attendance world: a roll today, a duty leader)
from tests.attendance.factories import children_in_group
from tests.factories import IN_TERM, GuardianshipFactory, StudentFactory, UserFactory
from tests.safety.conftest import login_as, safety  # noqa: F401
from tests.safety.factories import report

# A school day at 15:00: a delivery "a few minutes ago" is today's, shown with its time only (after
# midnight it would be yesterday's, shown with its date).
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]
_keys = itertools.count()


def notice(recipient, key, kind="attendance.absent"):
    return Notification.objects.create(recipient=recipient, kind=kind, title="通知", dedupe_key=key)


def delivery(notification, channel, status, **kwargs):
    return Delivery.objects.create(notification=notification, channel=channel, status=status,
                                   key=f"test-{next(_keys)}", to_display="138****0001", **kwargs)


def hm(at):
    return timezone.localtime(at).strftime("%H:%M")


# --- the selector ------------------------------------------------------------------------------
def test_selector_best_state_per_guardian(world):
    sent_at = timezone.now() - datetime.timedelta(minutes=3)
    n1 = notice(world.parent_a, "k:1")
    delivery(n1, "sms", Delivery.Status.SENT, sent_at=sent_at, attempts=1)
    delivery(n1, "wechat", Delivery.Status.FAILED, error_code="43004", attempts=3)
    n2 = notice(world.other_parent, "k:2")
    delivery(n2, "sms", Delivery.Status.RETRYING, error_code="LimitExceeded.PhoneNumberDailyLimit", attempts=1)
    delivery(n2, "wechat", Delivery.Status.FAILED, error_code="43004", attempts=3)
    n3 = notice(world.parent_b, "k:3")  # no channel: in-app only
    notice(world.parent_b, "other:3")  # not asked for

    with CaptureQueriesContext(connection) as ctx:
        states = delivery_states({"k:1": "a", "k:2": "a", "k:3": "b", "k:missing": "c"})
    assert len(ctx.captured_queries) == 1
    assert set(states) == {"a", "b"}
    by_name = {g.guardian_name: g for g in states["a"]}
    zhang, li = by_name["张家长"], by_name["李家长"]
    assert zhang.delivered and zhang.best.channel == "sms" and zhang.best.sent_at == sent_at
    assert [c.channel for c in zhang.channels] == ["sms", "wechat"]
    assert not li.delivered and li.failed and li.best.status == Delivery.Status.RETRYING
    assert not zhang.unreached and li.unreached
    [zhao] = states["b"]
    assert zhao.guardian_id == n3.recipient_id and zhao.channels == [] and zhao.best is None
    assert zhao.unreached and not zhao.failed  # in-app only: worth a call, not a failure
    assert delivery_states({}) == {}


def test_selector_labels_in_chinese(world):
    from django.utils import translation

    sent_at = timezone.now() - datetime.timedelta(minutes=3)
    delivery(notice(world.parent_a, "k:1"), "sms", Delivery.Status.SENT, sent_at=sent_at)
    n = notice(world.other_parent, "k:2")
    delivery(n, "sms", Delivery.Status.RETRYING, error_code="LimitExceeded")
    delivery(n, "wechat", Delivery.Status.QUEUED)
    notice(world.parent_b, "k:3")
    with translation.override("zh-hans"):
        states = delivery_states({"k:1": 1, "k:2": 2, "k:3": 3})
        assert states[1][0].line == f"张家长：短信已送达 {hm(sent_at)}"
        assert states[2][0].line == "李家长：短信发送失败（供应商代码 LimitExceeded），正在重试；微信发送中"
        assert states[3][0].line == "赵家长：仅站内消息"
    with translation.override("en"):
        assert delivery_states({"k:3": 3})[3][0].line == "赵家长: In-app only"


def test_a_second_notice_keeps_the_best_state_of_each_channel(world):
    """A child absent on two rolls of the day: two notices, one line per guardian."""
    sent_at = timezone.now() - datetime.timedelta(minutes=30)
    delivery(notice(world.parent_a, "k:1"), "sms", Delivery.Status.SENT, sent_at=sent_at)
    delivery(notice(world.parent_a, "k:2"), "sms", Delivery.Status.FAILED, error_code="X")
    [g] = delivery_states({"k:1": 7, "k:2": 7})[7]
    assert g.delivered and [c.status for c in g.channels] == ["sent"]


# --- the duty console --------------------------------------------------------------------------
def absent(w, *children):
    for i, kid in enumerate(children):
        Mark.objects.create(roll=w.roll, student=kid, status="absent", client_id=f"a{kid.pk}-{i}",
                            marked_at=w.roll.created_at, marked_by=w.teacher_a)


def absence_notice(w, guardian, child):
    return notice(guardian, f"attendance.absent:{w.roll.pk}:{child.pk}")


def console(client, w, user=None):
    client.force_login(user or w.duty)
    return client.get(f"/attendance/console/{w.school_a.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_console_shows_how_each_absence_notice_reached_each_guardian(att, client):  # noqa: F811
    w = att
    absent(w, w.child_a, w.child_a2)
    sent_at = timezone.now() - datetime.timedelta(minutes=2)
    delivery(absence_notice(w, w.parent_a, w.child_a), "sms", Delivery.Status.SENT, sent_at=sent_at)
    n = absence_notice(w, w.other_parent, w.child_a2)
    delivery(n, "sms", Delivery.Status.RETRYING, error_code="InternalError.Timeout", attempts=1)
    delivery(n, "wechat", Delivery.Status.FAILED, error_code="43004", attempts=3)
    response = console(client, w)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-testid="delivery-{w.child_a.pk}"' in page
    assert f"张家长：短信已送达 {hm(sent_at)}" in page
    assert ("李家长：短信发送失败（供应商代码 InternalError.Timeout），正在重试；微信发送失败（供应商代码 43004）"
            in page)
    assert "13800000001" not in page and "138****0001" not in page  # no number, not even masked


def test_console_guardian_without_any_channel_shows_in_app_only(att, client):  # noqa: F811
    w = att
    absent(w, w.child_a)
    absence_notice(w, w.parent_a, w.child_a)
    assert "张家长：仅站内消息" in console(client, w).content.decode()


def test_console_is_not_for_other_schools(att, client):  # noqa: F811
    w = att
    absent(w, w.child_a)
    delivery(absence_notice(w, w.parent_a, w.child_a), "sms", Delivery.Status.SENT, sent_at=timezone.now())
    for user in (w.teacher_b, w.parent_a, w.parent_b, w.district):
        response = console(client, w, user)
        assert response.status_code in (403, 404)
        assert "已送达" not in response.content.decode()


def test_console_queries_do_not_grow_with_absences_and_deliveries(att, client):  # noqa: F811
    w = att
    absent(w, w.child_a)
    delivery(absence_notice(w, w.parent_a, w.child_a), "sms", Delivery.Status.SENT, sent_at=timezone.now())
    console(client, w)
    cache.clear()  # the console's body computed, not read from the cache (attendance/console_cache.py)
    with CaptureQueriesContext(connection) as ctx:
        assert console(client, w).status_code == 200
    small = len(ctx.captured_queries)
    kids = children_in_group(w.group, w.class_a, 20)
    absent(w, *kids)
    for kid in kids:
        guardian = UserFactory(name=f"家长{kid.pk}")
        n = absence_notice(w, guardian, kid)
        delivery(n, "sms", Delivery.Status.SENT, sent_at=timezone.now())
        delivery(n, "wechat", Delivery.Status.RETRYING, error_code="45009")
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        page = console(client, w).content.decode()
    assert page.count("已送达") >= 21
    assert len(ctx.captured_queries) == small


# --- the incident page -------------------------------------------------------------------------
MESSAGE = "您好，孩子今天在操场摔倒擦伤膝盖，已由校医处理。"


def incident_with_message(w):
    incident = report(w, children=[w.child_a, w.child_a2])
    # The notices themselves are written after commit (not run here): the test writes them, with their states.
    safety_services.incident_notify_guardians(incident=incident, user=w.principal, message=MESSAGE)
    incident.refresh_from_db()
    key = guardian_message_key(incident.pk, MESSAGE)
    return incident, key


def test_incident_page_shows_how_the_message_reached_each_guardian(safety, login):  # noqa: F811
    w = safety
    incident, key = incident_with_message(w)
    sent_at = timezone.now() - datetime.timedelta(minutes=1)
    n = notice(w.parent_a, f"{key}:{w.child_a.pk}", kind="safety.incident_guardian")
    delivery(n, "wechat", Delivery.Status.SENT, sent_at=sent_at)
    delivery(n, "sms", Delivery.Status.RETRYING, error_code="LimitExceeded")
    notice(w.other_parent, f"{key}:{w.child_a2.pk}", kind="safety.incident_guardian")
    page = login(w.principal).get(f"/safety/incidents/{incident.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="guardian-deliveries"' in text
    assert f"张家长：微信已送达 {hm(sent_at)}" in text
    assert "李家长：仅站内消息" in text
    assert "13800000001" not in text


def test_incident_deliveries_follow_the_current_message_only(safety, login):  # noqa: F811
    w = safety
    incident, key = incident_with_message(w)
    notice(w.parent_a, f"safety:incident:{incident.pk}:guardians:0000000000000000:{w.child_a.pk}",
           kind="safety.incident_guardian")  # an earlier message
    text = login(w.principal).get(f"/safety/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="guardian-deliveries"' not in text


def test_incident_deliveries_are_for_the_schools_staff_only(safety, login_as):  # noqa: F811
    w = safety
    incident, key = incident_with_message(w)
    delivery(notice(w.parent_a, f"{key}:{w.child_a.pk}", kind="safety.incident_guardian"), "sms",
             Delivery.Status.SENT, sent_at=timezone.now())
    assert "已送达" in login_as(w.homeroom).get(f"/safety/incidents/{incident.pk}/",
                                           HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for user in (w.principal_b, w.teacher_b, w.parent_b):
        response = login_as(user).get(f"/safety/incidents/{incident.pk}/")
        assert response.status_code == 404
    # the guardian's own view of the incident, and the district (names hidden): no delivery lines
    for user in (w.parent_a, w.district):
        response = login_as(user).get(f"/safety/incidents/{incident.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert "guardian-deliveries" not in response.content.decode()
        assert "已送达" not in response.content.decode()


@pytest.mark.parametrize("rows", [1, 12])
def test_incident_page_queries_do_not_grow_with_deliveries(safety, login, django_assert_num_queries, rows):  # noqa: F811
    """`rows` children involved, each with a guardian whose notice went by SMS and failed by WeChat."""
    w = safety
    children = [StudentFactory(homeroom_class=w.class_a, name=f"孩子{i}") for i in range(rows)]
    for child in children:
        GuardianshipFactory(guardian=UserFactory(name=f"家长{child.pk}"), student=child)
    incident = report(w, children=children)
    safety_services.incident_notify_guardians(incident=incident, user=w.principal, message=MESSAGE)
    key = guardian_message_key(incident.pk, MESSAGE)
    for child in children:
        n = notice(child.guardianships.get().guardian, f"{key}:{child.pk}", kind="safety.incident_guardian")
        delivery(n, "sms", Delivery.Status.SENT, sent_at=timezone.now())
        delivery(n, "wechat", Delivery.Status.FAILED, error_code="43004")
    client = login(w.principal)
    with django_assert_num_queries(15):  # the detail page's 14 + the deliveries (one query)
        page = client.get(f"/safety/incidents/{incident.pk}/")
    assert page.content.decode().count("已送达") == rows


# --- refused pickups: the console and the principal's overview ---------------------------------
def refuse(w, child, person="陌生男子 李某"):
    """A refusal through the service (the guardians' and the duty leader's notices written with it)."""
    from attendance import services as attendance_services

    return attendance_services.pickup_refusal_record(user=w.duty, student=child, person=person)


def guardian_notice(refusal, guardian):
    from attendance.selectors import refusal_notice_key

    return Notification.objects.get(dedupe_key=refusal_notice_key(refusal.pk), recipient=guardian)


def block(page, testid):
    """The text of the element with this data-testid (a <ul> of delivery lines)."""
    import re

    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</ul>', page, re.S)
    assert found, testid
    return re.sub(r"<[^>]+>", "\n", found.group(1))


def three_guardians(w):
    """child_a with three guardians: 张家长's SMS delivered, 王家长's failed and retrying while WeChat
    is on its way, 刘家长 with no phone nor WeChat (in-app only)."""
    wang = UserFactory(name="王家长", phone="13800000011")
    liu = UserFactory(name="刘家长", phone="")
    GuardianshipFactory(guardian=wang, student=w.child_a)
    GuardianshipFactory(guardian=liu, student=w.child_a)
    return wang, liu


def test_refusal_notice_keys_keep_the_guardians_apart_from_the_duty_leader(att):  # noqa: F811
    from attendance.selectors import refusal_notice_key

    w = att
    refusal = refuse(w, w.child_a)
    guardians = set(Notification.objects.filter(dedupe_key=refusal_notice_key(refusal.pk))
                    .values_list("recipient", flat=True))
    leaders = set(Notification.objects.filter(dedupe_key=f"attendance.refusal:{refusal.pk}")
                  .values_list("recipient", flat=True))
    assert guardians == {w.parent_a.pk} and leaders == {w.duty.pk}


def test_console_shows_how_each_refusal_notice_reached_each_guardian(att, client):  # noqa: F811
    w = att
    wang, _liu = three_guardians(w)
    refusal = refuse(w, w.child_a)
    sent_at = timezone.now() - datetime.timedelta(minutes=1)
    delivery(guardian_notice(refusal, w.parent_a), "sms", Delivery.Status.SENT, sent_at=sent_at, attempts=1)
    n = guardian_notice(refusal, wang)
    delivery(n, "sms", Delivery.Status.RETRYING, error_code="LimitExceeded.PhoneNumberDailyLimit", attempts=1)
    delivery(n, "wechat", Delivery.Status.QUEUED)
    page = console(client, w).content.decode()
    assert 'data-testid="refusals"' in page
    assert f"{hm(refusal.at)} 陌生男子 李某来接张小明：不在接送名单上，已拒绝" in page
    lines = [line.strip() for line in block(page, f"refusal-delivery-{refusal.pk}").split("\n") if line.strip()]
    assert lines == [
        "刘家长：仅站内消息",
        f"张家长：短信已送达 {hm(sent_at)}",
        "王家长：短信发送失败（供应商代码 LimitExceeded.PhoneNumberDailyLimit），正在重试；微信发送中",
    ]
    # who may need a call stands out (amber): the failed SMS (WeChat still on its way) and in-app only
    assert '<li class="text-warning-emphasis">王家长：短信发送失败' in page
    assert '<li class="text-warning-emphasis">刘家长：仅站内消息' in page
    assert f"<li>张家长：短信已送达 {hm(sent_at)}" in page
    assert "带班周老师：" not in page  # the duty leader's own alert is not a guardian's line
    assert "13800000001" not in page and "13800000011" not in page


def test_overview_shows_the_refusal_and_absence_delivery_lines(att, client):  # noqa: F811
    w = att
    refusal = refuse(w, w.child_a)
    sent_at = timezone.now() - datetime.timedelta(minutes=4)
    delivery(guardian_notice(refusal, w.parent_a), "wechat", Delivery.Status.SENT, sent_at=sent_at)
    absent(w, w.child_a2)
    delivery(absence_notice(w, w.other_parent, w.child_a2), "sms", Delivery.Status.FAILED, error_code="FailedOperation")
    client.force_login(w.principal)
    page = client.get(f"/attendance/overview/{w.school_a.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"张家长：微信已送达 {hm(sent_at)}" in block(page, f"refusal-delivery-{refusal.pk}")
    assert "李家长：短信发送失败（供应商代码 FailedOperation）" in block(page, f"delivery-{w.child_a2.pk}")
    with translation_override("en"):
        page = client.get(f"/attendance/overview/{w.school_a.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"张家长: WeChat delivered {hm(sent_at)}" in page


def test_refusal_lines_are_for_the_schools_duty_leader_and_principal_only(att, client):  # noqa: F811
    w = att
    refusal = refuse(w, w.child_a)
    delivery(guardian_notice(refusal, w.parent_a), "sms", Delivery.Status.SENT, sent_at=timezone.now())
    for user in (w.teacher_b, w.parent_a, w.parent_b, w.district, w.teacher_a):
        client.force_login(user)
        for url in (f"/attendance/console/{w.school_a.pk}/", f"/attendance/overview/{w.school_a.pk}/"):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
            assert response.status_code in (403, 404), (user, url)
            assert "已送达" not in response.content.decode()


@pytest.mark.parametrize("page", ["console", "overview"])
def test_refusal_lines_cost_the_same_queries_for_one_and_many_refusals(att, client, page):  # noqa: F811
    """One refusal with one guardian, then twelve more of other children, each with two guardians (the
    child's own and a second one) whose notices went by SMS (sent) and WeChat (retrying): the page's
    queries do not grow."""
    w = att
    user, url = {"console": (w.duty, f"/attendance/console/{w.school_a.pk}/"),
                 "overview": (w.principal, f"/attendance/overview/{w.school_a.pk}/")}[page]
    refusal = refuse(w, w.child_a)
    delivery(guardian_notice(refusal, w.parent_a), "sms", Delivery.Status.SENT, sent_at=timezone.now())
    client.force_login(user)
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 200
    one = len(ctx.captured_queries)
    kids = children_in_group(w.group, w.class_a, 12)
    for kid in kids:
        GuardianshipFactory(guardian=UserFactory(name=f"家长{kid.pk}"), student=kid)
        r = refuse(w, kid, person=f"陌生人{kid.pk}")
        for g in kid.guardianships.all():
            n = guardian_notice(r, g.guardian)
            delivery(n, "sms", Delivery.Status.SENT, sent_at=timezone.now())
            delivery(n, "wechat", Delivery.Status.RETRYING, error_code="45009")
    client.get(url)  # the duty leader's unread count, dropped by the new alerts, is counted again once
    with CaptureQueriesContext(connection) as ctx:
        text = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert text.count("短信已送达") == 1 + 12 * 2
    assert len(ctx.captured_queries) == one, [q["sql"][:100] for q in ctx.captured_queries]
