import datetime

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.services import audit_record
from schools.models import Guardianship, Student
from tests.conftest import OFFICE_ROLES, matrix_user
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reads(world):
    """homeroom read child_a's priority claims; teacher_b read child_b's."""
    audit_record(user=world.homeroom, action="read", obj=world.child_a, detail="priority claims")
    audit_record(user=world.teacher_b, action="read", obj=world.child_b, detail="priority claims")
    audit_record(user=world.parent_b, action="login")


def test_principal_sees_who_read_own_childrens_data(world, client, reads):
    client.force_login(world.principal)
    body = client.get(reverse("privacy:audit_access")).content.decode()
    assert "priority claims" in body
    assert world.homeroom.name in body and world.child_a.name in body
    assert world.teacher_b.name not in body  # the other school's reads
    assert world.child_b.name not in body


def test_principal_also_sees_own_staff_sign_ins_but_not_others(world, client, reads):
    audit_record(user=world.homeroom, action="login")
    client.force_login(world.principal)
    rows = client.get(reverse("privacy:audit_access")).context["rows"]
    usernames = {e.username for e, _ in rows}
    assert "homeroom" in usernames
    assert "parent_b" not in usernames and "teacher_b" not in usernames


def test_bureau_sees_the_city_without_childrens_names(world, client, reads):
    client.force_login(world.bureau)
    body = client.get(reverse("privacy:audit_access")).content.decode()
    assert world.homeroom.name in body and world.teacher_b.name in body
    assert world.child_a.student_number in body and world.child_b.student_number in body
    assert world.child_a.name not in body and world.child_b.name not in body


@pytest.mark.parametrize("role", ["parent_a", "homeroom", "teacher_b", "district", *OFFICE_ROLES])
@pytest.mark.parametrize("name", ["privacy:audit_access", "privacy:audit_changes"])
def test_other_roles_are_refused(world, client, role, name):
    client.force_login(matrix_user(world, role))
    assert client.get(reverse(name)).status_code == 403


def test_filters_by_user_child_and_date(world, client, reads):
    audit_record(user=world.principal, action="read", obj=world.child_a2, detail="health notes")
    old = audit_record(user=world.homeroom, action="read", obj=world.child_a2, detail="phone numbers")
    AuditEvent.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=10))
    client.force_login(world.principal)
    url = reverse("privacy:audit_access")

    def details(**params):
        return sorted(e.detail for e, _ in client.get(url, params).context["rows"] if e.detail)

    assert details(username="homeroom") == ["phone numbers", "priority claims"]
    assert details(child=world.child_a2.name) == ["health notes", "phone numbers"]
    assert details(child=world.child_a2.student_number) == ["health notes", "phone numbers"]
    assert details(child=world.child_b.student_number) == []  # not the principal's school
    today = timezone.localdate().isoformat()
    assert details(date_from=today, child=world.child_a2.name) == ["health notes"]
    assert details(date_to=(timezone.localdate() - datetime.timedelta(days=5)).isoformat()) == ["phone numbers"]


