"""Backup helpers that need no PostgreSQL: retention, and a clear refusal on another database."""
import datetime as dt
import os
import time
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command

from ops import backup


def test_backups_refuse_a_database_other_than_postgresql(monkeypatch, tmp_path):
    monkeypatch.setattr(backup, "connections", {"default": SimpleNamespace(settings_dict={"ENGINE": "django.db.backends.sqlite3"})})
    with pytest.raises(CommandError, match="need PostgreSQL"):
        call_command("backup_db", dir=str(tmp_path))
    with pytest.raises(CommandError, match="need PostgreSQL"):
        call_command("backup_restore_check")
    assert list(tmp_path.iterdir()) == []


def test_database_url_quotes_credentials():
    url = backup.database_url({"USER": "shahe", "PASSWORD": "p@ss/word", "HOST": "10.0.0.21", "PORT": 5432}, "shahe_x")
    assert url == "postgres://shahe:p%40ss%2Fword@10.0.0.21:5432/shahe_x"
    assert backup.database_url({"USER": "postgres", "HOST": "127.0.0.1"}, "db") == "postgres://postgres@127.0.0.1/db"


def test_prune_keeps_n_days(tmp_path):
    now = dt.datetime.now(dt.UTC)
    for days in (1, 5, 9, 40):
        for name in (f"shahe-{days}.dump", f"shahe-{days}.dump.json"):
            path = tmp_path / name
            path.write_text("x")
            old = time.time() - days * 86400
            os.utime(path, (old, old))
    (tmp_path / "other-99.dump").write_text("not ours")
    removed = backup.prune(tmp_path, 7, prefix="shahe", now=now)
    assert sorted(p.name for p in removed) == ["shahe-40.dump", "shahe-9.dump"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "other-99.dump", "shahe-1.dump", "shahe-1.dump.json", "shahe-5.dump", "shahe-5.dump.json"]
