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
gets the database as built restored (it must not see the world's rows), and a transactional test's
teardown restores the database as built rather than flushing it (`flush_or_restore`). Tests of a
module that holds the seeded demo (`demo_seeded`, tests/demodb.py) and transactional tests build the
world with the factories, as without a run clock; so does every run on SQLite without a run clock.

On PostgreSQL there are no copies: the world is kept in an open transaction between a module's tests
instead, each test's transaction a savepoint in it (`_around_test_kept`), with the same key.
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
    if _uses_db(request):
        from django.db import connection

        if connection.vendor == "postgresql":
            yield from _around_test_kept(request, django_db_blocker, build)
            return
    if not (_uses_db(request) and _item_instant(request.node) is not None):  # no run clock
        yield
        return
    request.getfixturevalue("django_db_setup")
    from django.db import connection

    if connection.vendor != "sqlite" or demodb.seeded_now():
        yield  # the demo's modules keep their database
        return
    global _flush_restores
    transactional = _transactional(request)
    with django_db_blocker.unblock():
        if transactional or "world" not in request.fixturenames:
            _restore_base(connection)
        else:
            _current = _world(connection, build)
    _flush_restores = transactional and "live_server" not in request.fixturenames
    try:
        yield
    finally:
        _current = None
        if transactional and not _flush_restores:
            _state = None  # flushed (or restored by a flush that failed half way): unknown
        _flush_restores = False


#: Whether the running transactional test's flush restores the database as built instead
#: (`flush_or_restore`): on SQLite with a run clock, outside the demo's modules, without a live server.
_flush_restores = False


def flush_or_restore(test_case, flush) -> None:
    """A transactional test's teardown (Django's `TransactionTestCase._fixture_teardown`, patched by
    tests/conftest.py): where this module keeps copies, the database as built is restored (a few
    milliseconds) rather than flushed (every table emptied, then post_migrate's content types and
    permissions made again: about 0.6 s a test), which is what the next test would restore anyway."""
    global _state, _flush_restores
    if not _flush_restores:
        flush(test_case)
        return
    from django.db import connection

    _flush_restores = False
    demodb.restore_migrated(connection)
    _flush_restores = True
    _state = "base"


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


#: How many tests one kept world serves on PostgreSQL before it is rolled back and built again: a bound
#: on how long one transaction lives, since what the tests write and roll back stays in the tables
#: until it ends (PostgreSQL cannot prune rows an open transaction might see). Measured the same as
#: unbounded on the largest modules here (tests/test_glossary.py 43 / 41 s, the access matrix's safety
#: and voice endpoints 20 / 21 s), so it costs a build per ten tests and guards against the bloat.
KEPT_TESTS = 10
#: On PostgreSQL: the transaction holding the world, open between tests (`transaction.atomic`, entered),
#: its key (the minute it was built at) and its namespace pickled; or None.
_kept: tuple | None = None


def _around_test_kept(request, django_db_blocker, build):
    """`around_test` on PostgreSQL: the world kept in a transaction between tests.

    The world is built with the factories inside a transaction of this module's own (`_keep`), left
    open; the test's transaction (pytest-django's `db`: Django's TestCase atomics) nests in it as a
    savepoint and is rolled back to it, so the next test at the same minute starts from the world as
    built, as on SQLite from a copy. The transaction is rolled back (`release`) before a test that
    must not see the world: one without `world`, a transactional one (its flush and its other
    connections need committed rows, and the world was never committed), one at another minute; and
    at the end of each module (tests/conftest.py's `_world_released`), so that a module's own
    transaction (the seeded demo, a generated city) never holds a world, nor a world theirs. A test
    that starts inside someone else's transaction (a module's seeded demo, a generated city) builds
    the world with the factories, as before."""
    global _current
    request.getfixturevalue("django_db_setup")
    from django.db import connection

    wants_world = "world" in request.fixturenames and not _transactional(request)
    with django_db_blocker.unblock():
        if not wants_world:
            release()
        elif _kept is not None or not connection.in_atomic_block:
            _current = _keep(connection, build)
    try:
        yield
    finally:
        _current = None


def _keep(connection, build):
    """The world at this minute, in the kept transaction (built first if it holds none or another
    minute's), and a fresh copy of its objects."""
    global _kept
    import time_machine
    from django.db import transaction
    from django.utils import timezone

    minute = timezone.now().replace(second=0, microsecond=0)
    key = minute.isoformat()
    if _kept is None or _kept[1] != key or _kept[3] >= KEPT_TESTS:
        release()
        atomic = transaction.atomic()
        atomic.__enter__()
        _kept = (atomic, key, None, 0)
        try:
            with time_machine.travel(minute, tick=False):
                namespace = build()
        except BaseException:
            release()
            raise
        connection.run_on_commit = []  # as in the rolled-back transaction of a test: none runs
        _kept = (atomic, key, pickle.dumps(namespace), 0)
    _kept = (*_kept[:3], _kept[3] + 1)
    return pickle.loads(_kept[2])


def release() -> None:
    """Rolls back the transaction that keeps the world on PostgreSQL, if one is open."""
    global _kept
    if _kept is None:
        return
    from django.db import connection, transaction

    atomic = _kept[0]
    _kept = None
    if connection.atomic_blocks[-1:] != [atomic] or len(connection.atomic_blocks) != 1:
        raise AssertionError("a test left a transaction open inside the world's: it cannot be rolled back")
    transaction.set_rollback(True)
    atomic.__exit__(None, None, None)


def current():
    """The world copied for the running test, or None (build it with the factories)."""
    return _current

