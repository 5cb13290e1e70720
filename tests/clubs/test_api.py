"""API.md: GET /api/v1/clubs/?school=&category= (menu with free seats) and POST /api/v1/clubs/{id}/choices/."""
import pytest
from django.utils import timezone

from clubs.models import ClubChoice, ReviewStatus
from tests.clubs.factories import ChoiceWindowFactory, ClubFactory, club_type
from tests.conftest import ALL_MATRIX_ROLES, OFFICE_ROLES, matrix_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def clubs(world):
    w = world
    ChoiceWindowFactory(school=w.school_a, term=w.term)
    w.chess = ClubFactory(school=w.school_a, term=w.term, name="围棋社", club_type=club_type("weiqi"), capacity=2)
    w.draft = ClubFactory(school=w.school_a, term=w.term, name="草稿社", status=ReviewStatus.DRAFT)
    w.club_b = ClubFactory(school=w.school_b, term=w.term, name="桥西篮球", capacity=2)
    return w


LIST_SEES = {
    "parent_a": {"围棋社"}, "other_parent": {"围棋社"}, "homeroom": {"围棋社", "草稿社"},
    "teacher_b": {"桥西篮球"}, "principal": {"围棋社", "草稿社"}, "district": {"围棋社", "草稿社"},
    "bureau": {"围棋社", "草稿社", "桥西篮球"},
    **{office: {"围棋社", "草稿社"} for office in OFFICE_ROLES},
}


@pytest.mark.parametrize("role", ALL_MATRIX_ROLES)
def test_club_list_is_scoped(clubs, api, role):
    r = api.as_user(matrix_user(clubs, role)).get("/api/v1/clubs/")
    assert r.status_code == 200
    assert {c["name"] for c in r.json()["results"]} == LIST_SEES[role]


@pytest.mark.parametrize("role", ALL_MATRIX_ROLES)
def test_club_detail_is_404_outside_scope(clubs, api, role):
    client = api.as_user(matrix_user(clubs, role))
    for club in (clubs.chess, clubs.draft, clubs.club_b):
        expected = 200 if club.name in LIST_SEES[role] else 404
        assert client.get(f"/api/v1/clubs/{club.pk}/").status_code == expected, (role, club.name)


def test_menu_filters_by_school_and_category_and_shows_free_seats(clubs, api):
    ClubChoice.objects.create(club=clubs.chess, student=clubs.child_a2, term=clubs.term, status="enrolled",
                              chosen_at=timezone.now())
    client = api.as_user(clubs.parent_a)
    body = client.get(f"/api/v1/clubs/?school={clubs.school_a.pk}&category=sports&menu=1").json()
    assert [(c["name"], c["free_seats"], c["category"]) for c in body["results"]] == [("围棋社", 1, "sports")]
    assert client.get("/api/v1/clubs/?category=arts").json()["count"] == 0
    assert client.get("/api/v1/clubs/?school=abc&category=%00&grade=x").status_code == 200
    assert client.get("/api/v1/clubs/?category=%00").json()["count"] == 0
    client.force_login(clubs.parent_a)
    assert client.get("/clubs/menu/?category=%00&child=%00").status_code == 200


def test_parent_posts_a_ranked_choice(clubs, api):
    r = api.as_user(clubs.parent_a).post(f"/api/v1/clubs/{clubs.chess.pk}/choices/",
                                         {"student": clubs.child_a.pk, "rank": 1}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "pending" and r.json()["rank"] == 1
    again = api.as_user(clubs.parent_a).post(f"/api/v1/clubs/{clubs.chess.pk}/choices/",
                                             {"student": clubs.child_a.pk, "rank": 2}, format="json")
    assert again.status_code == 409


@pytest.mark.parametrize(("body", "field"), [
    ({"student": "x", "rank": 1}, "student"),
    ({"rank": 1}, "student"),
    ({"student": 0, "rank": 9}, "rank"),
])
def test_bad_choice_input_is_400_and_changes_nothing(clubs, api, body, field):
    r = api.as_user(clubs.parent_a).post(f"/api/v1/clubs/{clubs.chess.pk}/choices/", body, format="json",
                                         HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and field in r.json()
    assert not ClubChoice.objects.exists()


def test_choice_for_someone_elses_child_is_refused(clubs, api):
    r = api.as_user(clubs.parent_a).post(f"/api/v1/clubs/{clubs.chess.pk}/choices/",
                                         {"student": clubs.child_a2.pk, "rank": 1}, format="json")
    assert r.status_code == 400  # not a child the caller can see
    r = api.as_user(clubs.principal).post(f"/api/v1/clubs/{clubs.chess.pk}/choices/",
                                          {"student": clubs.child_a.pk, "rank": 1}, format="json")
    assert r.status_code == 403  # sees the child, but only a guardian chooses
    r = api.as_user(clubs.parent_b).post(f"/api/v1/clubs/{clubs.chess.pk}/choices/",
                                         {"student": clubs.child_b.pk, "rank": 1}, format="json")
    assert r.status_code == 404  # the club is at another school
    assert not ClubChoice.objects.exists()


def test_choice_list_and_withdraw(clubs, api):
    client = api.as_user(clubs.parent_a)
    choice_id = client.post(f"/api/v1/clubs/{clubs.chess.pk}/choices/", {"student": clubs.child_a.pk, "rank": 1},
                            format="json").json()["id"]
    assert [c["id"] for c in client.get("/api/v1/club-choices/").json()["results"]] == [choice_id]
    assert api.as_user(clubs.other_parent).get(f"/api/v1/club-choices/{choice_id}/").status_code == 404
    assert api.as_user(clubs.other_parent).post(f"/api/v1/club-choices/{choice_id}/withdraw/").status_code == 404
    r = api.as_user(clubs.parent_a).post(f"/api/v1/club-choices/{choice_id}/withdraw/")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"


@pytest.mark.parametrize("rows", [5, 50])
def test_club_menu_query_count_is_constant(clubs, api, django_assert_num_queries, rows):
    for _ in range(rows):
        ClubFactory(school=clubs.school_a, term=clubs.term)
    client = api.as_user(clubs.parent_a)
    with django_assert_num_queries(6):
        r = client.get(f"/api/v1/clubs/?school={clubs.school_a.pk}&menu=1")
    assert r.status_code == 200 and r.json()["count"] == rows + 1


@pytest.mark.parametrize("rows", [5, 50])
def test_choice_list_query_count_is_constant(clubs, api, django_assert_num_queries, rows):
    from tests.factories import StudentFactory

    for _ in range(rows):
        ClubChoice.objects.create(club=clubs.chess, student=StudentFactory(homeroom_class=clubs.class_a),
                                  term=clubs.term, status="waitlisted", chosen_at=timezone.now())
    client = api.as_user(clubs.principal)
    with django_assert_num_queries(5):
        r = client.get("/api/v1/club-choices/")
    assert r.status_code == 200 and r.json()["count"] == rows
