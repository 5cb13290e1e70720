"""`python -m bench`: benchmarks against PostgreSQL, Redis and gunicorn; prints a table and writes
docs/performance.md. Every figure that is a target is a ratio measured in the same run, or a count.

Steps (each bounded in time):
 1. the generated city (`seed_city --scale S`) and the demo city (`seed_demo`) in two databases,
    created, migrated and seeded if missing;
 2. queries per request of every target in both cities (they must be equal);
 3. gunicorn (several sync workers) on 127.0.0.1 against the city; for each target, the floor and
    the page in turns (`--slices`), each for a bounded time at the same concurrency; peak RSS of
    every worker;
 4. the weekly report (bench.weekly): the city's week built by the Celery task in a child process
    (time, peak RSS) beside one hand-written SQL aggregate over the same week's marks;
 5. the 16:00 peak (bench.peak): rolls of 25 children marked and submitted through the roll page's
    HTTP endpoints within a window, 10% of the requests sent twice, beside a floor of single-row
    write requests at the same rate; duplicate marks counted;
 6. the enrollment rush (bench.rush) beside its floor of single-row inserts.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import percentile

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432/"


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--db", help="city database name (default shahe_bench_s<scale>)")
    p.add_argument("--demo-db", default="shahe_bench_demo")
    p.add_argument("--pg", default=os.environ.get("BENCH_PG", PG), help="PostgreSQL server URL ending in /")
    p.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"))
    p.add_argument("--reseed", action="store_true", help="drop and rebuild the city database")
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    p.add_argument("--users", type=int, default=8, help="concurrent users per page")
    p.add_argument("--duration", type=float, default=8.0, help="seconds per page and per floor")
    p.add_argument("--max-requests", type=int, default=400, help="at most this many requests per phase")
    p.add_argument("--slices", type=int, default=4,
                   help="the floor and each page measured in turns, in this many slices each (1: one after the other)")
    p.add_argument("--rush-parents", type=int, default=2000)
    p.add_argument("--rush-seats", type=int, default=500)
    p.add_argument("--rush-concurrency", type=int, default=16)
    p.add_argument("--rush-modes", default="each,batch",
                   help="each: allocate every application once approved; batch: allocate per school at the end")
    p.add_argument("--skip-rush", action="store_true")
    p.add_argument("--peak-rolls", type=int, default=3000, help="rolls submitted in the 16:00 peak")
    p.add_argument("--peak-children", type=int, default=25, help="children per roll")
    p.add_argument("--peak-window", type=float, default=300.0,
                   help="seconds over which the rolls arrive (0: all at once)")
    p.add_argument("--peak-concurrency", type=int, default=32, help="client threads (tablets in flight)")
    p.add_argument("--peak-retry", type=float, default=0.1, help="fraction of requests sent twice")
    p.add_argument("--peak-floor-seconds", type=float, default=60.0,
                   help="seconds of floor requests at the peak's request rate")
    p.add_argument("--skip-peak", action="store_true")
    p.add_argument("--console-schools", type=int, default=150,
                   help="duty leaders whose consoles refresh during the peak (0: none)")
    p.add_argument("--console-interval", type=float, default=15.0, help="seconds between a console's refreshes")
    p.add_argument("--poll-parents", type=int, default=5000, help="parents polling the today card at 17:00")
    p.add_argument("--poll-window", type=float, default=60.0, help="seconds per round (each parent asks once)")
    p.add_argument("--poll-rounds", type=int, default=2, help="rounds (the first meets a cold cache)")
    p.add_argument("--poll-concurrency", type=int, default=32, help="client threads")
    p.add_argument("--poll-changes", type=float, default=0.1,
                   help="fraction of the children whose cached day is dropped before each later round")
    p.add_argument("--skip-poll", action="store_true")
    p.add_argument("--weekly-week", help="YYYY-Www (default: the week before today)")
    p.add_argument("--skip-weekly", action="store_true")
    p.add_argument("--out", default=str(ROOT / "docs" / "performance.md"), help="'-' to write nothing")
    return p.parse_args(argv)


def log(msg: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}Z] {msg}", flush=True)


def env_for(args, db: str) -> dict:
    env = dict(os.environ)
    env.update(DATABASE_URL=args.pg + db, REDIS_URL=args.redis, DJANGO_SETTINGS_MODULE="bench.settings",
               LOG_FORMAT="plain", LOG_LEVEL="WARNING", DEBUG="0")
    return env


def manage(args, db: str, *cmd, timeout=3600) -> str:
    r = subprocess.run([sys.executable, "manage.py", *cmd], cwd=ROOT, env=env_for(args, db), text=True,
                       capture_output=True, timeout=timeout)
    if r.returncode:
        raise SystemExit(f"manage.py {' '.join(cmd)} failed:\n{r.stdout}\n{r.stderr}")
    return r.stdout


def db_exists(args, db: str) -> bool:
    import psycopg2

    with psycopg2.connect(args.pg + "postgres") as conn, conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db])
        return cur.fetchone() is not None


def db_sql(args, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(args.pg + "postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def ensure_city(args, db: str) -> str:
    """The seed's output (with rows per second), from this run or the run that built the database."""
    log_path = Path(f"/tmp/shahe-bench-seed-{db}.log")
    if args.reseed and db_exists(args, db):
        db_sql(args, f'DROP DATABASE "{db}"')
    if not db_exists(args, db):
        db_sql(args, f'CREATE DATABASE "{db}"')
        log(f"migrating {db}")
        manage(args, db, "migrate", "--noinput", "-v0")
        log(f"seed_city --scale {args.scale} into {db}")
        out = manage(args, db, "seed_city", "--scale", str(args.scale), "--seed", str(args.seed))
        log_path.write_text(out)
        return out
    return log_path.read_text() if log_path.exists() else "(database seeded earlier; its log is not kept)\n"


