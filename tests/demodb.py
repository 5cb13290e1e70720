"""Copies of the seeded demo on SQLite, for tests/conftest.py's `demo_seeded`.

`manage.py seed_demo` takes seconds, and the date matrix ran it once per module and per instant. On
SQLite with a run clock (`--clock` or `--clock-file`), a worker seeds the demo once per instant: the
first module at an instant seeds it into the database as migrated (a copy kept by
tests/conftest.py's `django_db_setup`, sqlite3's backup API into an in-memory database of this
process) and keeps a copy of the result; a later module at the same instant gets that copy restored
instead. Each module ends with the database it started with restored (rather than rolled back), so
what a module's tests wrote is never seen by the next module, nor kept in the copy.

What seed_demo's result depends on, and so the copy's key:
- the instant: the run clock's (each test starts at it; seed_demo reads the date and the time), at
  which the demo is seeded (`_seed`);
- the database it seeds into: always the one migrations built (not whatever an earlier
  transactional test left: a flush empties the data migrations' tables, and post_migrate fills
  some again under new ids), as `./dev serve` seeds it;
- the active language (report texts are stored in it).
seed_demo is otherwise deterministic (its names come from a seeded generator): two seedings at one
instant differ only in password salts and random ids.
Under pytest-xdist the workers share what they seed: the first worker to seed the demo at an instant
saves it to a file of the run's temporary directory, and a worker that has not seeded it yet loads
that file instead of seeding (`_shared_file`; the date matrix seeded each instant on both workers).

Without a run clock (the real clock moves between modules) and on PostgreSQL nothing is kept: the
demo is seeded in a transaction rolled back after the module, as before.

seed_demo runs in a transaction whose commit runs no on-commit callback, as in a rolled-back
transaction (the test database's rows are all there is of the demo, as before: no Celery task, no
message queued by a callback). Restores are checked: a restored database has the digest (but for
its change counters) of the copy restored.
"""

from __future__ import annotations

import hashlib
import sqlite3

#: The test database as migrated, and its digest (keep_migrated).
_migrated: tuple[sqlite3.Connection, str] | None = None
#: (instant, language) -> (the demo seeded at that instant into the migrated database, its digest)
_seeded: dict[tuple, tuple[sqlite3.Connection, str]] = {}
#: Whether a module's demo is in the test database now (between `seeded_from_copy`'s start and end).
_seeded_now = False


def _raw(connection) -> sqlite3.Connection:
    connection.ensure_connection()
    return connection.connection


#: The header fields that count changes rather than describe the content (sqlite.org/fileformat.html):
#: the file change counter, the schema cookie (a restore changes the schema, so it moves on, and
#: statements prepared before are prepared again) and the version-valid-for number.
_COUNTERS = (slice(24, 28), slice(40, 44), slice(92, 96))


def _digest(db: sqlite3.Connection) -> str:
    """A digest of the whole database file but its change counters."""
    image = bytearray(db.serialize())
    for field in _COUNTERS:
        image[field] = bytes(field.stop - field.start)
    return hashlib.blake2b(image, digest_size=16).hexdigest()


def _copy(source: sqlite3.Connection) -> sqlite3.Connection:
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    source.backup(copy)
    return copy


def _restore(copy: sqlite3.Connection, digest: str, connection, what: str) -> None:
    raw = _raw(connection)
    copy.backup(raw)
    restored = _digest(raw)
    if restored != digest:
        raise AssertionError(f"the restored {what} is not the database it was copied from")


def _seed(connection, instant: str) -> None:
    """seed_demo at `instant` (the clock ticking from it), in a transaction that commits without
    running its on-commit callbacks (as the rolled-back transaction of `seeded_in_transaction` never
    ran them).

    At the instant itself, not at the run clock's time when the module starts: that is the instant
    plus whatever the worker did in the test's setup first (its first test's includes building the
    test database, a minute or more on a busy machine: past midnight from 23:59), and the copy is
    used by every later module at the instant."""
    import datetime

    import time_machine
    from django.core.management import call_command
    from django.db import transaction

    with time_machine.travel(datetime.datetime.fromisoformat(instant), tick=True), transaction.atomic():
        call_command("seed_demo", verbosity=0)
        connection.run_on_commit = []


