"""The duty leaders' consoles at 17:00 (issue 23): each school's rostered duty leader keeps the
console open and it refreshes every `interval` seconds for `duration` seconds, while the 16:00 peak
posts its marks (bench.peak, run beside it by bench.run). The page floor (`/bench/floor/`) is
requested on the same schedule by the same number of clients, so that the console's latency is
read as a ratio to the floor under the same load. Each leader's first request opens the console
(the whole page: the pickup panel, its forms); every later one is what the open page itself sends
every 30 s (here every `interval`): the htmx refresh of its figures and sessions (`HX-Request`,
`HX-Target: console-live`), which the view answers with that part alone. The two are timed apart.

`prepare(day, schools)` rosters one duty leader per school on the peak's day (the city's existing
duty leaders; the peak's rolls are at those schools), `run(...)` does the refreshing.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from .common import Timings, run_paced


@dataclass
class Watcher:
    school_id: int
    leader_id: int
    session_key: str = ""
    #: the cookies the leader's browser keeps (the session's, then the CSRF cookie the first answer sets)
    cookies: dict = field(default_factory=dict)
    #: whether the leader's tablet has the console open (its first request opens the page; the later
    #: ones are the page's own refresh of its figures, as htmx sends it)
    opened: bool = False


@dataclass
class WatchResult:
    schools: int = 0
    interval: float = 0.0
    duration: float = 0.0
    seconds: float = 0.0
    #: the page's refreshes of its figures (htmx, `HX-Target: console-live`): what a leader's open
    #: console asks every `interval` seconds
    console: Timings = field(default_factory=Timings)
    #: the first request of each leader: the whole page (panels, forms)
    opens: Timings = field(default_factory=Timings)
    floor: Timings = field(default_factory=Timings)
    lateness: list = field(default_factory=list)


def prepare(*, day, school_ids, limit: int | None = None) -> list[Watcher]:
    """One watcher per school of `school_ids` (at most `limit`): its duty leader (or principal),
    rostered on `day` so that the console opens for them."""
    from accounts.models import RoleAssignment
    from accounts.roles import Role
    from attendance.models import DutyRota

    from .users import session_cookies

    offices = {}
    for school_id, user_id, _role in (RoleAssignment.objects.filter(
            school_id__in=list(school_ids), role__in=[Role.DUTY_LEADER, Role.PRINCIPAL], active=True,
            user__is_active=True).order_by("school_id", "role", "user_id").values_list("school_id", "user_id", "role")):
        # a duty leader where the school has one ("duty_leader" sorts before "principal")
        offices.setdefault(school_id, user_id)
    chosen = sorted(offices.items())[:limit] if limit else sorted(offices.items())
    existing = set(DutyRota.objects.filter(date=day, school_id__in=[s for s, _u in chosen]).values_list(
        "school_id", flat=True))
    DutyRota.objects.bulk_create([DutyRota(school_id=s, date=day, leader_id=u) for s, u in chosen
                                  if s not in existing])
    leaders = dict(DutyRota.objects.filter(date=day, school_id__in=[s for s, _u in chosen]).values_list(
        "school_id", "leader_id"))
    keys = session_cookies(set(leaders.values()))
    return [Watcher(school_id=s, leader_id=u, session_key=keys[u]) for s, u in sorted(leaders.items())]


def run(base: str, watchers: list[Watcher], *, day, cookie_name: str, interval: float = 15.0,
        duration: float = 300.0) -> WatchResult:
    import requests

    res = WatchResult(schools=len(watchers), interval=interval, duration=duration)
    rounds = max(1, int(duration // interval))
    n = len(watchers)
    jobs, offsets = [], []
    for k in range(rounds):
        for i, w in enumerate(watchers):
            at = k * interval + i * interval / max(n, 1)
            jobs += [("console", w), ("floor", w)]
            offsets += [at, at + interval / max(n, 1) / 2]
    local = threading.local()
    lock = threading.Lock()

    def fetch(job, _at):
        kind, w = job
        s = getattr(local, "session", None)
        if s is None:
            s = local.session = requests.Session()
        path = f"/attendance/console/{w.school_id}/?date={day.isoformat()}" if kind == "console" else "/bench/floor/"
        # Each leader's tablet keeps its own cookies, as a browser does: the session and the CSRF
        # cookie the first answer set (without it every refresh would be a new visitor to CSRF, whose
        # forms carry a new secret each time). The thread's connection is shared, its jar is not.
        s.cookies.clear()
        with lock:
            cookies = {**w.cookies, cookie_name: w.session_key}
        headers = {}
        opening = False
        if kind == "console":
            with lock:
                opening, w.opened = not w.opened, True
            if not opening:  # what htmx sends for the page's `hx-get` on #console-live
                headers = {"HX-Request": "true", "HX-Target": "console-live", "HX-Current-URL": base + path}
        t0 = time.perf_counter()
        try:
            r = s.get(base + path, cookies=cookies, headers=headers, timeout=60, allow_redirects=False)
            code = r.status_code
            if r.cookies:
                with lock:
                    w.cookies.update(r.cookies.get_dict())
        except requests.RequestException:
            code = -1
        took = time.perf_counter() - t0
        target = (res.opens if opening else res.console) if kind == "console" else res.floor
        with lock:
            target.statuses[code] += 1
            if code == 200:
                target.latencies.append(took)
            else:
                target.errors += 1

    # Enough threads that a slow answer never delays the next refresh of another school.
    res.seconds, res.lateness = run_paced(jobs, offsets, min(64, max(4, n // 4)), fetch)
    return res
