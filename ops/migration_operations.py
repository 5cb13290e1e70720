"""Migration operations that keep the rules of docs/deployment.md ("Rules for migrations") on
PostgreSQL and still run on the SQLite test database."""
from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently


class AddIndexConcurrentlyIfPostgres(AddIndexConcurrently):
    """`CREATE INDEX CONCURRENTLY` on PostgreSQL (no lock on writes to a live table; the migration
    must be `atomic = False`); a plain `CREATE INDEX` elsewhere (SQLite in development and tests,
    which has no concurrent build)."""

    def describe(self):
        what = ", ".join(self.index.fields) or ", ".join(str(e) for e in self.index.expressions)
        return f"Concurrently create index {self.index.name} on {what} of model {self.model_name}"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index)
