"""A small closed-loop load generator: N threads, each a signed-in user with a kept-alive
connection, request one URL back to back for a bounded time or count."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import requests

from .common import Timings


@dataclass
class LoadResult(Timings):
    seconds: float = 0.0

    @property
    def rps(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def run_load(base: str, clients: list[tuple[str, str]], *, cookie_name: str, concurrency: int,
             duration: float, max_requests: int, ok=(200,), headers=(), browsers: list | None = None) -> LoadResult:
    """`clients` is a list of (session key, path); thread i uses clients[i % len(clients)]. `headers`:
    (name, value) pairs sent with every request. `browsers`: a list of `concurrency` slots that keep
    each thread's HTTP session (its cookies, such as the CSRF cookie a page sets, and its connection)
    for the next call, as a user's browser keeps them; None, a new session for each thread."""
    result = LoadResult()
    lock = threading.Lock()
    stop_at = time.monotonic() + duration
    budget = [max_requests]

    def worker(i: int) -> None:
        key, path = clients[i % len(clients)]
        s = browsers[i] if browsers is not None and browsers[i] is not None else requests.Session()
        if browsers is not None:
            browsers[i] = s
        s.cookies.set(cookie_name, key, domain="127.0.0.1")
        s.headers.update(dict(headers))
        url = base + path
        while time.monotonic() < stop_at:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            t0 = time.perf_counter()
            try:
                r = s.get(url, allow_redirects=False, timeout=30)
                code = r.status_code
            except requests.RequestException:
                code = -1
            took = time.perf_counter() - t0
            with lock:
                result.statuses[code] = result.statuses.get(code, 0) + 1
                if code in ok:
                    result.latencies.append(took)
                else:
                    result.errors += 1

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 60)
    result.seconds = time.monotonic() - t0
    return result


def run_paired(base: str, floor_clients: list[tuple[str, str]], clients: list[tuple[str, str]], *,
               slices: int, concurrency: int, duration: float, max_requests: int, headers=(),
               **kw) -> tuple[LoadResult, LoadResult]:
    """The floor and a page measured in turn: `slices` rounds of the floor then the page, each for
    duration / slices seconds or max_requests / slices requests, their timings put together.

    Measured one after the other (the floor for 8 s, then the page), a page's ratio was decided by
    its own floor's slot: in one quiet run the floor's p50 moved between 17 and 34 ms from one page's
    slot to the next, so a page a tenth above or below 3× met or missed with it. In turns, the floor
    and the page share the same minutes of the machine's load."""
    floor, page = LoadResult(), LoadResult()
    n = max(1, slices)
    # each user's browser is kept from one slice to the next: a page that sets a cookie (the console's
    # CSRF cookie, which its kept body is keyed by) is not met afresh at every slice
    sides = ((floor, floor_clients, (), [None] * concurrency), (page, clients, headers, [None] * concurrency))
    for _ in range(n):
        for into, who, hh, browsers in sides:
            part = run_load(base, who, concurrency=concurrency, duration=duration / n,
                            max_requests=max(1, max_requests // n), headers=hh, browsers=browsers, **kw)
            into.latencies += part.latencies
            into.statuses.update(part.statuses)
            into.errors += part.errors
            into.seconds += part.seconds
    return floor, page
