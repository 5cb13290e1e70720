"""A small cluster on 127.0.0.1 for the failover test: gunicorn web processes behind Debian's nginx,
and HTTP clients that sign in and keep working. Everything started here is stopped by `Cluster.stop`."""
from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def find_nginx() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


def http_get(port: int, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": HOST})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class WebProcess:
    port: int
    env: dict
    log: Path
    proc: subprocess.Popen | None = None
    starts: int = 0

    def start(self) -> None:
        self.starts += 1
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "shahe_afterschool.wsgi", "--bind", f"{HOST}:{self.port}",
                 "--workers", "2", "--preload", "--timeout", "30", "--graceful-timeout", "5", "--worker-tmp-dir", "/dev/shm"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn on {self.port} exited: {self.log.read_text()[-3000:]}")
            try:
                if http_get(self.port, "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"gunicorn on {self.port} not ready: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the master and its workers at once: a machine dying, not a graceful stop."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.wait_port_closed()

    def wait_port_closed(self, timeout: float = 5.0) -> None:
        """The master is reaped before its workers have all died: a worker killed a few milliseconds
        later still holds the listening socket, and the kernel still accepts connections for it. The
        process is gone when the port refuses connections."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((HOST, self.port), timeout=0.2):
                    pass
            except ConnectionRefusedError:
                return
            except OSError:
                pass
            time.sleep(0.005)
        raise TimeoutError(f"port {self.port} still accepts connections {timeout}s after SIGKILL")


NGINX_CONF = """
{user}
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    # As deploy/nginx/shahe.conf: passive health checks, retry a request that never reached a
    # web process on the next one.
    upstream shahe_web {{
        server {HOST}:{a} max_fails=1 fail_timeout=2s;
        server {HOST}:{b} max_fails=1 fail_timeout=2s;
    }}
    server {{
        listen {HOST}:{port};
        location / {{
            proxy_pass http://shahe_web;
            proxy_set_header Host $host;
            proxy_set_header X-Request-ID $request_id;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_connect_timeout 1s;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 2;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


@dataclass
class Cluster:
    tmp: Path
    env: dict
    nginx_bin: str
    web: list[WebProcess] = field(default_factory=list)
    nginx: subprocess.Popen | None = None
    port: int = 0

    def start(self, deadline: float) -> None:
        self.web = [WebProcess(free_port(), self.env, self.tmp / f"web{i}.log") for i in range(2)]
        for process in self.web:
            process.start()
        for process in self.web:
            process.wait_ready(deadline)
        self.port = free_port()
        user = "user root;" if os.geteuid() == 0 else ""
        conf = self.tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(user=user, tmp=self.tmp, HOST=HOST, a=self.web[0].port,
                                          b=self.web[1].port, port=self.port))
        self.nginx = subprocess.Popen([self.nginx_bin, "-p", str(self.tmp), "-c", str(conf)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        while time.monotonic() < deadline:
            if self.nginx.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.nginx.stderr.read().decode()}")
            try:
                if http_get(self.port, "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("nginx did not answer")

    def error_log(self) -> str:
        path = self.tmp / "nginx-error.log"
        return path.read_text()[-4000:] if path.exists() else ""

    def stop(self) -> None:
        if self.nginx and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)
            try:
                self.nginx.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.nginx.pid, signal.SIGKILL)
                self.nginx.wait(timeout=5)
        for process in self.web:
            process.kill()


@dataclass
class Attempt:
    client: int
    action: str
    started: float
    ended: float
    status: int | None
    error: str
    upstream: str
    ok: bool
    session_lost: bool = False


class Client(threading.Thread):
    """Signs in through the login page and keeps marking notices read (an idempotent POST, the
    stand-in for taking a roll), looking at the inbox between marks, and signs in again every
    `relogin_every` marks. A failed step is retried until it succeeds: the retry must change nothing."""

    def __init__(self, index: int, port: int, username: str, password: str, notice_ids: list[int],
                 stop: threading.Event, relogin_every: int = 25):
        super().__init__(name=f"client-{index}", daemon=True)
        self.index, self.port, self.username, self.password = index, port, username, password
        self.notice_ids, self.stop_event, self.relogin_every = notice_ids, stop, relogin_every
        self.cookies: dict[str, str] = {}
        self.attempts: list[Attempt] = []
        self.first_marked: dict[int, float] = {}  # notice id -> end time of its first successful mark
        self.logins = 0
        self.crashed: BaseException | None = None

    # one request through nginx
    def request(self, method: str, path: str, body: dict | None = None):
        headers = {"Host": HOST}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if method == "POST" and "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        conn = http.client.HTTPConnection(HOST, self.port, timeout=15)
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            content = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel.value:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return response, content
        finally:
            conn.close()

    def step(self, action: str, method: str, path: str, check, body: dict | None = None) -> bool:
        started = time.time()
        status, error, upstream, ok, lost = None, "", "", False, False
        try:
            response, content = self.request(method, path, body)
            status, upstream = response.status, response.headers.get("X-Upstream", "")
            location = response.headers.get("Location", "")
            lost = "/accounts/login/" in location and action != "login_page"
            ok = check(response, content) and not lost
            if not ok and not error:
                error = f"unexpected {status} {location}"
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
        self.attempts.append(Attempt(self.index, action, started, time.time(), status, error, upstream, ok, lost))
        return ok

    def retry(self, action, method, path, check, body=None) -> None:
        while not self.stop_event.is_set():
            if self.step(action, method, path, check, body() if callable(body) else body):
                return
            time.sleep(0.05)

    def sign_in(self) -> None:
        self.cookies.clear()
        self.retry("login_page", "GET", "/accounts/login/", lambda r, c: r.status == 200 and "csrftoken" in self.cookies)
        self.retry("login", "POST", "/accounts/login/",
                   lambda r, c: r.status == 302 and "sessionid" in self.cookies,
                   body=lambda: {"username": self.username, "password": self.password,
                                 "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
        self.logins += 1

    def run(self) -> None:
        try:
            self.sign_in()
            for marks, notice_id in enumerate(self.notice_ids):
                if self.stop_event.is_set():
                    return
                if marks and marks % self.relogin_every == 0:
                    self.sign_in()

                def marked(r, c, notice_id=notice_id):
                    if r.status == 302 and r.headers.get("Location", "").endswith("/notices/"):
                        self.first_marked.setdefault(notice_id, time.time())
                        return True
                    return False

                self.retry("mark", "POST", f"/notices/{notice_id}/open/", marked)
                if marks % 3 == 2:
                    self.retry("inbox", "GET", "/notices/", lambda r, c: r.status == 200)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.crashed = exc


def upstream_ports(value: str) -> list[int]:
    return [int(port) for port in re.findall(r":(\d+)", value)]
