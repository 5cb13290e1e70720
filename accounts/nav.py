"""The navigation bar, filled by each app in its AppConfig.ready().

An app calls `register_nav(label, url_name, roles=..., order=...)`; the header shows an entry to
users holding any of its roles (or every signed-in user when `roles` is empty). Apps do not edit
the base template to add a link.
"""
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy translation
    url_name: str
    roles: frozenset
    order: int


NAV_ITEMS: list[NavItem] = []


def register_nav(label, url_name: str, *, roles=(), order: int = 50) -> None:
    if any(item.url_name == url_name for item in NAV_ITEMS):
        return
    NAV_ITEMS.append(NavItem(label=label, url_name=url_name, roles=frozenset(roles), order=order))
    NAV_ITEMS.sort(key=lambda item: item.order)


def nav_for(scope) -> list[tuple[str, str]]:
    items = []
    for item in NAV_ITEMS:
        if item.roles and not scope.has_role(*item.roles):
            continue
        try:
            items.append((item.label, reverse(item.url_name)))
        except NoReverseMatch:
            continue
    return items
