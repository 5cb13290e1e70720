"""Where each role lands after signing in: what that person does most.

Apps add or replace entries as their pages land (attendance sends teachers to today's rolls,
reports sends the bureau to the city dashboard). The first matching role, in this order, wins.
"""
from collections.abc import Callable

from django.urls import reverse

from .roles import Role
from .scoping import Scope


def _school_page(scope: Scope, *roles: str) -> str | None:
    ids = sorted(scope.schools_with(*roles))
    return reverse("schools:detail", args=[ids[0]]) if ids else None


#: (role, function(scope) -> url or None), in priority order.
HOME_BY_ROLE: list[tuple[str, Callable[[Scope], str | None]]] = [
    (Role.ADMIN, lambda s: reverse("schools:list")),
    (Role.BUREAU, lambda s: reverse("schools:list")),
    (Role.DISTRICT, lambda s: reverse("schools:list")),
    (Role.PRINCIPAL, lambda s: _school_page(s, Role.PRINCIPAL)),
    (Role.MORAL_ED, lambda s: _school_page(s, Role.MORAL_ED)),
    (Role.ACADEMIC, lambda s: _school_page(s, Role.ACADEMIC)),
    (Role.DUTY_LEADER, lambda s: _school_page(s, Role.DUTY_LEADER)),
    (Role.HOMEROOM, lambda s: _school_page(s, Role.HOMEROOM)),
    (Role.TEACHER, lambda s: _school_page(s, Role.TEACHER)),
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
