"""What the benchmark's load generators share: latency percentiles, the floor table, a paced
thread pool, and running ORM work in a thread.

- `bench.load`: closed-loop page load (threads, each a signed-in user).
- `bench.peak`: the 16:00 peak (tablets posting marks on a schedule).
- `bench.rush`: the enrollment rush (processes, or threads in tests).
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field


def percentile(xs, p: float) -> float | None:
    """The p-th percentile by the nearest-rank method (None for no samples)."""
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs)) - 1))]


@dataclass
class Timings:
    latencies: list = field(default_factory=list)  # seconds, answered as expected
    statuses: Counter = field(default_factory=Counter)
    errors: int = 0

    def pct(self, p: float) -> float | None:
        return percentile(self.latencies, p)

    @property
    def count(self) -> int:
        return len(self.latencies)


# --- the floor: the cheapest write the database can do, measured in the same run ------------------
def floor_table_create(name: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {name} (id bigserial PRIMARY KEY, n integer NOT NULL, "
                    "at timestamptz NOT NULL DEFAULT now())")


def floor_table_insert(name: str, n: int) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"INSERT INTO {name} (n) VALUES (%s)", [n])


def floor_table_drop(name: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {name}")


# --- running work -------------------------------------------------------------------------------
def schedule(n: int, window: float) -> list[float]:
    """n start offsets spread evenly over `window` seconds (all at 0 when the window is 0)."""
    return [window * i / n for i in range(n)] if window > 0 else [0.0] * n


def run_paced(jobs: list, offsets: list[float], concurrency: int, fn) -> tuple[float, list]:
    """Run fn(job, scheduled_at) for each job no earlier than its offset, on `concurrency` threads.
    Returns the seconds it took and, per job, how late it started."""
    lock = threading.Lock()
    order = sorted(range(len(jobs)), key=lambda i: offsets[i])
    nxt = [0]
    t0 = time.monotonic()
    lateness = []

    def worker():
        while True:
            with lock:
                if nxt[0] >= len(order):
                    return
                i = order[nxt[0]]
                nxt[0] += 1
            at = t0 + offsets[i]
            delay = at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            late = max(0.0, time.monotonic() - at)
            fn(jobs[i], at)
            with lock:
                lateness.append(late)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - t0, lateness


def in_thread(fn, arg):
    """fn(arg) in a pool thread: the thread's database connection is closed afterwards (Django opens
    one per thread, and a pool thread would otherwise keep it open past the run)."""
    from django.db import connection

    try:
        return fn(arg)
    finally:
        connection.close()
