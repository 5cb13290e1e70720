"""Enrollment day, end to end in real browsers: a parent applies on a phone, the homeroom teacher
reviews on a tablet, the moral-education office allocates the seats on a desktop, and the parent
sees the place, then withdraws.

The demo city is shared by the whole browser package, so the scenario brings its own family: a new
parent (the mother) of twins in homeroom1's class (三年级（1）班 of S001). The father has already
applied for one twin (the one the homeroom teacher returns with a reason); the mother applies for
the other through the pages. At the end the placed twin is withdrawn, which gives the seat back, so
the seat counts the next run (or another test) sees are the demo's again.
"""
import uuid

import pytest
from playwright.sync_api import expect

from .test_accounts import open_menu

pytestmark = pytest.mark.browser

#: Chinese names as in the demo city: one pair of twins per language, so each run is told apart.
TWINS = {"zh-hans": ("欧阳思远", "欧阳思齐"), "en": ("司马嘉怡", "司马嘉禾")}
REJECT_REASON = "请先在“接送人”页面补充授权接送人信息，再重新申请。"

#: Buttons whose short label (one or two words) breaks over two lines (a squeezed button beside a
#: growing input showed 不通 above 过; "Sign" above "out" in a crowded header), and buttons whose
#: label sits off their middle (a link styled as a button kept its text at the top when the 44 px
#: minimum height made it taller than its line).
BUTTON_LABELS_JS = """
() => {
  const out = [];
  for (const el of document.querySelectorAll("button, .btn")) {
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    // The menu button has no label text: its only text is the unread count pinned to its corner.
    if (el.matches(".navbar-toggler")) continue;
    const text = el.innerText.trim();
    if (!text) continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    const box = el.getBoundingClientRect(), label = range.getBoundingClientRect();
    if (text.split(/\\s+/).length <= 2 && lines.size > 1) out.push(`"${text}" breaks over ${lines.size} lines`);
    const above = label.top - box.top, below = box.bottom - label.bottom;
    if (Math.abs(above - below) > 4) out.push(`"${text}" is not centred (${Math.round(above)}px above, ${Math.round(below)}px below)`);
  }
  return out.slice(0, 8);
}
"""


def _check(page, check_page, name, *, axe=False):
    """check_page, and every button's label on one line and in the middle of the button."""
    check_page(page, name, axe=axe)
    assert page.evaluate(BUTTON_LABELS_JS) == [], f"{name}: button labels"


def _family(lang):
    """The mother (who signs in), the father and the twins: the father's application for the second
    twin waits for review; the mother has not read the letter nor answered the privacy notice."""
    from accounts.roles import Role
    from accounts.services import role_assign
    from enrollment.models import ParentLetter
    from privacy.services import consent_record
    from schools.models import Guardianship, HomeroomClass, School, Term
    from tests.enrollment.factories import submit
    from tests.factories import GuardianshipFactory, StudentFactory, UserFactory

    school = School.objects.get(code="S001")
    homeroom_class = HomeroomClass.objects.get(school=school, name="三年级（1）班")
    term = Term.current()
    tag = uuid.uuid4().hex[:6]
    mother = UserFactory(username=f"browser_mother_{tag}", name=f"{TWINS[lang][0][:2]}妈妈")
    father = UserFactory(username=f"browser_father_{tag}", name=f"{TWINS[lang][0][:2]}爸爸")
    twins = []
    for i, name in enumerate(TWINS[lang]):
        child = StudentFactory(homeroom_class=homeroom_class, name=name, student_number=f"B{tag}{i}")
        GuardianshipFactory(guardian=mother, student=child, relation=Guardianship.Relation.MOTHER)
        GuardianshipFactory(guardian=father, student=child, relation=Guardianship.Relation.FATHER)
        twins.append(child)
    for parent in (mother, father):
        role_assign(user=parent, role=Role.PARENT)
    applied_by_father = twins[1]
    consent_record(student=applied_by_father, guardian=father, decision="given")
    letter = ParentLetter.objects.current_for(school=school, term=term)
    returned = submit(parent=father, child=applied_by_father, term=term, letter=letter)
    return mother, twins[0], returned, letter


