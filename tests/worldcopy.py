"""The role matrix `world` kept as a copy on SQLite under a run clock, for tests/conftest.py.

The date matrix (scripts/date_matrix.sh) runs about ten thousand tests, nine in ten of them with
`world`, whose twenty-odd rows (and their history) took 35 ms to write each time: a fifth of the
matrix. Under a run clock (`--clock` or `--clock-file`) on SQLite, a worker writes the world once per
instant and keeps a copy of the database with it (sqlite3's backup API, as tests/demodb.py does for
the demo); a later test at the same instant starts from that copy, restored before its transaction
opens, and gets its own objects (unpickled from the ones the copy was written with). Each test still
runs in its own transaction rolled back at its end, so what it writes is never in the copy.

What the world's rows depend on, and so the copy's key:
- the instant the test's clock starts at: its own (`@pytest.mark.time_machine(...)` on it, its class
  or its module: time-machine starts that clock before any fixture) or else the run clock's; the
  world is written at that instant (the clock ticking from it, as in the test);
- the active language.
The world is written in a transaction whose commit runs no on-commit callback, as in the test's
rolled-back transaction (no Celery task, no message from a callback).

Which database a test starts from (`prepare`, an autouse fixture, before the test's transaction):
- a test with `world` (asked for by it or by a fixture it asks for), in a transaction of its own:
  the copy with the world at its instant (written and copied first when there is none yet);
- any other test in a transaction of its own: the database as built (`demodb.keep_migrated`), as it
  would have found it;
- a transactional test (it commits, and the database is flushed after it): the database as built; the
  flush leaves an unknown database, which the next test that needs one restores;
- a test of a module with the seeded demo (`demo_seeded`) is left alone: the module's fixture
  restores what it started with.
Without a run clock (the real clock moves between tests) and on PostgreSQL, nothing is kept: `world`
is written in each test's transaction, as before. Restores are checked by digest (tests/demodb.py).
"""

from __future__ import annotations

import pickle

from . import demodb

#: What the database holds between tests: BUILT (as pytest-django built it, demodb's copy), a
#: world's key, or None (unknown: after a transactional test or a module with the demo).
BUILT = "built"
_baseline: object = BUILT
#: key -> (copy of the database with the world, its digest, the world's objects pickled)
_worlds: dict[tuple, tuple] = {}
#: the world prepared for the running test (its pickled objects), or None
_ready: bytes | None = None


def _uses_db(request) -> bool:
    names = set(request.fixturenames)
    return bool(names & {"db", "transactional_db", "live_server", "django_db_reset_sequences",
                         "django_db_serialized_rollback"}) or request.node.get_closest_marker("django_db") is not None


def _transactional(request) -> bool:
    names = set(request.fixturenames)
    if names & {"transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}:
        return True
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
                            or marker.kwargs.get("serialized_rollback")))


def _key(request):
    from django.utils import translation

    own = request.node.get_closest_marker("time_machine")
    if own is not None:
        start = ("own", repr(own.args), repr(sorted(own.kwargs.items())))
    else:
        from .clockplugin import _item_instant

        instant = _item_instant(request.node)
        start = ("run", instant.isoformat() if instant else None)
    return start, translation.get_language()


def active(request) -> bool:
    from django.db import connection

    config = request.config
    clocked = getattr(config, "_shahe_clock", None) is not None or getattr(config, "_shahe_clocks", None)
    return bool(clocked) and connection.vendor == "sqlite"


def _to_built(connection) -> None:
    global _baseline
    if _baseline != BUILT:
        demodb._restore(*demodb._migrated, connection, "database as built")
        _baseline = BUILT


def prepare(request, make_world):
    """The autouse fixture's body (a generator): puts the database the test should start from in
    place (module doc), before the test's transaction opens. `make_world()` writes the world."""
    global _baseline, _ready
    _ready = None
    if not active(request) or not _uses_db(request) or "demo_seeded" in request.fixturenames:
        if "demo_seeded" in request.fixturenames:
            _baseline = None
        yield
        return
    from django.db import connection, transaction

    blocker = request.getfixturevalue("django_db_blocker")
    if connection.in_atomic_block:  # a broader fixture's transaction: nothing can be restored in it
        if _baseline != BUILT:
            raise AssertionError("the world's copy is restored before the test's transaction opens")
        yield
        return
    transactional = _transactional(request)
    with blocker.unblock():
        if transactional or "world" not in request.fixturenames:
            _to_built(connection)
        else:
            key = _key(request)
            if key in _worlds:
                copy, digest, objects = _worlds[key]
                if _baseline != key:
                    demodb._restore(copy, digest, connection, "world")
                    _baseline = key
            else:
                _to_built(connection)
                with transaction.atomic():
                    objects = pickle.dumps(make_world())
                    connection.run_on_commit = []
                raw = demodb._raw(connection)
                copy = demodb._copy(raw)
                _worlds[key] = (copy, demodb._digest(copy), objects)
                _baseline = key
            _ready = objects
    try:
        yield
    finally:
        _ready = None
        if transactional:
            _baseline = None


def take():
    """The objects of the world prepared for this test (fresh ones), or None when it has none."""
    return None if _ready is None else pickle.loads(_ready)
