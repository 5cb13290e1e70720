"""Failover: two gunicorn processes behind Debian's nginx on 127.0.0.1; three clients sign in and keep
marking notices read (an idempotent write, standing in for a roll) while each web process in turn is
killed with SIGKILL and restarted.

Asserted: no request fails except those that were in flight on the killed process; no session is
lost (sessions live in PostgreSQL); every mark is written once (a retried mark changes nothing);
each restarted process takes traffic again; the web processes log JSON lines with nginx's request id.
"""
import json
import os
import threading
import time
from collections import Counter

import pytest
from django.db import connection

from accounts.roles import Role
from notices.models import Notification
from ops.backup import database_url
from tests.conftest import REQUIRE_SERVICES
from tests.factories import PASSWORD, SchoolFactory, UserFactory, give_role

from .cluster import Client, Cluster, find_nginx, upstream_ports

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

CLIENTS = 3
NOTICES_PER_CLIENT = 1000  # more than a client marks in the test's time (about 200)


@pytest.fixture
def nginx_bin():
    path = find_nginx()
    if not path:
        if REQUIRE_SERVICES:
            pytest.fail("the failover test needs Debian's nginx (.ci/run installs it) and REQUIRE_SERVICES=1 is set")
        pytest.skip("needs Debian's nginx: apt-get install nginx")
    return path


def seed_users():
    school = SchoolFactory()
    users = []
    for index in range(CLIENTS):
        user = UserFactory(username=f"failover{index}")
        if index < CLIENTS - 1:
            give_role(user, Role.TEACHER, school=school)  # staff: the session policy writes the session
        else:
            give_role(user, Role.PARENT)
        Notification.objects.bulk_create(
            Notification(recipient=user, kind="test", title=f"notice {n}") for n in range(NOTICES_PER_CLIENT)
        )
        users.append(user)
    return users


def test_failover_behind_nginx(nginx_bin, tmp_path, capsys):
    started = time.monotonic()
    deadline = started + 55
    users = seed_users()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shahe_afterschool.settings.test",
        "DATABASE_URL": database_url(db, db["NAME"]),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_FORMAT": "json",
    }
    cluster = Cluster(tmp_path, env, nginx_bin)
    stop = threading.Event()
    kills = []  # (port, kill sent at, killed process gone at, restarted at)
    clients = []
    try:
        cluster.start(deadline)
        for index, user in enumerate(users):
            ids = list(Notification.objects.filter(recipient=user).order_by("pk").values_list("pk", flat=True))
            clients.append(Client(index, cluster.port, user.username, PASSWORD, ids, stop, relogin_every=20))
        for client in clients:
            client.start()
        time.sleep(2)
        for victim in cluster.web:
            kill_sent = time.time()
            victim.kill()
            kill_done = time.time()
            time.sleep(1.5)
            victim.start()
            victim.wait_ready(deadline)
            kills.append((victim.port, kill_sent, kill_done, time.time()))
            time.sleep(3)  # longer than nginx's fail_timeout: the restarted process takes traffic again
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=20)
        cluster.stop()

    for client in clients:
        assert client.crashed is None, repr(client.crashed)
    attempts = [attempt for client in clients for attempt in client.attempts]
    failed = [a for a in attempts if not a.ok]
    by_action = Counter(a.action for a in attempts if a.ok)

    # No request failed but those in flight on the process being killed: sent to it before it was
    # gone and answered after the kill was sent.
    def in_flight(attempt, port, kill_sent, kill_done):
        return attempt.started <= kill_done and attempt.ended >= kill_sent and port in upstream_ports(attempt.upstream)

    for attempt in failed:
        assert any(in_flight(attempt, *kill[:3]) for kill in kills), (
            f"failed outside a kill: {attempt}; kills {kills}; nginx: {cluster.error_log()}")
    per_kill = Counter(kill[0] for a in failed for kill in kills if in_flight(a, *kill[:3]))
    assert all(count <= CLIENTS for count in per_kill.values()), per_kill

    # No session lost: no request was sent back to the login page.
    lost = [a for a in attempts if a.session_lost]
    assert not lost, lost[:5]

    # Each restarted process served again.
    for port, _, _, restarted_at in kills:
        served = [a for a in attempts if a.ok and a.started > restarted_at and upstream_ports(a.upstream)[-1:] == [port]]
        assert served, f"the restarted web process on {port} took no traffic"

    # Every mark written once: the marked set is exactly the set the clients saw succeed, and no
    # mark is later than its first success (a retried mark did not write again).
    first_marked = {pk: at for client in clients for pk, at in client.first_marked.items()}
    read = dict(Notification.objects.filter(read_at__isnull=False).values_list("pk", "read_at"))
    assert set(read) == set(first_marked)
    for pk, read_at in read.items():
        assert read_at.timestamp() <= first_marked[pk] + 0.5, pk

    assert by_action["mark"] >= 50 and sum(client.logins for client in clients) >= 2 * CLIENTS

    # The web processes logged JSON request lines with nginx's request id and the user's id only.
    user_ids = {user.pk for user in users}
    lines = []
    for process in cluster.web:
        for line in process.log.read_text().splitlines():
            if line.startswith("{"):
                record = json.loads(line)
                if record.get("event") == "request":
                    lines.append(record)
    assert lines and all(len(r["request_id"]) == 32 for r in lines)
    assert {r.get("user_id") for r in lines if r["path"].startswith("/notices/")} <= user_ids
    assert not any(user.username in json.dumps(r, ensure_ascii=False) for r in lines for user in users)

    elapsed = time.monotonic() - started
    summary = (f"failover: {len(attempts)} requests in {elapsed:.1f} s, {len(failed)} failed "
               f"(all in flight on a killed process: {dict(per_kill)}), "
               f"{by_action['mark']} marks, {len(read)} notices marked once, "
               f"{sum(c.logins for c in clients)} sign-ins, {by_action['inbox']} inbox pages, "
               f"0 sessions lost, 2 kills + restarts")
    with capsys.disabled():
        print("\n" + summary)
    assert elapsed < 60