def _parent_applies(phone, sign_in, site, check_page, *, mother, child, sibling, letter):
    from enrollment.models import Application, Session
    from tests.factories import PASSWORD

    sign_in(phone, mother.username, password=PASSWORD)
    # Parents land on the after-school service page: a card per child.
    expect(phone.locator("main h1")).to_have_text(site.t("After-school service"))
    card = phone.get_by_test_id("child-card").filter(has_text=child.name)
    sibling_card = phone.get_by_test_id("child-card").filter(has_text=sibling.name)
    expect(sibling_card.get_by_test_id("status")).to_have_text(site.t(Application.Status.SUBMITTED.label))
    expect(sibling_card.get_by_test_id("explanation")).to_have_text(
        site.t("Waiting for the homeroom teacher's review."))
    _check(phone, check_page, "enrollment-parent-home", axe=True)

    # The letter to parents comes first.
    card.get_by_test_id("read-letter").click()
    expect(phone.locator("main h1")).to_have_text(letter.title)
    letter_page = phone.get_by_test_id("letter")
    for heading in ("Who and what the service covers", "Service times", "Content of the service",
                    "Safety measures"):
        expect(letter_page.get_by_role("heading", name=site.t(heading))).to_be_visible()
    expect(letter_page).to_contain_text(letter.safety_measures)
    _check(phone, check_page, "enrollment-letter", axe=True)
    phone.get_by_test_id("acknowledge").click()

    # The application form says the privacy notice must be answered first.
    expect(phone.locator("main h1")).to_have_text(site.t("Apply for %(name)s") % {"name": child.name})
    expect(phone.get_by_role("alert").filter(has_text=site.t("Thank you: you have acknowledged the letter."))
           ).to_be_visible()
    missing = phone.get_by_test_id("consent-missing")
    expect(missing).to_contain_text(site.t(
        "Before you apply for %(name)s, read the privacy notice and give your consent. Without your consent the "
        "school cannot enroll your child.") % {"name": child.name})
    _check(phone, check_page, "enrollment-apply-no-consent", axe=True)

    missing.get_by_test_id("consent-link").click()
    expect(phone.locator("main h1")).to_have_text(site.t("Privacy and consent"))
    consent_card = phone.get_by_test_id("consent-card").filter(has_text=child.name)
    expect(consent_card.get_by_test_id("consent-state")).to_have_text(site.t("No answer yet"))
    _check(phone, check_page, "privacy-consent", axe=True)
    consent_card.get_by_role("button", name=site.t("I consent"), exact=True).click()

    # Consent given, the parent is back on the form she came from, which no longer asks for it.
    expect(phone.get_by_role("alert").filter(
        has_text=site.t("Thank you. Your consent for %(name)s is recorded.") % {"name": child.name})).to_be_visible()
    expect(phone.locator("main h1")).to_have_text(site.t("Apply for %(name)s") % {"name": child.name})
    expect(phone.get_by_test_id("consent-missing")).to_have_count(0)
    phone.get_by_label(site.t(Session.AFTER_SCHOOL.label)).check()
    expect(phone.get_by_label(site.t(Application.Pickup.GUARDIAN.label))).to_be_checked()
    _check(phone, check_page, "enrollment-apply", axe=True)
    phone.get_by_role("button", name=site.t("Send the application"), exact=True).click()

    expect(phone.locator("main h1")).to_have_text(site.t("After-school service"))
    expect(phone.get_by_role("alert").filter(
        has_text=site.t("The application for %(child)s was sent to the homeroom teacher.") % {"child": child.name})
    ).to_be_visible()
    expect(card.get_by_test_id("status")).to_have_text(site.t(Application.Status.SUBMITTED.label))
    expect(card).to_contain_text(site.t(Session.AFTER_SCHOOL.label))
    expect(card.get_by_test_id("explanation")).to_have_text(site.t("Waiting for the homeroom teacher's review."))
    _check(phone, check_page, "enrollment-parent-applied")


def _parent_chooses_a_club(phone, site, check_page, *, child):
    from clubs.models import Club, ClubChoice, ReviewStatus
    from schools.models import Term

    grade = child.homeroom_class.grade.number
    club = (Club.objects.filter(school=child.school, term=Term.current(), status=ReviewStatus.APPROVED,
                                grade_min__lte=grade, grade_max__gte=grade).order_by("pk").first())
    open_menu(phone)
    phone.get_by_role("link", name=site.t("Club menu"), exact=True).click()
    expect(phone.locator("main h1")).to_have_text(site.t("Club menu"))
    phone.get_by_role("link", name=child.name, exact=True).click()  # the twins: one tab each
    expect(phone.locator("main")).to_contain_text(f"{child.name} · {child.school.name}")
    expect(phone.get_by_test_id("my-choices")).to_have_text(site.t("No choices yet."))
    offer = phone.get_by_test_id("menu").locator(".card").filter(
        has=phone.get_by_role("heading", name=club.name))
    offer.get_by_role("button", name=f"{site.t('Add to my choices')} {club.name}", exact=True).click()

    expect(phone.get_by_role("alert")).to_have_text(
        site.t("%(club)s is now choice %(rank)s of %(child)s.") % {"club": club.name, "rank": 1, "child": child.name})
    mine = phone.get_by_test_id("ranked-choice")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text(club.name)
    expect(mine.get_by_test_id("rank")).to_have_text(site.t("Choice %(r)s") % {"r": 1})
    assert ClubChoice.objects.get(student=child, club=club).status == ClubChoice.Status.PENDING
    _check(phone, check_page, "clubs-menu-chosen", axe=True)


