"""A parent's day on a phone (issue 19), in Chinese and in English.

- parent2 opens the portal after duty1 recorded the pickup of the child by 王奶奶: the child's today
  card says "17:32 由王奶奶（祖母）接走" (the time of the pickup), and the inbox has a notice naming the
  child; the menu button shows the unread count.
- A second child of parent2 (made by the test: each run its own) is marked present while the page is
  open: a minute later the card says so, without a reload (today.js asks htmx while the page is visible).
- parent1 reports leave for tomorrow in two taps from the card.

Each language run makes its own child for the refresh; the pickup of parent2's demo child happens
once (a child is released once a day) and both runs read it.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .test_accounts import open_menu

pytestmark = pytest.mark.browser
BOTH_LANGUAGES = pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)


def _grandma_pickup(demo_user):
    """parent2's demo child, present on today's roll and picked up by 王奶奶 (recorded by duty1)."""
    from django.utils import timezone

    from attendance import services
    from attendance.models import CustodyEvent, Mark, Roll
    from enrollment.models import AuthorisedPickupPerson

    parent, duty = demo_user("parent2"), demo_user("duty1")
    grandma = AuthorisedPickupPerson.objects.active().filter(name="王奶奶", added_by=parent).first()
    assert grandma is not None, "the demo gives parent2's child an authorised grandmother"
    child, today = grandma.student, timezone.localdate()
    event = CustodyEvent.objects.filter(student=child, date=today, kind="pickup").first()
    if event is None:
        roll = Roll.objects.filter(date=today, group__placements__application__student=child,
                                   group__placements__active=True).first()
        if roll is not None and not Mark.objects.filter(roll=roll, student=child).exists():
            services.marks_record(roll=roll, user=roll.teacher, roll_student_ids={child.pk}, marks=[
                {"student": child.pk, "status": "present", "client_id": "parenttoday-browser"}])
        event = services.custody_record(user=duty, student=child, kind="pickup", pickup_person_id=grandma.pk)
    return child, event


def _second_child(demo_user, lang):
    """A new child of parent2 in the demo child's group (one per language run), not marked yet."""
    from django.utils import timezone

    from attendance.models import Roll
    from enrollment.models import Placement
    from tests.attendance.factories import place
    from tests.factories import GuardianshipFactory, StudentFactory

    parent = demo_user("parent2")
    first = parent.guardianships.filter(active=True).order_by("pk").first().student
    placement = Placement.objects.filter(active=True, application__student=first).select_related("group").first()
    name = "萧文轩" if lang == "zh-hans" else "萧文静"
    kid = StudentFactory(homeroom_class=first.homeroom_class, name=name)
    GuardianshipFactory(guardian=parent, student=kid)
    place(kid, placement.group, guardian=parent)
    roll = Roll.objects.get(group=placement.group, date=timezone.localdate())
    return kid, roll


def parent2_children(demo_user) -> int:
    return demo_user("parent2").guardianships.filter(active=True).count()


@BOTH_LANGUAGES
def test_parent_sees_the_pickup_and_a_notice_naming_the_child(phone, sign_in, site, demo_user, check_page, lang):
    from django.utils import timezone

    from attendance import services

    child, event = _grandma_pickup(demo_user)
    kid, roll = _second_child(demo_user, lang)
    phone.clock.install()  # today.js's minute, fast-forwarded below
    sign_in(phone, "parent2")
    phone.goto("/enrollment/")
    cards = phone.get_by_test_id("today-card")
    expect(cards).to_have_count(parent2_children(demo_user))
    card = cards.filter(has_text=child.name)
    at = timezone.localtime(event.at).strftime("%H:%M")
    ending = site.t("%(time)s picked up by %(person)s") % {"time": at, "person": "王奶奶（祖母）"}
    expect(card.get_by_test_id("today-ending")).to_have_text(ending)
    expect(card.get_by_test_id("today-status")).to_have_text(site.t("Gone home"))
    expect(card.get_by_test_id("today-events")).not_to_contain_text("王奶奶")  # once, on the last line
    # the second child: two cards, each with its own leave
    other = cards.filter(has_text=kid.name)
    expect(other.get_by_test_id("today-status")).to_have_text(site.t("Not checked in yet"))
    expect(other.get_by_test_id("today-leave")).to_have_count(1)
    check_page(phone, "parent-today", axe=True)

    # the teacher marks the second child present; a minute later the card says so, without a reload
    services.marks_record(roll=roll, user=roll.teacher, roll_student_ids={kid.pk}, marks=[
        {"student": kid.pk, "status": "present", "client_id": f"parenttoday-{lang}"}])
    with phone.expect_response(lambda r: f"/attendance/today/{kid.pk}/" in r.url):
        phone.clock.fast_forward("01:01")
    expect(other.get_by_test_id("today-status")).to_have_text(site.t("At school"))
    expect(other.get_by_test_id("today-ending")).to_have_text(site.t("Still at school"))
    check_page(phone, "parent-today-refreshed")

    # the inbox: the pickup notice names the child
    expect(phone.get_by_test_id("menu-unread")).to_be_visible()
    open_menu(phone)
    phone.locator("#mainnav").get_by_role("link", name=site.t("Inbox")).click()
    expect(phone.locator("main h1")).to_have_text(site.t("Inbox"))
    notice = phone.get_by_test_id("notice").filter(has_text=child.name).filter(has_text="王奶奶（祖母）").first
    expect(notice).to_contain_text(at)
    check_page(phone, "parent-today-inbox", axe=True)


@BOTH_LANGUAGES
def test_parent_reports_leave_for_tomorrow_in_two_taps(phone, sign_in, site, demo_user, check_page):
    import datetime

    from django.utils import timezone

    from attendance.models import Leave

    parent = demo_user("parent1")
    child = parent.guardianships.filter(active=True).order_by("pk").first().student
    sign_in(phone, "parent1")
    phone.goto("/enrollment/")
    card = phone.get_by_test_id("today-card").filter(has_text=child.name)
    card.get_by_test_id("today-leave").locator("summary").click()  # tap 1
    check_page(phone, "parent-today-leave-open", axe=True)
    card.get_by_test_id("leave-tomorrow").get_by_role("button", name=site.t("Sick")).click()  # tap 2
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    expect(phone.get_by_role("alert")).to_contain_text(child.name)
    leave = Leave.objects.active().get(student=child, date=tomorrow)
    assert leave.reason == "生病" and leave.reported_by == parent
    check_page(phone, "parent-today-leave-done")