def seeded_in_transaction():
    """The demo seeded in a transaction of its own, rolled back when the generator ends."""
    from django.core.management import call_command
    from django.db import transaction

    atomic = transaction.atomic()
    atomic.__enter__()
    try:
        call_command("seed_demo", verbosity=0)
        yield
    finally:
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def keep_migrated(connection) -> None:
    """Keeps a copy of the test database as pytest-django built it (its migrations run): every demo
    of this process is seeded into it (tests/conftest.py's django_db_setup)."""
    global _migrated
    copy = _copy(_raw(connection))
    _migrated = (copy, _digest(copy))


def seeded_now() -> bool:
    """Whether the test database holds a module's seeded demo now (tests/worldcopy.py leaves it)."""
    return _seeded_now


def copy_of(connection) -> tuple[sqlite3.Connection, str]:
    """A copy of the test database and its digest (tests/worldcopy.py)."""
    copy = _copy(_raw(connection))
    return copy, _digest(copy)


def restore_copy(copy: sqlite3.Connection, digest: str, connection, what: str) -> None:
    """Restores a copy made by `copy_of`, checked against its digest."""
    _restore(copy, digest, connection, what)


def restore_migrated(connection) -> None:
    """Restores the test database as pytest-django built it (`keep_migrated`)."""
    if _migrated is None:
        raise AssertionError("no copy of the migrated database (tests/conftest.py's django_db_setup)")
    _restore(*_migrated, connection, "migrated database")


def _shared_file(shared_dir, key: tuple):
    """Where the workers of one xdist run share the demo seeded at `key` (None without xdist). The
    name holds the digest of the migrated database it was seeded into, so that a worker whose
    database was built otherwise never loads it."""
    if shared_dir is None or _migrated is None:
        return None
    name = hashlib.blake2b(repr((key, _migrated[1])).encode(), digest_size=12).hexdigest()
    return shared_dir / f"demo-{name}.sqlite3"


def _load_shared(path) -> tuple[sqlite3.Connection, str] | None:
    """The demo another worker seeded (a copy in memory and its digest), or None if none is there."""
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.OperationalError:
        return None
    try:
        copy = _copy(source)
    finally:
        source.close()
    return copy, _digest(copy)


def _save_shared(copy: sqlite3.Connection, path) -> None:
    """Writes the seeded demo for the other workers: into a file of this process first, then renamed
    (a reader sees the whole file or none)."""
    import os

    partial = path.with_name(f"{path.name}.{os.getpid()}")
    target = sqlite3.connect(partial)
    try:
        copy.backup(target)
    finally:
        target.close()
    os.replace(partial, path)


def seeded_from_copy(instant: str, shared_dir=None):
    """The demo at `instant` (SQLite): restored from this process's copy, or from the copy another
    worker of the run saved in `shared_dir` (pytest-xdist), or seeded into the database as migrated
    and copied (and saved there); the database the module started with is restored when it ends."""
    from django.db import connection
    from django.utils import translation

    if connection.in_atomic_block:
        raise AssertionError("demo_seeded restores the database: it cannot run inside a transaction")
    if _migrated is None:
        raise AssertionError("no copy of the migrated database (tests/conftest.py's django_db_setup)")
    global _seeded_now
    raw = _raw(connection)
    start = _copy(raw)
    start_digest = _digest(start)
    _seeded_now = True
    try:
        key = (instant, translation.get_language())
        shared = _shared_file(shared_dir, key)
        if key not in _seeded and shared is not None and shared.exists():
            _seeded[key] = _load_shared(shared)
        if _seeded.get(key) is not None:
            copy, digest = _seeded[key]
            _restore(copy, digest, connection, "seeded demo")
        else:
            if start_digest != _migrated[1]:
                _restore(*_migrated, connection, "migrated database")
            _seed(connection, instant)
            copy = _copy(raw)
            _seeded[key] = (copy, _digest(copy))
            if shared is not None:
                _save_shared(copy, shared)
        yield
    finally:
        _seeded_now = False
        if connection.in_atomic_block:
            raise AssertionError("a test left a transaction open: the database cannot be restored")
        _restore(start, start_digest, connection, "database of the module's start")
        start.close()
