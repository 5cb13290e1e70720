"""No migration of ours drops or renames what the previous release uses, or adds a NOT NULL column
without a database default, unless a reviewer listed it in ops.migration_safety.REVIEWED."""
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

from ops import migration_safety
from ops.migration_operations import AddIndexConcurrentlyIfPostgres


def test_every_unsafe_migration_is_reviewed_and_every_review_is_current():
    unsafe = migration_safety.unsafe_operations()
    unreviewed = {key: problems for key, problems in unsafe.items() if key not in migration_safety.REVIEWED}
    assert not unreviewed, ("migrations unsafe while the previous release serves (docs/deployment.md, "
                            f"'Rules for migrations'): {unreviewed}")
    stale = set(migration_safety.REVIEWED) - set(unsafe)
    assert not stale, f"REVIEWED lists migrations that are not (or no longer) unsafe: {stale}"


def make(name, *operations):
    migration = migrations.Migration(name, "demo")
    migration.operations = list(operations)
    return migration


def test_the_rules():
    problems = migration_safety.migration_problems
    assert problems(make("0002_drop", migrations.RemoveField("thing", "old")))
    assert problems(make("0002_rename", migrations.RenameField("thing", "old", "new")))
    assert problems(make("0002_gone", migrations.DeleteModel("Thing")))
    assert problems(make("0002_sql", migrations.RunSQL("UPDATE x SET y = 1", migrations.RunSQL.noop)))
    assert problems(make("0002_col", migrations.AddField("thing", "flag", models.BooleanField(default=False))))
    # safe: nullable, a database default, a many-to-many, a column of a table created in the same migration
    assert not problems(make("0002_a", migrations.AddField("thing", "note", models.TextField(null=True))))
    assert not problems(make("0002_b", migrations.AddField("thing", "flag", models.BooleanField(db_default=False))))
    assert not problems(make("0002_c", migrations.AddField("thing", "tags", models.ManyToManyField("demo.Tag"))))
    assert not problems(make("0002_d", migrations.CreateModel("Other", [("id", models.AutoField(primary_key=True))]),
                             migrations.AddField("other", "flag", models.BooleanField(default=False))))
    # an index on an existing table: concurrently, in a non-atomic migration; a table created here needs neither
    index = models.Index(fields=["flag"], name="thing_flag_idx")
    assert problems(make("0002_idx", migrations.AddIndex("thing", index)))
    assert problems(make("0002_idx_atomic", AddIndexConcurrently("thing", index)))
    concurrent = make("0002_idx_ok", AddIndexConcurrentlyIfPostgres("thing", index))
    concurrent.atomic = False
    assert not problems(concurrent)
    assert not problems(make("0002_e", migrations.CreateModel("Other", [("id", models.AutoField(primary_key=True))]),
                             migrations.AddIndex("other", index)))
    # an app's first migration creates tables no released code uses yet
    assert not problems(make("0001_initial", migrations.AddField("thing", "flag", models.BooleanField())))
