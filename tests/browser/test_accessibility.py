"""axe-core on the main pages not already checked inside a scenario, at each person's viewport.

Scenarios check their own pages with `check_page(page, name, axe=True)` (login, failed sign-in,
lockout, my children, school list and detail, inbox). Here: the pages reached from the header that
no scenario walks through, and the phone header with its menu open. Every result is written to
test-artifacts/axe/<page>.<viewport>.<lang>.json; serious and critical violations fail.
"""
import pytest
from playwright.sync_api import expect

from .test_accounts import open_menu

pytestmark = pytest.mark.browser

PAGES = [
    # name, account, viewport, path
    ("profile", "parent2", "phone", "/accounts/profile/"),
    ("profile", "homeroom1", "tablet", "/accounts/profile/"),
    ("profile", "bureau", "desktop", "/accounts/profile/"),
    ("school-list", "district1", "desktop", "/schools/"),
    ("school-list", "duty1", "tablet", "/schools/"),
    ("inbox", "duty1", "tablet", "/notices/"),
]


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
@pytest.mark.parametrize(("name", "username", "viewport", "path"), PAGES,
                         ids=[f"{p[0]}-{p[1]}" for p in PAGES])
def test_page_has_no_serious_accessibility_violations(name, username, viewport, path, lang, make_page,
                                                      sign_in, check_page):
    page = make_page(viewport)
    sign_in(page, username)
    page.goto(path)
    expect(page.locator("main h1")).to_be_visible()
    check_page(page, f"{name}-{username}", axe=True)


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_phone_menu_open_is_accessible(phone, sign_in, site, check_page):
    sign_in(phone, "parent1")
    toggler = phone.get_by_role("button", name=site.t("Menu"))
    expect(toggler).to_have_attribute("aria-expanded", "false")
    open_menu(phone)
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(phone.get_by_role("link", name=site.t("My children"))).to_be_visible()
    check_page(phone, "menu-open", axe=True)


def test_a_signed_in_person_without_a_role_is_told_what_to_do(desktop, sign_in, site, check_page):
    """Someone whose roles have not been given yet: the home page says whom to ask."""
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username="browser_norole", defaults={"name": "新同事"})
    user.set_password("shahe-demo-2026")
    user.save()
    sign_in(desktop, "browser_norole")
    expect(desktop.locator("main h1")).to_have_text(site.t("Welcome"))
    check_page(desktop, "no-role", axe=True)


def test_keyboard_users_can_skip_to_the_content(desktop, sign_in, site, check_page):
    sign_in(desktop, "principal1")
    desktop.keyboard.press("Tab")
    skip = desktop.get_by_role("link", name=site.t("Skip to content"))
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    desktop.keyboard.press("Enter")
    assert desktop.url.endswith("#main")
    check_page(desktop, "skip-link")


def test_api_docs_load_without_a_cdn(desktop, sign_in, site, check_page):
    """Swagger UI comes from the installed sidecar package; no asset may come from outside."""
    sign_in(desktop, "bureau")
    outside = []
    desktop.on("request", lambda r: None if r.url.startswith(site.base + "/") else outside.append(r.url))
    desktop.goto("/api/docs/")
    expect(desktop.locator(".swagger-ui").first).to_be_visible()
    expect(desktop.get_by_text("Shahe after-school services API").first).to_be_visible()
    assert outside == []
    # Not check_page: Swagger UI is an English developer page, and it tries to add one inline
    # <style> that the CSP blocks (harmless: its stylesheet comes from /static/). Anything else
    # (a failed asset, a script error) still fails here.
    problems = [p for p in desktop.watcher.take() if "Applying inline style violates" not in p]
    assert problems == []


def test_axe_finds_what_it_should(make_page):
    """The axe check is live: a page with an unlabelled field and an image without text fails it."""
    from .checks import run_axe

    page = make_page("phone")
    page.set_content('<html lang="zh-hans"><head><title>t</title></head><body><main>'
                     '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
                     '<input type="text" name="q"></main></body></html>')
    found = {(v["id"], v["impact"]) for v in run_axe(page, None)}
    assert {("image-alt", "critical"), ("label", "critical")} <= found
