from functools import lru_cache

from django.utils.functional import SimpleLazyObject

from .nav import ADMIN_LINK, nav_for, nav_groups
from .scoping import scope_of
from .workbench import has_workbench


def _active(groups, path: str) -> None:
    """Mark the entry whose address is the longest prefix of the page's (a page under /safety/ is in
    the safety entry) and its group."""
    best = None
    for group in groups:
        for link in group.links:
            link.active = False
            if link.url != "/" and path.startswith(link.url) and (best is None or len(link.url) > len(best[1].url)):
                best = (group, link)
        group.active = False
    if best:
        best[0].active = best[1].active = True


def _badges(groups, badges: dict) -> None:
    for group in groups:
        total, tone = 0, ""
        for link in group.links:
            badge = badges.get(link.url_name) or {}
            link.count, link.tone = badge.get("count", 0), badge.get("tone", "")
            total += link.count
            if link.count and (not tone or link.tone == "danger"):
                tone = link.tone
        group.count, group.tone = total, tone


def roles(request):
    """The signed-in user's scope and navigation for the header: staff see the groups of
    `accounts.nav` with the workbench's counts as badges (rendered here when the page already computed
    them, else fetched once by static/js/app.js from `accounts:workbench_counts`), parents a flat list.

    The navigation is the same for everyone with the same roles, language, current entry and unread
    count, so without badges it is rendered once per process for each of these (`_nav_html`, an LRU:
    the entries change only with the code); with badges (the workbench) it is rendered for the
    request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_of(user)
    staff = scope.is_staff_member or user.is_staff
    badges = getattr(request, "nav_badges", None) if staff else None
    context = {"user_scope": scope}
    if staff:
        context["nav_badges_pending"] = badges is None and has_workbench(scope)

    def render_nav():
        from django.utils.translation import get_language

        from notices.unread import unread_for

        key = (scope.roles, staff, user.is_staff)
        if badges is not None:
            return _render_nav(key, request.path, unread_for(request), badges)
        return _nav_html(key, get_language(), _active_url(key, request.path), unread_for(request))

    context["nav_html"] = SimpleLazyObject(render_nav)
    return context


def _groups(key):
    """(groups, None) for staff, (None, flat entries) for the others; `key` is (roles, staff, is_staff)."""
    from types import SimpleNamespace

    from django.urls import reverse

    roles, staff, is_staff = key
    scope = SimpleNamespace(has_role=lambda *wanted: bool(roles.intersection(wanted)))
    if not staff:
        return None, nav_for(scope)
    extra = [(ADMIN_LINK[0], reverse(ADMIN_LINK[1]), ADMIN_LINK[1], ADMIN_LINK[2])] if is_staff else []
    return nav_groups(scope, extra=extra), None


@lru_cache(maxsize=256)
def _urls(key) -> tuple[str, ...]:
    groups, items = _groups(key)
    if groups is None:
        return tuple(url for _label, url in items)
    return tuple(link.url for g in groups for link in g.links)


def _active_url(key, path: str) -> str:
    """What marks the current entry: for staff the entry whose address is the longest prefix of the
    page's (a page under /safety/ is in the safety entry), for the flat list the page's own address."""
    urls = _urls(key)
    if not key[1]:
        return path if path in urls else ""
    best = ""
    for url in urls:
        if url != "/" and path.startswith(url) and len(url) > len(best):
            best = url
    return best


@lru_cache(maxsize=2048)
def _nav_html(key, language: str, active: str, unread: int) -> str:
    return _render_nav(key, active, unread, {})


def _render_nav(key, path: str, unread: int, badges: dict) -> str:
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils.safestring import mark_safe

    groups, items = _groups(key)
    if groups is not None:
        _active(groups, path)
        _badges(groups, badges)
    return mark_safe(render_to_string("_nav_items.html", {  # noqa: S308 (our own template)
        "nav_groups": groups, "nav_items": items, "path": path, "unread_notices": unread,
        "inbox_url": reverse("notices:inbox"), "is_staff": key[2]}))
