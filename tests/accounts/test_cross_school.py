"""Accounts belong to their schools (issue 17, items 1 and 2): a school's staff never link, attach,
invite or deactivate an account that has links at another school; such a school sees one neutral
message, the bureau sees the refusal in the audit log, and a guardian with children at two schools
links the second child with a link code from their own account."""
import re

import pytest
from django.contrib.auth import get_user_model

from accounts.models import AuditEvent, Invitation, RoleAssignment
from accounts.roles import Role
from accounts.services import invitation_issue
from schools import services
from shahe_afterschool.errors import DomainError
from tests.factories import PASSWORD, StudentFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db
User = get_user_model()
NEUTRAL = "This phone number or username cannot be used here. Ask the education bureau."
CODE = re.compile(r"[0-9A-Z]{5}-[0-9A-Z]{5}")


@pytest.fixture
def two(world, client):
    """School B's principal, B's not-yet-joined parent (phone P) and teacher (phone Q)."""
    w = world
    w.principal_b = UserFactory(username="principal_b", name="吴校长")
    give_role(w.principal_b, Role.PRINCIPAL, school=w.school_b)
    added = services.guardian_add(school=w.school_b, student=w.child_b, name="钱妈妈", phone="13912345678",
                                  relation="mother", by=w.principal_b)
    w.parent_p = added.user
    w.parent_p_code = invitation_issue(user=w.parent_p, by=w.principal_b, school=w.school_b)
    w.teacher_q, _ = services.staff_create(school=w.school_b, name="孙老师", phone="13787654321",
                                           by=w.principal_b)
    services.staff_role_add(school=w.school_b, user=w.teacher_q, role=Role.TEACHER, by=w.principal_b)
    invitation_issue(user=w.teacher_q, by=w.principal_b, school=w.school_b)
    return w


def signed_in(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def letters_url(w):
    return f"/schools/{w.school_a.pk}/classes/{w.class_a.pk}/letters/"


def test_another_schools_parent_is_not_linked_and_gets_no_invitation_code(two, client):
    """The takeover of the issue: A's principal adds B's not-yet-joined parent's phone to A's child."""
    w = two
    page = signed_in(client, w.principal)
    response = page.post(letters_url(w), {"action": "add", "student": w.child_a2.pk, "name": "冒充者",
                                          "relation": "father", "phone": "139 1234 5678"}, follow=True)
    text = response.content.decode()
    assert NEUTRAL in text
    assert "钱妈妈" not in text and "13912345678" not in text  # nothing about whose number it is
    assert not w.parent_p.guardianships.filter(student=w.child_a2).exists()
    assert not CODE.search(text.split("Add a guardian")[0].replace(w.parent_p_code, ""))
    # the parent's printed code still works: nothing was revoked
    assert Invitation.objects.filter(user=w.parent_p, student__isnull=True).usable().count() == 1
    # and no code A's principal can get lets anyone in as the parent
    with pytest.raises(DomainError) as refused:
        invitation_issue(user=w.parent_p, by=w.principal, school=w.school_a)
    assert str(refused.value.message) == NEUTRAL
    printed = page.post(letters_url(w), {"action": "print"}).content.decode()
    assert printed.count('data-testid="letter"') == 0  # world's parents all have passwords
    assert printed.count('data-testid="link-letter"') == 1
    assert Invitation.objects.filter(user=w.parent_p, student__isnull=True).usable().count() == 1
    refusals = AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, object_id=str(w.parent_p.pk))
    assert refusals.filter(user=w.principal).count() >= 2


def test_a_link_code_links_only_the_account_it_was_made_for(two, client):
    """The guardian with children at two schools: joins once at B, then links A's child themselves."""
    w = two
    signed_in(client, w.principal).post(letters_url(w), {"action": "add", "student": w.child_a2.pk,
                                                         "name": "钱妈妈", "relation": "mother",
                                                         "phone": "13912345678"})
    printed = client.post(letters_url(w), {"action": "print"}).content.decode()
    link_code = CODE.search(printed.split('data-testid="link-letter"')[1]).group(0)
    # the code is no invitation: it sets no password
    client.logout()
    join = client.post("/accounts/join/", {"code": link_code, "password1": "Family-Shahe-1",
                                           "password2": "Family-Shahe-1"})
    assert join.status_code == 400
    # another signed-in parent cannot use it
    assert signed_in(client, w.parent_a).post("/accounts/link/", {"code": link_code}).status_code == 400
    assert not w.parent_a.guardianships.filter(student=w.child_a2).exists()
    # the parent joins at B with B's letter, then links A's child with A's letter
    client.logout()
    assert client.post("/accounts/join/", {"code": w.parent_p_code, "password1": "Family-Shahe-1",
                                           "password2": "Family-Shahe-1"}).status_code == 302
    response = client.post("/accounts/link/", {"code": link_code.lower()}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert set(w.parent_p.guardianships.filter(active=True).values_list("student_id", flat=True)) == {
        w.child_b.pk, w.child_a2.pk}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LINKED, user=w.parent_p).exists()
    # spent
    assert client.post("/accounts/link/", {"code": link_code}).status_code == 400


