"""Signing in, out, failing, being locked out and switching the language, in a real browser."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

#: Each demo account at the viewport its person uses.
ACCOUNTS = [
    ("bureau", "desktop"), ("district1", "desktop"), ("principal1", "desktop"),
    ("teacher1", "tablet"), ("homeroom1", "tablet"), ("duty1", "tablet"),
    ("parent1", "phone"), ("parent2", "phone"),
]


def open_menu(page):
    """On a phone the header collapses into the menu button; open it as a person would."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        nav = page.locator("#mainnav")
        expect(nav).to_be_visible()
        # Bootstrap animates the height ("collapsing") and adds "show" when the menu is open: a click
        # on a link during the animation can be lost, so wait for the end of it.
        expect(nav).to_have_class(re.compile(r"(^|\s)show(\s|$)"))


def nav_link(page, name, *, exact=True):
    """The navigation's entry `name`, made visible as a person would: the menu button on a phone, then
    the drop-down of its group (staff see their entries in groups, accounts/nav.py)."""
    open_menu(page)
    link = page.locator("#mainnav").get_by_role("link", name=name, exact=exact)
    if not link.is_visible():
        # a hidden entry has no accessible name to match: its text (the label, then the badge's count)
        item = page.locator(".dropdown-item", has_text=re.compile("^" + re.escape(name) + r"(\s|\d|$)"))
        page.locator("#mainnav .dropdown").filter(has=item).locator(".dropdown-toggle").click()
    expect(link).to_be_visible()
    return link


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
@pytest.mark.parametrize(("username", "viewport"), ACCOUNTS)
def test_demo_account_signs_in_and_lands_on_its_home(username, viewport, lang, make_page, sign_in, site,
                                                      demo_user, check_page):
    from accounts.home import home_url_for
    from accounts.roles import Role
    from accounts.scoping import scope_of

    user = demo_user(username)
    home = home_url_for(scope_of(user))
    page = make_page(viewport)

    sign_in(page, username)

    assert page.url == site.url(home)
    expect(page.locator("main h1")).to_be_visible()
    open_menu(page)
    header = page.get_by_test_id("user-header")
    expect(header).to_be_visible()
    expect(header).to_contain_text(user.get_full_name())
    # The role badges, in the page's language.
    roles = {a.role for a in user.role_assignments.active()}
    for role in roles:
        expect(header).to_contain_text(site.t(Role(role).label))
    expect(page.get_by_role("button", name=site.t("Sign out"))).to_be_visible()
    check_page(page, f"home-{username}")


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_sign_out_returns_to_the_sign_in_page(phone, sign_in, site, check_page):
    sign_in(phone, "parent1")
    open_menu(phone)
    phone.get_by_role("button", name=site.t("Sign out")).click()
    expect(phone).to_have_url(re.compile(r"/accounts/login/$"))
    expect(phone.locator("main h1")).to_have_text(site.t("Sign in"))
    check_page(phone, "signed-out")
    phone.goto("/schools/my-children/")
    expect(phone).to_have_url(re.compile(r"/accounts/login/\?next="))


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_a_wrong_password_shows_the_message_and_keeps_the_username(phone, sign_in, site, check_page):
    from accounts.forms import LoginForm

    phone.goto("/accounts/login/")
    check_page(phone, "login", axe=True)
    sign_in(phone, "parent1", password="not-the-password")

    alert = phone.locator("main .alert-danger, main .invalid-feedback, main [role=alert]").first
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(site.t(LoginForm.error_messages["invalid_login"]))
    expect(phone.locator("#id_username")).to_have_value("parent1")
    expect(phone).to_have_url(re.compile(r"/accounts/login/$"))
    check_page(phone, "login-failed", axe=True)


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_five_failures_lock_the_account_out(tablet, sign_in, site, check_page):
    for _ in range(5):
        sign_in(tablet, "teacher1", password="wrong-password")
    heading = tablet.locator("main h1")
    expect(heading).to_have_text(site.t("Too many failed sign-ins"))
    check_page(tablet, "locked-out", expect_status=(429,), axe=True)

    # Even the right password does not get in while the lock lasts.
    sign_in(tablet, "teacher1")
    expect(tablet.locator("main h1")).to_have_text(site.t("Too many failed sign-ins"))
    assert "/accounts/login/" in tablet.url
    check_page(tablet, "locked-out-right-password", expect_status=(429,))


@pytest.fixture
def forget_principals_language(demo_user):
    """The switch saves the choice on the account, and signing in switches to it (in any later test's
    browser): leave principal1 without a saved language, as the demo city has it."""
    yield
    demo_user("principal1").__class__.objects.filter(username="principal1").update(language="")


