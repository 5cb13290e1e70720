"""A school day on a tablet (1024×768), in Chinese and in English.

- The duty leader opens the day's console (no close button while a child is held), records a
  pickup by an authorised adult with one tap and a confirm, refuses someone not on the list, records
  the last pickup, follows up the absence without leave and closes the day after a confirm.
- A teacher logs an incident, then raises its severity: it escalates, and the principal finds the
  notice in the inbox on a second page.
- A teacher takes the roll, loses the connection mid-roll, keeps marking, reloads offline (the
  service worker serves the page), reconnects, and every mark arrives exactly once.

Each test builds its own school of the demo city's term (staff, a group, children, today's roll
and rota), so the day, its pickups and its close are the test's alone: the tests run in any order
and in both languages on the shared demo city.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from .test_accounts import nav_link

pytestmark = pytest.mark.browser
BOTH_LANGUAGES = pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)


@dataclass
class SchoolDay:
    school: object
    term: object
    venue: object
    homeroom_class: object
    leader: object
    teacher: object
    principal: object
    group: object
    roll: object
    children: list
    today: object


@pytest.fixture
def school_day(transactional_db):
    """A new school with a principal, a rostered duty leader, a teacher holding an after-school
    group of three children (each with a guardian), and today's roll of the group."""
    from django.utils import timezone

    from accounts.roles import Role
    from attendance import services
    from attendance.models import DutyRota, Roll
    from schools.models import District, Term
    from tests.attendance.factories import approved_plan, children_in_group
    from tests.enrollment.factories import ServiceGroupFactory
    from tests.factories import HomeroomClassFactory, SchoolFactory, UserFactory, VenueFactory, give_role

    tag = uuid.uuid4().hex[:8]
    number = int(tag, 16) % 10**6
    today = timezone.localdate()
    term = Term.current(today)
    school = SchoolFactory(code=f"T{tag}", name=f"沙河市青松第{number}小学",
                           district=District.objects.order_by("code").first())
    venue = VenueFactory(school=school, name="图书馆")
    homeroom_class = HomeroomClassFactory(school=school, name="三年级（2）班")

    def staff(role_name, name, *roles):
        user = UserFactory(username=f"{role_name}_{tag}", name=name)
        for role in roles:
            give_role(user, role, school=school)
        return user

    principal = staff("principal", "郭校长", Role.PRINCIPAL)
    leader = staff("duty", "带班何老师", Role.DUTY_LEADER, Role.TEACHER)
    teacher = staff("teacher", "钱老师", Role.TEACHER)
    approved_plan(school, term)
    group = ServiceGroupFactory(school=school, term=term, venue=venue, teacher=teacher, capacity=40,
                                name="三四年级课后服务组")
    children = children_in_group(group, homeroom_class, 3)
    for child, name in zip(children, ("周小雨", "吴天乐", "郑可欣"), strict=True):
        child.name = name
        child.save(update_fields=["name"])
    DutyRota.objects.create(school=school, date=today, leader=leader)
    services.rolls_create_for_day(school=school, date=today, any_weekday=True)
    roll = Roll.objects.get(group=group, date=today)
    return SchoolDay(school=school, term=term, venue=venue, homeroom_class=homeroom_class, leader=leader,
                     teacher=teacher, principal=principal, group=group, roll=roll, children=children, today=today)


def _sign_in(page, sign_in, user):
    from tests.factories import PASSWORD

    return sign_in(page, user.username, password=PASSWORD)