def test_another_schools_teacher_is_not_attached_and_gets_no_code(two, client):
    w = two
    page = signed_in(client, w.principal)
    response = page.post(f"/schools/{w.school_a.pk}/staff/", {"name": "孙老师", "phone": "13787654321",
                                                            "roles": ["teacher"]})
    assert response.status_code == 400
    text = response.content.decode()
    assert NEUTRAL in text and "already had an account" not in text
    assert not RoleAssignment.objects.filter(user=w.teacher_q, school=w.school_a).exists()
    with pytest.raises(DomainError):
        invitation_issue(user=w.teacher_q, by=w.principal)
    assert page.post(f"/schools/{w.school_a.pk}/staff/{w.teacher_q.pk}/invite/").status_code == 404


@pytest.mark.parametrize("who", ["bureau", "district", "principal_b", "parent_b", "teacher_b"])
def test_accounts_of_others_are_not_attached_by_username(two, client, who):
    """Accounts with no phone, or another school's, cannot be attached by username alone."""
    w = two
    target = getattr(w, who)
    page = signed_in(client, w.principal)
    response = page.post(f"/schools/{w.school_a.pk}/staff/", {"name": "某某", "phone": target.phone or "13700001111",
                                                            "username": target.username, "roles": ["teacher"]})
    assert response.status_code == 400
    assert NEUTRAL in response.content.decode() or "belongs to another person" not in response.content.decode()
    assert not RoleAssignment.objects.filter(user=target, school=w.school_a).exists()
    target.refresh_from_db()
    assert target.is_active


def test_deactivation_by_a_school_ends_its_roles_only(two, client):
    """A teacher at two schools (as the bureau resolved it) is let go by A: A's roles end, B's stay."""
    w = two
    give_role(w.teacher_q, Role.TEACHER, school=w.school_a)  # the bureau's resolution
    page = signed_in(client, w.principal)
    response = page.post(f"/schools/{w.school_a.pk}/staff/{w.teacher_q.pk}/deactivate/", follow=True)
    assert response.status_code == 200
    w.teacher_q.refresh_from_db()
    assert w.teacher_q.is_active
    assert not RoleAssignment.objects.filter(user=w.teacher_q, school=w.school_a, active=True).exists()
    assert RoleAssignment.objects.filter(user=w.teacher_q, school=w.school_b, active=True).exists()
    # someone only at A is deactivated
    only_a = UserFactory(username="only_a", phone="13600000009")
    give_role(only_a, Role.TEACHER, school=w.school_a)
    page.post(f"/schools/{w.school_a.pk}/staff/{only_a.pk}/deactivate/")
    only_a.refresh_from_db()
    assert not only_a.is_active


def test_a_school_cannot_deactivate_another_schools_parent(two, client):
    w = two
    page = signed_in(client, w.principal)
    page.post(f"/schools/{w.school_a.pk}/staff/", {"name": "x", "phone": w.parent_b.phone,
                                                  "username": w.parent_b.username, "roles": ["teacher"]})
    assert page.post(f"/schools/{w.school_a.pk}/staff/{w.parent_b.pk}/deactivate/").status_code == 404
    w.parent_b.refresh_from_db()
    assert w.parent_b.is_active


def test_codes_only_from_the_school_of_every_link_and_revocations_logged(two):
    w = two
    with pytest.raises(DomainError):
        invitation_issue(user=w.parent_p, by=w.principal, school=w.school_b)  # not A's principal's school
    before = AuditEvent.objects.filter(action=AuditEvent.Action.REVOKED, object_id=str(w.parent_p.pk)).count()
    invitation_issue(user=w.parent_p, by=w.principal_b, school=w.school_b)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REVOKED, object_id=str(w.parent_p.pk)).count() == (
        before + 1)


def test_the_bureau_sees_the_refusals_and_may_link(two, client):
    w = two
    signed_in(client, w.principal).post(letters_url(w), {"action": "add", "student": w.child_a2.pk,
                                                         "name": "钱妈妈", "relation": "mother",
                                                         "phone": "13912345678"})
    refusal = AuditEvent.objects.get(action=AuditEvent.Action.REFUSED, user=w.principal)
    assert refusal.object_id == str(w.parent_p.pk) and f"school {w.school_a.pk}" in refusal.detail
    student = StudentFactory(homeroom_class=w.class_a)
    admin = UserFactory(username="sysadmin", is_superuser=True, is_staff=True)
    give_role(admin, Role.ADMIN)
    added = services.guardian_add(school=w.school_a, student=student, name="钱妈妈", phone="13912345678",
                                  relation="mother", by=admin)
    assert added.linked and added.user == w.parent_p
    assert PASSWORD  # the factories' password is untouched


def test_a_staff_import_does_not_attach_another_schools_account(two):
    w = two
    data = "姓名,手机号,角色\r\n孙老师,13787654321,教师\r\n新老师,13611112222,教师\r\n".encode()
    batch = services.import_preview(school=w.school_a, user=w.principal, kind="staff", file_name="staff.csv",
                                    data=data)
    assert [e["row"] for e in batch.errors] == [2]
    assert "education bureau" in str(batch.errors[0]) or "教育局" in str(batch.errors[0])
    assert not RoleAssignment.objects.filter(user=w.teacher_q, school=w.school_a).exists()
