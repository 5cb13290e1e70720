"""Copies of the role matrix `world` on SQLite under a run clock, for tests/conftest.py (issue 23, CI time).

Under the date matrix (scripts/date_matrix.sh: SQLite, every test under nine instants) 1,516 of its
1,616 tests ask for `world`, and building it with the factories (two districts and schools, classes,
children, guardians, eleven users and their roles, with their history rows) took about 30 ms a test:
about 200 s of the matrix's 12 minutes on two workers. With a run clock a worker builds the world once
per instant and keeps a copy of the database holding it (sqlite3's backup API into an in-memory
database of this process, as tests/demodb.py keeps the demo) and a pickle of the namespace; a test
that asks for `world` gets that copy restored before its transaction starts (pytest-django's `db`)
and its own unpickled objects, rows and objects as the factories would have made them.

What the copy depends on, and so its key:
- the clock when the test starts (the instant the run clock or the test's own `time_machine` marker
  started it at, to the minute): the world is built with the clock stopped at that minute, so its
  rows' times (history, sign-up) are never later than anything the test writes, as when the factories
  ran at the start of the test;
- the database it is built into: always the one pytest-django built (`demodb.keep_migrated`), never
  what an earlier transactional test's flush left.
Nothing else: the factories' names and dates are fixed (TermFactory's term, the Chinese names), and
the world reads no setting and no translation (the tables of worlds built in Chinese and in English
with the clock stopped were compared: they differ only in the factories' sequence numbers). The factories' sequences are not run for a copied
world; they count on in this process, so a later test's `user12` is never the world's.

Between tests the database is back in the state the copy left (each test runs in a transaction rolled
back), so a copy is restored only when the state changes: a test without `world` after one with it
gets the database as built restored (it must not see the world's rows), and a transactional test (its
flush empties the tables) leaves the state unknown. Tests of a module that holds the seeded demo
(`demo_seeded`, tests/demodb.py) and transactional tests build the world with the factories, as
without a run clock; so does every run on PostgreSQL or without a run clock (nothing here runs).
"""
from __future__ import annotations

import pickle

from . import demodb
from .clockplugin import _item_instant

#: minute -> ((the database holding the world built at that minute, its digest), its namespace pickled)
_worlds: dict[tuple, tuple] = {}
#: What the test database holds between tests: "base" (as built), ("world", key) or None (unknown).
_state: object = "base"
#: The world copied for the current test (`world` returns it), or None.
_current = None

TRANSACTIONAL = ("transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback")


def _uses_db(request) -> bool:
    names = request.fixturenames
    return "db" in names or any(n in names for n in TRANSACTIONAL) or \
        request.node.get_closest_marker("django_db") is not None


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return any(n in request.fixturenames for n in TRANSACTIONAL) or bool(
        marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
                    or marker.kwargs.get("serialized_rollback")))


def _restore_base(connection) -> None:
    global _state
    if _state != "base":
        demodb.restore_migrated(connection)
        _state = "base"


def around_test(request, django_db_blocker, build):
    """Generator for `_world_copy` (run before pytest-django's `_django_db_marker`): puts the database
    in the state the test needs before its `db` fixture starts the test's transaction, and notes the
    state the test leaves."""
    global _state, _current
    _current = None
    if not (_uses_db(request) and _item_instant(request.node) is not None):  # no run clock
        yield
        return
    request.getfixturevalue("django_db_setup")
    from django.db import connection

    if connection.vendor != "sqlite" or demodb.seeded_now():
        yield  # the demo's modules keep their database; PostgreSQL has no copies
        return
    transactional = _transactional(request)
    with django_db_blocker.unblock():
        if transactional or "world" not in request.fixturenames:
            _restore_base(connection)
        else:
            _current = _world(connection, build)
    try:
        yield
    finally:
        _current = None
        if transactional:
            _state = None


def _world(connection, build):
    """The world at this minute: its database restored (built first if there is no copy yet) and a
    fresh copy of its objects."""
    global _state
    import time_machine
    from django.db import transaction
    from django.utils import timezone

    minute = timezone.now().replace(second=0, microsecond=0)
    key = minute.isoformat()
    if _state != ("world", key):
        if key in _worlds:
            demodb.restore_copy(*_worlds[key][0], connection, "world")
        else:
            _restore_base(connection)
            with time_machine.travel(minute, tick=False), transaction.atomic():
                namespace = build()
                connection.run_on_commit = []  # as in the rolled-back transaction of a test: none runs
            _worlds[key] = (demodb.copy_of(connection), pickle.dumps(namespace))
        _state = ("world", key)
    return pickle.loads(_worlds[key][1])


def current():
    """The world copied for the running test, or None (build it with the factories)."""
    return _current