def ensure_demo(args, db: str) -> None:
    if not db_exists(args, db):
        db_sql(args, f'CREATE DATABASE "{db}"')
        log(f"migrating {db} and seed_demo")
        manage(args, db, "migrate", "--noinput", "-v0")
        manage(args, db, "seed_demo")


def query_counts(args, db: str) -> dict:
    r = subprocess.run([sys.executable, "-m", "bench.querycount"], cwd=ROOT, env=env_for(args, db), text=True,
                       capture_output=True, timeout=600)
    if r.returncode:
        raise SystemExit(f"bench.querycount failed on {db}:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def status_kb(pid: int, field: str) -> int:
    try:
        m = re.search(rf"^{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
        return int(m.group(1)) if m else 0
    except OSError:
        return 0


class Gunicorn:
    def __init__(self, args, db: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.cmd = [sys.executable, "-m", "gunicorn", "shahe_afterschool.wsgi", "--workers", str(args.workers),
                    "--bind", f"127.0.0.1:{self.port}", "--timeout", "60", "--max-requests", "0"]
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=env_for(args, db), stdout=subprocess.DEVNULL,
                                     stderr=open("/tmp/shahe-bench-gunicorn.log", "w"))  # noqa: SIM115 - lives as long as gunicorn
        self.peak_kb: dict[int, int] = {}
        self._stop = threading.Event()

    def wait_ready(self, timeout=120) -> None:
        import requests

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise SystemExit("gunicorn did not answer /healthz in time; see /tmp/shahe-bench-gunicorn.log")

    def sample(self) -> None:
        for pid in children(self.proc.pid):
            self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), status_kb(pid, "VmHWM"), status_kb(pid, "VmRSS"))

    def start_sampling(self) -> None:
        def loop():
            while not self._stop.wait(0.5):
                self.sample()
        threading.Thread(target=loop, daemon=True).start()

    def stop(self) -> None:
        self.sample()
        self._stop.set()
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def machine(args) -> dict:
    cpu = "unknown"
    try:
        m = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = m.group(1) if m else cpu
    except OSError:
        pass
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb // 1024:,} MB"
    except (OSError, AttributeError):
        pass
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    try:
        import redis

        rv = redis.Redis.from_url(args.redis).info().get("redis_version", "?")
    except Exception:  # noqa: BLE001 - the description only
        rv = "unreachable"
    import django
    import gunicorn

    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "os": platform.platform(),
            "python": platform.python_version(), "django": django.get_version(), "postgresql": pg,
            "redis": rv, "gunicorn": gunicorn.__version__, "load": os.getloadavg()}