def _homeroom_reviews(tablet, site, check_page, *, child, returned):
    from enrollment.models import Application

    open_menu(tablet)
    tablet.get_by_role("link", name=site.t("Applications to review"), exact=True).click()
    expect(tablet.locator("main h1")).to_have_text(site.t("Applications to review"))
    to_approve = tablet.get_by_test_id("pending").filter(has_text=child.name)
    to_return = tablet.get_by_test_id("pending").filter(has_text=returned.student.name)
    expect(to_approve).to_contain_text(site.t("After-school service"))
    expect(to_approve).to_contain_text(site.t(Application.Pickup.GUARDIAN.label))
    expect(to_return).to_be_visible()
    _check(tablet, check_page, "enrollment-queue", axe=True)

    to_approve.get_by_role("button", name=site.t("Approve"), exact=True).click()
    expect(tablet.get_by_role("alert")).to_have_text(site.t("Approved."))
    expect(tablet.get_by_test_id("pending").filter(has_text=child.name)).to_have_count(0)
    reviewed = tablet.get_by_test_id("reviewed").filter(has_text=child.name)
    expect(reviewed).to_contain_text(site.t(Application.Status.CLASS_REVIEWED.label))

    # The other twin goes back to the parents with a reason they will read.
    to_return.get_by_label(site.t("Reason the parent will see")).fill(REJECT_REASON)
    to_return.get_by_role("button", name=site.t("Reject"), exact=True).click()
    expect(tablet.get_by_role("alert")).to_have_text(site.t("Rejected."))
    expect(tablet.get_by_test_id("reviewed").filter(has_text=returned.student.name)).to_contain_text(
        site.t(Application.Status.REJECTED.label))
    _check(tablet, check_page, "enrollment-queue-reviewed")


def _office_allocates(desktop, site, check_page, *, child):
    from enrollment.models import SYSTEM_REASONS, Application, Placement, ServiceGroup, Session

    school = child.school
    grade = child.homeroom_class.grade.number
    group = ServiceGroup.objects.get(school=school, term=Application.objects.get(student=child).term,
                                     session=Session.AFTER_SCHOOL, grade_from__lte=grade, grade_to__gte=grade,
                                     status=ServiceGroup.Status.ACTIVE)
    placed_before = Placement.objects.filter(group=group, active=True).count()
    reviewed = Application.objects.filter(school=school, term=group.term,
                                          status=Application.Status.CLASS_REVIEWED).count()
    # The demo leaves two of the six seats of grades 3-4 free; this scenario takes one and gives it back.
    assert reviewed <= group.capacity - placed_before, "the scenario needs a free seat in its group"

    desktop.get_by_role("link", name=site.t("Groups"), exact=True).click()
    expect(desktop.locator("main h1")).to_contain_text(site.t("After-school groups"))
    row = desktop.get_by_test_id("group-row").filter(has_text=group.name)
    expect(row.locator("td").last).to_have_text(f"{placed_before} / {group.capacity}")
    waiting = desktop.locator("main .card").filter(
        has=desktop.get_by_text(site.t(Application.Status.CLASS_REVIEWED.label), exact=True))
    expect(waiting.locator(".stat")).to_have_text(str(reviewed))
    _check(desktop, check_page, "enrollment-groups", axe=True)

    questions = []
    desktop.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    desktop.get_by_test_id("allocate").click()
    expect(desktop.get_by_role("alert")).to_have_text(
        site.t("Allocation done: %(placed)s placed, %(waitlisted)s newly waitlisted.")
        % {"placed": reviewed, "waitlisted": 0})
    assert questions == [site.t("Run the allocation now? Reviewed applications get seats in order: verified "
                                "priority first, then time of application.")]
    expect(row.locator("td").last).to_have_text(f"{placed_before + reviewed} / {group.capacity}")
    expect(waiting.locator(".stat")).to_have_text("0")
    _check(desktop, check_page, "enrollment-groups-allocated")

    # The group's page lists the child among those placed.
    row.get_by_role("link", name=group.name).click()
    expect(desktop.locator("main h1")).to_have_text(group.name)
    expect(desktop.get_by_test_id("headcount")).to_have_text(f"{placed_before + reviewed} / {group.capacity}")
    placed = desktop.get_by_test_id("placed-child")
    expect(placed).to_have_count(placed_before + reviewed)
    mine = placed.filter(has_text=child.name)
    expect(mine).to_contain_text(child.homeroom_class.name)
    expect(mine.locator("small")).to_have_text(site.t("allocation"))
    # Why each child is there, in the page's language whatever language the seats were given in.
    reasons = {site.t(reason) for reason in SYSTEM_REASONS}
    assert set(placed.locator("small").all_inner_texts()) <= reasons
    _check(desktop, check_page, "enrollment-group-detail", axe=True)
    return group, placed_before


