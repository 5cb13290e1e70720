"""The 16:00 peak: thousands of teachers take their after-school roll within a few minutes.

Each roll is one teacher's tablet doing what the roll page does (`attendance/static/attendance/roll.js`
and `attendance/templates/attendance/roll.html`), over real HTTP against gunicorn:

1. `POST /api/v1/rolls/{id}/marks/` with the JSON list the page's outbox sends: one item per child,
   `{"student", "status", "client_id", "marked_at"}` (a new `client_id` per tap, the tablet's
   clock), session cookie and `X-CSRFToken`, no `Idempotency-Key` (the page sends none: the
   `client_id`s make a resent batch write nothing);
2. `POST /attendance/rolls/{id}/` with the form's CSRF token: the submit button (answered by a 302).

A fraction of the requests (`retry`, 10% by default) is sent again exactly as it was, as a tablet on
weak Wi-Fi does when the answer was lost: half of them once the first answer came back (a lost
answer), half at the same moment as the first (a timeout while the server was still working).

Arrivals are open loop: roll i starts at `window * i / n` seconds, whatever the server is doing, on a
pool of `concurrency` client threads (a roll that finds every thread busy starts late; the lateness
is reported). `window=0` starts them all at once (closed loop at `concurrency`).

The floor, in the same run: the same JSON body POSTed to `/bench/floor/write/` (signed in, CSRF
checked, one single-row INSERT in a transaction; it exists only under bench.settings) at the same
request rate and concurrency, for `floor_seconds` (or as many requests as the peak, closed loop).

Afterwards the database is asked: marks per roll and child (must be one), history rows beyond the
first per mark (a resent batch that wrote again; must be zero), rolls submitted.
"""
from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from .common import Timings, floor_table_create, floor_table_drop, percentile, run_paced, schedule

FLOOR_TABLE = "bench_floor_write"
PEAK_PREFIX = "Peak "


@dataclass
class PeakRoll:
    roll_id: int
    school_id: int
    teacher_id: int
    children: list[int]
    session_key: str = ""
    csrf: str = ""


@dataclass
class PeakResult:
    rolls: int = 0
    children: int = 0
    schools: int = 0
    window: float = 0.0
    concurrency: int = 0
    retry: float = 0.0
    seconds: float = 0.0  # first roll started -> last roll submitted
    marks: Timings = field(default_factory=Timings)
    submits: Timings = field(default_factory=Timings)
    floor: Timings = field(default_factory=Timings)
    floor_seconds: float = 0.0
    retries_sent: int = 0
    retries_concurrent: int = 0
    lateness: list = field(default_factory=list)  # seconds a roll started after its scheduled time
    completion: list = field(default_factory=list)  # scheduled start -> submitted
    outcomes: Counter = field(default_factory=Counter)  # created/updated/unchanged/stale over all answers
    marks_in_db: int = 0
    marks_expected: int = 0
    duplicate_marks: int = 0  # (roll, child) with more than one mark row
    duplicate_writes: int = 0  # history rows beyond one per mark: a resent batch that wrote again
    rolls_submitted: int = 0
    errors: list = field(default_factory=list)

    @property
    def requests(self) -> int:
        return self.marks.count + self.marks.errors + self.submits.count + self.submits.errors

    @property
    def rolls_per_second(self) -> float:
        return self.rolls / self.seconds if self.seconds else 0.0

    @property
    def marks_per_second(self) -> float:
        return self.marks_expected / self.seconds if self.seconds else 0.0

    @staticmethod
    def _pct(xs, p):
        return percentile(xs, p)


