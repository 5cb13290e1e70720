"""Migrations must be safe to apply while the previous release still serves (docs/deployment.md,
"Rules for migrations"). `unsafe_operations()` finds the operations of our apps' migrations that
would break the previous release's code:

- dropping or renaming a column or a table (RemoveField, DeleteModel, RenameField, RenameModel,
  AlterModelTable), unless the code stopped using it at least one release earlier;
- adding a NOT NULL column without a database default (`db_default`) to a table that already
  exists: the previous release's INSERTs do not name the column and fail;
- raw SQL (RunSQL), which no one can check automatically;
- adding an index to a table that already exists without `AddIndexConcurrently` (a plain
  `CREATE INDEX` blocks the table's writes while it builds).

Such an operation is allowed only when its migration is listed in REVIEWED with the reason it is
safe (e.g. "the code stopped reading `x` in release 2027.3"). The first migration of an app
(`0001_initial` and other `*_initial`) creates tables no released code uses yet, so it is exempt.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import models
from django.db.migrations import operations as ops
from django.db.migrations.loader import MigrationLoader

#: "app_label.migration_name" -> why it is safe to apply while the previous release serves.
REVIEWED: dict[str, str] = {
    "clubs.0003_choice_reason_code": "ships in the first release with clubs.0001: no released code writes "
    "ClubChoice yet, so no old INSERT can miss the column",
}

DESTRUCTIVE = (ops.RemoveField, ops.DeleteModel, ops.RenameField, ops.RenameModel, ops.AlterModelTable)


def _adds_not_null_column_without_db_default(operation, created_here: set[str]) -> bool:
    if not isinstance(operation, ops.AddField) or operation.model_name_lower in created_here:
        return False
    field = operation.field
    if field.many_to_many or field.null:
        return False
    return getattr(field, "db_default", models.NOT_PROVIDED) is models.NOT_PROVIDED


def migration_problems(migration) -> list[str]:
    """What in this migration would break the previous release (empty when it is safe)."""
    if migration.name.endswith("_initial"):
        return []
    created_here = {op.name_lower for op in migration.operations if isinstance(op, ops.CreateModel)}
    problems = []
    for operation in migration.operations:
        if isinstance(operation, DESTRUCTIVE):
            problems.append(f"{operation.describe()}: drops or renames what the previous release uses")
        elif _adds_not_null_column_without_db_default(operation, created_here):
            problems.append(f"{operation.describe()}: NOT NULL without db_default; old code's INSERTs fail")
        elif isinstance(operation, ops.RunSQL):
            problems.append(f"{operation.describe()}: raw SQL needs a reviewer")
        elif (isinstance(operation, ops.AddIndex) and not isinstance(operation, AddIndexConcurrently)
              and operation.model_name_lower not in created_here):
            problems.append(f"{operation.describe()}: locks the table's writes; use AddIndexConcurrently")
        elif isinstance(operation, AddIndexConcurrently) and migration.atomic:
            problems.append(f"{operation.describe()}: concurrent index in an atomic migration (atomic = False)")
    return problems


def unsafe_operations(apps: list[str] | None = None) -> dict[str, list[str]]:
    """Problems of every migration of our apps, by "app.migration", whether reviewed or not."""
    apps = settings.PROJECT_APPS if apps is None else apps
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = {}
    for (app_label, name), migration in sorted(loader.disk_migrations.items()):
        if app_label in apps:
            problems = migration_problems(migration)
            if problems:
                found[f"{app_label}.{name}"] = problems
    return found
