"""Marks: idempotent by client id, an older tap never replaces a newer one, bad input changes nothing."""
import datetime

import pytest
from django.utils import timezone

from attendance.models import Leave, Mark
from notices.models import Notification

from .conftest import post_marks

pytestmark = pytest.mark.django_db


def _batch(w, status="present", suffix="1", at=None):
    at = at or timezone.now()
    return [{"student": w.child_a.pk, "status": status, "client_id": f"a-{suffix}", "marked_at": at.isoformat()},
            {"student": w.child_a2.pk, "status": status, "client_id": f"b-{suffix}", "marked_at": at.isoformat()}]


def test_same_client_id_twice_writes_once(att, api):
    w = att
    item = [{"student": w.child_a.pk, "status": "present", "client_id": "tap-1"}]
    first = post_marks(api, w.teacher_a, w.roll, item)
    second = post_marks(api, w.teacher_a, w.roll, item)
    assert first.status_code == second.status_code == 200
    assert first.json()["created"] == 1 and second.json()["unchanged"] == 1
    assert Mark.objects.filter(roll=w.roll).count() == 1
    assert Mark.history.filter(roll_id=w.roll.pk).count() == 1


def test_a_batch_replayed_five_times_leaves_one_mark_per_child(att, api):
    w = att
    batch = _batch(w)
    for _ in range(5):
        assert post_marks(api, w.teacher_a, w.roll, batch).status_code == 200
    assert Mark.objects.filter(roll=w.roll).count() == 2
    assert Mark.history.filter(roll_id=w.roll.pk).count() == 2


def test_an_older_mark_does_not_overwrite_a_newer_one(att, api):
    w = att
    now = timezone.now()
    post_marks(api, w.teacher_a, w.roll, _batch(w, "absent", "new", now))
    old = post_marks(api, w.teacher_a, w.roll, _batch(w, "present", "old", now - datetime.timedelta(minutes=3)))
    assert old.json()["stale"] == 2
    assert set(Mark.objects.filter(roll=w.roll).values_list("status", flat=True)) == {"absent"}
    newer = post_marks(api, w.teacher_a, w.roll, _batch(w, "late", "newer", now + datetime.timedelta(minutes=1)))
    assert newer.json()["updated"] == 2
    assert set(Mark.objects.filter(roll=w.roll).values_list("status", flat=True)) == {"late"}


def test_idempotency_key_replays_the_first_answer(att, api):
    w = att
    batch = _batch(w)
    first = post_marks(api, w.teacher_a, w.roll, batch, HTTP_IDEMPOTENCY_KEY="k1")
    again = post_marks(api, w.teacher_a, w.roll, batch, HTTP_IDEMPOTENCY_KEY="k1")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    other = post_marks(api, w.teacher_a, w.roll, _batch(w, "absent", "2"), HTTP_IDEMPOTENCY_KEY="k1")
    assert other.status_code == 409


@pytest.mark.parametrize("body", [
    {"student": 1}, [], ["x"], [{"student": "abc", "status": "present", "client_id": "c"}],
    [{"status": "present", "client_id": "c"}], [{"student": None, "status": "present", "client_id": "c"}],
    "[[[", [{"student": 10 ** 30, "status": "present", "client_id": "c"}],
])
def test_bad_batches_are_refused_and_change_nothing(att, api, body):
    response = api.as_user(att.teacher_a).post(f"/api/v1/rolls/{att.roll.pk}/marks/", body, format="json")
    assert response.status_code == 400
    assert Mark.objects.count() == 0


def test_one_bad_item_refuses_the_whole_batch(att, api):
    w = att
    batch = _batch(w)
    batch.append({"student": w.child_b.pk, "status": "present", "client_id": "x"})  # not on the roll
    response = post_marks(api, w.teacher_a, w.roll, batch)
    assert response.status_code == 400 and "not on the roll" in response.json()["detail"]
    bad_status = post_marks(api, w.teacher_a, w.roll, [{**_batch(w)[0], "status": "sleeping"}])
    bad_time = post_marks(api, w.teacher_a, w.roll, [{**_batch(w)[0], "marked_at": "yesterday"}])
    assert bad_status.status_code == bad_time.status_code == 400
    assert Mark.objects.count() == 0