def test_switching_the_language_changes_the_interface_and_back(desktop, make_page, sign_in, site, check_page,
                                                                forget_principals_language):
    sign_in(desktop, "principal1")
    url = desktop.url
    sign_out_zh = desktop.get_by_role("button", name=site.t("Sign out", "zh-hans"))
    expect(sign_out_zh).to_be_visible()
    expect(desktop.locator("html")).to_have_attribute("lang", "zh-hans")

    desktop.locator("#language-select").select_option("en")
    with desktop.expect_navigation():
        desktop.get_by_role("button", name=site.t("Switch", "zh-hans")).click()
    assert desktop.url == url  # the same page, now in English
    expect(desktop.locator("html")).to_have_attribute("lang", "en")
    expect(desktop.get_by_role("button", name="Sign out")).to_be_visible()
    expect(desktop.get_by_role("navigation", name="Main navigation")).to_contain_text("Schools")
    site.lang = "en"
    check_page(desktop, "language-switched-to-english")

    # The choice sticks across pages.
    desktop.goto("/notices/")
    expect(desktop.locator("main h1")).to_have_text("Inbox")

    # ... and follows the account: signing in on another computer (a Chinese browser that never saw
    # the site) shows English from the first page after the sign-in.
    site.lang = "zh-hans"
    elsewhere = make_page("desktop")  # a browser asking for Chinese
    site.lang = "en"
    elsewhere.goto("/accounts/login/")
    expect(elsewhere.locator("html")).to_have_attribute("lang", "zh-hans")
    sign_in(elsewhere, "principal1")
    expect(elsewhere.locator("html")).to_have_attribute("lang", "en")
    expect(elsewhere.get_by_role("button", name="Sign out")).to_be_visible()
    elsewhere.context.close()

    desktop.locator("#language-select").select_option("zh-hans")
    with desktop.expect_navigation():
        desktop.get_by_role("button", name="Switch").click()
    expect(desktop.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(desktop.locator("main h1")).to_have_text(site.t("Inbox", "zh-hans"))
    expect(sign_out_zh).to_be_visible()
    site.lang = "zh-hans"
    check_page(desktop, "language-switched-back")


def test_the_content_security_policy_is_sent_and_enforced(desktop, sign_in, check_page):
    response = desktop.goto("/accounts/login/")
    policy = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["frame-ancestors"] == "'none'"

    # An inline script that got into a page would not run: the browser enforces the policy.
    ran, violations = desktop.evaluate(
        """() => new Promise(resolve => {
             const seen = [];
             document.addEventListener("securitypolicyviolation", e => seen.push(e.violatedDirective));
             const s = document.createElement("script");
             s.textContent = "window.__inlineRan = true;";
             document.body.appendChild(s);
             setTimeout(() => resolve([window.__inlineRan === true, seen]), 100);
           })"""
    )
    assert ran is False
    assert any(d.startswith("script-src") for d in violations)
    desktop.watcher.take()  # the violation we caused on purpose is reported to the console

    # And the site's own pages carry none (check_page also scans every page's HTML for inline code).
    sign_in(desktop, "principal1")
    assert desktop.locator("script:not([src])").count() == 0
    check_page(desktop, "csp-principal-home")


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_revoking_api_tokens_asks_first(tablet, sign_in, site, demo_user, check_page):
    """The confirmation comes from static/js/app.js (data-confirm): no inline script needed."""
    from rest_framework.authtoken.models import Token

    teacher = demo_user("homeroom1")
    Token.objects.get_or_create(user=teacher)
    sign_in(tablet, "homeroom1")
    tablet.goto("/accounts/profile/")
    expect(tablet.locator("main h1")).to_have_text(site.t("My account"))
    revoke = tablet.get_by_role("button", name=site.t("Revoke my API tokens"))

    questions = []
    tablet.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    revoke.click()
    expect(tablet.locator("main h1")).to_have_text(site.t("My account"))
    assert questions == [site.t("Sign out every app that uses your API token?")]
    assert Token.objects.filter(user=teacher).exists()  # said no: nothing happened

    tablet.once("dialog", lambda dialog: dialog.accept())
    with tablet.expect_navigation():
        revoke.click()
    expect(tablet.get_by_role("alert")).to_contain_text(site.t("API tokens revoked: %(count)d.") % {"count": 1})
    assert not Token.objects.filter(user=teacher).exists()
    check_page(tablet, "profile-tokens-revoked", axe=True)


@pytest.mark.parametrize(("device", "lang"), [("phone", "zh-hans"), ("tablet", "en"), ("desktop", "zh-hans")],
                         indirect=["lang"])
def test_signing_out_can_also_sign_out_every_tablet_and_app(request, device, sign_in, site, demo_user, check_page):
    """The sign-out button's menu offers to revoke the API tokens too (issue #17, item 10)."""
    from rest_framework.authtoken.models import Token

    tablet = request.getfixturevalue(device)
    teacher = demo_user("homeroom1")
    Token.objects.get_or_create(user=teacher)
    sign_in(tablet, "homeroom1")
    open_menu(tablet)
    tablet.get_by_role("button", name=site.t("More options")).click()
    revoke = tablet.get_by_role("button", name=site.t("Also sign out every tablet and app (revoke API tokens)"))
    expect(revoke).to_be_visible()
    check_page(tablet, "sign-out-options", axe=True)
    with tablet.expect_navigation():
        revoke.click()
    expect(tablet).to_have_url(re.compile(r"/accounts/login/$"))
    expect(tablet.get_by_role("alert")).to_contain_text(
        site.t("Signed out. API tokens revoked: %(count)d.") % {"count": 1})
    assert not Token.objects.filter(user=teacher).exists()
    check_page(tablet, "signed-out-tokens-revoked")