# --- 1. the duty leader's day --------------------------------------------------------------------
@BOTH_LANGUAGES
def test_duty_leader_records_pickups_and_closes_the_day_only_when_every_child_is_released(
        school_day, tablet, sign_in, site, check_page):
    from django.utils import timezone

    from attendance import services
    from attendance.models import CustodyEvent, DayClose, PickupRefusal
    from enrollment.models import AuthorisedPickupPerson
    from schools.models import Guardianship

    day = school_day
    grandmother_of, last, absent = day.children
    grandmother = AuthorisedPickupPerson.objects.create(
        student=grandmother_of, name="王奶奶", relation="祖母", phone="13912340001",
        added_by=grandmother_of.guardianships.get().guardian)
    # The teacher took the roll: two present, one absent (an absent child is not held).
    services.marks_record(roll=day.roll, user=day.teacher, roll_student_ids={c.pk for c in day.children}, marks=[
        {"student": grandmother_of.pk, "status": "present", "client_id": "a1"},
        {"student": last.pk, "status": "present", "client_id": "a2"},
        {"student": absent.pk, "status": "absent", "client_id": "a3"},
    ])

    # A rostered duty leader lands on the workbench, whose first card is the day's console.
    _sign_in(tablet, sign_in, day.leader)
    with tablet.expect_navigation():
        tablet.get_by_test_id("work-attendance.duty_console").click()
    assert tablet.url == site.url(f"/attendance/console/{day.school.pk}/")
    heading = tablet.locator("main h1")
    expect(heading).to_contain_text(site.t("Duty console"))
    expect(heading).to_contain_text(day.school.name)
    expect(heading).to_contain_text(day.today.isoformat())
    held_count = tablet.get_by_test_id("held-count")
    expect(held_count).to_have_text("2")
    held = tablet.get_by_test_id("held-child")
    expect(held).to_have_count(2)
    expect(held.filter(has_text=absent.name)).to_have_count(0)
    # The pickup panel has no default: no picker, each adult of the list a button of its own.
    expect(tablet.get_by_test_id("pickup-panel").locator("select")).to_have_count(0)
    # Nothing can be closed while children are held: no close button, the reasons instead.
    expect(tablet.get_by_test_id("close-day")).to_have_count(0)
    expect(tablet.get_by_test_id("close-blocked")).to_be_visible()
    check_page(tablet, "duty-console", axe=True)

    # The grandmother, on the child's pickup list, collects her grandchild: one tap, then a confirm
    # naming the child and the adult.
    row = held.filter(has_text=grandmother_of.name)
    expect(row.get_by_test_id("pickup-plan")).to_contain_text(site.t("Picked up by a guardian"))
    row.get_by_test_id("pickup-adult").filter(has_text=grandmother.name).click()
    expect(tablet.get_by_test_id("pickup-confirm")).to_contain_text(
        site.t("Hand %(child)s to %(person)s (%(relation)s)?") % {
            "child": grandmother_of.name, "person": grandmother.name, "relation": grandmother.relation})
    check_page(tablet, "duty-console-pickup-confirm", axe=True)
    assert not CustodyEvent.objects.filter(student=grandmother_of).exists()
    tablet.get_by_role("button", name=site.t("Confirm"), exact=True).click()
    expect(tablet.get_by_role("alert")).to_have_text(site.t("%(child)s released to %(person)s.") % {
        "child": grandmother_of.name, "person": grandmother.name})
    expect(held_count).to_have_text("1")
    expect(held).to_have_count(1)
    expect(held.filter(has_text=grandmother_of.name)).to_have_count(0)
    handed_over = tablet.get_by_test_id("released").locator("li")
    expect(handed_over.filter(has_text=grandmother_of.name)).to_contain_text(f"{grandmother.name} ({grandmother.relation})")
    event = CustodyEvent.objects.get(student=grandmother_of, kind=CustodyEvent.Kind.PICKUP)
    assert (event.pickup_person, event.recorded_by, event.date) == (grandmother, day.leader, day.today)

    # Someone not on the list comes for the last child: an explicit refusal, with the name.
    row = held.filter(has_text=last.name)
    row.get_by_label(site.t("Name of the person")).fill("陌生人 赵某")
    row.get_by_role("button", name=site.t("Refuse and alert")).click()
    expect(tablet.get_by_role("alert")).to_contain_text("陌生人 赵某")
    assert PickupRefusal.objects.get(student=last).person == "陌生人 赵某"
    expect(held_count).to_have_text("1")
    assert not CustodyEvent.objects.filter(student=last).exists()

    # The mother collects the last child.
    mother = last.guardianships.get().guardian
    relation = site.t(Guardianship.Relation.MOTHER.label)
    held.filter(has_text=last.name).get_by_test_id("pickup-adult").filter(has_text=mother.name).click()
    expect(tablet.get_by_test_id("pickup-confirm")).to_contain_text(
        site.t("Hand %(child)s to %(person)s (%(relation)s)?") % {"child": last.name, "person": mother.name,
                                                                  "relation": relation})
    tablet.get_by_role("button", name=site.t("Confirm"), exact=True).click()
    expect(tablet.get_by_role("alert")).to_have_text(site.t("%(child)s released to %(person)s.") % {
        "child": last.name, "person": mother.name})
    expect(held_count).to_have_text("0")
    expect(tablet.locator("main")).to_contain_text(site.t("No child is held now."))
    expect(handed_over.filter(has_text=last.name)).to_contain_text(f"{mother.name} ({relation})")

    # The absence without leave still blocks the close until someone follows it up.
    expect(tablet.get_by_test_id("close-day")).to_have_count(0)
    absences = tablet.get_by_test_id("absences")
    absent_mother = absent.guardianships.get().guardian
    absences.get_by_label(site.t("Guardian contacted")).select_option(value=str(absent_mother.pk))
    absences.get_by_label(site.t("Outcome")).select_option(value="reached_safe")
    absences.get_by_role("button", name=site.t("Record the follow-up")).click()
    expect(tablet.get_by_role("alert")).to_have_text(site.t("Follow-up recorded for %(child)s.") % {
        "child": absent.name})

    # Now the day closes, after a confirm that lists the day's figures.
    tablet.get_by_test_id("close-day").click()
    expect(tablet.get_by_test_id("day-figures")).to_contain_text(site.t("Absent without leave (followed up)"))
    check_page(tablet, "duty-console-close-confirm", axe=True)
    assert not DayClose.objects.filter(school=day.school, date=day.today).exists()
    tablet.get_by_role("button", name=site.t("Confirm: close the day")).click()
    expect(tablet.get_by_role("alert")).to_have_text(site.t("The day is closed: every child is accounted for."))
    closed = DayClose.objects.get(school=day.school, date=day.today)
    assert closed.closed_by == day.leader
    expect(tablet.locator("main")).to_contain_text(
        site.t("Closed by %(who)s at %(t)s") % {"who": day.leader.name,
                                                "t": timezone.localtime(closed.closed_at).strftime("%H:%M")})
    expect(tablet.get_by_test_id("close-day")).to_have_count(0)  # closed once: no button to close it again
    check_page(tablet, "duty-console-closed", axe=True)


