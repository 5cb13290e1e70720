"""The duty console's pickup panel and the day close on a tablet (issue 18, items 1 and 6).

- Each adult of a child's list is a button with the name, the relation and a masked phone; one tap
  opens a confirm naming the child and the adult, the confirm releases the child.
- Nothing is chosen by default: there is no picker, and a pickup without an adult records nothing.
- "Someone not on the list" is its own action: it needs the person's name and records the refusal.
- Leaving alone shows only for the child whose plan allows it, disabled before the chosen time and
  saying when it opens.
- The day close is refused while a child is held and while an absence without leave has no
  follow-up; then the confirm lists the day's figures.
"""
from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from . import test_tablet_day

pytestmark = pytest.mark.browser
school_day = test_tablet_day.school_day  # a school of its own, with today's roll of three children


def test_pickup_panel_and_day_close(school_day, tablet, sign_in, site, check_page):
    from django.utils import timezone

    from accounts.privacy import mask_phone
    from attendance import services
    from attendance.models import CustodyEvent, DayClose, PickupRefusal
    from enrollment.models import Application, AuthorisedPickupPerson

    day = school_day
    by_grandmother, alone_later, absent = day.children
    grandmother = AuthorisedPickupPerson.objects.create(
        student=by_grandmother, name="王奶奶", relation="祖母", phone="13912340001",
        added_by=by_grandmother.guardianships.get().guardian)
    Application.objects.filter(student=by_grandmother).update(pickup_plan=Application.Pickup.AUTHORISED)
    # Allowed to leave alone, at a time not yet come (the latest of the day: the test runs at any hour).
    slot = datetime.time(23, 59)
    before_slot = timezone.localtime().time() < slot
    Application.objects.filter(student=alone_later).update(pickup_plan=Application.Pickup.FLEXIBLE, departure_time=slot)
    services.marks_record(roll=day.roll, user=day.teacher, roll_student_ids={c.pk for c in day.children}, marks=[
        {"student": by_grandmother.pk, "status": "present", "client_id": "p1"},
        {"student": alone_later.pk, "status": "present", "client_id": "p2"},
        {"student": absent.pk, "status": "absent", "client_id": "p3"},
    ])

    test_tablet_day._sign_in(tablet, sign_in, day.leader)
    with tablet.expect_navigation():
        tablet.get_by_test_id("work-attendance.duty_console").click()  # from the workbench
    held = tablet.get_by_test_id("held-child")
    expect(held).to_have_count(2)
    panel = tablet.get_by_test_id("pickup-panel")
    # No default anywhere: no picker, nothing pre-selected; each adult a button of its own.
    expect(panel.locator("select, input[type=radio], input[type=checkbox]")).to_have_count(0)
    row = held.filter(has_text=by_grandmother.name)
    expect(row.get_by_test_id("pickup-plan")).to_contain_text(
        site.t("Authorised pickup person: %(names)s") % {"names": "王奶奶（祖母）"})
    adults = row.get_by_test_id("pickup-adult")
    mother = by_grandmother.guardianships.get().guardian
    expect(adults).to_have_count(2)  # the mother and the grandmother
    expect(adults.filter(has_text=grandmother.name)).to_contain_text(f"祖母 · {mask_phone(grandmother.phone)}")
    expect(adults.filter(has_text=mother.name)).to_contain_text(mask_phone(mother.phone))
    assert grandmother.phone not in panel.inner_text()
    name_line, detail_line = (adults.first.locator("span").nth(i).bounding_box() for i in (0, 1))
    assert detail_line["y"] >= name_line["y"] + name_line["height"] - 1  # the name, and under it the rest
    # Leaving alone: only for the child whose plan allows it, and not before the chosen time.
    expect(row.get_by_test_id("leave-alone")).to_have_count(0)
    later = held.filter(has_text=alone_later.name)
    expect(later.get_by_test_id("pickup-plan")).to_contain_text(site.t("%(slot)s leaves alone") % {"slot": "23:59"})
    if before_slot:
        leave_alone = later.get_by_test_id("leave-alone")
        expect(leave_alone).to_be_disabled()
        expect(leave_alone).to_have_text(site.t("Leaves alone from %(slot)s") % {"slot": "23:59"})
    assert "独自" not in panel.inner_text()  # 自行离校 is the school's word (GLOSSARY.md)
    check_page(tablet, "pickup-panel", axe=True)

    # A pickup without an adult chosen (the old "picked up" with the picker's default) records nothing.
    console = tablet.url
    tablet.goto(f"/attendance/console/{day.school.pk}/pickup/?student={by_grandmother.pk}")
    expect(tablet.get_by_role("alert")).to_have_text(
        site.t("Choose the adult collecting %(child)s from the list.") % {"child": by_grandmother.name})
    assert not CustodyEvent.objects.filter(student__in=day.children).exists()
    assert not PickupRefusal.objects.filter(student__in=day.children).exists()

    # The day cannot be closed yet: no button, the reasons instead; the close address says why.
    expect(tablet.get_by_test_id("close-day")).to_have_count(0)
    expect(tablet.get_by_test_id("close-blocked")).to_be_visible()
    tablet.goto(f"/attendance/console/{day.school.pk}/close/")
    refused = tablet.get_by_role("alert")
    expect(refused).to_contain_text(site.tn(
        "The day cannot be closed: %(n)d child is present and not yet released.",
        "The day cannot be closed: %(n)d children are present and not yet released.", 2) % {"n": 2})
    expect(refused).to_contain_text(alone_later.name)
    expect(refused).to_contain_text(absent.name)
    assert not DayClose.objects.filter(school=day.school).exists()
    tablet.goto(console)

    # Someone not on the list: the refusal needs the person's name; an empty name sends nothing.
    row.get_by_role("button", name=site.t("Refuse and alert")).click()
    assert not PickupRefusal.objects.filter(student=by_grandmother).exists()
    row.get_by_label(site.t("Name of the person")).fill("陌生男子 李某")
    row.get_by_role("button", name=site.t("Refuse and alert")).click()
    expect(tablet.get_by_role("alert")).to_contain_text("陌生男子 李某")
    assert PickupRefusal.objects.get(student=by_grandmother).person == "陌生男子 李某"
    assert not CustodyEvent.objects.filter(student=by_grandmother).exists()

    # The grandmother: one tap on her button, a confirm naming both, then released.
    row.get_by_test_id("pickup-adult").filter(has_text=grandmother.name).click()
    expect(tablet.get_by_test_id("pickup-confirm")).to_contain_text(
        site.t("Hand %(child)s to %(person)s (%(relation)s)?") % {
            "child": by_grandmother.name, "person": grandmother.name, "relation": grandmother.relation})
    check_page(tablet, "pickup-panel-confirm", axe=True)
    tablet.get_by_role("button", name=site.t("Confirm"), exact=True).click()
    expect(tablet.get_by_role("alert")).to_have_text(site.t("%(child)s released to %(person)s.") % {
        "child": by_grandmother.name, "person": grandmother.name})
    event = CustodyEvent.objects.get(student=by_grandmother)
    assert (event.kind, event.pickup_person) == (CustodyEvent.Kind.PICKUP, grandmother)

    # The other child's mother comes before the time to leave alone.
    other_mother = alone_later.guardianships.get().guardian
    held.filter(has_text=alone_later.name).get_by_test_id("pickup-adult").filter(has_text=other_mother.name).click()
    tablet.get_by_role("button", name=site.t("Confirm"), exact=True).click()
    expect(tablet.get_by_test_id("held-count")).to_have_text("0")

    # Still blocked: the absence without leave has no follow-up.
    expect(tablet.get_by_test_id("close-day")).to_have_count(0)
    absences = tablet.get_by_test_id("absences")
    absences.get_by_label(site.t("Guardian contacted")).select_option(
        value=str(absent.guardianships.get().guardian.pk))
    absences.get_by_label(site.t("Outcome")).select_option(value="reached_safe")
    absences.get_by_role("button", name=site.t("Record the follow-up")).click()
    expect(tablet.get_by_role("alert")).to_have_text(site.t("Follow-up recorded for %(child)s.") % {
        "child": absent.name})

    # Now the close: a confirm listing the day's figures, then closed.
    tablet.get_by_test_id("close-day").click()
    figures = {row.locator("th").inner_text(): row.locator("td").inner_text()
               for row in tablet.get_by_test_id("day-figures").locator("tr").all()}
    assert figures == {
        site.t("Rolls"): "1", site.t("Children present"): "2", site.t("Picked up by an adult of the list"): "2",
        site.t("Left alone per plan"): "0", site.t("Absent without leave (followed up)"): "1",
        site.t("Refused pickups"): "1",
    }
    check_page(tablet, "close-confirm-figures", axe=True)
    assert not DayClose.objects.filter(school=day.school).exists()
    tablet.get_by_role("button", name=site.t("Confirm: close the day")).click()
    expect(tablet.get_by_role("alert")).to_have_text(site.t("The day is closed: every child is accounted for."))
    assert DayClose.objects.get(school=day.school, date=day.today).closed_by == day.leader


