"""Browser tests: headless Debian Chromium driven by Playwright against a live server with the demo city.

How the pieces fit (see tests/browser/README.md to add a scenario):

- `demo_db` (package scope) runs `seed_demo` once into the test database and flushes it when the
  last browser test has run, so the rest of the suite still starts from an empty database.
- `transactional_db` is overridden for this package: pytest-django's `live_server` asks for it,
  and its usual flush after every test would wipe the demo city. Here it only opens database
  access for the test; scenarios must therefore leave the city usable for the next test (create
  what they change, or change what no other test reads).
- `browser` (package scope) is Debian's chromium; `phone`, `tablet` and `desktop` are pages in fresh
  contexts at 375×812 (touch, WeChat's user agent), 1024×768 (touch) and 1440×900, in the language of the `lang` fixture (Chinese by
  default; parametrize `lang` indirectly with "en" to run a scenario in English).
- `sign_in(page, username)` signs in through the real login form; `check_page(page, name)` runs the
  checks every visited page must pass and saves a screenshot.
"""
from __future__ import annotations

import os
import shutil

import pytest
from django.core.management import call_command

from .checks import PageWatcher
from .checks import check_page as _check_page

DEMO_PASSWORD = "shahe-demo-2026"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # Without these chromium phones home (refused connections end up as noise in the logs).
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORTS = {
    "phone": {"width": 375, "height": 812},      # parents, in WeChat's browser
    "phone_390": {"width": 390, "height": 844},  # the bureau's dashboard read on the go (issue 21)
    "tablet": {"width": 1024, "height": 768},    # teachers, duty leaders
    "tablet_portrait": {"width": 820, "height": 1180},  # the same tablet held upright (issue 21)
    "desktop": {"width": 1440, "height": 900},   # principals, the bureau
}
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
#: Parents open the portal from WeChat: its in-app browser on Android says so in its user agent.
WECHAT_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 13; V2219A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160117 MMWEBSDK/20240301 MicroMessenger/8.0.48.2580"
)


# An IPv4 literal for pytest-django's (session-scoped) live server: chromium may try "localhost" as
# ::1 first, where the server does not listen.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


@pytest.fixture(scope="package", autouse=True)
def _browser_environment():
    """Set for the browser tests only (set first, undone last): later tests must not inherit it
    (`manage.py check --deploy` in a subprocess rightly refuses DJANGO_ALLOW_ASYNC_UNSAFE)."""
    with pytest.MonkeyPatch.context() as patch:
        # The Playwright sync API runs an asyncio loop in this thread; Django's ORM refuses to run in
        # a thread with a running loop unless told it is safe (the test thread queries alone).
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def demo_db(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", verbosity=0)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def transactional_db(demo_db, django_db_blocker):
    """Database access for a browser test, on the shared demo city (no flush: see the module doc)."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(autouse=True)
def _reset_axes(request, django_db_blocker):
    """Failed sign-ins of one test must not lock out the next."""
    if "live_server" not in request.fixturenames:
        yield
        return
    from axes.utils import reset

    with django_db_blocker.unblock():
        reset()
    yield
    with django_db_blocker.unblock():
        reset()


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if not executable:  # tests/conftest.py skips (or fails with REQUIRE_BROWSER=1) before we get here
        pytest.skip("needs Debian's chromium")
    from django.db import connections

    # Once Playwright's loop runs, the ORM in this thread works in another context (asgiref's Local)
    # with its own connection. Close each side's connection before switching: a forgotten one would
    # keep PostgreSQL from dropping the test database at the end of the run.
    connections.close_all()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        connections.close_all()


@pytest.fixture
def lang(request):
    """The interface language of the page fixtures: "zh-hans" (default) or "en"."""
    return getattr(request, "param", "zh-hans")


class Site:
    """The live server's address and the language the pages are in."""

    def __init__(self, live_server, lang):
        self.base = live_server.url
        self.lang = lang

    def url(self, path: str) -> str:
        return self.base + path

    def t(self, text, lang: str | None = None) -> str:
        """`text` (an English source string or a lazy translation) in the page's language."""
        from django.utils import translation

        with translation.override(lang or self.lang):
            return str(translation.gettext(str(text)) if isinstance(text, str) else text)

    def tn(self, singular: str, plural: str, n: int, lang: str | None = None) -> str:
        """The singular or plural form for `n`, in the page's language (placeholders left to fill)."""
        from django.utils import translation

        with translation.override(lang or self.lang):
            return translation.ngettext(singular, plural, n)


@pytest.fixture
def site(live_server, lang):
    return Site(live_server, lang)


def _new_page(browser, site, viewport_name, *, bypass_csp=False):
    context = browser.new_context(
        viewport=VIEWPORTS[viewport_name], locale=LOCALES[site.lang], base_url=site.base,
        bypass_csp=bypass_csp, is_mobile=viewport_name.startswith("phone"), has_touch=viewport_name != "desktop",
        user_agent=WECHAT_USER_AGENT if viewport_name.startswith("phone") else None,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.watcher = PageWatcher(page, site)
    page.viewport_name = viewport_name
    return context, page


@pytest.fixture
def make_page(browser, site):
    """`make_page("phone")` → a page in a fresh context (no cookies); closed after the test."""
    contexts = []

    def make(viewport_name, *, bypass_csp=False):
        context, page = _new_page(browser, site, viewport_name, bypass_csp=bypass_csp)
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def phone(make_page):
    return make_page("phone")


@pytest.fixture
def tablet(make_page):
    return make_page("tablet")


@pytest.fixture
def desktop(make_page):
    return make_page("desktop")


@pytest.fixture
def check_page():
    """`check_page(page, name)`: console, requests, horizontal scroll, untranslated text, screenshot."""
    return _check_page


def do_sign_in(page, username, password=DEMO_PASSWORD):
    """Sign in through the real login form, as a person does; returns the page after the redirect."""
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    return page


@pytest.fixture
def sign_in():
    return do_sign_in


@pytest.fixture
def demo_user(transactional_db):
    """`demo_user("parent1")` → the User row of a demo account."""
    from django.contrib.auth import get_user_model

    return lambda username: get_user_model().objects.get(username=username)
