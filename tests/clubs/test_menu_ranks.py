"""The parent's ranking on the club menu (issue 19): "add" fills the next free rank, a full ranking
asks which choice to replace, up/down and removal keep the ranks 1..n, bad input changes nothing,
and the allocation serves the ranks the page shows."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from clubs import allocation, services
from clubs.models import ClubChoice
from shahe_afterschool.errors import ConflictError, DomainError
from tests.clubs.factories import ChoiceWindowFactory, ClubFactory
from tests.factories import IN_TERM

pytestmark = pytest.mark.django_db
S = ClubChoice.Status


@pytest.fixture
def menu(world):
    w = world
    w.window = ChoiceWindowFactory(school=w.school_a, term=w.term)
    # different weekdays: no clash between any two of them
    w.robots = ClubFactory(school=w.school_a, term=w.term, name="机器人社", capacity=1, slots=[(1, "16:00", "17:00")])
    w.coding = ClubFactory(school=w.school_a, term=w.term, name="少儿编程社", capacity=1, slots=[(2, "16:00", "17:00")])
    w.chess = ClubFactory(school=w.school_a, term=w.term, name="围棋社", capacity=1, slots=[(3, "16:00", "17:00")])
    w.choir = ClubFactory(school=w.school_a, term=w.term, name="合唱社", capacity=1, slots=[(4, "16:00", "17:00")])
    w.club_b = ClubFactory(school=w.school_b, term=w.term, name="桥西足球社")
    return w


def ranks(w, student=None):
    """{club name: rank} of the child's pending ranked choices."""
    return {c.club.name: c.rank for c in ClubChoice.objects.filter(
        student=student or w.child_a, status=S.PENDING, rank__isnull=False).select_related("club")}


def add(w, *clubs):
    return [allocation.ranking_add(user=w.parent_a, student=w.child_a, club=c) for c in clubs]


def close_window(w):
    w.window.opens_at = timezone.now() - datetime.timedelta(days=3)
    w.window.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    w.window.save()


# --- services ---------------------------------------------------------------------------------
def test_add_fills_the_next_free_rank(menu):
    w = menu
    robots, coding, chess = add(w, w.robots, w.coding, w.chess)
    assert (robots.rank, coding.rank, chess.rank) == (1, 2, 3)
    assert ranks(w) == {"机器人社": 1, "少儿编程社": 2, "围棋社": 3}


def test_a_full_ranking_asks_before_replacing_and_the_replacement_names_the_choice(menu):
    w = menu
    robots, coding, chess = add(w, w.robots, w.coding, w.chess)
    with pytest.raises(services.RankingFull):
        allocation.ranking_add(user=w.parent_a, student=w.child_a, club=w.choir)
    assert ranks(w) == {"机器人社": 1, "少儿编程社": 2, "围棋社": 3}  # nothing replaced without asking
    new = allocation.ranking_replace(user=w.parent_a, student=w.child_a, club=w.choir, replaced=coding)
    assert new.rank == 2
    assert ranks(w) == {"机器人社": 1, "合唱社": 2, "围棋社": 3}
    coding.refresh_from_db()
    assert (coding.status, coding.reason) == (S.WITHDRAWN, "replaced")


def test_replace_refuses_a_choice_that_changed_or_is_not_the_childs(menu):
    w = menu
    robots, coding, chess = add(w, w.robots, w.coding, w.chess)
    other = allocation.ranking_add(user=w.other_parent, student=w.child_a2, club=w.robots)
    with pytest.raises(PermissionDenied):  # not the guardian of child_a2
        allocation.ranking_replace(user=w.parent_a, student=w.child_a2, club=w.choir, replaced=other)
    with pytest.raises(DomainError):  # child_a's replacement naming child_a2's choice
        allocation.ranking_replace(user=w.parent_a, student=w.child_a, club=w.choir, replaced=other)
    allocation.choice_withdraw(user=w.parent_a, choice=coding)
    with pytest.raises(ConflictError):  # the confirmed choice is gone in the meantime
        allocation.ranking_replace(user=w.parent_a, student=w.child_a, club=w.choir, replaced=coding)
    assert ranks(w) == {"机器人社": 1, "围棋社": 2}
    assert ranks(w, w.child_a2) == {"机器人社": 1}