def test_bad_filters_answer_with_a_message_not_an_error(world, client, reads):
    client.force_login(world.principal)
    response = client.get(reverse("privacy:audit_access"), {"date_from": "2026-13-45", "page": "x"},
                          HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()
    response = client.get(reverse("privacy:audit_access"), {"date_from": "2026-11-10", "date_to": "2026-11-01"},
                          HTTP_ACCEPT_LANGUAGE="en")
    assert "The start date is after the end date" in response.content.decode()


def test_bureau_child_filter_is_by_student_number_only(world, client, reads):
    client.force_login(world.bureau)
    url = reverse("privacy:audit_access")
    assert len(client.get(url, {"child": world.child_a.name}).context["rows"]) == 0
    assert len(client.get(url, {"child": world.child_a.student_number}).context["rows"]) == 1


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("role", ["principal", "bureau"])
def test_access_log_query_count_is_constant(world, client, django_assert_num_queries, rows, role):
    students = StudentFactory.create_batch(3, homeroom_class=world.class_a)
    AuditEvent.objects.bulk_create([
        AuditEvent(user=world.homeroom, username="homeroom", action="read", object_type="schools.student",
                   object_id=str(students[i % 3].pk), detail="priority claims")
        for i in range(rows)
    ] + [AuditEvent(user=world.homeroom, username="homeroom", action="read", object_type="schools.guardianship",
                    object_id=str(Guardianship.objects.first().pk), detail="phone")])
    client.force_login(getattr(world, role))
    # session, user, scope (2), count, page, one per subject type on the page (2), and the nav/header
    with django_assert_num_queries(11):
        assert client.get(reverse("privacy:audit_access")).status_code == 200


def test_change_history_shows_who_changed_what(world, client):
    from simple_history.utils import update_change_reason  # noqa: F401  (the API used by other apps)

    child = world.child_a
    child._history_user = world.principal
    child.health_notes = "对青霉素过敏"
    child.save()
    client.force_login(world.principal)
    response = client.get(reverse("privacy:audit_changes"), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert "对青霉素过敏" in body and world.principal.name in body
    assert "health notes" in body
    assert world.child_b.name not in body
    client.force_login(world.bureau)
    body = client.get(reverse("privacy:audit_changes"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "health notes" in body  # which field changed ...
    assert "对青霉素过敏" not in body and world.child_a.name not in body  # ... but not the values


def test_change_history_of_guardianships_and_filters(world, client):
    g = Guardianship.objects.get(student=world.child_a)
    g._history_user = world.principal
    g.may_pick_up = False
    g.save()
    client.force_login(world.principal)
    url = reverse("privacy:audit_changes")
    response = client.get(url, {"kind": "guardianship"}, HTTP_ACCEPT_LANGUAGE="en")
    rows = response.context["rows"]
    assert any(h.id == g.pk and ("may pick up", "Yes", "No") in changes for h, changes in rows)
    assert world.parent_a.name in response.content.decode()  # the guardian by name
    assert all(h.student_id != world.child_b.pk for h, _ in rows)
    rows = client.get(url, {"kind": "student", "child": world.child_a2.name}).context["rows"]
    assert {h.id for h, _ in rows} == {world.child_a2.pk}
    rows = client.get(url, {"username": "principal"}).context["rows"]
    assert rows == []  # the principal changed no student, only a guardianship


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("role", ["principal", "bureau"])
def test_change_history_query_count_is_constant(world, client, django_assert_num_queries, rows, role):
    StudentFactory.create_batch(rows, homeroom_class=world.class_a)
    client.force_login(getattr(world, role))
    with django_assert_num_queries(10):
        assert client.get(reverse("privacy:audit_changes")).status_code == 200


# --- nothing in the application can edit or delete audit rows ---------------------------------
AUDIT_MODELS = [AuditEvent, Student.history.model, Guardianship.history.model]


def _audit_model_admins():
    from privacy.models import GuardianConsent

    return [(m, admin.site._registry.get(m)) for m in [*AUDIT_MODELS, GuardianConsent]]


def test_admin_cannot_change_or_delete_audit_rows(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    for model, model_admin in _audit_model_admins():
        if model_admin is None:  # not in the admin at all: nothing to edit there
            continue
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model


def test_admin_change_and_delete_urls_refuse_audit_rows(world, client, admin_user):
    event = audit_record(user=world.homeroom, action="read", obj=world.child_a, detail="priority claims")
    client.force_login(admin_user)
    change = reverse("admin:accounts_auditevent_change", args=[event.pk])
    delete = reverse("admin:accounts_auditevent_delete", args=[event.pk])
    assert client.post(change, {"detail": "nothing happened"}).status_code in (302, 403)
    assert client.post(delete, {"post": "yes"}).status_code in (302, 403)
    assert client.post(reverse("admin:accounts_auditevent_changelist"),
                       {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
                       ).status_code in (200, 302, 403)
    event.refresh_from_db()
    assert event.detail == "priority claims"


@pytest.mark.parametrize("name", ["privacy:audit_access", "privacy:audit_changes"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_audit_pages_are_read_only(world, client, reads, name, method):
    client.force_login(world.principal)
    count = AuditEvent.objects.count()
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 405
    assert AuditEvent.objects.count() == count


def test_no_url_of_the_application_writes_audit_rows():
    """Every view of the project (outside the admin, whose audit admins are read-only above) is
    searched for a write to the audit models: none may update or delete them."""
    import inspect

    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p.callback

    suspicious = []
    for route, callback in walk(get_resolver().url_patterns):
        if route.startswith("admin/"):
            continue
        func = getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback
        try:
            source = inspect.getsource(inspect.getmodule(func))
        except (OSError, TypeError):
            continue
        for needle in ("AuditEvent.objects.filter(", "history.filter(", ".history.all().delete", "AuditEvent.objects.all("):
            for line in source.splitlines():
                if needle in line and (".update(" in line or ".delete(" in line):
                    suspicious.append((route, line.strip()))
    assert suspicious == []


def test_searching_the_logs_is_logged(world, client):
    client.force_login(world.principal)
    client.get(reverse("privacy:audit_access"), {"child": world.child_a.name})
    client.get(reverse("privacy:audit_changes"))
    details = list(AuditEvent.objects.filter(user=world.principal, object_type="privacy.audit")
                   .order_by("id").values_list("detail", flat=True))
    assert details == ["searched the access log (child=…)", "searched the change history"]