def ms(x) -> str:
    return "-" if x is None else f"{x * 1000:.0f}"


def ratio(a, b) -> str:
    return "-" if not a or not b else f"{a / b:.1f}×"


def main(argv=None) -> int:
    args = parse(argv if argv is not None else sys.argv[1:])
    db = args.db or f"shahe_bench_s{str(args.scale).replace('.', '_')}"
    started = time.monotonic()
    seed_out = ensure_city(args, db)
    ensure_demo(args, args.demo_db)
    log("query counts (demo city, generated city)")
    qc_demo, qc_city = query_counts(args, args.demo_db), query_counts(args, db)

    os.environ.update(env_for(args, db))
    import django

    django.setup()
    from django.conf import settings

    from bench.load import run_load, run_paired
    from bench.targets import MISSING, TARGETS, user_of
    from bench.users import actors, session_cookie
    from schools.models import School, Student

    desc = machine(args)
    weekly = None
    if not args.skip_weekly:
        from bench import weekly as weekly_mod

        log("weekly report: the floor (SQL aggregate), then the Celery task, each in a child process")
        weekly = weekly_mod.run(env_for(args, db), week=args.weekly_week, cwd=ROOT)
        log(f"weekly report {weekly.week}: {weekly.seconds:.2f} s (floor {weekly.floor_seconds:.2f} s, "
            f"{ratio(weekly.seconds, weekly.floor_seconds)}), peak RSS {weekly.max_rss_mb:.0f} MB, "
            f"{weekly.built} reports{' (correction)' if weekly.correction else ''}")
    people = actors(args.users)
    sessions = {role: [(session_cookie(user_of(a)), a) for a in pool] for role, pool in people.items()}
    sizes = {"schools": School.objects.count(), "students": Student.objects.count()}

    peak, peak_rolls, consoles = None, [], None
    if not args.skip_peak:
        from bench import peak as peak_mod

        log(f"16:00 peak: preparing {args.peak_rolls} rolls of {args.peak_children} children")
        _term, peak_day, peak_rolls = peak_mod.prepare(rolls=args.peak_rolls, children=args.peak_children,
                                                       seed=args.seed)
        log(f"16:00 peak: {len(peak_rolls)} rolls on {peak_day}")
        watchers = []
        if args.console_schools:
            from bench import console_watch

            watchers = console_watch.prepare(day=peak_day, school_ids={r.school_id for r in peak_rolls},
                                             limit=args.console_schools)
            log(f"duty consoles: {len(watchers)} schools' duty leaders rostered on {peak_day}")
    poll, pollers = None, []
    if not args.skip_poll:
        from bench import poll as poll_mod

        pollers = poll_mod.prepare(parents=args.poll_parents, seed=args.seed)
        log(f"17:00 poll: {len(pollers)} parents of placed children signed in")
    log(f"gunicorn ({args.workers} workers) on {db}")
    g = Gunicorn(args, db)
    rows = []
    try:
        g.wait_ready()
        g.start_sampling()
        floor_t = TARGETS[0]
        for t in TARGETS[1:]:
            pool = sessions.get(t.role) or []
            if not pool:
                rows.append((t, None, None))
                continue
            floor_clients = [(k, floor_t.url(a)) for k, a in sessions["parent"]] or [(k, "/bench/floor/") for k, _ in pool]
            clients = [(k, t.url(a)) for k, a in pool]
            kw = {"cookie_name": settings.SESSION_COOKIE_NAME, "concurrency": args.users, "duration": args.duration,
                      "max_requests": args.max_requests}
            run_load(g.base, clients[:1], **{**kw, "concurrency": 1, "max_requests": 3, "headers": t.headers})  # warm up
            fl, pg = run_paired(g.base, floor_clients, clients, slices=args.slices, headers=t.headers, **kw)
            rows.append((t, fl, pg))
            log(f"{t.key}: p50 {ms(pg.pct(50))} ms (floor {ms(fl.pct(50))}), p95 {ms(pg.pct(95))} ms "
                f"(floor {ms(fl.pct(95))}), {pg.count} ok, {pg.errors} errors {pg.statuses}")
        if peak_rolls:
            log(f"16:00 peak: {len(peak_rolls)} rolls over {args.peak_window:g} s, {args.peak_concurrency} clients, "
                f"{args.peak_retry:.0%} of requests sent twice")
            watch_thread = None
            if watchers:
                def watch():
                    nonlocal consoles
                    consoles = console_watch.run(g.base, watchers, day=peak_day,
                                                 cookie_name=settings.SESSION_COOKIE_NAME,
                                                 interval=args.console_interval, duration=args.peak_window)
                watch_thread = threading.Thread(target=watch, daemon=True)
                watch_thread.start()
            peak = peak_mod.run(g.base, peak_rolls, cookie_name=settings.SESSION_COOKIE_NAME,
                                csrf_cookie=settings.CSRF_COOKIE_NAME, window=args.peak_window,
                                concurrency=args.peak_concurrency, retry=args.peak_retry,
                                floor_seconds=args.peak_floor_seconds, seed=args.seed)
            if watch_thread is not None:
                watch_thread.join()
                log(f"duty consoles: {consoles.console.count} refreshes, p50 {ms(consoles.console.pct(50))} ms "
                    f"(floor {ms(consoles.floor.pct(50))}), p95 {ms(consoles.console.pct(95))} ms "
                    f"(floor {ms(consoles.floor.pct(95))}), {consoles.console.errors} errors")
            log(f"16:00 peak: {peak.seconds:.1f} s, {peak.rolls_per_second:.1f} rolls/s, marks p50 "
                f"{ms(peak.marks.pct(50))} ms p95 {ms(peak.marks.pct(95))} ms (floor {ms(peak.floor.pct(50))} / "
                f"{ms(peak.floor.pct(95))}), duplicate marks {peak.duplicate_marks}, duplicate writes "
                f"{peak.duplicate_writes}, errors {peak.marks.errors + peak.submits.errors}")
        if pollers:
            log(f"17:00 poll: {len(pollers)} parents, each once per {args.poll_window:g} s, {args.poll_rounds} rounds")
            poll = poll_mod.run(g.base, pollers, cookie_name=settings.SESSION_COOKIE_NAME, window=args.poll_window,
                                rounds=args.poll_rounds, concurrency=args.poll_concurrency,
                                changes=args.poll_changes, seed=args.seed)
            for i, t in enumerate(poll.rounds):
                log(f"17:00 poll round {i + 1}: {poll.per_second(i):.0f}/s (offered {poll.offered_per_second:.0f}/s), "
                    f"p50 {ms(t.pct(50))} ms p95 {ms(t.pct(95))} ms, errors {t.errors} {dict(t.statuses)}")
    finally:
        g.stop()
        if peak_rolls:
            peak_mod.drop_floor_table()
    rushes = []
    if not args.skip_rush:
        from bench import rush as rush_mod

        for mode in [m.strip() for m in args.rush_modes.split(",") if m.strip()]:
            log(f"enrollment rush ({mode}): {args.rush_parents} parents, {args.rush_seats} seats, "
                f"{args.rush_concurrency} processes")
            r = rush_mod.run(parents=args.rush_parents, seats=args.rush_seats, concurrency=args.rush_concurrency,
                             batch=mode == "batch")
            rushes.append(r)
            log(f"rush ({mode}): {r.per_second:.1f} applications/s, p95 {ms(r.p(95))} ms, oversold {r.oversold}, "
                f"floor {r.floor_per_second:.0f} inserts/s, statuses {r.statuses}")
    report = render(args, db, desc, sizes, seed_out, qc_demo, qc_city, rows, g, rushes, MISSING,
                    time.monotonic() - started, weekly=weekly, peak=peak, consoles=consoles, poll=poll)
    print(report)
    if args.out != "-":
        Path(args.out).write_text(report)
        log(f"written to {args.out}")
    return 0


