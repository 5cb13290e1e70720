"""Backups: a dump restores into a new database with the same row count in every table, the
migrations check passes on the copy, and a backup that does not match its manifest is refused."""
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from notices.models import Notification
from ops import backup
from tests.factories import StudentFactory

from .conftest import scratch_database

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(world):
    """The role matrix plus enough rows that an empty or partial restore cannot pass."""
    for n in range(40):
        StudentFactory(homeroom_class=world.class_a, name=f"学生{n}")
    Notification.objects.bulk_create(
        Notification(recipient=world.parent_a, kind="test", title=f"通知{n}") for n in range(120)
    )
    return world


def live_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        return backup.table_counts(cursor.cursor)


def test_restore_check_restores_every_row_of_every_table(seeded, capsys):
    target = scratch_database("restore")
    out = io.StringIO()
    call_command("backup_restore_check", target=target, keep=True, stdout=out)
    text = out.getvalue()
    assert "ok   manage.py migrate --check" in text
    assert "ok   manage.py makemigrations --check --dry-run" in text
    assert " 0 differ" in text

    # Independently of the command's own comparison: the kept copy has the live database's counts.
    expected = live_counts()
    params = backup.connect_params(connection.settings_dict, dbname=target)
    import psycopg2

    restored_conn = psycopg2.connect(**params)
    try:
        with restored_conn.cursor() as cursor:
            restored = backup.table_counts(cursor)
    finally:
        restored_conn.close()
        backup.drop_database(connection.settings_dict, target)
    assert restored == expected
    assert expected["public.schools_student"] == 43 and expected["public.notices_notification"] == 120
    assert len(expected) > 20 and all(not name.startswith("pg_") for name in expected)
    with capsys.disabled():
        print(f"\nrestore check: {len(restored)} tables, {sum(restored.values())} rows, "
              f"dumped == restored for every table")


def test_daily_backup_then_checking_that_backup_later(seeded, tmp_path):
    out = io.StringIO()
    call_command("backup_db", dir=str(tmp_path), keep_days=7, stdout=out)
    dumps = list(tmp_path.glob("shahe-*.dump"))
    assert len(dumps) == 1 and "rows" in out.getvalue()
    assert oct(dumps[0].stat().st_mode & 0o777) == "0o600"
    manifest = json.loads((tmp_path / (dumps[0].name + ".json")).read_text())
    assert manifest["counts"] == live_counts()

    # The live database moves on; the backup is still checked against its own snapshot's counts.
    Notification.objects.filter(title__startswith="通知1").delete()
    out = io.StringIO()
    call_command("backup_restore_check", dump=str(dumps[0]), target=scratch_database("restore"),
                 no_migration_check=True, stdout=out)
    assert " 0 differ" in out.getvalue()


def test_a_backup_that_does_not_match_its_manifest_fails(seeded, tmp_path):
    call_command("backup_db", dir=str(tmp_path), stdout=io.StringIO())
    dump = next(tmp_path.glob("shahe-*.dump"))
    manifest_path = tmp_path / (dump.name + ".json")
    manifest = json.loads(manifest_path.read_text())
    manifest["counts"]["public.notices_notification"] += 1  # as if a row had been lost
    manifest_path.write_text(json.dumps(manifest))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 differ"):
        call_command("backup_restore_check", dump=str(dump), target=scratch_database("restore"),
                     no_migration_check=True, stdout=out)
    assert "public.notices_notification" in out.getvalue() and "differs" in out.getvalue()


def test_a_dump_without_manifest_is_refused(tmp_path):
    dump = tmp_path / "shahe-x.dump"
    dump.write_bytes(b"")
    with pytest.raises(CommandError, match="missing"):
        call_command("backup_restore_check", dump=str(dump), target=scratch_database("restore"))


def test_restore_never_targets_the_live_database(tmp_path):
    with pytest.raises(backup.BackupError):
        backup.restore(connection.settings_dict, tmp_path / "x.dump", connection.settings_dict["NAME"])

