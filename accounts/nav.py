"""The navigation bar, filled by each app in its AppConfig.ready().

An app calls `register_nav(label, url_name, roles=..., order=..., group=...)`; the header shows an
entry to users holding any of its roles (or every signed-in user when `roles` is empty). Apps do not
edit the base template to add a link.

Staff see the entries in at most seven groups (`NAV_GROUPS`: 今日 · 报名与分班 · 社团与课表 · 安全 ·
报表 · 消息与通知 · 学校管理), each a drop-down (a group with one entry is a plain link). An entry
without a `group` goes to the group of its URL namespace (`NAMESPACE_GROUPS`), else to the last one.
Parents, whose few entries fit a phone's menu, see them as a flat list. The counts of the workbench
(`accounts.workbench`) are the badges: an entry carries the count of the items naming it (`nav=`),
a group the sum of its entries.
"""
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy translation
    url_name: str
    roles: frozenset
    order: int
    group: str = ""


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: object


NAV_GROUPS = [
    NavGroup("today", pgettext_lazy("navigation group", "Today")),
    NavGroup("enrollment", pgettext_lazy("navigation group", "Enrollment and groups")),
    NavGroup("clubs", pgettext_lazy("navigation group", "Clubs and timetable")),
    NavGroup("safety", pgettext_lazy("navigation group", "Safety")),
    NavGroup("reports", pgettext_lazy("navigation group", "Reports")),
    NavGroup("messages", pgettext_lazy("navigation group", "Messages")),
    NavGroup("admin", pgettext_lazy("navigation group", "School administration")),
]
#: Where an entry goes when its app did not say (by the URL's namespace).
NAMESPACE_GROUPS = {
    "accounts": "today", "attendance": "today", "enrollment": "enrollment", "clubs": "clubs",
    "safety": "safety", "reports": "reports", "voice": "messages", "notices": "messages",
    "schools": "admin", "privacy": "admin",
}

NAV_ITEMS: list[NavItem] = []


def register_nav(label, url_name: str, *, roles=(), order: int = 50, group: str = "") -> None:
    if any(item.url_name == url_name for item in NAV_ITEMS):
        return
    NAV_ITEMS.append(NavItem(label=label, url_name=url_name, roles=frozenset(roles), order=order, group=group))
    NAV_ITEMS.sort(key=lambda item: item.order)


def nav_for(scope) -> list[tuple[str, str]]:
    """The entries the user sees, as (label, url), in order."""
    return [(label, url) for label, url, _name, _group in _entries(scope)]


def _entries(scope):
    for item in NAV_ITEMS:
        if item.roles and not scope.has_role(*item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        group = item.group or NAMESPACE_GROUPS.get(item.url_name.split(":", 1)[0], NAV_GROUPS[-1].key)
        yield item.label, url, item.url_name, group


@dataclass
class Link:
    label: object
    url: str
    url_name: str


@dataclass
class GroupView:
    key: str
    label: object
    links: list[Link] = field(default_factory=list)

    @property
    def single(self) -> bool:
        return len(self.links) == 1

    @property
    def url_names(self) -> str:
        return " ".join(link.url_name for link in self.links)


def nav_groups(scope, *, extra=()) -> list[GroupView]:
    """The user's entries in their groups, groups in `NAV_GROUPS` order, empty groups left out.
    `extra` adds (label, url, url_name, group) entries (the Django admin for staff accounts)."""
    groups = {g.key: GroupView(key=g.key, label=g.label) for g in NAV_GROUPS}
    for label, url, name, group in [*_entries(scope), *extra]:
        groups.get(group, groups[NAV_GROUPS[-1].key]).links.append(Link(label=label, url=url, url_name=name))
    return [g for g in groups.values() if g.links]


ADMIN_LINK = (_("Administration"), "admin:index", "admin")
