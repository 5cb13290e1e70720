import pytest

from tests.conftest import ALL_MATRIX_ROLES, OFFICE_ROLES, matrix_user
from tests.factories import HomeroomClassFactory, SchoolFactory, StudentFactory

pytestmark = pytest.mark.django_db

LIST_ALLOWED = {"homeroom", "teacher_b", "principal", "district", "bureau", "parent_a", "other_parent"}
DETAIL_SEEN = {
    "parent_a": {"school_a"}, "other_parent": {"school_a"}, "homeroom": {"school_a"},
    "teacher_b": {"school_b"}, "principal": {"school_a"}, "district": {"school_a"},
    "bureau": {"school_a", "school_b"},
    **{office: {"school_a"} for office in OFFICE_ROLES},
}


@pytest.mark.parametrize("role", ALL_MATRIX_ROLES)
def test_school_list_page_shows_only_visible_schools(world, login, role):
    body = login(matrix_user(world, role)).get("/schools/").content.decode()
    for key in ("school_a", "school_b"):
        assert (getattr(world, key).name in body) == (key in DETAIL_SEEN[role]), (role, key)


@pytest.mark.parametrize("role", ALL_MATRIX_ROLES)
def test_school_detail_page_is_404_outside_scope(world, login, role):
    client = login(matrix_user(world, role))
    for key in ("school_a", "school_b"):
        status = client.get(f"/schools/{getattr(world, key).pk}/").status_code
        assert status == (200 if key in DETAIL_SEEN[role] else 404), (role, key)


def test_school_detail_shows_classes_venues_and_staff_to_principal(world, login):
    body = login(world.principal).get(f"/schools/{world.school_a.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert world.class_a.name in body
    assert "王老师" in body  # the homeroom teacher, under staff by role
    assert "Staff by role" in body


def test_parent_does_not_see_staff_or_classes_on_school_page(world, login):
    body = login(world.parent_a).get(f"/schools/{world.school_a.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Staff by role" not in body
    assert world.class_a.name not in body


def test_my_children_shows_only_own_children(world, login):
    body = login(world.parent_a).get("/schools/my-children/").content.decode()
    assert "张小明" in body
    assert "李小红" not in body and "赵小刚" not in body


def test_school_list_search_via_htmx_returns_rows_only(world, login):
    client = login(world.bureau)
    r = client.get("/schools/?q=桥西", HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert "<html" not in body
    assert world.school_b.name in body and world.school_a.name not in body


def test_school_list_bad_district_param_is_ignored(world, login):
    assert login(world.bureau).get("/schools/?district=abc&page=zzz").status_code == 200


@pytest.mark.parametrize("rows", [5, 50])
def test_school_list_query_count_does_not_grow(world, login, django_assert_num_queries, rows):
    for _ in range(rows):
        StudentFactory(homeroom_class=HomeroomClassFactory(school=SchoolFactory(district=world.district_a)))
    client = login(world.bureau)
    with django_assert_num_queries(9):
        assert client.get("/schools/").status_code == 200


@pytest.mark.parametrize("rows", [5, 50])
def test_school_detail_query_count_does_not_grow(world, login, django_assert_num_queries, rows):
    for _ in range(rows):
        c = HomeroomClassFactory(school=world.school_a)
        StudentFactory(homeroom_class=c)
    client = login(world.principal)
    with django_assert_num_queries(10):
        assert client.get(f"/schools/{world.school_a.pk}/").status_code == 200