# --- 2. an incident that escalates ---------------------------------------------------------------
@BOTH_LANGUAGES
def test_teacher_raises_an_incident_to_serious_and_the_principal_is_told(
        school_day, tablet, make_page, sign_in, site, check_page):
    from notices.models import Notification
    from safety.models import SEVERITY_HELP, Incident, IncidentType, Severity

    day = school_day
    child = day.children[2]
    _sign_in(tablet, sign_in, day.teacher)
    nav_link(tablet, site.t("Incidents")).click()
    tablet.get_by_test_id("log-incident").click()
    expect(tablet.locator("main h1")).to_contain_text(site.t("Log an incident"))
    expect(tablet.locator("main h1")).to_contain_text(day.school.name)

    # The short form: what kind, how serious (general first), where, what, which child.
    tablet.get_by_text(site.t(IncidentType.INJURY.label), exact=True).click()
    general = f"{site.t(Severity.GENERAL.label)}: {site.t(SEVERITY_HELP[Severity.GENERAL])}"
    tablet.get_by_text(general, exact=True).click()
    tablet.get_by_label(site.t("Where"), exact=True).select_option(label=day.venue.name)
    tablet.get_by_label(site.t("What happened")).fill("跳绳时摔倒，膝盖擦伤，已消毒包扎。")
    tablet.get_by_label(site.t("Find a child")).fill(child.name)
    tablet.locator("#child-results").get_by_label(child.name).check()
    expect(tablet.locator("#chosen-children")).to_contain_text(child.name)
    check_page(tablet, "incident-new", axe=True)
    tablet.get_by_role("button", name=site.t("Log incident")).click()

    expect(tablet.get_by_role("alert")).to_have_text(site.t("Logged. Add details when you can."))
    incident = Incident.objects.get(school=day.school)
    assert incident.escalated_at is None and incident.children.get() == child
    expect(tablet.locator("main h1")).to_have_text(site.t(IncidentType.INJURY.label))
    expect(tablet.get_by_test_id("incident-status")).to_have_text(site.t(Incident.Status.OPEN.label))
    escalated_badge = tablet.locator("main .badge.text-bg-danger")
    expect(escalated_badge).to_have_count(0)

    # The doctor says it needs stitches: the teacher raises the severity to serious.
    tablet.get_by_role("link", name=site.t("Add details")).click()
    serious = f"{site.t(Severity.SERIOUS.label)}: {site.t(SEVERITY_HELP[Severity.SERIOUS])}"
    tablet.get_by_text(serious, exact=True).click()
    tablet.get_by_label(site.t("Actions taken")).fill("已送医院缝合，家长陪同。")
    check_page(tablet, "incident-edit", axe=True)
    tablet.get_by_role("button", name=site.t("Save")).click()

    expect(tablet.get_by_role("alert")).to_have_text(
        site.t("Saved. This incident has been escalated: the principal and the bureau are notified."))
    before, after = site.t("Escalated %(since)s ago").split("%(since)s")
    expect(escalated_badge).to_have_text(re.compile(rf"^{re.escape(before)}.+{re.escape(after)}$"))
    expect(tablet.locator("main")).to_contain_text(site.t(SEVERITY_HELP[Severity.SERIOUS]))
    incident.refresh_from_db()
    assert incident.severity == Severity.SERIOUS and incident.escalated_at is not None
    check_page(tablet, "incident-escalated", axe=True)

    # The principal, at a desk, finds the notice in the inbox and opens the incident from it.
    notice = Notification.objects.get(recipient=day.principal, kind="safety.incident_escalated")
    assert str(incident.pk) in notice.link
    desk = make_page("desktop")
    _sign_in(desk, sign_in, day.principal)
    nav_link(desk, site.t("Inbox")).click()
    item = desk.locator("main form.list-group-item").filter(has_text=notice.title)
    expect(item).to_have_count(1)
    expect(item).to_contain_text(site.t("Must read"))
    expect(item).to_contain_text(day.school.name)
    check_page(desk, "inbox-principal-escalation", axe=True)
    item.get_by_role("button").click()
    expect(desk.locator("main h1")).to_have_text(site.t(IncidentType.INJURY.label))
    expect(desk.locator("main")).to_contain_text(child.name)
    expect(desk.locator("main .badge.text-bg-danger")).to_be_visible()
    check_page(desk, "incident-principal")


