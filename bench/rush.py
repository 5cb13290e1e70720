"""The enrollment rush: many parents apply at once for groups with few seats; each application is
submitted by the parent, approved by the homeroom teacher and allocated at once
(`application_submit` → `application_review` → `application_allocate`, the services the pages and
the API call), from `concurrency` processes, each with its own database connection.

The floor is the same number of plain single-row inserts, each in its own transaction, from the
same number of processes.
"""
from __future__ import annotations

import multiprocessing as mp
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from .common import floor_table_create, floor_table_drop, floor_table_insert, in_thread, percentile

FLOOR_TABLE = "bench_floor_insert"


@dataclass
class RushResult:
    parents: int = 0
    seats: int = 0
    concurrency: int = 0
    seconds: float = 0.0
    latencies: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    placed: int = 0
    oversold: int = 0
    duplicate_open: int = 0
    floor_seconds: float = 0.0
    floor_latencies: list = field(default_factory=list)
    schools: int = 0
    batch: bool = False
    apply_seconds: float = 0.0
    allocations: list = field(default_factory=list)  # (seconds, {"placed", "waitlisted"}) per school

    @staticmethod
    def _pct(xs, p):
        return percentile(xs, p)

    @property
    def per_second(self) -> float:
        return self.parents / self.seconds if self.seconds else 0.0

    @property
    def floor_per_second(self) -> float:
        return self.parents / self.floor_seconds if self.floor_seconds else 0.0

    def p(self, q):
        return self._pct(self.latencies, q)

    def floor_p(self, q):
        return self._pct(self.floor_latencies, q)


def prepare(*, parents: int, seats: int):
    """A new future term with a letter and one after-school group per school (seats shared out by
    head-count), and `parents` children (one guardian each) at the last schools by code (pages are measured at the first ones)."""
    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import RoleAssignment
    from accounts.roles import Role
    from enrollment.models import ParentLetter, ServiceGroup, Session
    from schools.models import Guardianship, School, Student, Term

    last = Term.objects.order_by("-end_date").first()
    start = (last.end_date if last else timezone.localdate()) + timedelta(days=7)
    term = Term.objects.create(name=f"Rush {timezone.now():%Y%m%d-%H%M%S}", start_date=start,
                               end_date=start + timedelta(weeks=18))
    picked: list[tuple[int, int, int, int]] = []  # student, guardian, homeroom, school
    per_school: dict[int, int] = defaultdict(int)
    used_guardians: set[int] = set()
    for school in School.objects.annotate(n=Count("students")).filter(n__gt=0).order_by("-code"):
        homeroom_ok = set(RoleAssignment.objects.filter(school=school, role=Role.HOMEROOM, active=True)
                          .values_list("user_id", flat=True))
        links = (Guardianship.objects.filter(student__school=school, active=True,
                                             student__status=Student.Status.ENROLLED)
                 .select_related("student__homeroom_class").order_by("student_id", "pk"))
        seen_students = set()
        for g in links.iterator():
            hr = g.student.homeroom_class.homeroom_teacher_id
            if g.student_id in seen_students or g.guardian_id in used_guardians or hr not in homeroom_ok:
                continue
            seen_students.add(g.student_id)
            used_guardians.add(g.guardian_id)
            picked.append((g.student_id, g.guardian_id, hr, school.pk))
            per_school[school.pk] += 1
            if len(picked) == parents:
                break
        if len(picked) == parents:
            break
    letters, groups = {}, []
    schools = School.objects.in_bulk(list(per_school))
    remaining = seats
    ids = sorted(per_school)
    for i, sid in enumerate(ids):
        school = schools[sid]
        principal = RoleAssignment.objects.filter(school=school, role=Role.PRINCIPAL).values_list(
            "user_id", flat=True).first()
        letters[sid] = ParentLetter.objects.create(
            school=school, term=term, version=1, title="Rush letter", service_scope="-", times="-", content="-",
            safety_measures="-", published_by_id=principal)
        cap = remaining if i == len(ids) - 1 else max(1, round(seats * per_school[sid] / len(picked)))
        cap = min(cap, remaining)
        remaining -= cap
        g = school.grade_range
        groups.append(ServiceGroup.objects.create(
            school=school, term=term, name="Rush group", session=Session.AFTER_SCHOOL, grade_from=min(g),
            grade_to=max(g), weekdays=[1, 2, 3, 4, 5], capacity=max(cap, 1)))
    tasks = [(s, gd, hr, letters[sc].pk, term.pk) for s, gd, hr, sc in picked]
    return term, tasks, groups


def _init_worker():
    import django

    django.setup()


def _apply_one(task):
    return _rush_one(task, allocate=False)