# --- preparing the rolls ------------------------------------------------------------------------
def prepare(*, rolls: int, children: int = 25, seed: int = 2026) -> tuple[object, object, list[PeakRoll]]:
    """A new term after the last one, with `rolls` after-school groups of `children` children each
    (one teacher per group, spread over the schools by code; every child placed once, then, when the
    schools' children do not divide into enough whole rolls, a few on a second roll), and one open
    roll per group on the term's first day. Sessions and CSRF tokens for the teachers."""
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import RoleAssignment
    from accounts.roles import Role
    from attendance.models import Roll
    from enrollment.models import Application, ParentLetter, Placement, ServiceGroup, Session
    from schools.models import Guardianship, School, Student, Term

    last = Term.objects.order_by("-end_date").first()
    start = (last.end_date if last else timezone.localdate()) + timedelta(days=7)
    start -= timedelta(days=start.weekday())
    now = timezone.now()
    with transaction.atomic():
        term = Term.objects.create(name=f"{PEAK_PREFIX}{now:%Y%m%d-%H%M%S}", start_date=start,
                                   end_date=start + timedelta(weeks=18, days=-3))
        day = start
        guardian = {}
        for student_id, guardian_id in (Guardianship.objects.filter(active=True).order_by("student_id", "pk")
                                        .values_list("student_id", "guardian_id")):
            guardian.setdefault(student_id, guardian_id)
        per_school = []
        for school in School.objects.filter(active=True).order_by("code"):
            kids = [s for s in Student.objects.filter(school=school, status=Student.Status.ENROLLED)
                    .order_by("pk").values_list("pk", flat=True) if s in guardian]
            teachers = list(RoleAssignment.objects.filter(school=school, role=Role.TEACHER, active=True,
                                                          user__is_active=True)
                            .order_by("user_id").values_list("user_id", flat=True).distinct())
            n = min(len(kids) // children, len(teachers))
            if n:
                per_school.append([school, kids, teachers, n, 0])
        plan: list[tuple] = []  # (school, teacher, kids)
        while len(plan) < rolls and any(s[4] < s[3] for s in per_school):
            for entry in per_school:
                school, kids, teachers, n, used = entry
                if used < n and len(plan) < rolls:
                    plan.append((school, teachers[used], kids[used * children:(used + 1) * children]))
                    entry[4] += 1
        # The city's children do not divide into whole rolls school by school (scale 1.0: 75,000
        # children, 2,933 disjoint rolls of 25): the remaining rolls take each school's leftover
        # children and, to fill up, children already on a roll, with a teacher still free.
        extra = 0
        for entry in per_school:
            school, kids, teachers, n, used = entry
            left = kids[used * children:]
            while len(plan) < rolls and used < len(teachers) and len(kids) >= children:
                take = (left + kids)[:children]
                left = left[children:]
                plan.append((school, teachers[used], take))
                used += 1
                extra += 1
            entry[4] = used
        principals = dict(RoleAssignment.objects.filter(role=Role.PRINCIPAL, active=True, school__isnull=False)
                          .order_by("-pk").values_list("school_id", "user_id"))
        letters = {}
        for school, teacher, _kids in plan:
            if school.pk not in letters:
                letters[school.pk] = ParentLetter(
                    school=school, term=term, version=1, title="高峰测试", service_scope="-", times="16:00-17:30",
                    content="-", safety_measures="-", published_by_id=principals.get(school.pk) or teacher)
        ParentLetter.objects.bulk_create(letters.values())
        groups, apps, seats = [], {}, []
        for k, (school, teacher, kids) in enumerate(plan):
            g = school.grade_range
            groups.append(ServiceGroup(school=school, term=term, name=f"高峰组{k + 1}", session=Session.AFTER_SCHOOL,
                                       grade_from=min(g), grade_to=max(g), weekdays=[1, 2, 3, 4, 5],
                                       capacity=children, teacher_id=teacher))
            for sid in kids:
                if sid not in apps:  # one application per child and term; a second roll is a second seat
                    apps[sid] = Application(
                        student_id=sid, term=term, school=school, sessions=[Session.AFTER_SCHOOL],
                        weekdays=[1, 2, 3, 4, 5], letter=letters[school.pk], letter_version=1,
                        letter_acknowledged_at=now, status=Application.Status.PLACED,
                        submitted_by_id=guardian[sid], submitted_at=now)
                seats.append((sid, k))
        ServiceGroup.objects.bulk_create(groups, batch_size=2000)
        Application.objects.bulk_create(list(apps.values()), batch_size=5000)
        Placement.objects.bulk_create([Placement(application=apps[sid], group=groups[k], reason="peak")
                                       for sid, k in seats], batch_size=5000)
        roll_objs = Roll.objects.bulk_create([
            Roll(school=g.school, date=day, kind=Roll.Kind.GROUP, session=Roll.Session.AFTER_SCHOOL, group=g,
                 name=g.name, starts_at="16:00", ends_at="17:30", teacher_id=g.teacher_id) for g in groups],
            batch_size=2000)
    floor_table_create(FLOOR_TABLE)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    from bench.users import new_csrf, session_cookies

    keys = session_cookies(sorted({t for _s, t, _k in plan}))
    out = [PeakRoll(roll_id=r.pk, school_id=r.school_id, teacher_id=r.teacher_id,
                    children=list(kids), session_key=keys[r.teacher_id], csrf=new_csrf())
           for r, (_s, _t, kids) in zip(roll_objs, plan, strict=True)]
    return term, day, out


def payload(roll: PeakRoll, rng: random.Random, marked_at: str) -> list[dict]:
    """What the page's outbox sends after "All present" and a few taps: one item per child."""
    items = []
    for sid in roll.children:
        r = rng.random()
        status = "absent" if r < 0.02 else "leave" if r < 0.05 else "late" if r < 0.07 else "present"
        items.append({"student": sid, "status": status, "client_id": f"{rng.getrandbits(128):032x}",
                      "marked_at": marked_at})
    return items


# --- the load -----------------------------------------------------------------------------------
class _Tablet:
    def __init__(self, base: str, roll: PeakRoll, cookie_name: str, csrf_cookie: str):

        self.base = base
        self.roll = roll
        # The cookies go in a header of their own: a cookie jar would not send them to "localhost"
        # (the test server's host), and the server never changes them during a roll.
        self.cookie = f"{cookie_name}={roll.session_key}; {csrf_cookie}={roll.csrf}"
        self.session = self.new_session()

    def new_session(self):
        import requests

        s = requests.Session()
        s.headers["Cookie"] = self.cookie
        return s

    def post_json(self, path: str, body: str, session=None):
        s = session or self.session
        t0 = time.perf_counter()
        try:
            r = s.post(self.base + path, data=body, timeout=120, allow_redirects=False,
                       headers={"Content-Type": "application/json", "Accept": "application/json",
                                "X-CSRFToken": self.roll.csrf, "Referer": self.base + "/"})
            return r.status_code, time.perf_counter() - t0, r
        except Exception as exc:  # noqa: BLE001 - counted, never hidden
            return -1, time.perf_counter() - t0, exc

    def post_form(self, path: str, data: dict, session=None):
        s = session or self.session
        t0 = time.perf_counter()
        try:
            r = s.post(self.base + path, data={**data, "csrfmiddlewaretoken": self.roll.csrf}, timeout=120,
                       allow_redirects=False, headers={"Referer": self.base + "/"})
            return r.status_code, time.perf_counter() - t0, r
        except Exception as exc:  # noqa: BLE001
            return -1, time.perf_counter() - t0, exc


def run(base: str, rolls: list[PeakRoll], *, cookie_name: str, csrf_cookie: str, window: float = 300.0,
        concurrency: int = 32, retry: float = 0.1, floor_seconds: float = 60.0, seed: int = 2026) -> PeakResult:
    from django.utils import timezone

    res = PeakResult(rolls=len(rolls), children=sum(len(r.children) for r in rolls),
                     schools=len({r.school_id for r in rolls}), window=window, concurrency=concurrency, retry=retry)
    rng = random.Random(seed)
    marked_at = timezone.now().isoformat()
    bodies = {r.roll_id: json.dumps(payload(r, rng, marked_at)) for r in rolls}
    # Which requests are resent, and how: decided up front (deterministic for the seed).
    plans = {r.roll_id: (rng.random() < retry and rng.choice(("after", "concurrent")),
                         rng.random() < retry and rng.choice(("after", "concurrent"))) for r in rolls}
    lock = threading.Lock()

    def record(timings: Timings, code: int, took: float, ok: tuple, what: str):
        with lock:
            timings.statuses[code] += 1
            if code in ok:
                timings.latencies.append(took)
            else:
                timings.errors += 1
                if len(res.errors) < 20:
                    res.errors.append(f"{what}: HTTP {code}")

    def send(tablet: _Tablet, how, fn, timings: Timings, ok, what):
        """One request, and its copy when it is resent."""
        if how == "concurrent":
            twin = {}

            def again():
                twin["r"] = fn(tablet.new_session())

            t = threading.Thread(target=again)
            t.start()
            first = fn(None)
            t.join()
            answers = [first, twin["r"]]
        else:
            answers = [fn(None)]
            if how == "after":
                answers.append(fn(None))
        if how:
            with lock:
                res.retries_sent += 1
                res.retries_concurrent += how == "concurrent"
        for code, took, _r in answers:
            record(timings, code, took, ok, what)
        return answers

    # Floor first, at the same request rate and concurrency.
    first = rolls[0] if rolls else None
    if first is not None:
        n_floor = len(rolls) * 2 if window <= 0 else max(1, round(2 * (1 + retry) * len(rolls) / window
                                                                   * floor_seconds))
        floor_body = bodies[first.roll_id]
        floor_rolls = [rolls[i % len(rolls)] for i in range(n_floor)]
        floor_window = 0.0 if window <= 0 else floor_seconds

        def floor_job(roll, _at):
            tablet = _Tablet(base, roll, cookie_name, csrf_cookie)
            code, took, _r = tablet.post_json("/bench/floor/write/", floor_body)
            record(res.floor, code, took, (200,), "floor")

        res.floor_seconds, _late = run_paced(floor_rolls, schedule(n_floor, floor_window), concurrency, floor_job)

    def roll_job(roll: PeakRoll, at: float):
        tablet = _Tablet(base, roll, cookie_name, csrf_cookie)
        how_marks, how_submit = plans[roll.roll_id]
        body = bodies[roll.roll_id]
        answers = send(tablet, how_marks, lambda s: tablet.post_json(f"/api/v1/rolls/{roll.roll_id}/marks/", body, s),
                       res.marks, (200,), "marks")
        for code, _took, r in answers:
            if code == 200:
                out = r.json()
                with lock:
                    for k in ("created", "updated", "unchanged", "stale"):
                        res.outcomes[k] += out.get(k, 0)
        send(tablet, how_submit, lambda s: tablet.post_form(f"/attendance/rolls/{roll.roll_id}/", {}, s),
             res.submits, (302,), "submit")
        with lock:
            res.completion.append(time.monotonic() - at)

    res.seconds, res.lateness = run_paced(rolls, schedule(len(rolls), window), concurrency, roll_job)
    check(res, rolls)
    return res


def check(res: PeakResult, rolls: list[PeakRoll]) -> None:
    """Count what the database holds for the peak's rolls."""
    from django.db.models import Count

    from attendance.models import Mark, Roll

    ids = [r.roll_id for r in rolls]
    res.marks_expected = sum(len(r.children) for r in rolls)
    marks = Mark.objects.filter(roll_id__in=ids)
    res.marks_in_db = marks.count()
    res.duplicate_marks = (marks.values("roll_id", "student_id").annotate(n=Count("pk")).filter(n__gt=1).count())
    history = Mark.history.filter(roll_id__in=ids).count()
    res.duplicate_writes = history - res.marks_in_db
    res.rolls_submitted = Roll.objects.filter(pk__in=ids, status=Roll.Status.SUBMITTED).count()


def drop_floor_table() -> None:
    floor_table_drop(FLOOR_TABLE)