def render(args, db, desc, sizes, seed_out, qc_demo, qc_city, rows, g, rushes, missing, seconds, *, weekly=None,
           peak=None, consoles=None, poll=None) -> str:
    now = datetime.now(UTC)
    seed_line = next((ln for ln in seed_out.splitlines() if "rows/s" in ln), "(not recorded)")
    cmd = (f"python -m bench --scale {args.scale} --workers {args.workers} --users {args.users} "
           f"--duration {args.duration:g} --max-requests {args.max_requests} --slices {args.slices} --rush-parents {args.rush_parents} "
           f"--rush-seats {args.rush_seats} --rush-concurrency {args.rush_concurrency} "
           f"--peak-rolls {args.peak_rolls} --peak-children {args.peak_children} --peak-window {args.peak_window:g} "
           f"--peak-concurrency {args.peak_concurrency} --peak-retry {args.peak_retry:g}"
           + f" --poll-parents {args.poll_parents} --poll-window {args.poll_window:g} --poll-rounds {args.poll_rounds}"
           + (" --skip-rush" if args.skip_rush else "") + (" --skip-peak" if args.skip_peak else "")
           + (" --skip-poll" if args.skip_poll else "")
           + (" --skip-weekly" if args.skip_weekly else ""))
    out = [
        "# Performance",
        "",
        f"Generated by `python -m bench` on {now:%Y-%m-%d %H:%M} UTC (total {seconds:.0f} s). "
        "The machine is shared and noisy: the targets are ratios to a floor measured in the same run, "
        "or counts; absolute times are given beside them and are never the test.",
        "",
        "## How to reproduce",
        "",
        "```bash",
        "export BENCH_PG=postgres://postgres@127.0.0.1:5432/   # a PostgreSQL server (databases are created)",
        "export REDIS_URL=redis://127.0.0.1:6379/14",
        f"{cmd}     # or ./dev bench --scale ...",
        "```",
        "",
        f"The city database `{db}` is built by `manage.py seed_city --scale {args.scale} --seed {args.seed}` "
        f"when missing (`--reseed` rebuilds it); the demo database `{args.demo_db}` by `manage.py seed_demo`.",
        "",
        "## Machine",
        "",
        f"- CPU: {desc['cpu']}, {desc['cores']} cores (shared with other jobs; load average at start "
        f"{desc['load'][0]:.1f})",
        f"- memory {desc['memory']}; {desc['os']}",
        f"- Python {desc['python']}, Django {desc['django']}, PostgreSQL {desc['postgresql']}, "
        f"Redis {desc['redis']}, gunicorn {desc['gunicorn']} ({args.workers} sync workers) on 127.0.0.1",
        "",
        f"## Data (scale {args.scale})",
        "",
        f"{sizes['schools']:,} schools, {sizes['students']:,} students in `{db}`.",
        "",
        "Seed: `" + seed_line.strip() + "`",
        "",
        "```",
        seed_out.strip(),
        "```",
        "",
        f"## Pages and API: latency under {args.users} concurrent users",
        "",
        f"Each row: the floor (`/bench/floor/`: signed in, one query, a tiny template; it exists only under "
        f"`bench.settings`) and the page, each for up to {args.duration:g} s or {args.max_requests} requests, "
        + (f"in turns ({args.slices} slices of the floor, then the page, so that both meet the same minutes' load), "
           if args.slices > 1 else "one after the other, ")
        + "closed loop, keep-alive. Targets: p50 within 3× the floor's, p95 within 5×.",
        "",
        "| page | requests | p50 ms | floor p50 | p50 ratio | p95 ms | floor p95 | p95 ratio | errors | target |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for t, fl, pg in rows:
        if pg is None:
            out.append(f"| {t.label} | - | - | - | - | - | - | - | - | no user of this role in the data |")
            continue
        r50 = pg.pct(50) / fl.pct(50) if pg.pct(50) and fl.pct(50) else None
        r95 = pg.pct(95) / fl.pct(95) if pg.pct(95) and fl.pct(95) else None
        met = "met" if r50 is not None and r95 is not None and r50 <= 3 and r95 <= 5 and not pg.errors else "MISSED"
        out.append(f"| {t.label} | {pg.count} | {ms(pg.pct(50))} | {ms(fl.pct(50))} | {ratio(pg.pct(50), fl.pct(50))} "
                   f"| {ms(pg.pct(95))} | {ms(fl.pct(95))} | {ratio(pg.pct(95), fl.pct(95))} | {pg.errors} | {met} |")
    if peak is not None and peak.marks.count:
        fl, pk = peak.floor, peak.marks
        r50 = pk.pct(50) / fl.pct(50) if pk.pct(50) and fl.pct(50) else None
        r95 = pk.pct(95) / fl.pct(95) if pk.pct(95) and fl.pct(95) else None
        met = "met" if r50 is not None and r95 is not None and r50 <= 3 and r95 <= 5 and not pk.errors else "MISSED"
        out.append(f"| roll submission: {peak.children // max(peak.rolls, 1)} marks POSTed (the 16:00 peak, below; "
                   f"floor: a single-row write) | {pk.count} | {ms(pk.pct(50))} | {ms(fl.pct(50))} "
                   f"| {ratio(pk.pct(50), fl.pct(50))} | {ms(pk.pct(95))} | {ms(fl.pct(95))} "
                   f"| {ratio(pk.pct(95), fl.pct(95))} | {pk.errors} | {met} |")
    else:
        out.append("| roll submission | - | - | - | - | - | - | - | - | not measured: `--skip-peak` |")
    if poll is not None and len(poll.rounds) > 1 and poll.rounds[-1].count:
        fl, pl = poll.floor, poll.rounds[-1]
        r50 = pl.pct(50) / fl.pct(50) if pl.pct(50) and fl.pct(50) else None
        r95 = pl.pct(95) / fl.pct(95) if pl.pct(95) and fl.pct(95) else None
        met = "met" if r50 is not None and r95 is not None and r50 <= 3 and r95 <= 5 and not pl.errors else "MISSED"
        out.append(f"| today card: {poll.parents:,} parents polling once a minute at 17:00 (the 17:00 poll, below; "
                   f"warm round) | {pl.count} | {ms(pl.pct(50))} | {ms(fl.pct(50))} | {ratio(pl.pct(50), fl.pct(50))} "
                   f"| {ms(pl.pct(95))} | {ms(fl.pct(95))} | {ratio(pl.pct(95), fl.pct(95))} | {pl.errors} | {met} |")
    else:
        out.append("| today card (17:00 poll) | - | - | - | - | - | - | - | - | not measured: `--skip-poll` |")
    for label, why in missing:
        out.append(f"| {label} | - | - | - | - | - | - | - | - | not measured: {why} |")
    peak_rss = max(g.peak_kb.values(), default=0)
    out += [
        "",
        f"Peak RSS of a gunicorn worker over the run: **{peak_rss / 1024:.0f} MB** (target under 300 MB; "
        f"{len(g.peak_kb)} workers sampled every 0.5 s).",
        "",
        "## Queries per request",
        "",
        f"The same pages, the same kind of user, in the demo city (`seed_demo`) and at scale {args.scale}.",
        "",
        "| page | demo city | this scale | equal |",
        "|---|---|---|---|",
    ]
    from bench.targets import TARGETS

    for t in TARGETS:
        a, b = qc_demo.get(t.key, {}), qc_city.get(t.key, {})
        eq = "yes" if a.get("queries") is not None and a.get("queries") == b.get("queries") else "NO"
        out.append(f"| {t.label} | {a.get('queries')} (HTTP {a.get('status')}) | {b.get('queries')} "
                   f"(HTTP {b.get('status')}) | {eq} |")
    from bench.poll import render as render_poll

    out += render_weekly(weekly) + render_peak(peak, args) + render_consoles(consoles) + render_poll(poll, args)
    out += ["", "## Enrollment rush", ""]
    if not rushes:
        out.append("Not run (`--skip-rush`).")
    for rush in rushes:
        if rush.batch:
            how = (f"submitted and approved by the homeroom teacher at once (`application_submit` → "
                   f"`application_review`), then the allocation run once per school (`allocation_run`, "
                   f"the schools in parallel; {rush.apply_seconds:.1f} s applying, "
                   f"{rush.seconds - rush.apply_seconds:.1f} s allocating)")
            title, lat = "### Allocation when the window closes (batch)", "submit + review"
        else:
            how = ("each approved by the homeroom teacher and allocated at once, first come first served "
                   "(`application_submit` → `application_review` → `application_allocate`)")
            title, lat = "### Allocation as each application arrives (first come)", "submit + review + allocate"
        out += [
            title,
            "",
            f"{rush.parents:,} parents at {rush.schools} schools apply for a new term, {how}, from "
            f"{rush.concurrency} processes; {rush.seats} seats in all.",
            "",
            "| figure | value |",
            "|---|---|",
            f"| applications | {rush.parents:,} in {rush.seconds:.1f} s = **{rush.per_second:.1f} /s** |",
            f"| latency p50 / p95 ({lat}) | {ms(rush.p(50))} / {ms(rush.p(95))} ms |",
            f"| outcome | {', '.join(f'{k}: {v}' for k, v in sorted(rush.statuses.items()))} |",
            f"| seats taken / seats | {rush.placed} / {rush.seats} |",
            f"| **oversold seats** | **{rush.oversold}** |",
            f"| children with two open applications | {rush.duplicate_open} |",
            f"| floor: single-row insert transactions | {rush.parents:,} in {rush.floor_seconds:.1f} s = "
            f"{rush.floor_per_second:.0f} /s, p95 {ms(rush.floor_p(95))} ms |",
            f"| ratio floor / rush throughput | {ratio(rush.floor_per_second, rush.per_second)} |",
            "",
        ]
        if rush.errors:
            out += ["Errors (first 5):", ""] + [f"- `{e}`" for e in rush.errors[:5]] + [""]
    from bench.findings import FINDINGS

    out += ["", FINDINGS.rstrip()]
    not_measured = []
    if weekly is None:
        not_measured.append("- The weekly report: `--skip-weekly`.")
    if peak is None:
        not_measured.append("- The 16:00 peak and the roll submission: `--skip-peak`.")
    if not rushes:
        not_measured.append("- The enrollment rush: `--skip-rush`.")
    not_measured.append("- Queries per request of the roll submission (a marks POST): it writes one row and one "
                        "history row per mark, so it grows with the batch, not with the city; the peak above "
                        "measures it.")
    out += ["", "## Not measured in this run", "", *not_measured]
    return "\n".join(out) + "\n"


def render_weekly(w) -> list[str]:
    out = ["", "## The weekly report", ""]
    if w is None:
        return out + ["Not run (`--skip-weekly`)."]
    r = w.ratio
    met = "met" if r is not None and r <= 3 and w.max_rss_mb < 500 and w.built else "MISSED"
    how = "a correction of the published week" if w.correction else "the week's drafts"
    out += [
        f"The city's week {w.week} built by the Celery task `reports.tasks.build_weekly_reports` as a worker runs "
        f"it (`.apply()` in a child process: every section for every school, district, the city-direct group and "
        f"the city, then one transaction; {how}), beside the floor: one hand-written SQL aggregate over the same "
        f"week's {w.marks:,} marks (school × status, the median of {len(w.floor_runs)} runs in another child). "
        "Peak memory is the task process's own maximum resident set (`os.wait4`), Django and the app included. "
        "Targets: within 3× the floor; under 500 MB.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| reports built | {w.built}{' (refused: ' + w.refused + ')' if w.refused else ''} |",
        f"| task (median of {len(w.runs)} builds in one process; the first is a cold process) | "
        f"**{w.seconds:.2f} s** (runs: {', '.join(f'{x:.2f}' for x in w.runs)}) |",
        f"| floor: one SQL aggregate over the week's marks | {w.floor_seconds:.3f} s "
        f"(runs: {', '.join(f'{x:.3f}' for x in w.floor_runs)}) |",
        f"| ratio task / floor | **{ratio(w.seconds, w.floor_seconds)}** |",
        f"| peak RSS of the task's process | **{w.max_rss_mb:.0f} MB** ({w.rss_before_mb:.0f} MB before the build) |",
        f"| target | {met} |",
    ]
    return out


def render_consoles(c) -> list[str]:
    out = ["", "## The duty consoles at 17:00", ""]
    if c is None:
        return out + ["Not run (`--skip-peak` or `--console-schools 0`)."]
    r50, r95 = ratio(c.console.pct(50), c.floor.pct(50)), ratio(c.console.pct(95), c.floor.pct(95))
    return out + [
        f"{c.schools} schools' duty leaders keep the console open; it refreshes every {c.interval:g} s for "
        f"{c.duration:g} s while the 16:00 peak above posts its marks: the first request of each leader opens the "
        "page, the later ones are the page's own refresh of its figures and sessions (htmx, `HX-Target: "
        "console-live`, answered with that part alone). The floor (`/bench/floor/`) is requested on "
        "the same schedule by the same clients, so both are measured under the same load.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| consoles opened (the whole page, each leader's first request) | {c.opens.count:,} ok, "
        f"{c.opens.errors} errors; p50 / p95 {ms(c.opens.pct(50))} / {ms(c.opens.pct(95))} ms |",
        f"| console refreshes (the open page's htmx refresh of its figures) | {c.console.count:,} ok, "
        f"{c.console.errors} errors ({dict(c.console.statuses)}) |",
        f"| refresh p50 / p95 | {ms(c.console.pct(50))} / {ms(c.console.pct(95))} ms |",
        f"| floor p50 / p95 | {ms(c.floor.pct(50))} / {ms(c.floor.pct(95))} ms |",
        f"| ratio console / floor, p50 / p95 | {r50} / {r95} (targets 3× / 5×) |",
        f"| refreshes started late, p95 | {ms(percentile(c.lateness, 95))} ms |",
    ]


def render_peak(p, args) -> list[str]:
    out = ["", "## The 16:00 peak", ""]
    if p is None:
        return out + ["Not run (`--skip-peak`)."]
    each = p.children // max(p.rolls, 1)

    def pc(xs, q):
        return p._pct(xs, q)

    in_window = p.window <= 0 or p.seconds <= p.window + 60
    out += [
        f"{p.rolls:,} rolls of {each} children at {p.schools} schools (a new term's groups, one teacher each), "
        f"arriving evenly over {p.window:g} s on {p.concurrency} client threads, each doing what the roll page does: "
        "`POST /api/v1/rolls/{id}/marks/` with the page's JSON batch (a `client_id` per child, session and CSRF "
        "as the page sends them, no Idempotency-Key), then the submit button (`POST /attendance/rolls/{id}/`). "
        f"{p.retry:.0%} of the requests are sent a second time exactly as the first, half after the first answer "
        "(a lost answer), half at the same moment (a timeout). The floor: the same JSON body POSTed to "
        "`/bench/floor/write/` (signed in, CSRF, one single-row INSERT) at the same request rate and concurrency "
        f"for {p.floor_seconds:.0f} s.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| rolls submitted | {p.rolls_submitted:,} of {p.rolls:,} in **{p.seconds:.1f} s** (window {p.window:g} s: "
        f"{'met' if in_window else 'MISSED'}) |",
        f"| throughput | {p.rolls_per_second:.1f} rolls/s, {p.marks_per_second:,.0f} marks/s |",
        f"| marks POST: requests, p50 / p95 | {p.marks.count:,} ok, {p.marks.errors} errors; "
        f"{ms(p.marks.pct(50))} / {ms(p.marks.pct(95))} ms |",
        f"| submit POST: requests, p50 / p95 | {p.submits.count:,} ok, {p.submits.errors} errors; "
        f"{ms(p.submits.pct(50))} / {ms(p.submits.pct(95))} ms |",
        f"| floor: requests, p50 / p95 | {p.floor.count:,} ok, {p.floor.errors} errors; "
        f"{ms(p.floor.pct(50))} / {ms(p.floor.pct(95))} ms |",
        f"| ratio marks POST / floor, p50 / p95 | {ratio(p.marks.pct(50), p.floor.pct(50))} / "
        f"{ratio(p.marks.pct(95), p.floor.pct(95))} |",
        f"| a roll from its arrival to submitted, p50 / p95 | {ms(pc(p.completion, 50))} / "
        f"{ms(pc(p.completion, 95))} ms (started late by a busy client pool: p95 {ms(pc(p.lateness, 95))} ms) |",
        f"| requests sent twice | {p.retries_sent:,} ({p.retries_concurrent:,} at the same moment) |",
        f"| answers to the marks POSTs | {', '.join(f'{k} {v:,}' for k, v in sorted(p.outcomes.items()))} |",
        f"| marks in the database / expected | {p.marks_in_db:,} / {p.marks_expected:,} |",
        f"| **duplicate marks** (a child twice on a roll) | **{p.duplicate_marks}** |",
        f"| **writes of a resent batch** (history rows beyond one per mark) | **{p.duplicate_writes}** |",
    ]
    if p.errors:
        out += ["", "Errors (first 5):", ""] + [f"- `{e}`" for e in p.errors[:5]]
    return out
