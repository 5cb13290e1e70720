"""PostgreSQL backups and the restore check (`manage.py backup_db`, `manage.py backup_restore_check`).

A backup is `pg_dump --format=custom` taken from an exported snapshot, with a manifest beside it
(`<name>.dump.json`) that holds the row count of every table *in that same snapshot*. So a backup
can be checked at any later time, on any machine: restore it into a new database and compare the
restored counts with the manifest's, while the live database goes on changing.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psycopg2
from django.conf import settings
from django.db import connections
from psycopg2 import extensions, sql

#: Every ordinary table outside PostgreSQL's own schemas, as "schema.table".
TABLES_SQL = """
    SELECT table_schema, table_name FROM information_schema.tables
    WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
    ORDER BY table_schema, table_name
"""
MANIFEST_SUFFIX = ".json"


class BackupError(Exception):
    pass


def database_settings(alias: str = "default") -> dict:
    settings_dict = connections[alias].settings_dict
    if "postgresql" not in settings_dict["ENGINE"]:
        raise BackupError("backups need PostgreSQL (DATABASE_URL=postgres://...)")
    return settings_dict


def connect_params(settings_dict: dict, dbname: str | None = None) -> dict:
    params = {"dbname": dbname or settings_dict["NAME"], "user": settings_dict.get("USER") or None,
              "password": settings_dict.get("PASSWORD") or None, "host": settings_dict.get("HOST") or None,
              "port": settings_dict.get("PORT") or None, "connect_timeout": 10}
    return {key: value for key, value in params.items() if value is not None}


def pg_env(settings_dict: dict, dbname: str | None = None) -> dict:
    """The environment for pg_dump / pg_restore: the password never goes on a command line."""
    env = {**os.environ, "PGDATABASE": dbname or settings_dict["NAME"]}
    for key, var in (("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"), ("HOST", "PGHOST"), ("PORT", "PGPORT")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    return env


def database_url(settings_dict: dict, dbname: str) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or ""
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(dbname, safe='')}"


def table_counts(cursor) -> dict[str, int]:
    cursor.execute(TABLES_SQL)
    counts = {}
    for schema, table in cursor.fetchall():
        cursor.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
        counts[f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} not found: apt-get install postgresql-client")
    return path


def dump(settings_dict: dict, path: Path) -> dict:
    """pg_dump the database into `path` and write its manifest; returns the manifest.

    The counts and the dump see the same snapshot: a REPEATABLE READ transaction exports its
    snapshot, counts every table, and pg_dump --snapshot uses it while that transaction is open."""
    path = Path(path)
    tmp = path.with_name(path.name + ".partial")
    conn = psycopg2.connect(**connect_params(settings_dict))
    try:
        conn.set_session(isolation_level=extensions.ISOLATION_LEVEL_REPEATABLE_READ, readonly=True)
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot(), now(), version()")
            snapshot, taken_at, server_version = cursor.fetchone()
            counts = table_counts(cursor)
            result = subprocess.run(
                [_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--file", str(tmp)],
                env=pg_env(settings_dict), capture_output=True, text=True,
            )
            if result.returncode != 0:
                tmp.unlink(missing_ok=True)
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    finally:
        conn.rollback()
        conn.close()
    os.chmod(tmp, 0o600)  # a backup holds every family's personal data
    os.replace(tmp, path)  # a partial dump never looks like a backup
    manifest = {
        "database": settings_dict["NAME"],
        "taken_at": taken_at.astimezone(dt.UTC).isoformat(),
        "server_version": server_version,
        "format": "pg_dump custom",
        "bytes": path.stat().st_size,
        "tables": len(counts),
        "rows": sum(counts.values()),
        "counts": counts,
    }
    manifest_path = path.with_name(path.name + MANIFEST_SUFFIX)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    os.chmod(manifest_path, 0o600)
    return manifest


def _admin_connection(settings_dict: dict):
    conn = psycopg2.connect(**connect_params(settings_dict, dbname="postgres"))
    conn.autocommit = True
    return conn


def drop_database(settings_dict: dict, name: str) -> None:
    conn = _admin_connection(settings_dict)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        conn.close()


def restore(settings_dict: dict, path: Path, target: str) -> None:
    """Restore a dump into a new database `target` (an existing one of that name is replaced)."""
    if target == settings_dict["NAME"]:
        raise BackupError("the restore target must not be the live database")
    drop_database(settings_dict, target)
    conn = _admin_connection(settings_dict)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(target)))
    finally:
        conn.close()
    result = subprocess.run(
        [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", target, str(path)],
        env=pg_env(settings_dict, target), capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


def manage(args: list[str], settings_dict: dict, dbname: str) -> subprocess.CompletedProcess:
    """Run manage.py against another database (the restored copy), with this process's settings."""
    env = {**os.environ, "DATABASE_URL": database_url(settings_dict, dbname),
           "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE)}
    return subprocess.run([sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
                          env=env, capture_output=True, text=True, timeout=600)


@dataclass
class CheckReport:
    dump_path: str
    target: str
    expected: dict[str, int]
    restored: dict[str, int]
    steps: list[tuple[str, bool, str]] = field(default_factory=list)

    @property
    def mismatches(self) -> list[tuple[str, int | None, int | None]]:
        names = sorted(set(self.expected) | set(self.restored))
        return [(n, self.expected.get(n), self.restored.get(n)) for n in names
                if self.expected.get(n) != self.restored.get(n)]

    @property
    def ok(self) -> bool:
        return not self.mismatches and all(ok for _, ok, _ in self.steps)


def restore_check(settings_dict: dict, *, dump_path: Path | None = None, workdir: Path | None = None,
                  target: str | None = None, migrate: bool = False, keep: bool = False,
                  migration_checks: bool = True) -> CheckReport:
    """Dump (or take an existing dump with its manifest), restore into a new database, run the
    migrations checks on it and compare the row count of every table."""
    target = target or f"{settings_dict['NAME']}_restore_check"
    if dump_path is None:
        workdir = Path(workdir or settings.BASE_DIR)
        dump_path = workdir / f"{settings_dict['NAME']}-restore-check.dump"
        manifest = dump(settings_dict, dump_path)
    else:
        manifest_path = Path(str(dump_path) + MANIFEST_SUFFIX)
        if not manifest_path.exists():
            raise BackupError(f"{manifest_path} is missing: it holds the row counts to compare with")
        manifest = json.loads(manifest_path.read_text())
    restore(settings_dict, Path(dump_path), target)
    try:
        report = CheckReport(str(dump_path), target, manifest["counts"], {})
        conn = psycopg2.connect(**connect_params(settings_dict, dbname=target))
        try:
            with conn.cursor() as cursor:
                # Counted before any migration below could add rows.
                report.restored = table_counts(cursor)
        finally:
            conn.close()
        steps = [["migrate", "--noinput"]] if migrate else []
        if migration_checks:
            steps += [["migrate", "--check"], ["makemigrations", "--check", "--dry-run"]]
        for step in steps:
            result = manage(step, settings_dict, target)
            report.steps.append((" ".join(step), result.returncode == 0, (result.stdout + result.stderr).strip()))
        return report
    finally:
        if not keep:
            drop_database(settings_dict, target)


def prune(directory: Path, keep_days: int, *, prefix: str, now: dt.datetime | None = None) -> list[Path]:
    """Delete backups (and their manifests) in `directory` older than `keep_days`; returns them."""
    now = now or dt.datetime.now(dt.UTC)
    removed = []
    for path in sorted(Path(directory).glob(f"{prefix}-*.dump")):
        age = now - dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        if age > dt.timedelta(days=keep_days):
            for doomed in (path, path.with_name(path.name + MANIFEST_SUFFIX)):
                doomed.unlink(missing_ok=True)
            removed.append(path)
    return removed
