"""The roll page offline from its first visit (issue 18, item 8), on a tablet.

The teacher opens the roll once, online. The Wi-Fi drops before the page is ever loaded again: the
reload comes from the tablet's cache, the badge says offline (the page asked the server, not only
the browser), a tap is kept in the outbox through another reload, and when the Wi-Fi returns the
mark reaches the server exactly once. A server that does not answer while the tablet's Wi-Fi is up
is offline too.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from . import test_tablet_day
from .test_accounts import open_menu

pytestmark = pytest.mark.browser
school_day = test_tablet_day.school_day  # a school of its own, with today's roll of three children


def _open_roll(tablet, sign_in, site, day):
    test_tablet_day._sign_in(tablet, sign_in, day.teacher)  # the workbench, then today's rolls
    with tablet.expect_navigation():
        tablet.get_by_test_id("work-attendance.todays_rolls").click()  # from the workbench
    expect(tablet.locator("main h1")).to_contain_text(site.t("Rolls"))
    tablet.get_by_role("link", name=day.roll.name).click()
    expect(tablet.locator("main h1")).to_have_text(day.roll.name)


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_roll_opens_offline_after_one_visit_and_its_mark_arrives_once(school_day, tablet, sign_in, site, check_page):
    from attendance.models import Mark, Roll

    day = school_day
    child, other, third = day.children
    _open_roll(tablet, sign_in, site, day)
    badge = tablet.get_by_test_id("connection")
    expect(badge).to_have_text(site.t("Online"))  # the server answered the check
    # One visit is enough: the service worker took control of this page and kept it.
    saved = tablet.get_by_test_id("saved-offline")
    expect(saved).to_be_visible()
    expect(saved).to_have_text(site.t("Saved on this tablet: the roll opens without a connection."))
    tablet.wait_for_function("() => !!navigator.serviceWorker.controller")  # clients.claim()
    check_page(tablet, "roll-first-visit", axe=True)

    # The copy is the one of the first visit: renamed on the server since, the offline page still
    # shows the old name (proof that it comes from the tablet, not the network).
    old_name = day.roll.name
    Roll.objects.filter(pk=day.roll.pk).update(name=f"{old_name}（改）")

    tablet.context.set_offline(True)
    tablet.reload()
    expect(tablet.locator("main h1")).to_have_text(old_name)
    expect(badge).to_have_text(site.t("Offline"))
    offline_note = site.t("Offline: marks are kept on this tablet and sent when the connection returns.")
    expect(tablet.locator("[data-offline-note]")).to_have_text(offline_note)
    expect(saved).to_be_visible()  # the copy the page came from
    unsent = tablet.get_by_test_id("unsent")
    expect(unsent).to_have_text("0")
    check_page(tablet, "roll-offline-from-cache", axe=True)

    button = tablet.locator(f".roll-child[data-student='{child.pk}']")
    button.click()
    expect(unsent).to_have_text("1")
    expect(button.locator("[data-status-label]")).to_have_text(f"{site.t('Present')} ↻")
    # Submitting now would end on the browser's error page: the page says to wait instead.
    tablet.get_by_role("button", name=site.t("Submit the roll")).click()
    expect(tablet.get_by_role("alert")).to_have_text(site.t(
        "No connection: submit the roll once the connection returns. The marks are kept on this tablet."))
    expect(tablet.locator("main h1")).to_have_text(old_name)

    # The tablet is switched off and on again (a reload offline): the tap is still waiting.
    tablet.reload()
    expect(tablet.locator("main h1")).to_have_text(old_name)
    expect(badge).to_have_text(site.t("Offline"))
    expect(unsent).to_have_text("1")
    expect(button.locator("[data-status-label]")).to_have_text(f"{site.t('Present')} ↻")
    assert not Mark.objects.filter(roll=day.roll).exists()

    # The Wi-Fi returns: the badge says so once the server answers, and the mark arrives once.
    tablet.context.set_offline(False)
    expect(badge).to_have_text(site.t("Online"))
    expect(unsent).to_have_text("0")
    expect(button.locator("[data-status-label]")).to_have_text(site.t("Present"))
    mark = Mark.objects.get(roll=day.roll)
    assert (mark.student_id, mark.status) == (child.pk, "present")
    assert Mark.history.filter(roll_id=day.roll.pk).count() == 1
    # Reloaded online, the page is the server's (the new name) and the mark is the server's.
    tablet.reload()
    expect(tablet.locator("main h1")).to_have_text(f"{old_name}（改）")
    expect(button.locator("[data-status-label]")).to_have_text(site.t("Present"))
    expect(unsent).to_have_text("0")
    assert Mark.objects.filter(roll=day.roll).count() == 1
    assert Mark.history.filter(roll_id=day.roll.pk).count() == 1
    assert {other.pk, third.pk}.isdisjoint(Mark.objects.values_list("student_id", flat=True))


def test_badge_says_offline_when_the_server_does_not_answer(school_day, tablet, sign_in, site, check_page):
    """The tablet's Wi-Fi is up (navigator.onLine is true) but the portal does not answer: offline,
    and the tap waits; once the server answers again it is sent once. A mark sent online and then
    a reload of the kept copy offline: the sent mark still shows (the copy is older than it)."""
    from attendance.models import Mark

    day = school_day
    child, other, _third = day.children
    _open_roll(tablet, sign_in, site, day)
    badge = tablet.get_by_test_id("connection")
    expect(badge).to_have_text(site.t("Online"))
    expect(tablet.get_by_test_id("saved-offline")).to_be_visible()

    # The server goes away (every request to it fails), the browser still thinks it is online.
    tablet.context.route("**/*", lambda route: route.abort("connectionrefused"))
    assert tablet.evaluate("() => navigator.onLine")
    other_button = tablet.locator(f".roll-child[data-student='{other.pk}']")
    other_button.click()  # the send fails: offline at once
    expect(badge).to_have_text(site.t("Offline"))
    expect(tablet.get_by_test_id("unsent")).to_have_text("1")
    tablet.context.unroute("**/*")
    expect(badge).to_have_text(site.t("Online"), timeout=15_000)  # the next check answers
    expect(tablet.get_by_test_id("unsent")).to_have_text("0")
    assert Mark.objects.get(roll=day.roll, student=other).status == "present"
    tablet.watcher.take()  # the refused connections above were the point

    # A mark sent online after the copy was kept shows in the copy too.
    button = tablet.locator(f".roll-child[data-student='{child.pk}']")
    button.click()
    expect(tablet.get_by_test_id("unsent")).to_have_text("0")
    tablet.context.set_offline(True)
    tablet.reload()
    expect(badge).to_have_text(site.t("Offline"))
    expect(button.locator("[data-status-label]")).to_have_text(site.t("Present"))
    expect(other_button.locator("[data-status-label]")).to_have_text(site.t("Present"))
    expect(tablet.locator("[data-count=marked]")).to_have_text("2")
    check_page(tablet, "roll-offline-sent-marks")
    tablet.context.set_offline(False)
    assert Mark.objects.filter(roll=day.roll).count() == 2
    assert Mark.history.filter(roll_id=day.roll.pk).count() == 2

    # Signing out takes the kept pages (children's names, health notes) off the tablet.
    kept = "async () => (await caches.keys()).filter(k => k.startsWith('shahe-attendance-')).length"
    assert tablet.evaluate(kept) == 1
    tablet.reload()
    open_menu(tablet)
    tablet.get_by_role("button", name=site.t("Sign out")).click()
    expect(tablet.locator("#id_username")).to_be_visible()
    for _ in range(50):  # the sign-in page clears them as it loads
        if tablet.evaluate(kept) == 0:
            break
        tablet.wait_for_timeout(100)
    assert tablet.evaluate(kept) == 0
