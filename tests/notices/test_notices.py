import pytest
from django.core import mail

from notices.models import Notification
from notices.services import notify

pytestmark = pytest.mark.django_db(transaction=True)


def test_notify_writes_inbox_and_emails_after_commit(world):
    world.parent_a.email = "zhang@example.cn"
    world.parent_a.save()
    notify(recipients=[world.parent_a], kind="test", title="录取通知", body="您的孩子已被录取")
    assert Notification.objects.filter(recipient=world.parent_a, title="录取通知").count() == 1
    assert [m.to for m in mail.outbox] == [["zhang@example.cn"]]
    assert Notification.objects.get(recipient=world.parent_a).emailed_at is not None


def test_failing_mail_server_keeps_the_in_app_notice(world, settings):
    settings.EMAIL_BACKEND = "tests.notices.broken_mail.BrokenBackend"
    world.parent_a.email = "zhang@example.cn"
    world.parent_a.save()
    notify(recipients=[world.parent_a], kind="test", title="通知")
    notice = Notification.objects.get(recipient=world.parent_a)
    assert notice.emailed_at is None


def test_dedupe_key_notifies_once(world):
    for _ in range(3):
        notify(recipients=[world.parent_a], kind="test", title="一次", dedupe_key="k1")
    assert Notification.objects.filter(recipient=world.parent_a).count() == 1


def test_inbox_shows_only_own_notices_and_others_are_404(world, login):
    notify(recipients=[world.parent_a], kind="test", title="给张家长")
    theirs = notify(recipients=[world.parent_b], kind="test", title="给赵家长")[0]
    client = login(world.parent_a)
    body = client.get("/notices/").content.decode()
    assert "给张家长" in body and "给赵家长" not in body
    assert client.post(f"/notices/{theirs.pk}/open/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_notice_marks_it_read(world, login):
    mine = notify(recipients=[world.parent_a], kind="test", title="看", link="/schools/my-children/")[0]
    response = login(world.parent_a).post(f"/notices/{mine.pk}/open/")
    assert response["Location"] == "/schools/my-children/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_notification_api_is_scoped(world, api):
    theirs = notify(recipients=[world.parent_b], kind="test", title="x")[0]
    client = api.as_user(world.parent_a)
    assert client.get("/api/v1/notifications/").json()["count"] == 0
    assert client.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404


def test_notify_many_writes_every_notice_in_one_insert(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notices.services import notify_many

    world.parent_a.email = "zhang@example.cn"
    world.parent_a.save()
    with CaptureQueriesContext(connection) as ctx:
        created = notify_many([
            {"recipients": [world.parent_a, world.other_parent, world.parent_a], "kind": "test", "title": "一",
             "dedupe_key": "many:1"},
            {"recipients": [world.parent_b], "kind": "test", "title": "二", "body": "正文", "dedupe_key": "many:2"},
        ])
    inserts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("INSERT INTO \"notices_notification\"")]
    assert len(inserts) == 1
    assert sorted((n.recipient.username, n.title) for n in created) == [
        ("other_parent", "一"), ("parent_a", "一"), ("parent_b", "二")]
    assert Notification.objects.count() == 3
    assert [m.to for m in mail.outbox] == [["zhang@example.cn"]]  # the others have no e-mail address


def test_notify_many_skips_what_was_sent_and_writes_the_rest(world):
    from notices.services import notify_many

    notify_many([{"recipients": [world.parent_a], "kind": "test", "title": "一", "dedupe_key": "k"}])
    created = notify_many([
        {"recipients": [world.parent_a, world.parent_b], "kind": "test", "title": "一", "dedupe_key": "k"},
        {"recipients": [world.parent_a], "kind": "test", "title": "二", "dedupe_key": "k2"},
    ])
    assert sorted((n.recipient.username, n.dedupe_key) for n in created) == [("parent_a", "k2"), ("parent_b", "k")]
    assert Notification.objects.filter(recipient=world.parent_a, dedupe_key="k").count() == 1
    assert Notification.objects.count() == 3


def test_no_delivery_task_for_notices_no_channel_can_send(world, monkeypatch):
    from notices import tasks
    from notices.services import notify_many

    queued = []
    monkeypatch.setattr(tasks.deliver_notifications, "delay", lambda ids: queued.append(ids))
    notify_many([{"recipients": [world.parent_b], "kind": "test", "title": "无邮箱"}])
    assert queued == []
    world.parent_a.email = "zhang@example.cn"
    world.parent_a.save()
    created = notify_many([{"recipients": [world.parent_a, world.parent_b], "kind": "test", "title": "有邮箱"}])
    assert queued == [[n.pk for n in created if n.recipient_id == world.parent_a.pk]]