def test_remove_moves_the_choices_below_up(menu):
    w = menu
    robots, coding, chess = add(w, w.robots, w.coding, w.chess)
    allocation.choice_withdraw(user=w.parent_a, choice=robots)
    assert ranks(w) == {"少儿编程社": 1, "围棋社": 2}
    # and "add" now fills rank 3, after the last one
    assert allocation.ranking_add(user=w.parent_a, student=w.child_a, club=w.choir).rank == 3
    assert ranks(w) == {"少儿编程社": 1, "围棋社": 2, "合唱社": 3}


def test_up_and_down_swap_neighbours_and_keep_the_ranks_dense(menu):
    w = menu
    robots, coding, chess = add(w, w.robots, w.coding, w.chess)
    services.ranking_move(user=w.parent_a, choice=chess, direction="up")
    assert ranks(w) == {"机器人社": 1, "围棋社": 2, "少儿编程社": 3}
    services.ranking_move(user=w.parent_a, choice=chess, direction="up")
    assert ranks(w) == {"围棋社": 1, "机器人社": 2, "少儿编程社": 3}
    services.ranking_move(user=w.parent_a, choice=robots, direction="down")
    assert ranks(w) == {"围棋社": 1, "少儿编程社": 2, "机器人社": 3}
    assert sorted(ranks(w).values()) == [1, 2, 3]


@pytest.mark.parametrize("direction", ["up", "down", "sideways", ""])
def test_moving_past_the_ends_or_nowhere_is_refused_and_changes_nothing(menu, direction):
    w = menu
    robots, coding = add(w, w.robots, w.coding)
    choice = robots if direction != "down" else coding
    with pytest.raises(DomainError) as err:
        services.ranking_move(user=w.parent_a, choice=choice, direction=direction)
    assert err.value.status_code == 400 and str(err.value.message)
    assert ranks(w) == {"机器人社": 1, "少儿编程社": 2}


def test_ranking_is_frozen_once_the_window_closes(menu):
    w = menu
    robots, coding = add(w, w.robots, w.coding)
    close_window(w)
    with pytest.raises(ConflictError):
        services.ranking_move(user=w.parent_a, choice=coding, direction="up")
    assert ranks(w) == {"机器人社": 1, "少儿编程社": 2}


def test_the_allocation_serves_the_ranks_the_parent_set(menu):
    """child_a ranks robots, coding, chess and then moves chess to the top; child_a2 wants chess
    first too but chose later. Each club has one seat: child_a gets chess (its new first choice),
    child_a2 then gets its second choice."""
    w = menu
    robots, coding, chess = add(w, w.robots, w.coding, w.chess)
    services.ranking_move(user=w.parent_a, choice=chess, direction="up")
    services.ranking_move(user=w.parent_a, choice=chess, direction="up")
    later_chess = allocation.ranking_add(user=w.other_parent, student=w.child_a2, club=w.chess)
    later_robots = allocation.ranking_add(user=w.other_parent, student=w.child_a2, club=w.robots)
    close_window(w)
    allocation.allocate(school=w.school_a, term=w.term, user=w.principal)
    for c in (robots, coding, chess, later_chess, later_robots):
        c.refresh_from_db()
    assert (chess.status, chess.reason_params) == (S.ENROLLED, {"rank": 1})
    assert (robots.status, coding.status) == (S.NOT_PLACED, S.NOT_PLACED)
    assert robots.reason_params == {"rank": 1}  # "choice 1 was granted, so this lower one was not needed"
    assert (later_chess.status, later_robots.status) == (S.WAITLISTED, S.ENROLLED)
    assert later_robots.reason_params == {"rank": 2}


def test_the_api_rank_is_optional_in_the_window(menu, api):
    w = menu
    client = api.as_user(w.parent_a)
    r = client.post(f"/api/v1/clubs/{w.robots.pk}/choices/", {"student": w.child_a.pk}, format="json")
    assert r.status_code == 201 and r.json()["rank"] == 1
    add(w, w.coding, w.chess)
    r = client.post(f"/api/v1/clubs/{w.choir.pk}/choices/", {"student": w.child_a.pk}, format="json")
    assert r.status_code == 409 and ranks(w) == {"机器人社": 1, "少儿编程社": 2, "围棋社": 3}