# --- 3. the roll on weak Wi-Fi -------------------------------------------------------------------
@BOTH_LANGUAGES
def test_roll_survives_a_dropped_connection(school_day, tablet, sign_in, site, check_page):
    from attendance.models import Mark, Roll

    day = school_day
    child_a, child_a2, third = day.children
    _sign_in(tablet, sign_in, day.teacher)  # teachers land on their workbench: today's rolls first
    with tablet.expect_navigation():
        tablet.get_by_test_id("work-attendance.todays_rolls").click()
    expect(tablet.locator("main h1")).to_contain_text(site.t("Rolls"))
    tablet.get_by_role("link", name=day.roll.name).click()
    expect(tablet.locator("main h1")).to_have_text(day.roll.name)
    # The service worker takes control; loading the page again puts the page in its cache.
    tablet.evaluate("async () => { await navigator.serviceWorker.ready; return true; }")
    tablet.reload()
    assert tablet.evaluate("() => !!navigator.serviceWorker.controller")
    tablet.reload()
    unsent = tablet.get_by_test_id("unsent")
    unmarked = tablet.locator("[data-count=unmarked]")
    expect(unmarked).to_have_text("3")
    a = tablet.locator(f".roll-child[data-student='{child_a.pk}']")
    a2 = tablet.locator(f".roll-child[data-student='{child_a2.pk}']")
    expect(a).to_contain_text(site.t("Not marked"))
    assert a.bounding_box()["height"] >= 44 and tablet.evaluate("document.documentElement.scrollWidth") <= 1024
    check_page(tablet, "roll", axe=True)

    a.click()  # present, sent at once
    expect(unsent).to_have_text("0")
    expect(a.locator("[data-status-label]")).to_have_text(site.t("Present"))
    assert Mark.objects.get(student=child_a).status == "present"

    tablet.context.set_offline(True)
    a.click()   # absent
    a2.click()  # present
    expect(unsent).to_have_text("2")
    assert a.get_attribute("data-status") == "absent" and a2.get_attribute("data-status") == "present"
    expect(a.locator("[data-status-label]")).to_have_text(f"{site.t('Absent')} ↻")  # waiting to be sent
    expect(tablet.locator("[data-connection]")).to_have_text(site.t("Offline"))
    offline_note = site.t("Offline: marks are kept on this tablet and sent when the connection returns.")
    expect(tablet.locator("[data-offline-note]")).to_have_text(offline_note)
    # Offline, the page still opens (service worker) and the unsent marks are still there.
    tablet.reload()
    expect(tablet.locator("main h1")).to_have_text(day.roll.name)
    expect(unsent).to_have_text("2")
    expect(unmarked).to_have_text("1")
    expect(tablet.locator("[data-offline-note]")).to_have_text(offline_note)
    assert Mark.objects.get(student=child_a).status == "present"
    assert not Mark.objects.filter(student=child_a2).exists()

    tablet.context.set_offline(False)
    expect(unsent).to_have_text("0")
    expect(tablet.locator("[data-connection]")).to_have_text(site.t("Online"))
    expect(a.locator("[data-status-label]")).to_have_text(site.t("Absent"))
    marks = {m.student_id: m.status for m in Mark.objects.filter(roll=day.roll)}
    assert marks == {child_a.pk: "absent", child_a2.pk: "present"}
    # Each tap arrived once: child_a created then changed once, child_a2 created once.
    assert Mark.history.filter(student_id=child_a.pk).count() == 2
    assert Mark.history.filter(student_id=child_a2.pk).count() == 1

    # "All present" marks the one child left in one tap and keeps the others' marks; then submit.
    tablet.get_by_role("button", name=site.t("All present")).click()
    expect(unsent).to_have_text("0")
    expect(unmarked).to_have_text("0")
    assert Mark.objects.get(student=third).status == "present"
    assert Mark.objects.get(student=child_a).status == "absent"
    tablet.get_by_role("button", name=site.t("Submit the roll")).click()
    expect(tablet.get_by_role("alert")).to_have_text(site.t("Roll submitted."))
    expect(tablet.locator("main h1")).to_have_text(day.roll.name)
    day.roll.refresh_from_db()
    assert day.roll.status == Roll.Status.SUBMITTED
    expect(tablet.locator("#roll-app .badge.text-bg-success").filter(
        has_text=site.t(Roll.Status.SUBMITTED.label))).to_be_visible()
    check_page(tablet, "roll-submitted", axe=True)
