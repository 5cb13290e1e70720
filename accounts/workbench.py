"""The workbench (工作台): the landing page of every member of staff — what waits for this person,
with a count and one link each, in a section per role they hold.

Each app registers its items in `AppConfig.ready()` (or its `hooks.py`) with
`register_work(WorkItem(...))`; accounts imports no app. An item's `figure(ctx)` answers for one role
of one user: a number (`int`), a `Figure` (a number or a state in words, a tone, a link), or `None`
(nothing to show for this person). It runs one query (or a fixed few), whatever the number of rows,
and starts from the model's `visible_to(ctx.user)` narrowed to `ctx.school_ids` (the schools where
the user holds that role), `ctx.class_ids` or `ctx.district_ids`: another school's items are never
counted.

Figures are computed once per request (`figures_for(user)` caches them on the user object, which
lives for the request): the page and the navigation badges (`nav_badges`) share them.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .roles import Role
from .scoping import Scope, scope_of

#: The order of the sections on the page (and of the roles whose counts make the badges).
ROLE_ORDER = [Role.PRINCIPAL, Role.MORAL_ED, Role.ACADEMIC, Role.DUTY_LEADER, Role.HOMEROOM, Role.TEACHER,
              Role.DISTRICT, Role.BUREAU]
#: Roles whose landing page is the workbench.
WORKBENCH_ROLES = frozenset(ROLE_ORDER)

TONES = ("danger", "warning", "info", "success", "secondary")


@dataclass(frozen=True)
class Figure:
    """What an item shows: `count` (None for a state such as "day closed at 17:52"), `text` (a line in
    words beside or instead of the count), `tone` (a Bootstrap colour; empty: the item's tone when the
    count is above 0, muted otherwise) and `url` (replaces the item's link)."""

    count: int | None = None
    text: str = ""
    tone: str = ""
    url: str | None = None


@dataclass
class WorkContext:
    user: object
    scope: Scope
    role: str
    today: datetime.date
    now: datetime.datetime
    #: shared by the sections of one request: `once(key, fn)` computes a value the items share
    memo: dict = field(default_factory=dict)

    def once(self, key: str, compute: Callable[[], object]):
        """A value several items need (the current term, the latest report), computed once per request."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    @property
    def school_ids(self) -> frozenset[int]:
        return self.scope.schools_with(self.role)

    @property
    def class_ids(self) -> frozenset[int]:
        return self.scope.homeroom_class_ids if self.role == Role.HOMEROOM else frozenset()

    @property
    def district_ids(self) -> frozenset[int]:
        return self.scope.district_ids if self.role == Role.DISTRICT else frozenset()

    @property
    def first_school(self) -> int | None:
        return min(self.school_ids) if self.school_ids else None

    def term(self):
        """The term of today (`schools.Term.current`), once per request; None between terms."""
        from django.apps import apps

        return self.once("term", lambda: apps.get_model("schools", "Term").current(self.today))


@dataclass(frozen=True)
class WorkItem:
    """One thing a role looks after. `url` is a URL name (no arguments) or `url(ctx) -> str | None`;
    `nav` names the navigation entry (a URL name registered with `register_nav`) whose badge shows
    this count (or {role: URL name} when it differs by role); `tone` is the colour of a count above 0 (`danger` for what cannot wait)."""

    key: str
    label: object
    roles: frozenset
    figure: Callable[[WorkContext], int | Figure | None]
    url: str | Callable[[WorkContext], str | None] | None = None
    tone: str = "warning"
    nav: str | dict = ""
    order: int = 50
    help: object = ""
    #: about the person, not the role (their unread notices): shown in the first of their sections only
    once: bool = False


WORK_ITEMS: list[WorkItem] = []


def register_work(item: WorkItem) -> None:
    """Add an item (an app's `ready()`); registering the same key again replaces it."""
    for i, existing in enumerate(WORK_ITEMS):
        if existing.key == item.key:
            WORK_ITEMS[i] = item
            break
    else:
        WORK_ITEMS.append(item)
    WORK_ITEMS.sort(key=lambda it: (it.order, it.key))


@dataclass
class Shown:
    """An item as the page shows it."""

    item: WorkItem
    count: int | None
    text: str
    tone: str
    url: str | None

    @property
    def key(self) -> str:
        return self.item.key

    @property
    def label(self):
        return self.item.label

    @property
    def waiting(self) -> bool:
        return bool(self.count)


@dataclass
class Section:
    role: str
    items: list[Shown] = field(default_factory=list)


def _url(item: WorkItem, ctx: WorkContext) -> str | None:
    if item.url is None:
        return None
    if callable(item.url):
        return item.url(ctx)
    try:
        return reverse(item.url)
    except NoReverseMatch:
        return None


def _shown(item: WorkItem, ctx: WorkContext) -> Shown | None:
    value = item.figure(ctx)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, Figure)):
        raise TypeError(f"workbench item {item.key} returned {value!r}")
    fig = value if isinstance(value, Figure) else Figure(count=value)
    # A count of 0 is calm whatever the item's tone; a state (no count) keeps the tone it gives.
    tone = "" if fig.count == 0 else (fig.tone or (item.tone if fig.count else ""))
    return Shown(item=item, count=fig.count, text=str(fig.text), tone=tone if tone in TONES else "",
                 url=fig.url if fig.url is not None else _url(item, ctx))


def roles_of(scope: Scope) -> list[str]:
    return [role for role in ROLE_ORDER if scope.has_role(role)]


def figures_for(user) -> list[Section]:
    """The user's sections, each item computed once per request (cached on the user object)."""
    cached = getattr(user, "_workbench_sections", None)
    if cached is not None:
        return cached
    scope = scope_of(user)
    now = timezone.now()
    today = timezone.localdate(now)
    sections = []
    memo: dict = {}
    done: set[str] = set()
    for role in roles_of(scope):
        ctx = WorkContext(user=user, scope=scope, role=role, today=today, now=now, memo=memo)
        section = Section(role=role)
        for item in WORK_ITEMS:
            if role in item.roles and not (item.once and item.key in done):
                done.add(item.key)
                shown = _shown(item, ctx)
                if shown is not None:
                    section.items.append(shown)
        sections.append(section)
    user._workbench_sections = sections
    return sections


def _merge_tone(a: str, b: str) -> str:
    return min((t for t in (a, b) if t), key=TONES.index, default="")


def nav_badges(user) -> dict[str, dict]:
    """{URL name: {"count", "tone"}} for the navigation entries that carry a count: the sum of one
    role's items naming the entry (the most urgent tone); two roles counting the same entry (a
    principal who is also the moral-education office) show the larger count, never the same things
    counted twice."""
    badges: dict[str, dict] = {}
    for section in figures_for(user):
        mine: dict[str, dict] = {}
        for shown in section.items:
            nav = shown.item.nav
            name = nav.get(section.role, "") if isinstance(nav, dict) else nav
            if not name or not shown.count:
                continue
            badge = mine.setdefault(name, {"count": 0, "tone": ""})
            badge["count"] += shown.count
            badge["tone"] = _merge_tone(badge["tone"], shown.tone or "secondary")
        for name, badge in mine.items():
            if name not in badges or badge["count"] > badges[name]["count"]:
                badges[name] = badge
    return badges


def has_workbench(scope: Scope) -> bool:
    return bool(scope.roles & WORKBENCH_ROLES)
