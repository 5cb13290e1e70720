"""Upgrades: every migration applies forward on an empty PostgreSQL database, and the models agree
with the migrations. (tests/test_settings.py also runs makemigrations --check on the test database.)"""
import pytest
from django.db import connection

from ops import backup

from .conftest import scratch_database


def manage(args, dbname):
    return backup.manage(args, connection.settings_dict, dbname)


@pytest.mark.postgres
@pytest.mark.django_db
def test_all_migrations_apply_forward_on_an_empty_database():
    name = scratch_database("migrate")
    backup.drop_database(connection.settings_dict, name)
    admin = backup._admin_connection(connection.settings_dict)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    finally:
        admin.close()
    try:
        applied = manage(["migrate", "--noinput", "-v", "1"], name)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert "Applying accounts.0001_initial" in applied.stdout
        for check in (["migrate", "--check"], ["makemigrations", "--check", "--dry-run"]):
            result = manage(check, name)
            assert result.returncode == 0, result.stdout + result.stderr
        plan = manage(["showmigrations", "--plan"], name)
        assert "[ ]" not in plan.stdout and plan.stdout.count("[X]") > 10
    finally:
        backup.drop_database(connection.settings_dict, name)

