"""The absence notice is written in each guardian's language, not the teacher's (issue 20 item 7)."""
import pytest

from notices.models import Notification

from .conftest import post_marks

pytestmark = pytest.mark.django_db


def test_absence_notices_in_each_guardians_language(att, api, django_capture_on_commit_callbacks):
    w = att  # the teacher works in English (this module's requests and the active language are English)
    w.other_parent.language = "en"
    w.other_parent.save()
    post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "absent", "client_id": "1"},
                                          {"student": w.child_a2.pk, "status": "absent", "client_id": "2"}])
    with django_capture_on_commit_callbacks(execute=True):
        assert api.as_user(w.teacher_a).post(f"/api/v1/rolls/{w.roll.pk}/submit/").status_code == 200
    chinese = Notification.objects.get(kind="attendance.absent", recipient=w.parent_a)  # the site's default
    english = Notification.objects.get(kind="attendance.absent", recipient=w.other_parent)
    assert "absent" not in chinese.title and w.child_a.name in chinese.title
    assert "is absent from" in english.title and w.child_a2.name in english.title
