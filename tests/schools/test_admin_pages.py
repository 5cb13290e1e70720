"""School administration pages: the role matrix, staff roles, venues, terms, letters to parents."""
import pytest
from django.contrib.auth import get_user_model

from accounts.models import Invitation, RoleAssignment
from accounts.roles import Role
from schools import services
from schools.models import HomeroomClass, ImportBatch, Term, Venue
from tests.conftest import ALL_MATRIX_ROLES, OFFICE_ROLES, matrix_user
from tests.factories import IN_TERM, GuardianshipFactory, StudentFactory, UserFactory, VenueFactory, give_role

from .conftest import xlsx_file

pytestmark = pytest.mark.django_db
User = get_user_model()

#: Who sees school_a at all (403 for them unless principal) and who does not (404).
SEES_SCHOOL_A = {"parent_a", "other_parent", "homeroom", "principal", "district", "bureau", *OFFICE_ROLES}


@pytest.fixture
def principal_b(world):
    user = UserFactory(username="principal_b", name="钱校长")
    give_role(user, Role.PRINCIPAL, school=world.school_b)
    return user


@pytest.fixture
def admin_urls(world):
    venue = VenueFactory(school=world.school_a)
    batch = services.import_preview(school=world.school_a, user=world.principal, kind="roster", file_name="a.xlsx",
                                    data=xlsx_file([["A1", "甲", "男", "", world.class_a.name]],
                                                   headers=["学号", "姓名", "性别", "出生日期", "班级"]))
    pk = world.school_a.pk
    return [
        f"/schools/{pk}/manage/", f"/schools/{pk}/import/roster/", f"/schools/{pk}/import/staff/",
        f"/schools/{pk}/import/roster/template.xlsx", f"/schools/{pk}/import/staff/template.csv",
        f"/schools/{pk}/imports/{batch.pk}/", f"/schools/{pk}/staff/", f"/schools/{pk}/staff/{world.homeroom.pk}/",
        f"/schools/{pk}/venues/", f"/schools/{pk}/venues/{venue.pk}/", f"/schools/{pk}/classes/{world.class_a.pk}/letters/",
    ]


@pytest.mark.parametrize("role", [*ALL_MATRIX_ROLES, "principal_b"])
def test_school_admin_pages_role_matrix(world, login, admin_urls, principal_b, role):
    user = principal_b if role == "principal_b" else matrix_user(world, role)
    client = login(user)
    expected = 200 if role == "principal" else 403 if role in SEES_SCHOOL_A else 404
    for url in admin_urls:
        assert client.get(url).status_code == expected, (role, url)


@pytest.mark.parametrize("role", [*ALL_MATRIX_ROLES, "principal_b"])
def test_school_admin_writes_role_matrix(world, login, principal_b, role):
    user = principal_b if role == "principal_b" else matrix_user(world, role)
    client = login(user)
    pk = world.school_a.pk
    expected = 403 if role in SEES_SCHOOL_A else 404
    if role == "principal":
        return
    assert client.post(f"/schools/{pk}/venues/", {"name": "新场地", "kind": "gym", "capacity": 30,
                                                  "active": "on"}).status_code == expected
    assert client.post(f"/schools/{pk}/staff/", {"name": "x", "phone": "13700000000", "roles": ["teacher"]}
                       ).status_code == expected
    assert client.post(f"/schools/{pk}/staff/{world.homeroom.pk}/deactivate/").status_code == expected
    assert client.post(f"/schools/{pk}/classes/{world.class_a.pk}/letters/", {"action": "print"}).status_code == expected
    assert not Venue.objects.filter(name="新场地").exists()
    assert not User.objects.filter(phone="13700000000").exists()
    world.homeroom.refresh_from_db()
    assert world.homeroom.is_active


def test_principal_class_of_another_school_is_404(world, login):
    client = login(world.principal)
    assert client.get(f"/schools/{world.school_a.pk}/classes/{world.class_b.pk}/letters/").status_code == 404
    assert client.get(f"/schools/{world.school_a.pk}/staff/{world.teacher_b.pk}/").status_code == 404
    assert client.get(f"/schools/{world.school_b.pk}/manage/").status_code == 404