def test_messages_follow_the_request_language(att, api):
    w = att
    response = api.as_user(w.teacher_a).post(f"/api/v1/rolls/{w.roll.pk}/marks/", [], format="json",
                                             HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])


def test_only_the_teacher_of_the_roll_marks_it(att, api):
    w = att
    batch = _batch(w)
    assert post_marks(api, w.principal, w.roll, batch).status_code == 403
    assert post_marks(api, w.duty, w.roll, batch).status_code == 403
    for outsider in (w.teacher_b, w.parent_a, w.homeroom, w.district, w.bureau):
        assert post_marks(api, outsider, w.roll, batch).status_code == 404
    assert Mark.objects.count() == 0


def test_submit_needs_every_child_marked_and_tells_guardians_of_absences(att, api, django_capture_on_commit_callbacks):
    w = att
    Leave.objects.create(student=w.child_a2, date=w.today, reported_by=w.other_parent, reason="发烧")
    client = api.as_user(w.teacher_a)
    post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "absent", "client_id": "1"}])
    refused = client.post(f"/api/v1/rolls/{w.roll.pk}/submit/")
    assert refused.status_code == 400 and "1 child has no mark yet." in refused.json()["detail"]
    post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a2.pk, "status": "absent", "client_id": "2"}])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/v1/rolls/{w.roll.pk}/submit/").status_code == 200
        assert client.post(f"/api/v1/rolls/{w.roll.pk}/submit/").status_code == 200
    # child_a absent without leave: parent_a told once; child_a2 had leave: nobody told
    assert Notification.objects.filter(kind="attendance.absent", recipient=w.parent_a).count() == 1
    assert not Notification.objects.filter(kind="attendance.absent", recipient=w.other_parent).exists()
    w.roll.refresh_from_db()
    assert w.roll.status == "submitted" and w.roll.submitted_by == w.teacher_a


def test_roll_detail_shows_children_marks_and_leave(att, api):
    w = att
    Leave.objects.create(student=w.child_a2, date=w.today, reported_by=w.other_parent, reason="发烧")
    post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "late", "client_id": "1"}])
    body = api.as_user(w.teacher_a).get(f"/api/v1/rolls/{w.roll.pk}/").json()
    by_id = {c["id"]: c for c in body["children"]}
    assert by_id[w.child_a.pk]["mark"]["status"] == "late"
    assert by_id[w.child_a2.pk]["leave"] == {"reason": "发烧"} and by_id[w.child_a2.pk]["mark"] is None
    assert body["counts"] == {"expected": 2, "marked": 1}


def test_a_whole_roll_is_written_in_a_fixed_number_of_queries_with_its_history(att, api):
    """The 16:00 peak: the new marks of a batch (and their history rows) go in with one INSERT each,
    so 5 or 40 children cost the same queries; each mark has its history row, by the teacher."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .factories import children_in_group

    w = att
    kids = children_in_group(w.group, w.class_a, 40)

    def post(children, suffix):
        batch = [{"student": k.pk, "status": "present", "client_id": f"{suffix}-{k.pk}"} for k in children]
        with CaptureQueriesContext(connection) as ctx:
            response = post_marks(api, w.teacher_a, w.roll, batch)
        assert response.status_code == 200 and response.json()["created"] == len(children)
        return len(ctx.captured_queries)

    post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "present", "client_id": "warm"}])
    assert post(kids[:5], "a") == post(kids[5:], "b")
    assert Mark.objects.filter(roll=w.roll).count() == 41
    history = Mark.history.filter(roll_id=w.roll.pk)
    assert history.count() == 41
    assert set(history.values_list("history_type", "history_user_id").distinct()) == {("+", w.teacher_a.pk)}