def _parent_sees_the_place_and_withdraws(phone, site, check_page, *, child, returned, group):
    from django.utils import translation
    from django.utils.translation import pgettext_lazy

    from enrollment.models import Application
    from enrollment.selectors import explanation_text

    open_menu(phone)
    phone.get_by_role("link", name=site.t("After-school service"), exact=True).click()
    expect(phone.locator("main h1")).to_have_text(site.t("After-school service"))
    card = phone.get_by_test_id("child-card").filter(has_text=child.name)
    expect(card.get_by_test_id("status")).to_have_text(site.t(Application.Status.PLACED.label))
    expect(card).to_contain_text(f"{site.t('Group')}: {group.name}")
    app = Application.objects.get(student=child, status=Application.Status.PLACED)
    with translation.override(site.lang):
        why = explanation_text(app, show_priority=True)  # one sentence, in the page's language
    assert why.startswith(site.t("Placed in %(groups)s as number %(rank)s of %(total)s in the allocation order, "
                                 "which places verified priority claims first (this child has none) and then goes "
                                 "by time of application (applied %(when)s).").split("%(groups)s")[0] + group.name)
    expect(card.get_by_test_id("explanation")).to_have_text(why)
    returned_card = phone.get_by_test_id("child-card").filter(has_text=returned.student.name)
    expect(returned_card.get_by_test_id("status")).to_have_text(site.t(Application.Status.REJECTED.label))
    expect(returned_card.get_by_test_id("explanation")).to_have_text(
        site.t("Not approved by the homeroom teacher: %(reason)s") % {"reason": REJECT_REASON})
    _check(phone, check_page, "enrollment-parent-placed", axe=True)

    # The application's page: the four steps done, and the history behind a tap.
    card.get_by_role("link", name=site.t("Details"), exact=True).click()
    expect(phone.locator("main h1")).to_contain_text(child.name)
    expect(phone.locator("main h1").get_by_test_id("status")).to_have_text(site.t(Application.Status.PLACED.label))
    steps = phone.get_by_test_id("step")
    expect(steps).to_have_count(4)
    for i in range(4):
        expect(steps.nth(i)).to_have_attribute("data-state", "done")
    expect(steps.nth(3)).to_contain_text(site.t(pgettext_lazy("application step", "Placed")))
    history = phone.locator("main details li")
    expect(history).to_have_count(3)
    expect(history.nth(2)).to_contain_text(site.t("allocation"))
    _check(phone, check_page, "enrollment-application", axe=True)

    # Leaving says so (never a bare 退出) and asks on a page that tells what follows.
    phone.get_by_role("link", name=site.t("Leave the after-school service"), exact=True).click()
    expect(phone.locator("main h1")).to_have_text(site.t("Leave the after-school service"))
    expect(phone.get_by_test_id("consequence")).to_contain_text(group.name)
    _check(phone, check_page, "enrollment-withdraw-confirm", axe=True)
    phone.get_by_test_id("confirm-withdraw").click()
    expect(phone.get_by_role("alert")).to_have_text(
        site.t("%(child)s has left the after-school service.") % {"child": child.name})
    expect(phone.locator("main h1")).to_have_text(site.t("After-school service"))
    expect(card.get_by_test_id("status")).to_have_text(site.t(Application.Status.WITHDRAWN.label))
    expect(card.get_by_test_id("explanation")).to_have_text(site.t("Withdrawn."))
    expect(card.get_by_test_id("withdraw")).to_have_count(0)
    expect(card).not_to_contain_text(group.name)
    expect(card.get_by_test_id("apply")).to_have_text(site.t("Apply for this term"))
    _check(phone, check_page, "enrollment-parent-withdrawn", axe=True)


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_enrollment_day_from_the_letter_to_a_seat_and_back(make_page, sign_in, site, transactional_db,
                                                            check_page):
    from enrollment.models import Placement

    mother, child, returned, letter = _family(site.lang)

    phone = make_page("phone")
    _parent_applies(phone, sign_in, site, check_page, mother=mother, child=child, sibling=returned.student,
                    letter=letter)
    _parent_chooses_a_club(phone, site, check_page, child=child)

    tablet = make_page("tablet")
    sign_in(tablet, "homeroom1")
    _homeroom_reviews(tablet, site, check_page, child=child, returned=returned)

    desktop = make_page("desktop")
    sign_in(desktop, "moral1")
    group, placed_before = _office_allocates(desktop, site, check_page, child=child)

    _parent_sees_the_place_and_withdraws(phone, site, check_page, child=child, returned=returned, group=group)
    # The seat went back: the group holds what it held before the scenario.
    assert Placement.objects.filter(group=group, active=True).count() == placed_before
