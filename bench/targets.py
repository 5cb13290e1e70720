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
]

#: Not measurable yet: they belong to apps that have not landed on this branch (attendance, reports).
MISSING = [
    ("teacher's roll page for a group of 60", "attendance not merged into this branch yet"),
    ("roll submission", "attendance not merged into this branch yet"),
    ("duty leader's console", "attendance not merged into this branch yet"),
    ("bureau dashboard (coverage report)", "reports not merged into this branch; the bureau's school list is measured instead"),
]


def user_of(actor):
    return _user(actor)
