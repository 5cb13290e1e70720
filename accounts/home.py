"""Where each role lands after signing in: what that person does most.

Staff land on their workbench (`accounts.workbench`: what waits for them, a section per role, each
count linking to its page). Apps may add or replace entries (enrollment sends parents to their
children's service). The first matching role, in this order, wins.
"""
from collections.abc import Callable

from django.urls import reverse

from .roles import Role
from .scoping import Scope


def _workbench(scope: Scope) -> str:
    return reverse("accounts:workbench")


#: (role, function(scope) -> url or None), in priority order.
HOME_BY_ROLE: list[tuple[str, Callable[[Scope], str | None]]] = [
    (Role.ADMIN, lambda s: reverse("schools:list")),
    (Role.BUREAU, _workbench),
    (Role.DISTRICT, _workbench),
    (Role.PRINCIPAL, _workbench),
    (Role.MORAL_ED, _workbench),
    (Role.ACADEMIC, _workbench),
    (Role.DUTY_LEADER, _workbench),
    (Role.HOMEROOM, _workbench),
    (Role.TEACHER, _workbench),
    (Role.PARENT, lambda s: reverse("schools:my_children")),
]


def home_url_for(scope: Scope) -> str | None:
    for role, build in HOME_BY_ROLE:
        if scope.has_role(role):
            url = build(scope)
            if url:
                return url
    return None


def set_home(role: str, build: Callable[[Scope], str | None]) -> None:
    """Replace the landing page of a role (called from an app's ready())."""
    for i, (r, _) in enumerate(HOME_BY_ROLE):
        if r == role:
            HOME_BY_ROLE[i] = (role, build)
            return
    HOME_BY_ROLE.append((role, build))
