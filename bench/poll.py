"""The 17:00 poll (issue 19): thousands of parents keep the portal open while their children are
picked up; each phone asks for its child's today card once a minute while the page is visible
(`attendance/static/attendance/today.js` → `GET /attendance/today/{child}/`, the htmx fragment).

`parents` guardians of children placed in a group of the current term each ask once within every
`window` seconds (open loop: parent i at `window * i / n` of each round, on `concurrency` client
threads, as `bench.peak` schedules its rolls), for `rounds` rounds. The first round meets a cold
cache (each card computed: nine queries); later rounds answer from the per-child cache
(`attendance.today`) except for the children whose day changed in between: before each later round
the cached days of `changes` of the children are dropped, as a mark, a handover or leave does. The floor is `/bench/floor/`
on the same schedule (one round).
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from bench.common import Timings, run_paced, schedule


@dataclass
class Poller:
    guardian_id: int
    student_id: int
    session_key: str = ""


@dataclass
class PollResult:
    parents: int = 0
    window: float = 0.0
    concurrency: int = 0
    rounds: list = field(default_factory=list)  # Timings per round
    seconds: list = field(default_factory=list)
    lateness: list = field(default_factory=list)  # seconds late per request, all rounds
    floor: Timings = field(default_factory=Timings)
    changed: int = 0

    @property
    def offered_per_second(self) -> float:
        return self.parents / self.window if self.window else 0.0

    def per_second(self, i: int) -> float:
        return self.rounds[i].count / self.seconds[i] if self.seconds[i] else 0.0


def prepare(*, parents: int, seed: int = 2026) -> list[Poller]:
    """Up to `parents` distinct guardians (one child each) of children holding an active seat in a
    group of the current term, signed in (bulk session rows)."""
    from enrollment.models import Placement
    from schools.models import Guardianship, Term

    from .users import session_cookies

    term = Term.current()
    placed = (Placement.objects.filter(active=True, group__term=term).order_by("application__student_id")
              .values_list("application__student_id", flat=True)[: parents * 3])
    links = (Guardianship.objects.filter(active=True, student_id__in=list(placed))
             .order_by("student_id", "pk").values_list("guardian_id", "student_id"))
    out, seen_g, seen_s = [], set(), set()
    for gid, sid in links:
        if gid in seen_g or sid in seen_s:
            continue
        seen_g.add(gid)
        seen_s.add(sid)
        out.append(Poller(gid, sid))
        if len(out) == parents:
            break
    keys = session_cookies([p.guardian_id for p in out])
    for p in out:
        p.session_key = keys[p.guardian_id]
    random.Random(seed).shuffle(out)
    return out


def _change_some(pollers: list[Poller], fraction: float, rng: random.Random) -> int:
    """Drop the cached days of `fraction` of the children, as the marks, handovers and leave of the
    minute between two polls do (`attendance.today.today_forget`)."""
    from django.utils import timezone

    from attendance.today import today_forget

    picked = rng.sample(pollers, int(len(pollers) * fraction))

    today_forget([p.student_id for p in picked], timezone.localdate())
    return len(picked)


def run(base: str, pollers: list[Poller], *, cookie_name: str, window: float = 60.0, rounds: int = 2,
        concurrency: int = 32, changes: float = 0.1, seed: int = 2026) -> PollResult:
    import requests

    res = PollResult(parents=len(pollers), window=window, concurrency=concurrency)
    rng = random.Random(seed)
    sessions: dict[int, requests.Session] = {}

    def session(p: Poller):
        s = sessions.get(p.guardian_id)
        if s is None:
            s = sessions[p.guardian_id] = requests.Session()
            s.headers["Cookie"] = f"{cookie_name}={p.session_key}"  # any host name, "localhost" too
        return s

    def job(timings: Timings, path):
        def fn(p: Poller, _at):
            t0 = time.perf_counter()
            try:
                code = session(p).get(base + path(p), allow_redirects=False, timeout=30).status_code
            except requests.RequestException:
                code = -1
            took = time.perf_counter() - t0
            timings.statuses[code] += 1
            if code == 200:
                timings.latencies.append(took)
            else:
                timings.errors += 1
        return fn

    offsets = schedule(len(pollers), window)
    run_paced(pollers, offsets, concurrency, job(res.floor, lambda p: "/bench/floor/"))
    for i in range(rounds):
        if i:
            res.changed += _change_some(pollers, changes, rng)
        timings = Timings()
        seconds, late = run_paced(pollers, offsets, concurrency,
                                  job(timings, lambda p: f"/attendance/today/{p.student_id}/"))
        res.rounds.append(timings)
        res.seconds.append(seconds)
        res.lateness.extend(late)
    return res


def render(r: PollResult | None, args) -> list[str]:
    from .run import ms, ratio

    out = ["", "## The 17:00 poll (parents' today cards)", ""]
    if r is None or not r.rounds:
        return out + ["Not run (`--skip-poll`)."]
    out += [
        f"{r.parents:,} parents (one placed child each) ask for the child's today card "
        f"(`GET /attendance/today/<child>/`, the htmx fragment the home page polls once a minute while "
        f"visible) once every {r.window:g} s: **{r.offered_per_second:.0f} requests/s offered**, open loop on "
        f"{r.concurrency} client threads, {len(r.rounds)} rounds. Round 1 meets a cold cache; before each "
        f"later round the cached days of {args.poll_changes:.0%} of the children are dropped (as their marks, "
        "handovers and leave do).",
        "",
        "| round | requests | done /s | p50 ms | p95 ms | floor p50 / p95 | p95 ratio | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i, t in enumerate(r.rounds):
        out.append(f"| {i + 1}{' (cold cache)' if i == 0 else ''} | {t.count:,} | {r.per_second(i):.0f} "
                   f"| {ms(t.pct(50))} | {ms(t.pct(95))} | {ms(r.floor.pct(50))} / {ms(r.floor.pct(95))} "
                   f"| {ratio(t.pct(95), r.floor.pct(95))} | {t.errors} |")
    late = sorted(r.lateness)
    p95_late = late[min(len(late) - 1, int(0.95 * len(late)))] if late else 0.0
    out += ["", f"Requests starting late (every client thread busy): p95 {p95_late * 1000:.0f} ms. Target: the "
            "offered rate is kept (done /s ≈ offered), warm rounds within 5× the floor's p95."]
    return out
