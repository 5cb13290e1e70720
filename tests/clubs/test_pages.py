"""Pages: role matrix, approval by the principal, the parent's menu, timetable and hours."""
import pytest
from django.utils import timezone

from clubs import allocation
from clubs.models import ClubChoice, ReviewStatus, ServicePlan
from tests.clubs.factories import ChoiceWindowFactory, ClubFactory, ServicePlanFactory
from tests.conftest import ALL_MATRIX_ROLES, OFFICE_ROLES, matrix_user
from tests.factories import IN_TERM, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(staff):
    w = staff
    w.plan = ServicePlanFactory(school=w.school_a, term=w.term, status=ReviewStatus.SUBMITTED,
                                created_by=w.academic)
    w.club = ClubFactory(school=w.school_a, term=w.term, name="衍纸社", teachers=[w.teacher_a])
    return w


STAFF_PAGES = ["/clubs/?school={a}", "/clubs/timetable/?school={a}", "/clubs/plans/?school={a}"]
SEES_SCHOOL_A = {"homeroom", "principal", "district", "bureau", *OFFICE_ROLES}


@pytest.mark.parametrize("role", ALL_MATRIX_ROLES)
@pytest.mark.parametrize("page", STAFF_PAGES)
def test_staff_pages_role_matrix(setup, relogin, role, page):
    r = relogin(matrix_user(setup, role)).get(page.format(a=setup.school_a.pk))
    assert r.status_code == (200 if role in SEES_SCHOOL_A else 404), (role, page)


@pytest.mark.parametrize("role", ALL_MATRIX_ROLES)
def test_plan_and_club_detail_role_matrix(setup, relogin, role):
    client = relogin(matrix_user(setup, role))
    expected = 200 if role in SEES_SCHOOL_A else 404
    assert client.get(f"/clubs/plans/{setup.plan.pk}/").status_code == expected
    # parents see the approved club itself (the menu), not its members
    club_expected = 200 if role in SEES_SCHOOL_A | {"parent_a", "other_parent"} else 404
    assert client.get(f"/clubs/{setup.club.pk}/").status_code == club_expected


def test_principal_approves_the_submitted_plan_on_the_page(setup, relogin):
    r = relogin(setup.principal).post(f"/clubs/plans/{setup.plan.pk}/approve/")
    assert r.status_code == 302
    setup.plan.refresh_from_db()
    assert setup.plan.status == ReviewStatus.APPROVED


def test_teacher_gets_403_and_other_principal_404_on_approve(setup, relogin):
    assert relogin(setup.teacher_a).post(f"/clubs/plans/{setup.plan.pk}/approve/").status_code == 403
    assert relogin(setup.principal_b).post(f"/clubs/plans/{setup.plan.pk}/approve/").status_code == 404
    assert relogin(setup.teacher_a).post(f"/clubs/{setup.club.pk}/approve/").status_code == 403
    setup.plan.refresh_from_db()
    assert setup.plan.status == ReviewStatus.SUBMITTED


