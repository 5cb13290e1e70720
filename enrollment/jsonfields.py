"""Database expressions on JSON columns that Django does not provide."""
from __future__ import annotations

from django.db.models import F, Func, JSONField


class JSONIncrement(Func):
    """`JSONIncrement("explanation", position=1)`: the JSON object with each named integer key
    increased (a missing key counts as 0), computed in the database so that an UPDATE of many rows
    needs no read. PostgreSQL (jsonb) and SQLite."""

    output_field = JSONField()

    def __init__(self, field: str, **deltas: int):
        if not deltas or not all(isinstance(v, int) for v in deltas.values()):
            raise ValueError("JSONIncrement needs integer deltas")
        self.deltas = deltas
        super().__init__(F(field))

    def as_sql(self, compiler, connection, **extra):
        raise NotImplementedError(f"JSONIncrement is not written for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra):
        column, column_params = compiler.compile(self.source_expressions[0])
        sql, params = column, list(column_params)
        for key, delta in self.deltas.items():
            sql = (f"jsonb_set({sql}, %s::text[], to_jsonb(COALESCE(({column} ->> %s)::integer, 0) + %s))")
            params = [*params, "{" + key + "}", *column_params, key, delta]
        return sql, params

    def as_sqlite(self, compiler, connection, **extra):
        column, column_params = compiler.compile(self.source_expressions[0])
        parts, params = [], list(column_params)
        for key, delta in self.deltas.items():
            parts.append(f"%s, COALESCE(json_extract({column}, %s), 0) + %s")
            params += [f"$.{key}", *column_params, f"$.{key}", delta]
        return f"json_set({column}, {', '.join(parts)})", params