def _allocate_school(args):
    """The moral-education office (or the principal) runs the allocation for one school."""
    from django.contrib.auth import get_user_model

    from accounts.models import RoleAssignment
    from accounts.roles import Role
    from enrollment import services
    from schools.models import School, Term

    school_id, term_id = args
    t0 = time.perf_counter()
    by_id = (RoleAssignment.objects.filter(school_id=school_id, role__in=[Role.MORAL_ED, Role.PRINCIPAL], active=True)
             .order_by("role").values_list("user_id", flat=True).first())
    out = services.allocation_run(school=School.objects.get(pk=school_id), term=Term.objects.get(pk=term_id),
                                  by=get_user_model().objects.get(pk=by_id))
    return time.perf_counter() - t0, out


def _rush_one(task, allocate=True):
    from django.contrib.auth import get_user_model

    from enrollment import services
    from enrollment.models import ParentLetter
    from schools.models import Student, Term

    student_id, guardian_id, homeroom_id, letter_id, term_id = task
    User = get_user_model()
    t0 = time.perf_counter()
    try:
        student = Student.objects.select_related("school").get(pk=student_id)
        term = Term.objects.get(pk=term_id)
        letter = ParentLetter.objects.get(pk=letter_id)
        app = services.application_submit(by=User.objects.get(pk=guardian_id), student=student, term=term,
                                          sessions=["after_school"], weekdays=[1, 2, 3, 4, 5], letter=letter,
                                          letter_acknowledged=True)
        app = services.application_review(application=app, by=User.objects.get(pk=homeroom_id), decision="approve")
        if allocate:
            app = services.application_allocate(application=app)
        return time.perf_counter() - t0, app.status, ""
    except Exception as exc:  # reported, never hidden
        return time.perf_counter() - t0, "error", f"{type(exc).__name__}: {exc}"[:200]


def _floor_one(i):
    t0 = time.perf_counter()
    floor_table_insert(FLOOR_TABLE, i)
    return time.perf_counter() - t0


def _apply_in_thread(task):
    return in_thread(_apply_one, task)


def _allocate_in_thread(args):
    return in_thread(_allocate_school, args)


def _rush_in_thread(task):
    return in_thread(_rush_one, task)


def _floor_in_thread(i):
    return in_thread(_floor_one, i)


def run(*, parents: int = 2000, seats: int = 500, concurrency: int = 16, timeout: float = 600,
        threads: bool = False, batch: bool = False) -> RushResult:
    """`batch=False`: each application is allocated as soon as it is approved (first come, first
    served: `application_allocate`). `batch=True`: applications are submitted and approved at
    once, then the allocation runs once per school (`allocation_run`, as the moral-education
    office does when the window closes), the schools in parallel.

    `threads=True` runs the same work in threads of this process (for tests, where the test
    database exists only for this process); the benchmark uses processes."""
    from django.db import connections
    from django.db.models import Count, Q

    from enrollment.models import Application, ServiceGroup

    term, tasks, groups = prepare(parents=parents, seats=seats)
    floor_table_create(FLOOR_TABLE)
    res = RushResult(parents=len(tasks), seats=sum(g.capacity for g in groups), concurrency=concurrency,
                     schools=len(groups), batch=batch)
    if threads:
        from multiprocessing.pool import ThreadPool

        pool_cm, floor_fn = ThreadPool(concurrency), _floor_in_thread
        rush_fn, alloc_fn = (_apply_in_thread if batch else _rush_in_thread), _allocate_in_thread
    else:
        connections.close_all()  # the children open their own connections
        pool_cm = mp.get_context("fork").Pool(concurrency, initializer=_init_worker)
        floor_fn, rush_fn, alloc_fn = _floor_one, (_apply_one if batch else _rush_one), _allocate_school
    with pool_cm as pool:
        # Floor first: plain single-row inserts at the same concurrency.
        t0 = time.monotonic()
        res.floor_latencies = pool.map_async(floor_fn, range(len(tasks)), chunksize=1).get(timeout)
        res.floor_seconds = time.monotonic() - t0
        t0 = time.monotonic()
        out = pool.map_async(rush_fn, tasks, chunksize=1).get(timeout)
        if batch:
            res.apply_seconds = time.monotonic() - t0
            res.allocations = pool.map_async(alloc_fn, [(g.school_id, term.pk) for g in groups],
                                             chunksize=1).get(timeout)
        res.seconds = time.monotonic() - t0
    if batch:  # the applications' final status after the allocation
        final = dict(Application.objects.filter(term=term).values_list("student_id", "status"))
        out = [(took, final.get(task[0], status) if status != "error" else status, err)
               for (took, status, err), task in zip(out, tasks, strict=True)]
    for took, status, err in out:
        res.statuses[status] = res.statuses.get(status, 0) + 1
        if status == "error":
            res.errors.append(err)
        else:
            res.latencies.append(took)
    counts = ServiceGroup.objects.filter(term=term).annotate(n=Count("placements", filter=Q(placements__active=True)))
    res.placed = sum(g.n for g in counts)
    res.oversold = sum(max(0, g.n - g.capacity) for g in counts)
    res.duplicate_open = (Application.objects.filter(term=term, status__in=Application.OPEN_STATUSES)
                          .values("student").annotate(n=Count("id")).filter(n__gt=1).count())
    floor_table_drop(FLOOR_TABLE)
    return res
