"""The short benchmark CI runs (issue 12): the generator at scale 0.05, queries per request equal to
the demo city's, page latency as a loose ratio to the floor, and a small enrollment rush.

Only counts and ratios are checked, loosely: an order-of-magnitude regression fails, an absolute
time never does (the machines are shared and noisy). The full run is `python -m bench`.
"""
import time

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from bench import rush
from bench.querycount import count_queries
from bench.targets import TARGETS, user_of
from bench.users import actors, session_cookie
from clubs.models import Club, ReviewStatus, ServicePlan
from enrollment.models import Application, Placement, ServiceGroup
from scale.generator import CityGenerator
from schools.models import School, Student

pytestmark = [pytest.mark.postgres]


class _Rollback(Exception):
    pass


def _demo_query_counts() -> dict:
    """The demo city's counts, in a transaction that is rolled back (so the city comes alone)."""
    counts = {}
    try:
        with transaction.atomic():
            call_command("seed_demo", verbosity=0)
            counts.update(count_queries())
            raise _Rollback
    except _Rollback:
        pass
    return counts


def _median_latency(client: Client, url: str, n: int = 15) -> float:
    client.get(url)
    xs = []
    for _ in range(n):
        t0 = time.perf_counter()
        resp = client.get(url)
        xs.append(time.perf_counter() - t0)
        assert resp.status_code == 200, (url, resp.status_code)
    return sorted(xs)[n // 2]


@pytest.mark.django_db
def test_city_at_scale_005_counts_queries_and_latency_ratios(settings):
    settings.ROOT_URLCONF = "bench.urls"
    demo = _demo_query_counts()

    started = time.monotonic()
    stats = CityGenerator(scale=0.05, seed=7, log=lambda *_: None).run()
    seconds = time.monotonic() - started

    # Counts of the scale: 8 schools (1 city-direct), 3,750 students, 60 clubs, a plan each.
    assert School.objects.count() == 8
    assert School.objects.filter(city_direct=True).count() == 1
    assert Student.objects.count() == 3750
    assert Club.objects.count() == 60
    assert ServicePlan.objects.filter(status=ReviewStatus.APPROVED).count() == 8
    assert 0.6 < Application.objects.count() / 3750 < 0.85
    for g in ServiceGroup.objects.all():
        assert Placement.objects.filter(group=g, active=True).count() <= g.capacity
    assert sum(stats.rows.values()) > 30000
    # Rows per second, loosely (a tenth of what this machine does when loaded): order of magnitude.
    assert sum(stats.rows.values()) / seconds > 400

    # Queries per request: the same at this scale as in the demo city.
    city = count_queries()
    for t in TARGETS:
        assert city[t.key]["status"] == 200, (t.key, city[t.key])
        assert city[t.key]["queries"] == demo[t.key]["queries"], (t.key, demo[t.key], city[t.key])

    # Latency: each page's median within 30x the floor's (the full benchmark's target is 3x).
    people = actors(1)
    floor_client = Client(HTTP_HOST="127.0.0.1")
    floor_client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie(user_of(people["parent"][0]))
    floor = _median_latency(floor_client, "/bench/floor/")
    for t in TARGETS[1:]:
        actor = people[t.role][0]
        c = Client(HTTP_HOST="127.0.0.1")
        c.cookies[settings.SESSION_COOKIE_NAME] = session_cookie(user_of(actor))
        ratio = _median_latency(c, t.url(actor)) / floor
        assert ratio < 30, (t.key, ratio)


@pytest.mark.django_db(transaction=True)
def test_small_enrollment_rush_never_oversells():
    CityGenerator(scale=0.02, seed=11, log=lambda *_: None).run()
    res = rush.run(parents=120, seats=30, concurrency=6, threads=True, timeout=120)

    assert res.errors == []
    assert res.parents == 120
    assert res.oversold == 0
    assert res.duplicate_open == 0
    assert res.placed == res.seats == 30
    assert res.statuses == {"placed": 30, "waitlisted": 90}
    # Throughput against plain single-row inserts at the same concurrency; about 70x on this
    # machine, so 1000x means something became an order of magnitude slower.
    assert res.floor_per_second / res.per_second < 1000
