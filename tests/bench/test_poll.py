"""The 17:00 poll of bench/poll.py, small, against the live server (issue 19): parents of placed
children ask for their child's today card on an open-loop schedule; the first round computes the
cards, the later ones answer from the per-child cache except for the days dropped in between."""
from types import SimpleNamespace

import pytest

from accounts.roles import Role
from attendance.services import rolls_create_for_day
from bench import poll
from tests.attendance.factories import approved_plan, children_in_group
from tests.enrollment.factories import ServiceGroupFactory
from tests.factories import IN_TERM, UserFactory, give_role


@pytest.mark.time_machine(IN_TERM)
def test_a_small_17_00_poll_answers_every_parent(world, live_server, settings):
    settings.ROOT_URLCONF = "bench.urls"  # the floor, /bench/floor/
    teacher = UserFactory(name="钱老师")
    give_role(teacher, Role.TEACHER, school=world.school_a)
    approved_plan(world.school_a, world.term)
    group = ServiceGroupFactory(school=world.school_a, term=world.term, teacher=teacher, capacity=50)
    children_in_group(group, world.class_a, 12)
    rolls_create_for_day(school=world.school_a, date=IN_TERM.date(), any_weekday=True)
    pollers = poll.prepare(parents=10)
    assert len(pollers) == 10 and len({p.student_id for p in pollers}) == 10
    r = poll.run(live_server.url, pollers, cookie_name=settings.SESSION_COOKIE_NAME, window=1.0, rounds=2,
                 concurrency=4, changes=0.5)
    assert r.floor.errors == 0 and [t.errors for t in r.rounds] == [0, 0], [dict(t.statuses) for t in r.rounds]
    assert [t.count for t in r.rounds] == [10, 10] and r.changed == 5
    text = "\n".join(poll.render(r, SimpleNamespace(poll_changes=0.5)))
    assert "10 parents" in text and "| 2 |" in text
