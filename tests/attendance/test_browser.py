"""A teacher takes the roll on a tablet (1024x768) in headless Chromium, loses the connection
mid-roll, keeps marking, reloads the page offline (the service worker serves the shell), comes back
online, and every mark arrives exactly once."""
import shutil

import pytest
from playwright.sync_api import expect

from attendance.models import Mark
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def tablet(monkeypatch):
    # Playwright's sync API runs an event loop; only for this test (never leaks to other tests).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN", has_touch=True)
        context.set_default_timeout(15000)
        yield context
        browser.close()


def _unsent(page) -> str:
    return page.locator("[data-testid=unsent]").inner_text()


def test_roll_survives_a_dropped_connection(live_server, tablet, att):
    from .factories import children_in_group

    w = att
    (third,) = children_in_group(w.group, w.class_a, 1)
    page = tablet.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", w.teacher_a.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    url = f"{live_server.url}/attendance/rolls/{w.roll.pk}/"
    page.goto(url)
    # The service worker takes control; loading the page again puts the shell in its cache.
    page.evaluate("async () => { await navigator.serviceWorker.ready; return true; }")
    page.reload()
    assert page.evaluate("() => !!navigator.serviceWorker.controller")
    page.reload()
    a = page.locator(f".roll-child[data-student='{w.child_a.pk}']")
    a2 = page.locator(f".roll-child[data-student='{w.child_a2.pk}']")
    assert a.bounding_box()["height"] >= 44 and page.evaluate("document.documentElement.scrollWidth") <= 1024

    a.click()  # present, sent at once
    expect(page.locator("[data-testid=unsent]")).to_have_text("0")
    assert Mark.objects.get(student=w.child_a).status == "present"

    tablet.set_offline(True)
    a.click()   # absent
    a2.click()  # present
    assert _unsent(page) == "2"
    assert a.get_attribute("data-status") == "absent" and a2.get_attribute("data-status") == "present"
    # Offline, the page still opens (service worker) and the unsent marks are still there.
    page.reload()
    assert _unsent(page) == "2"
    assert page.locator("[data-count=unmarked]").inner_text() == "1"
    assert Mark.objects.get(student=w.child_a).status == "present"
    assert not Mark.objects.filter(student=w.child_a2).exists()

    tablet.set_offline(False)
    expect(page.locator("[data-testid=unsent]")).to_have_text("0")
    marks = {m.student_id: m.status for m in Mark.objects.filter(roll=w.roll)}
    assert marks == {w.child_a.pk: "absent", w.child_a2.pk: "present"}
    # Each tap arrived once: child_a created then changed once, child_a2 created once.
    assert Mark.history.filter(student_id=w.child_a.pk).count() == 2
    assert Mark.history.filter(student_id=w.child_a2.pk).count() == 1
    # "All present" marks the one child left in one tap and keeps the others' marks; then submit.
    page.locator("[data-all-present]").click()
    expect(page.locator("[data-testid=unsent]")).to_have_text("0")
    assert Mark.objects.get(student=third).status == "present"
    assert Mark.objects.get(student=w.child_a).status == "absent"
    page.locator("[data-submit-form] button").click()
    page.wait_for_load_state()
    w.roll.refresh_from_db()
    assert w.roll.status == "submitted"
