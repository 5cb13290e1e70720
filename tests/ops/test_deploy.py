"""The deployment files: nginx accepts the sample configuration, the systemd units run exactly one
beat and any number of workers, and every environment variable the settings read is documented."""
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REQUIRE_SERVICES

from .cluster import ROOT, find_nginx, free_port, http_get

DEPLOY = ROOT / "deploy"


@pytest.fixture
def nginx_bin():
    path = find_nginx()
    if not path:
        if REQUIRE_SERVICES:
            pytest.fail("needs Debian's nginx (.ci/run installs it) and REQUIRE_SERVICES=1 is set")
        pytest.skip("needs Debian's nginx: apt-get install nginx")
    return path


def test_nginx_accepts_the_sample_configuration(nginx_bin, tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    site = (DEPLOY / "nginx" / "shahe.conf").read_text()
    site = (site.replace("/etc/ssl/shahe/fullchain.pem", str(tmp_path / "cert.pem"))
                .replace("/etc/ssl/shahe/privkey.pem", str(tmp_path / "key.pem"))
                .replace("/var/log/nginx", str(tmp_path)))
    (tmp_path / "shahe.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n include /etc/nginx/mime.types;\n include {tmp_path}/shahe.conf;\n}}\n")
    result = subprocess.run([nginx_bin, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def unit(name: str) -> str:
    return (DEPLOY / "systemd" / name).read_text()


def test_systemd_units_one_beat_many_workers_every_setting_from_the_environment():
    units = sorted(p.name for p in (DEPLOY / "systemd").iterdir())
    assert units == ["shahe-backup.service", "shahe-backup.timer", "shahe-beat.service", "shahe-web.service",
                     "shahe-worker@.service"]
    assert " beat " in unit("shahe-beat.service") and "EXACTLY ONE" in unit("shahe-beat.service")
    assert "worker%i@%H" in unit("shahe-worker@.service")  # a template: shahe-worker@1, @2, ...
    for name in units:
        if name.endswith(".service"):
            assert "EnvironmentFile=/etc/shahe/shahe.env" in unit(name), name
    assert "deploy/gunicorn.conf.py shahe_afterschool.wsgi" in unit("shahe-web.service")
    assert "backup_db --dir ${BACKUP_DIR} --keep-days ${BACKUP_KEEP_DAYS}" in unit("shahe-backup.service")
    assert (ROOT / "scripts" / "backup_restore_check.sh").stat().st_mode & 0o111


def test_gunicorn_configuration_loads(monkeypatch):
    monkeypatch.setenv("GUNICORN_BIND", "10.0.0.11:8000")
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    namespace = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)  # noqa: S102
    assert namespace["bind"] == "10.0.0.11:8000" and namespace["workers"] == 3
    assert namespace["accesslog"] is None and namespace["graceful_timeout"] > 0
    assert namespace["logconfig_dict"]["formatters"]["json"]["()"] == "shahe_afterschool.logs.JsonFormatter"


def test_gunicorn_starts_with_the_deployment_configuration(tmp_path):
    """The real file, as the systemd unit uses it: gunicorn's own lines come out as JSON."""
    port = free_port()
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1", "LOG_FORMAT": "json",
           "DJANGO_SETTINGS_MODULE": "shahe_afterschool.settings.test"}
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", str(DEPLOY / "gunicorn.conf.py"),
                                 "shahe_afterschool.wsgi"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if http_get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    records = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert any(r["logger"] == "gunicorn.error" and "Listening at" in r["message"] for r in records), log.read_text()


def settings_environment_variables() -> set[str]:
    names = set()
    for path in (ROOT / "shahe_afterschool" / "settings").glob("*.py"):
        names |= set(re.findall(r"env_(?:str|bool|list)\(\s*\"([A-Z_]+)\"", path.read_text()))
    return names


def test_every_environment_variable_is_documented():
    names = settings_environment_variables()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "LOG_FORMAT", "SENTRY_DSN"} <= names
    doc = (ROOT / "docs" / "deployment.md").read_text()
    example = (DEPLOY / "shahe.env.example").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in doc)
    assert not missing, f"not in docs/deployment.md: {missing}"
    for line in example.splitlines():
        if re.match(r"^#?[A-Z_]+=", line):
            assert f"`{line.lstrip('#').split('=')[0]}`" in doc, line
