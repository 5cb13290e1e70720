"""The pages and endpoints measured, with who requests them (see bench.users.actors)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    role: str
    url: Callable  # (actor) -> path
    #: request headers, as (name, value) pairs (an htmx refresh names its target)
    headers: tuple = ()

    @property
    def wsgi_headers(self) -> dict:
        """`headers` as Django's test client takes them (`HTTP_HX_TARGET=...`)."""
        return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in self.headers}


def _user(actor):
    return actor[0] if isinstance(actor, tuple) else actor


TARGETS = [
    Target("floor", "floor: one query, tiny template", "parent", lambda a: "/bench/floor/"),
    Target("parent_home", "parent's home (/enrollment/)", "parent", lambda a: "/enrollment/"),
    Target("apply", "apply page (GET)", "parent", lambda a: f"/enrollment/apply/{a[1].pk}/"),
    Target("homeroom_queue", "homeroom queue", "homeroom", lambda a: "/enrollment/queue/"),
    Target("student_api", "student list API (principal, page 1)", "principal", lambda a: "/api/v1/students/"),
    Target("bureau_schools", "bureau: school list", "bureau", lambda a: "/schools/"),
    Target("bureau_incidents", "bureau: incident list", "bureau", lambda a: "/safety/"),
    Target("roll_page", "teacher's roll page for a group of 60", "roll_teacher",
           lambda a: f"/attendance/rolls/{a[1].pk}/"),
    Target("duty_console", "duty leader's console (a school's service day)", "duty_leader",
           lambda a: f"/attendance/console/{a[1]}/?date={a[2].isoformat()}"),
    Target("duty_console_refresh", "duty leader's console: the open page's refresh of its figures (htmx)",
           "duty_leader", lambda a: f"/attendance/console/{a[1]}/?date={a[2].isoformat()}",
           (("HX-Request", "true"), ("HX-Target", "console-live"))),
    Target("pickup_code", "parent: today's pickup code of a child (digits and QR)", "parent",
           lambda a: f"/attendance/pickup-code/{a[1].pk}/"),
    Target("my_hours", "teacher's own service hours (month by month)", "roll_teacher",
           lambda a: "/attendance/hours/mine/"),
    Target("statements", "principal: the monthly hours statements", "principal", lambda a: "/attendance/statements/"),
    Target("bureau_dashboard", "bureau dashboard (the city's weekly coverage report)", "bureau",
           lambda a: "/reports/city/"),
]

#: Pages not measured by the page phase, and why. The roll submission is the 16:00 peak (bench.peak):
#: its row in the page table comes from there.
MISSING: list[tuple[str, str]] = [
    ("teacher's today page (/attendance/)",
     "not yet comparable: the demo's and the generated city's teachers hold different school-wide roles "
     "(the demo's biggest roll belongs to its duty leader), and the page shows a school-wide teacher the "
     "school's rolls too, so the two cities' counts differ for that reason, not per row; its own test "
     "(tests/attendance/test_query_counts.py) counts it constant for 10 and 60 children"),
]


def user_of(actor):
    return _user(actor)