def test_plan_breaking_rules_shows_each_reason(setup, relogin):
    bad = ServicePlanFactory(school=setup.school_a, term=setup.term, revision=2, winter_noon_start="12:30",
                             winter_after_end="18:30")
    body = relogin(setup.principal).get(f"/clubs/plans/{bad.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "may not start before 13:00" in body and "must end by 18:00" in body
    r = relogin(setup.academic).post(f"/clubs/plans/{bad.pk}/submit/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "breaks the time rules" in r.content.decode()
    bad.refresh_from_db()
    assert bad.status == ReviewStatus.DRAFT


def test_return_without_comment_changes_nothing(setup, relogin):
    relogin(setup.principal).post(f"/clubs/plans/{setup.plan.pk}/return/", {"comment": ""})
    setup.plan.refresh_from_db()
    assert setup.plan.status == ReviewStatus.SUBMITTED


def test_teaching_office_creates_a_plan_through_the_form(staff, relogin):
    data = {"school_days": ["1", "2", "3", "4", "5"], "winter_noon_start": "13:00", "winter_noon_end": "14:00",
            "winter_after_start": "16:00", "winter_after_end": "18:00", "summer_noon_start": "14:00",
            "summer_noon_end": "14:30", "summer_after_start": "16:30", "summer_after_end": "18:00",
            "homework_groups": "4", "notes": ""}
    r = relogin(staff.academic).post(f"/clubs/plans/new/?school={staff.school_a.pk}", data)
    assert r.status_code == 302
    assert ServicePlan.objects.get(school=staff.school_a).school_days == [1, 2, 3, 4, 5]
    bad = relogin(staff.academic).post(f"/clubs/plans/new/?school={staff.school_a.pk}",
                                     {**data, "winter_after_end": "25:99"})
    assert bad.status_code == 200 and ServicePlan.objects.count() == 1


def test_teaching_office_creates_a_club_with_slots(staff, relogin):
    from clubs.models import Club, ClubType

    venue = VenueFactory(school=staff.school_a, capacity=40)
    data = {"club_type": ClubType.objects.get(code="tie-dye").pk, "name": "扎染社", "teachers": [staff.teacher_a.pk],
            "external_instructor": "", "venue": venue.pk, "capacity": "20", "grade_min": "3", "grade_max": "6",
            "description": "", "slots-TOTAL_FORMS": "3", "slots-INITIAL_FORMS": "0", "slots-MIN_NUM_FORMS": "3",
            "slots-MAX_NUM_FORMS": "7", "slots-0-weekday": "2", "slots-0-start": "16:00", "slots-0-end": "17:00"}
    r = relogin(staff.academic).post(f"/clubs/new/?school={staff.school_a.pk}", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    club = Club.objects.get(name="扎染社")
    assert [str(s.start) for s in club.slots.all()] == ["16:00:00"]
    r = relogin(staff.academic).post(f"/clubs/new/?school={staff.school_a.pk}",
                                   {**data, "name": "坏的", "slots-0-end": "15:00"})
    assert r.status_code == 200 and not Club.objects.filter(name="坏的").exists()
    assert relogin(staff.teacher_a).get(f"/clubs/new/?school={staff.school_a.pk}").status_code == 403


def test_parent_ranks_clubs_on_the_menu_and_sees_the_result(setup, relogin):
    w = setup
    ChoiceWindowFactory(school=w.school_a, term=w.term)
    client = relogin(w.parent_a)
    body = client.get("/clubs/menu/").content.decode()
    assert "衍纸社" in body
    r = client.post("/clubs/menu/choose/", {"student": w.child_a.pk, "club": w.club.pk, "rank": "1"})
    assert r.status_code == 302
    choice = ClubChoice.objects.get(student=w.child_a)
    assert choice.rank == 1 and choice.status == "pending"
    w.club.choices.model.objects.filter(pk=choice.pk)
    window = allocation.choice_window_for(school=w.school_a, term=w.term)
    window.opens_at, window.closes_at = timezone.now() - timezone.timedelta(days=2), timezone.now()
    window.save()
    allocation.allocate(school=w.school_a, term=w.term)
    body = client.get("/clubs/menu/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Enrolled" in body and "Granted as choice 1" in body
    # another family's child: 404, nothing written
    assert client.post("/clubs/menu/choose/", {"student": w.child_a2.pk, "club": w.club.pk}).status_code == 404
    assert not ClubChoice.objects.filter(student=w.child_a2).exists()


def test_menu_is_404_for_staff_without_children(setup, relogin):
    assert relogin(setup.principal).get("/clubs/menu/").status_code == 404


@pytest.mark.time_machine(IN_TERM)  # the page shows the term that contains today
@pytest.mark.parametrize("rows", [5, 50])
def test_menu_page_query_count_is_constant(setup, relogin, django_assert_num_queries, rows):
    ChoiceWindowFactory(school=setup.school_a, term=setup.term)
    for _ in range(rows):
        ClubFactory(school=setup.school_a, term=setup.term)
    client = relogin(setup.parent_a)
    with django_assert_num_queries(11):
        assert client.get("/clubs/menu/").status_code == 200


@pytest.mark.time_machine(IN_TERM)  # the page shows the term that contains today
@pytest.mark.parametrize("rows", [5, 50])
def test_timetable_and_club_list_query_counts_are_constant(setup, relogin, django_assert_num_queries, rows):
    for i in range(rows):
        ClubFactory(school=setup.school_a, term=setup.term, teachers=[setup.teacher_a],
                    slots=[(1 + i % 5, "16:00", "17:00")])
    client = relogin(setup.principal)
    with django_assert_num_queries(17):  # + the service groups booked by enrollment (constant)
        assert client.get(f"/clubs/timetable/?school={setup.school_a.pk}").status_code == 200
    with django_assert_num_queries(9):
        assert client.get(f"/clubs/?school={setup.school_a.pk}").status_code == 200


def test_teacher_and_venue_timetables(setup, relogin):
    other = ClubFactory(school=setup.school_a, term=setup.term, name="篮球社")
    client = relogin(setup.principal)
    body = client.get(f"/clubs/timetable/teacher/{setup.teacher_a.pk}/?school={setup.school_a.pk}").content.decode()
    assert "衍纸社" in body and "篮球社" not in body
    body = client.get(f"/clubs/timetable/venue/{other.venue.pk}/").content.decode()
    assert "篮球社" in body and "衍纸社" not in body
    assert relogin(setup.teacher_b).get(f"/clubs/timetable/venue/{other.venue.pk}/").status_code == 404


def test_clash_list_for_the_teaching_office(setup, relogin):
    ClubFactory(school=setup.school_a, term=setup.term, name="冲突社", teachers=[setup.teacher_a],
                slots=[(1, "16:30", "17:30")])
    body = relogin(setup.academic).get(f"/clubs/clashes/?school={setup.school_a.pk}",
                                     HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "booked twice" in body and "吴老师" in body
    assert relogin(setup.teacher_a).get(f"/clubs/clashes/?school={setup.school_a.pk}").status_code == 403


def test_teacher_hours_page_and_exports(setup, relogin):
    client = relogin(setup.academic)
    body = client.get(f"/clubs/hours/?school={setup.school_a.pk}").content.decode()
    assert "吴老师" in body
    xlsx = client.get(f"/clubs/hours/?school={setup.school_a.pk}&format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    csv = client.get(f"/clubs/hours/?school={setup.school_a.pk}&format=csv", HTTP_ACCEPT_LANGUAGE="en")
    text = csv.content.decode("utf-8-sig")
    assert "吴老师" in text and "planned" in text
    assert relogin(setup.teacher_b).get(f"/clubs/hours/?school={setup.school_a.pk}").status_code == 404


def test_catalogue_has_five_categories_and_90_plus_types_in_both_languages(setup, relogin):
    from clubs.models import ClubCategory, ClubType

    assert ClubCategory.objects.count() == 5
    assert ClubType.objects.count() >= 90
    for zh in ("诵读", "篮球", "花样跳绳", "衍纸", "篆刻", "扎染"):
        assert ClubType.objects.filter(name_zh=zh).exclude(name_en="").exists(), zh
    body = relogin(setup.principal).get("/clubs/catalogue/").content.decode()
    assert "篆刻" in body


def test_bureau_adds_a_club_type_and_a_principal_cannot(setup, relogin):
    from clubs.models import ClubCategory, ClubType

    data = {"category": ClubCategory.objects.get(code="arts").pk, "code": "shadow-puppetry", "name_zh": "皮影戏",
            "name_en": "Shadow puppetry"}
    assert relogin(setup.principal).post("/clubs/catalogue/", data).status_code == 403
    assert relogin(setup.bureau).post("/clubs/catalogue/", data).status_code == 302
    assert ClubType.objects.filter(code="shadow-puppetry").exists()
    r = relogin(setup.bureau).post("/clubs/catalogue/", data)  # duplicate: form error, nothing new
    assert r.status_code == 200 and ClubType.objects.filter(code="shadow-puppetry").count() == 1
    assert relogin(setup.parent_a).get("/clubs/catalogue/").status_code == 404


@pytest.mark.parametrize("rows", [5, 50])
def test_plan_list_query_count_is_constant(setup, relogin, django_assert_num_queries, rows):
    from tests.factories import SchoolFactory

    for _ in range(rows):
        ServicePlanFactory(school=SchoolFactory(district=setup.district_a), term=setup.term)
    client = relogin(setup.district)
    with django_assert_num_queries(7):
        assert client.get("/clubs/plans/").status_code == 200