def test_nav_entry_for_principal_only(world, login):
    body = login(world.principal).get("/schools/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "School administration" in body
    assert login(world.principal).get("/schools/manage/").url == f"/schools/{world.school_a.pk}/manage/"
    login(world.principal).logout()
    body = login(world.homeroom).get("/schools/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "School administration" not in body
    assert login(world.homeroom).get("/schools/manage/").status_code == 403


def test_admin_pages_are_in_chinese(world, login):
    body = login(world.principal).get(f"/schools/{world.school_a.pk}/manage/").content.decode()
    assert "学校管理" in body and "导入学生" in body


# --- staff --------------------------------------------------------------------------------------------
def test_principal_creates_a_homeroom_teacher_who_joins_with_the_code(world, login, client):
    klass = HomeroomClass.objects.create(school=world.school_a, grade=world.class_a.grade, name="三年级（8）班")
    principal = login(world.principal)
    response = principal.post(f"/schools/{world.school_a.pk}/staff/", {
        "name": "吴老师", "phone": "137 0000 1234", "roles": ["homeroom"], "homeroom_class": klass.pk,
    }, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    teacher = User.objects.get(username="13700001234")
    klass.refresh_from_db()
    assert klass.homeroom_teacher == teacher
    assert set(teacher.role_assignments.filter(school=world.school_a, active=True).values_list("role", flat=True)) \
        == {Role.HOMEROOM, Role.TEACHER}
    page = principal.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "invitation code" in page
    import re

    code = re.search(r"code is ([0-9A-Z]{5}-[0-9A-Z]{5})", page).group(1)
    principal.logout()
    assert client.post("/accounts/join/", {"code": code, "password1": "Teach-Shahe-2026",
                                           "password2": "Teach-Shahe-2026"}).status_code == 302
    # the new homeroom teacher sees the class's students
    klass_child = StudentFactory(homeroom_class=klass)
    assert client.get("/api/v1/students/").json()["count"] == 1 and klass_child


def test_homeroom_needs_a_class_and_bad_phone_is_refused(world, login):
    client = login(world.principal)
    response = client.post(f"/schools/{world.school_a.pk}/staff/", {
        "name": "吴老师", "phone": "12345", "roles": ["homeroom"]}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose the class the homeroom teacher leads." in body
    response = client.post(f"/schools/{world.school_a.pk}/staff/", {
        "name": "吴老师", "phone": "12345", "roles": ["teacher"]}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "11 digits" in response.content.decode()
    assert not User.objects.filter(name="吴老师").exists()


def test_principal_gives_and_ends_roles(world, login):
    client = login(world.principal)
    pk = world.school_a.pk
    assert client.post(f"/schools/{pk}/staff/{world.homeroom.pk}/", {"role": "duty_leader"}).status_code == 302
    duty = RoleAssignment.objects.get(user=world.homeroom, role=Role.DUTY_LEADER, school=world.school_a)
    assert duty.active
    homeroom_role = RoleAssignment.objects.get(user=world.homeroom, role=Role.HOMEROOM, school=world.school_a)
    assert client.post(f"/schools/{pk}/staff/{world.homeroom.pk}/roles/{homeroom_role.pk}/end/").status_code == 302
    homeroom_role.refresh_from_db()
    world.class_a.refresh_from_db()
    assert not homeroom_role.active and world.class_a.homeroom_teacher is None
    assert homeroom_role.history.count() == 2  # created, ended: kept
    # the principal's own role cannot be ended here
    own = RoleAssignment.objects.get(user=world.principal, role=Role.PRINCIPAL)
    client.post(f"/schools/{pk}/staff/{world.principal.pk}/roles/{own.pk}/end/")
    own.refresh_from_db()
    assert own.active


def test_staff_import_preview_then_confirm(world, login, upload):
    data = xlsx_file([
        ["郑老师", "137-0000-5678", "", "教师、班主任", world.class_a.name],
        ["冯老师", "13700005679", "", "德育处", ""],
        ["坏老师", "123", "", "校长", ""],
    ], headers=["姓名", "手机号", "用户名", "角色", "班主任班级"])
    login(world.principal)
    response = upload(world.school_a, data, kind="staff")
    batch = ImportBatch.objects.get(kind="staff")
    assert {(e["row"], e["column"]) for e in batch.errors} == {(4, "手机号"), (4, "角色")}
    assert not User.objects.filter(name="郑老师").exists()
    del response
    good = xlsx_file([
        ["郑老师", "137-0000-5678", "", "教师、班主任", world.class_a.name],
        ["冯老师", "13700005679", "", "德育处", ""],
    ], headers=["姓名", "手机号", "用户名", "角色", "班主任班级"])
    batch = services.import_preview(school=world.school_a, user=world.principal, kind="staff", file_name="s.xlsx",
                                    data=good)
    assert batch.errors == []
    services.import_apply(batch_id=batch.pk, user=world.principal)
    zheng = User.objects.get(username="13700005678")
    world.class_a.refresh_from_db()
    assert world.class_a.homeroom_teacher == zheng
    assert RoleAssignment.objects.filter(user__username="13700005679", role=Role.MORAL_ED).exists()
    # importing again changes nothing
    again = services.import_preview(school=world.school_a, user=world.principal, kind="staff", file_name="s.xlsx",
                                    data=good)
    assert services.import_apply(batch_id=again.pk, user=world.principal).summary["roles_added"] == 0


def test_staff_template_sample_imports_cleanly(world, login):
    HomeroomClass.objects.create(school=world.school_a, grade=world.class_a.grade, name="一年级（2）班")
    data = login(world.principal).get(f"/schools/{world.school_a.pk}/import/staff/template.xlsx").content
    batch = services.import_preview(school=world.school_a, user=world.principal, kind="staff", file_name="t.xlsx",
                                    data=data)
    assert batch.errors == []


@pytest.mark.parametrize("rows", [5, 50])
def test_staff_list_query_count_does_not_grow(world, login, django_assert_num_queries, rows):
    for _ in range(rows):
        give_role(UserFactory(), Role.TEACHER, school=world.school_a)
    client = login(world.principal)
    with django_assert_num_queries(10):
        assert client.get(f"/schools/{world.school_a.pk}/staff/").status_code == 200


# --- letters with invitation codes -------------------------------------------------------------------------
def test_principal_prints_letters_with_codes_for_a_class(world, login, client):
    parent = User.objects.create(username="13911113333", name="孙妈妈", phone="13911113333")
    parent.set_unusable_password()
    parent.save()
    GuardianshipFactory(guardian=parent, student=world.child_a)
    principal = login(world.principal)
    page = principal.post(f"/schools/{world.school_a.pk}/classes/{world.class_a.pk}/letters/",
                          {"action": "print"}).content.decode()
    import re

    codes = re.findall(r'data-testid="code">([0-9A-Z-]+)<', page)
    assert len(codes) == 1  # parent_a and other_parent already have passwords
    assert Invitation.objects.filter(user=parent).count() == 1
    principal.logout()
    assert client.post("/accounts/join/", {"code": codes[0], "password1": "Family-Shahe-1",
                                           "password2": "Family-Shahe-1"}).status_code == 302
    assert world.child_a.name in client.get("/schools/my-children/").content.decode()


@pytest.mark.parametrize("rows", [5, 50])
def test_class_letters_query_count_does_not_grow(world, login, django_assert_num_queries, rows):
    for _ in range(rows):
        GuardianshipFactory(student=StudentFactory(homeroom_class=world.class_a))
    client = login(world.principal)
    # the form's student choices are one more query, the class's unused link codes another
    with django_assert_num_queries(11):
        assert client.get(f"/schools/{world.school_a.pk}/classes/{world.class_a.pk}/letters/").status_code == 200


# --- venues ---------------------------------------------------------------------------------------------
def test_principal_creates_edits_and_deactivates_a_venue(world, login):
    client = login(world.principal)
    pk = world.school_a.pk
    assert client.post(f"/schools/{pk}/venues/", {"name": "舞蹈室", "kind": "art_room", "capacity": 30,
                                                  "active": "on"}).status_code == 302
    venue = Venue.objects.get(school=world.school_a, name="舞蹈室")
    assert client.post(f"/schools/{pk}/venues/{venue.pk}/", {"name": "舞蹈室", "kind": "art_room",
                                                             "capacity": 25}).status_code == 302
    venue.refresh_from_db()
    assert venue.capacity == 25 and not venue.active
    assert venue.history.count() == 2
    # bad input: clear message, nothing changed
    response = client.post(f"/schools/{pk}/venues/{venue.pk}/", {"name": "舞蹈室", "kind": "x", "capacity": -1},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    venue.refresh_from_db()
    assert venue.capacity == 25
    # a duplicate name
    response = client.post(f"/schools/{pk}/venues/", {"name": "舞蹈室", "kind": "gym", "capacity": 5,
                                                      "active": "on"})
    assert response.status_code == 400
    assert Venue.objects.filter(name="舞蹈室").count() == 1


@pytest.mark.parametrize("rows", [5, 50])
def test_venue_list_query_count_does_not_grow(world, login, django_assert_num_queries, rows):
    for _ in range(rows):
        VenueFactory(school=world.school_a)
    client = login(world.principal)
    with django_assert_num_queries(8):
        assert client.get(f"/schools/{world.school_a.pk}/venues/").status_code == 200


# --- terms ----------------------------------------------------------------------------------------------
TERM_POST = {"name": "2027-2028学年第一学期", "start_date": "2027-09-01", "end_date": "2028-01-20",
             "summer_timetable_from": "2027-05-01", "winter_timetable_from": "2027-10-01",
             "noon_start_winter": "13:00", "noon_start_summer": "14:00", "latest_end": "18:00",
             "min_daily_minutes": "120"}


@pytest.mark.parametrize("role", ALL_MATRIX_ROLES)
def test_terms_role_matrix(world, login, role):
    client = login(matrix_user(world, role))
    list_status = 403 if role in {"parent_a", "other_parent"} else 200
    assert client.get("/schools/terms/").status_code == list_status
    edit_status = 200 if role == "bureau" else 403
    assert client.get("/schools/terms/new/").status_code == edit_status
    assert client.get(f"/schools/terms/{world.term.pk}/").status_code == edit_status
    response = client.post("/schools/terms/new/", TERM_POST)
    assert response.status_code == (302 if role == "bureau" else 403)
    assert Term.objects.filter(name=TERM_POST["name"]).exists() == (role == "bureau")


def test_school_sees_terms_read_only(world, login):
    body = login(world.principal).get("/schools/terms/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert world.term.name in body and "New term" not in body and "Edit" not in body


def test_bureau_edits_timetable_switch_and_policy_values(world, login):
    client = login(world.bureau)
    data = {**TERM_POST, "name": world.term.name, "start_date": "2026-09-01", "end_date": "2027-01-20",
            "winter_timetable_from": "2026-10-08", "latest_end": "17:30"}
    assert client.post(f"/schools/terms/{world.term.pk}/", data).status_code == 302
    world.term.refresh_from_db()
    assert str(world.term.winter_timetable_from) == "2026-10-08" and str(world.term.latest_end) == "17:30:00"
    bad = {**data, "end_date": "2026-08-01"}
    response = client.post(f"/schools/terms/{world.term.pk}/", bad)
    assert response.status_code == 400
    world.term.refresh_from_db()
    assert str(world.term.end_date) == "2027-01-20"


def test_school_creates_a_parent_account_directly(world, login, client):
    principal = login(world.principal)
    url = f"/schools/{world.school_a.pk}/classes/{world.class_a.pk}/letters/"
    response = principal.post(url, {"action": "add", "student": world.child_a2.pk, "name": "李爸爸",
                                    "relation": "father", "phone": "139 8888 7777"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    page = principal.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    import re

    code = re.search(r"invitation code ([0-9A-Z]{5}-[0-9A-Z]{5})", page).group(1)
    father = User.objects.get(username="13988887777")
    assert father.guardianships.get().student == world.child_a2
    # bad input: a clear message, nothing created
    response = principal.post(url, {"action": "add", "student": world.child_a2.pk, "name": "某某",
                                    "relation": "father", "phone": "555"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "11 digits" in response.content.decode()
    # a student of another school cannot be chosen
    response = principal.post(url, {"action": "add", "student": world.child_b.pk, "name": "某某",
                                    "relation": "father", "phone": "13988887776"})
    assert response.status_code == 400 and not User.objects.filter(username="13988887776").exists()
    principal.logout()
    assert client.post("/accounts/join/", {"code": code, "password1": "Li-family-2026",
                                           "password2": "Li-family-2026"}).status_code == 302
    body = client.get("/schools/my-children/").content.decode()
    assert world.child_a2.name in body and world.child_a.name not in body


@pytest.mark.parametrize("rows", [5, 50])
def test_terms_list_query_count_does_not_grow(world, login, django_assert_num_queries, rows):
    import datetime

    from tests.factories import TermFactory

    for i in range(rows):
        TermFactory(name=f"{2030 + i}学年", start_date=datetime.date(2030 + i, 9, 1),
                    end_date=datetime.date(2031 + i, 1, 20))
    client = login(world.bureau)
    with django_assert_num_queries(7):
        assert client.get("/schools/terms/").status_code == 200


@pytest.mark.time_machine(IN_TERM)  # the page shows the term that contains today
@pytest.mark.parametrize("rows", [5, 50])
def test_admin_home_query_count_does_not_grow(world, login, django_assert_num_queries, rows):
    for i in range(rows):
        HomeroomClass.objects.create(school=world.school_a, grade=world.class_a.grade, name=f"三年级（加{i}）班",
                                     homeroom_teacher=UserFactory())
    for _ in range(min(rows, 20)):
        services.import_preview(school=world.school_a, user=world.principal, kind="roster", file_name="a.xlsx",
                                data=xlsx_file([["A1", "甲", "男", "", world.class_a.name]],
                                               headers=["学号", "姓名", "性别", "出生日期", "班级"]))
    client = login(world.principal)
    with django_assert_num_queries(10):
        assert client.get(f"/schools/{world.school_a.pk}/manage/").status_code == 200