# --- pages ------------------------------------------------------------------------------------
def test_three_clubs_ranked_on_the_page_none_lost(menu, login):
    w = menu
    client = login(w.parent_a)
    for club in (w.robots, w.coding, w.chess):
        r = client.post("/clubs/menu/choose/", {"student": w.child_a.pk, "club": club.pk})
        assert r.status_code == 302 and r["Location"] == f"/clubs/menu/?child={w.child_a.pk}"
    assert ranks(w) == {"机器人社": 1, "少儿编程社": 2, "围棋社": 3}
    body = client.get(f"/clubs/menu/?child={w.child_a.pk}").content.decode()
    assert body.count('data-testid="ranked-choice"') == 3
    assert "第3志愿" in body and "上移" in body and "下移" in body and "移出" in body
    # the fourth asks first: the confirm page names each choice it could replace
    r = client.post("/clubs/menu/choose/", {"student": w.child_a.pk, "club": w.choir.pk})
    assert r.status_code == 302 and r["Location"].startswith("/clubs/menu/replace/")
    assert ranks(w) == {"机器人社": 1, "少儿编程社": 2, "围棋社": 3}
    page = client.get(r["Location"]).content.decode()
    assert "替换第2志愿：少儿编程社" in page and "合唱社" in page
    coding = ClubChoice.objects.get(student=w.child_a, club=w.coding)
    r = client.post("/clubs/menu/replace/", {"student": w.child_a.pk, "club": w.choir.pk, "replace": coding.pk},
                    HTTP_ACCEPT_LANGUAGE="en")
    assert ranks(w) == {"机器人社": 1, "合唱社": 2, "围棋社": 3}
    body = client.get(r["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "合唱社 replaced 少儿编程社 as choice 2." in body


def test_move_and_remove_on_the_page(menu, login):
    w = menu
    robots, coding, chess = add(w, w.robots, w.coding, w.chess)
    client = login(w.parent_a)
    assert client.post(f"/clubs/choices/{chess.pk}/move/", {"direction": "up"}).status_code == 302
    assert ranks(w) == {"机器人社": 1, "围棋社": 2, "少儿编程社": 3}
    client.post(f"/clubs/choices/{robots.pk}/withdraw/")
    assert ranks(w) == {"围棋社": 1, "少儿编程社": 2}
    r = client.post(f"/clubs/choices/{chess.pk}/move/", {"direction": "up"}, follow=True)
    assert "围棋社已经是第一志愿。" in r.content.decode()
    assert ranks(w) == {"围棋社": 1, "少儿编程社": 2}


def test_bad_input_on_the_page_is_a_message_and_changes_nothing(menu, login):
    w = menu
    (robots,) = add(w, w.robots)
    theirs = allocation.ranking_add(user=w.other_parent, student=w.child_a2, club=w.coding)
    client = login(w.parent_a)
    # a club of another school, a draft club, no club, a malformed id: a message, nothing written
    for club in (w.club_b.pk, "abc", "", 10**30):
        r = client.post("/clubs/menu/choose/", {"student": w.child_a.pk, "club": club}, follow=True)
        assert r.status_code == 200 and "不在" in r.content.decode()
    # another family's child or choice: 404
    assert client.post("/clubs/menu/choose/", {"student": w.child_a2.pk, "club": w.chess.pk}).status_code == 404
    assert client.get(f"/clubs/menu/?child={w.child_a2.pk}").status_code == 404
    assert client.post(f"/clubs/choices/{theirs.pk}/move/", {"direction": "up"}).status_code == 404
    assert client.get(f"/clubs/menu/replace/?child={w.child_a2.pk}&club={w.chess.pk}").status_code == 404
    r = client.post("/clubs/menu/replace/", {"student": w.child_a.pk, "club": w.chess.pk, "replace": theirs.pk},
                    follow=True)
    assert r.status_code == 200 and "选择" in r.content.decode()
    assert ranks(w) == {"机器人社": 1} and ranks(w, w.child_a2) == {"少儿编程社": 1}


@pytest.mark.time_machine(IN_TERM)  # the page shows the term that contains today
@pytest.mark.parametrize("rows", [5, 40])
def test_menu_page_with_a_ranking_has_constant_queries(world, login, django_assert_num_queries, rows):
    w = world
    ChoiceWindowFactory(school=w.school_a, term=w.term)
    clubs = [ClubFactory(school=w.school_a, term=w.term, slots=[(1 + i % 5, "16:00", "16:30")]) for i in range(rows)]
    for club in clubs[:3]:
        allocation.ranking_add(user=w.parent_a, student=w.child_a, club=club)
    client = login(w.parent_a)
    with django_assert_num_queries(11):
        body = client.get("/clubs/menu/").content.decode()
    assert body.count('data-testid="ranked-choice"') == 3
