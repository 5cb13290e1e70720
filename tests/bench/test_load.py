"""The bench's page measurement (bench/load.py, issue 23): the floor and a page in turns, each user's
browser kept from one slice to the next, against a small HTTP server of this test's own that records
what it is asked and gives each browser a cookie on its first request (as the duty console gives its
CSRF cookie, which its kept body is keyed by)."""
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.load import run_paired


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn answers the bench

    def do_GET(self):  # noqa: N802 (http.server's name)
        cookies = dict(c.strip().split("=", 1) for c in (self.headers.get("Cookie") or "").split(";") if "=" in c)
        browser = cookies.get("browser")
        with self.server.lock:
            self.server.seen.append((self.path, browser, cookies.get("sessionid"), self.headers.get("HX-Request")))
        self.send_response(200)
        if browser is None:
            self.send_header("Set-Cookie", f"browser={uuid.uuid4().hex}; Path=/")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.daemon_threads = True
    server.lock = threading.Lock()
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _blocks(paths: list[str]) -> list[str]:
    """The paths asked, runs of the same path made one."""
    return [p for i, p in enumerate(paths) if i == 0 or paths[i - 1] != p]


def test_the_floor_and_the_page_are_measured_in_turns_by_browsers_that_keep_their_cookies(recorder):
    base = f"http://127.0.0.1:{recorder.server_address[1]}"
    floor, page = run_paired(base, [("floor-session", "/floor/")], [("a", "/page/"), ("b", "/page/")],
                             slices=3, duration=30, max_requests=30, concurrency=2, cookie_name="sessionid",
                             headers=[("HX-Request", "true")])

    # every request answered and timed, a third of each in each slice
    assert (floor.count, page.count, floor.errors, page.errors) == (30, 30, 0, 0)
    seen = recorder.seen
    assert _blocks([path for path, *_ in seen]) == ["/floor/", "/page/"] * 3
    # the page's headers go with the page only; each user signed in with its own session
    assert {(path, hx) for path, _b, _s, hx in seen} == {("/floor/", None), ("/page/", "true")}
    assert {s for path, _b, s, _h in seen if path == "/page/"} == {"a", "b"}
    # each of the 2 + 2 browsers was given its cookie once, on its first request, and sent it back in
    # every later slice: a browser of its own per user, not a new one per slice
    first_asks = [(path, b) for path, b, _s, _h in seen if b is None]
    assert sorted(path for path, _b in first_asks) == ["/floor/", "/floor/", "/page/", "/page/"]
    assert len({b for _p, b, _s, _h in seen if b is not None}) == 4


def test_one_slice_measures_the_floor_then_the_page(recorder):
    base = f"http://127.0.0.1:{recorder.server_address[1]}"
    floor, page = run_paired(base, [("f", "/floor/")], [("p", "/page/")], slices=1, duration=30, max_requests=8,
                             concurrency=2, cookie_name="sessionid")
    assert (floor.count, page.count) == (8, 8)
    assert _blocks([path for path, *_ in recorder.seen]) == ["/floor/", "/page/"]
