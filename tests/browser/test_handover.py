"""Handovers and the teacher's today page on a tablet (issue 18, items 4 and 9), in Chinese and in
English, landscape (1024×768) and portrait (820×1180).

- The homeroom teacher opens the handover of the class from the today page: the class's service
  children are listed and ticked, the group's teacher is preselected; one child is unticked (an
  exception) and the handover is confirmed; the screen then says who holds the others.
- A teacher lands on today's page: the roll as a large card with its counts, the timetable below;
  on the roll page a child is marked late with one tap, and the card counts them.

Each test builds its own school (tests/browser/test_tablet_day.school_day), so the day is its own.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .test_tablet_day import BOTH_LANGUAGES, _sign_in, school_day  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser
PORTRAIT = {"width": 820, "height": 1180}


@BOTH_LANGUAGES
def test_homeroom_teacher_hands_the_class_to_the_group(school_day, tablet, sign_in, site, check_page):  # noqa: F811
    from accounts.roles import Role
    from attendance.models import CustodyEvent
    from tests.factories import UserFactory, give_role

    day = school_day
    homeroom = UserFactory(username=f"homeroom_{day.school.code}", name="林老师")
    give_role(homeroom, Role.HOMEROOM, school=day.school)
    give_role(homeroom, Role.TEACHER, school=day.school)
    day.homeroom_class.homeroom_teacher = homeroom
    day.homeroom_class.save()
    stays, *goes = day.children

    _sign_in(tablet, sign_in, homeroom)
    tablet.goto("/attendance/")
    tablet.get_by_role("link", name=site.t("Hand over: %(name)s") % {"name": day.homeroom_class.name}).click()
    expect(tablet.locator("main h1")).to_contain_text(day.homeroom_class.name)
    boxes = tablet.locator("input[name=student]")
    expect(boxes).to_have_count(3)
    for i in range(3):
        expect(boxes.nth(i)).to_be_checked()
    receiving = tablet.get_by_label(site.t("Receiving teacher"))
    expect(receiving).to_have_value(str(day.teacher.pk))  # the group's teacher, preselected
    check_page(tablet, "handover-class", axe=True)

    tablet.get_by_label(stays.name).uncheck()  # the exception: this child stays with the class
    tablet.get_by_test_id("handover-confirm").click()
    done = site.tn("%(n)d child handed over to %(teacher)s.", "%(n)d children handed over to %(teacher)s.", 2)
    expect(tablet.locator(".alert-success")).to_contain_text(done % {"n": 2, "teacher": day.teacher.name})
    events = CustodyEvent.objects.filter(student__in=day.children)
    assert {e.student for e in events} == set(goes)
    assert {(e.kind, e.to_user_id, e.roll_id) for e in events} == {
        (CustodyEvent.Kind.CLASS_TO_GROUP, day.teacher.pk, day.roll.pk)}

    # Portrait: the screen says who holds the two now; the child who stayed can still be handed over.
    tablet.set_viewport_size(PORTRAIT)
    tablet.goto(f"/attendance/handover/class/{day.homeroom_class.pk}/")
    expect(tablet.get_by_test_id("not-handed")).to_have_count(2)
    expect(tablet.get_by_test_id("not-handed").first).to_contain_text(day.teacher.name)
    expect(tablet.get_by_label(stays.name)).to_be_checked()
    check_page(tablet, "handover-class-portrait", axe=True)


@BOTH_LANGUAGES
def test_teacher_today_cards_and_late_in_one_tap(school_day, tablet, sign_in, site, check_page):  # noqa: F811
    from attendance.models import Mark
    from attendance.selectors import day_timetable

    day = school_day
    late = day.children[0]
    _sign_in(tablet, sign_in, day.teacher)  # teachers land on their workbench: today's rolls first
    with tablet.expect_navigation():
        tablet.get_by_test_id("work-attendance.todays_rolls").click()  # from the workbench
    expect(tablet.locator("main h1")).to_contain_text(site.t("Rolls"))
    card = tablet.get_by_test_id("roll-card")
    expect(card).to_contain_text(day.roll.name)
    expect(card.locator("[data-count=unmarked]")).to_have_text("3")
    # the school's timetable of the day below (a weekend demo day has rolls on demand, no timetable)
    timetable = tablet.get_by_test_id("day-timetable")
    if day_timetable(user=day.teacher, date=day.today).entries:
        expect(timetable).to_contain_text(day.group.name)
    else:
        expect(timetable).to_contain_text(site.t("The calendar has no service on this day."))
    check_page(tablet, "teacher-today", axe=True)
    tablet.set_viewport_size(PORTRAIT)
    check_page(tablet, "teacher-today-portrait", axe=True)

    card.get_by_role("link", name=day.roll.name).click()
    expect(tablet.locator("main h1")).to_have_text(day.roll.name)
    tablet.locator(f".roll-quick[data-student='{late.pk}'][data-set='late']").click()  # one tap
    child = tablet.locator(f".roll-child[data-student='{late.pk}']")
    expect(child.locator("[data-status-label]")).to_have_text(site.t("Late"))
    expect(tablet.get_by_test_id("unsent")).to_have_text("0")
    assert Mark.objects.get(roll=day.roll, student=late).status == "late"
    check_page(tablet, "roll-late-portrait", axe=True)

    tablet.goto("/attendance/")
    card = tablet.get_by_test_id("roll-card")
    expect(card.locator("[data-count=present]")).to_have_text("1")
    expect(card.locator("[data-count=unmarked]")).to_have_text("2")
