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
    them, else fetched once by static/js/app.js from `accounts:workbench_counts`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_of(user)
    context = {"user_scope": scope, "nav_items": nav_for(scope)}
    if scope.is_staff_member or user.is_staff:
        from django.urls import reverse

        extra = [(ADMIN_LINK[0], reverse(ADMIN_LINK[1]), ADMIN_LINK[1], ADMIN_LINK[2])] if user.is_staff else []
        groups = nav_groups(scope, extra=extra)
        _active(groups, request.path)
        badges = getattr(request, "nav_badges", None)
        _badges(groups, badges or {})
        context["nav_groups"] = groups
        context["nav_badges_pending"] = badges is None and has_workbench(scope)
    return context