def test_the_consoles_figures_refresh_without_touching_the_panel(school_day, tablet, sign_in, site, check_page):
    """Every 30 s the open console asks for its figures and sessions alone (htmx, `#console-live`) and
    swaps them in; the pickup panel below, and what the leader is typing there, stay as they were."""
    from attendance import services

    day = school_day
    first, second, absent = day.children
    services.marks_record(roll=day.roll, user=day.teacher, roll_student_ids={c.pk for c in day.children}, marks=[
        {"student": first.pk, "status": "present", "client_id": "r1"},
        {"student": second.pk, "status": "present", "client_id": "r2"},
        {"student": absent.pk, "status": "absent", "client_id": "r3"},
    ])
    tablet.clock.install()  # the page's 30-second timer runs on the test's clock
    test_tablet_day._sign_in(tablet, sign_in, day.leader)
    tablet.goto(f"/attendance/console/{day.school.pk}/")
    held_count = tablet.get_by_test_id("held-count")
    expect(held_count).to_have_text("2")
    typing = tablet.get_by_test_id("held-child").filter(has_text=second.name).get_by_label(site.t("Name of the person"))
    typing.fill("陌生人 钱某")
    # Meanwhile the first child's mother collects the child at another tablet of the school.
    services.custody_record(user=day.leader, student=first, kind="pickup",
                            guardian_id=first.guardianships.get().guardian_id)
    with tablet.expect_response(lambda r: "/attendance/console/" in r.url
                                and r.request.headers.get("hx-target") == "console-live") as refresh:
        tablet.clock.run_for(31_000)
    body = refresh.value.text()
    assert "<html" not in body and 'data-testid="held-child"' not in body  # the figures alone
    expect(held_count).to_have_text("1")
    rows = tablet.get_by_test_id("held-child")
    expect(rows).to_have_count(2)  # the panel is not refreshed
    expect(typing).to_have_value("陌生人 钱某")  # nor what the leader was typing
    # but it says that it is out of date: the child collected elsewhere is greyed out, not to be tapped
    stale = tablet.get_by_test_id("panel-stale")
    expect(stale).to_be_visible()
    expect(stale).to_contain_text(site.t("Show the current list"))
    gone = rows.filter(has_text=first.name)
    expect(gone).to_have_attribute("aria-disabled", "true")
    expect(gone.get_by_test_id("pickup-adult").first).to_have_class(re.compile(r"\bdisabled\b"))
    expect(gone.get_by_role("button", name=site.t("Refuse and alert"))).to_be_disabled()
    expect(rows.filter(has_text=second.name)).to_have_attribute("aria-disabled", "false")
    check_page(tablet, "duty-console-refreshed", axe=True)
    # The notice's link shows the current list.
    with tablet.expect_navigation():
        stale.get_by_role("link").click()
    expect(rows).to_have_count(1)
    expect(tablet.get_by_test_id("panel-stale")).to_be_hidden()
