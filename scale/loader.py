"""Bulk loading for the generator's big tables: PostgreSQL `COPY ... FROM STDIN` on the raw psycopg2
connection, `bulk_create` elsewhere (SQLite in tests).

Rows are tuples of already-formatted values, in the order of `columns` (attribute names such as
`roll_id`): ints, strings (dates and times in ISO form, `2026-10-12 16:03:00+08:00`), or `NULL`.
Free text must not hold tabs, newlines or backslashes (the generator's names and notes do not);
`text()` escapes a value that might. The same tuples feed both paths, so both databases get the
same rows.

`Loader.reserve_ids(model, n)` takes `n` ids from the table's sequence (PostgreSQL), so that rows
can be referenced before they are copied; elsewhere ids come back from `bulk_create`.
"""
from __future__ import annotations

import io
import time
from collections import Counter, defaultdict
from contextlib import contextmanager

from django.db import connection

NULL = "\\N"
FLUSH_ROWS = 100_000


def text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")


class Loader:
    def __init__(self, *, flush_rows: int = FLUSH_ROWS):
        self.pg = connection.vendor == "postgresql"
        self.flush_rows = flush_rows
        self.buffers: dict = defaultdict(list)
        self.columns: dict = {}
        self.rows = Counter()
        self.seconds = Counter()

    def add(self, model, columns: tuple[str, ...], row: tuple) -> None:
        key = model._meta.label
        self.columns.setdefault(key, (model, columns))
        buf = self.buffers[key]
        buf.append(row)
        if len(buf) >= self.flush_rows:
            self.flush(key)

    def extend(self, model, columns: tuple[str, ...], rows) -> None:
        key = model._meta.label
        self.columns.setdefault(key, (model, columns))
        buf = self.buffers[key]
        buf.extend(rows)
        if len(buf) >= self.flush_rows:
            self.flush(key)

    def flush(self, key: str | None = None) -> None:
        for k in [key] if key else list(self.buffers):
            rows = self.buffers.get(k)
            if not rows:
                continue
            model, columns = self.columns[k]
            started = time.monotonic()
            if self.pg:
                self._copy(model, columns, rows)
            else:
                self._bulk_create(model, columns, rows)
            self.seconds[k] += time.monotonic() - started
            self.rows[k] += len(rows)
            self.buffers[k] = []

    def _copy(self, model, columns, rows) -> None:
        opts = model._meta
        cols = ", ".join(connection.ops.quote_name(opts.get_field(c).column) for c in columns)
        payload = "\n".join("\t".join(map(str, row)) for row in rows) + "\n"
        with connection.cursor() as cur:
            # The raw psycopg2 cursor under Django's wrapper: COPY streams the rows in one command.
            cur.cursor.copy_expert(f"COPY {connection.ops.quote_name(opts.db_table)} ({cols}) FROM STDIN",
                                   io.StringIO(payload))

    def _bulk_create(self, model, columns, rows) -> list:
        objs = [model(**{c: (None if v == NULL else v) for c, v in zip(columns, row, strict=True)}) for row in rows]
        # auto_now / auto_now_add fields would replace the generated times: keep the given values.
        fields = [f for f in model._meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
        saved = [(f, f.auto_now, f.auto_now_add) for f in fields if f.attname in columns]
        for f, _now, _add in saved:
            f.auto_now = f.auto_now_add = False
        try:
            model.objects.bulk_create(objs, batch_size=2000)
        finally:
            for f, now, add in saved:
                f.auto_now, f.auto_now_add = now, add
        return objs

    def insert_returning_ids(self, model, columns: tuple[str, ...], rows: list[tuple]) -> list[int]:
        """Insert now and return the new ids in order (the rows must not hold an id column)."""
        if not rows:
            return []
        started = time.monotonic()
        if self.pg:
            ids = self.reserve_ids(model, len(rows))
            self._copy(model, ("id", *columns), [(i, *row) for i, row in zip(ids, rows, strict=True)])
        else:
            ids = [o.pk for o in self._bulk_create(model, columns, rows)]
        self.seconds[model._meta.label] += time.monotonic() - started
        self.rows[model._meta.label] += len(rows)
        return ids

    def reserve_ids(self, model, n: int) -> list[int]:
        table = model._meta.db_table
        with connection.cursor() as cur:
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
            return [r[0] for r in cur.fetchall()]

    def report(self) -> list[tuple[str, int, float]]:
        """(model label, rows, seconds spent loading them) for each table loaded."""
        return [(k, self.rows[k], self.seconds[k]) for k in sorted(self.rows, key=lambda k: -self.rows[k])]

    @contextmanager
    def bulk_mode(self, models, *, log=print):
        """PostgreSQL: drop the tables' foreign keys, unique constraints and secondary indexes for the
        load and build them again after it (one sort per index and one join per foreign key, instead
        of a deferred check and an index insert per row). All inside the caller's transaction: a
        failure leaves the tables as they were, and a row that breaks a constraint fails the re-add.
        Elsewhere a no-op."""
        if not self.pg:
            yield
            return
        saved = []
        with connection.cursor() as cur:
            # Dropping a foreign key touches the referenced table too, which must have no pending
            # deferred checks: run the checks queued so far now (they would run at commit anyway).
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
            for model in models:
                table = model._meta.db_table
                cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname", [table])
                constraints = cur.fetchall()
                cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                            "AND tablename = %s AND indexname NOT IN (SELECT conname FROM pg_constraint "
                            "WHERE conrelid = %s::regclass) ORDER BY indexname", [table, table])
                indexes = cur.fetchall()
                q = connection.ops.quote_name
                for name, _definition in constraints:
                    cur.execute(f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(name)}")
                for name, _definition in indexes:
                    cur.execute(f"DROP INDEX {q(name)}")
                saved.append((table, constraints, indexes))
        yield
        self.flush()
        started = time.monotonic()
        with connection.cursor() as cur:
            cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
            q = connection.ops.quote_name
            for table, constraints, indexes in saved:
                for _name, definition in indexes:
                    cur.execute(definition)
                # Unique constraints first (their indexes), then the foreign keys, validated now.
                for name, definition in sorted(constraints, key=lambda c: not c[1].startswith("UNIQUE")):
                    cur.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
        log(f"    indexes and constraints rebuilt in {time.monotonic() - started:.1f} s")
