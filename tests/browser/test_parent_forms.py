"""A parent's day on a phone (issue 19, items 2-5): the application's steps, ranking three clubs
without losing one, and forms made for a thumb (checked by geometry), in Chinese and in English.

Each scenario brings its own family in 三年级（1）班 of S001 (the demo city is shared by the browser
package): a new guardian with a new child, so that nothing the demo's parents see changes.
"""
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

#: Every checkbox and radio row in <main>: the label beside the box (no overlap, a gap between
#: them) and a touch target of at least 44 px (the label, which toggles the box, and the row).
FORM_CHECK_GEOMETRY_JS = """
() => {
  const out = [];
  const rows = [...document.querySelectorAll("main .form-check")].filter(r => r.checkVisibility());
  for (const row of rows) {
    const input = row.querySelector(".form-check-input"), label = row.querySelector(".form-check-label");
    if (!input || !label) { out.push(`${row.innerText.trim()}: no box or label`); continue; }
    const a = input.getBoundingClientRect(), b = label.getBoundingClientRect(), r = row.getBoundingClientRect();
    const text = label.innerText.trim();
    const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    if (overlap) out.push(`${text}: the label overlaps the box`);
    if (b.left - a.right < 6) out.push(`${text}: the label touches the box (${Math.round(b.left - a.right)} px)`);
    if (b.height < 44) out.push(`${text}: label ${Math.round(b.height)} px high`);
    if (r.height < 44) out.push(`${text}: row ${Math.round(r.height)} px high`);
    const middle = (a.top + a.bottom) / 2, labelMiddle = (b.top + b.bottom) / 2;
    if (Math.abs(middle - labelMiddle) > 4) out.push(`${text}: the box is not level with its label`);
  }
  return {count: rows.length, problems: out.slice(0, 10)};
}
"""


def _family(name):
    """A new guardian (parent role, consent given) of a new child in 三年级（1）班 of S001."""
    from accounts.roles import Role
    from accounts.services import role_assign
    from privacy.services import consent_record
    from schools.models import Guardianship, HomeroomClass, School
    from tests.factories import GuardianshipFactory, StudentFactory, UserFactory

    school = School.objects.get(code="S001")
    homeroom_class = HomeroomClass.objects.get(school=school, name="三年级（1）班")
    tag = uuid.uuid4().hex[:6]
    parent = UserFactory(username=f"browser_forms_{tag}", name=f"{name[:1]}家长")
    child = StudentFactory(homeroom_class=homeroom_class, name=name, student_number=f"F{tag}")
    GuardianshipFactory(guardian=parent, student=child, relation=Guardianship.Relation.MOTHER)
    role_assign(user=parent, role=Role.PARENT)
    consent_record(student=child, guardian=parent, decision="given")
    return parent, child


def _sign_in(page, sign_in, parent):
    from tests.factories import PASSWORD

    sign_in(page, parent.username, password=PASSWORD)


# --- item 2: the application's steps --------------------------------------------------------------
@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_the_application_shows_its_steps_and_what_happens_next(phone, sign_in, site, transactional_db,
                                                                check_page):
    from django.utils.translation import pgettext_lazy

    from enrollment import services
    from enrollment.models import ParentLetter
    from schools.models import Term
    from tests.enrollment.factories import submit

    parent, child = _family({"zh-hans": "进度小雨", "en": "进度小雪"}[site.lang])
    letter = ParentLetter.objects.current_for(school=child.school, term=Term.current())
    app = submit(parent=parent, child=child, term=Term.current(), letter=letter)
    from accounts.models import User

    services.application_review(application=app, by=User.objects.get(username="homeroom1"), decision="approve")

    _sign_in(phone, sign_in, parent)
    card = phone.get_by_test_id("child-card").filter(has_text=child.name)
    card.get_by_role("link", name=site.t("Details"), exact=True).click()
    expect(phone.locator("main h1")).to_contain_text(child.name)
    steps = phone.get_by_test_id("step")
    expect(steps).to_have_count(4)
    labels = [site.t(pgettext_lazy("application step", s)) for s in
              ("Submitted", "Teacher's review", "School allocation", "Placed or waiting list")]
    for i, (label, state) in enumerate(zip(labels, ["done", "done", "current", "todo"], strict=True)):
        expect(steps.nth(i)).to_have_attribute("data-state", state)
        expect(steps.nth(i).locator(".step-label")).to_have_text(label)
    expect(steps.nth(2)).to_have_attribute("aria-current", "step")
    expect(phone.get_by_test_id("next-step")).to_have_text(site.t(
        "Next, the school allocates the seats of the service groups; you will get a notice with the result."))
    # the labels of the steps sit on their own lines, inside the screen
    boxes = [steps.nth(i).bounding_box() for i in range(4)]
    assert all(b["x"] >= 0 and b["x"] + b["width"] <= 375 for b in boxes)
    check_page(phone, "parent-application-steps", axe=True)

    # withdrawing before a seat: 撤回报名, on a page that says what follows, and nothing happens yet
    phone.get_by_test_id("withdraw").click()
    expect(phone.locator("main h1")).to_have_text(site.t("Withdraw the application"))
    expect(phone.get_by_test_id("consequence")).to_contain_text(child.name)
    check_page(phone, "parent-withdraw-confirm", axe=True)
    phone.get_by_role("link", name=site.t("Keep the application"), exact=True).click()
    expect(phone.get_by_test_id("step")).to_have_count(4)
    app.refresh_from_db()
    assert app.status == "class_reviewed"


# --- item 3: the club menu never loses a choice ----------------------------------------------------
@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_ranking_three_clubs_without_losing_one(phone, sign_in, site, transactional_db, check_page):
    from clubs.models import Club, ClubChoice, ReviewStatus
    from schools.models import Term

    parent, child = _family({"zh-hans": "志愿小林", "en": "志愿小森"}[site.lang])
    grade = child.homeroom_class.grade.number
    clubs = list(Club.objects.filter(school=child.school, term=Term.current(), status=ReviewStatus.APPROVED,
                                     grade_min__lte=grade, grade_max__gte=grade).order_by("name")[:4])
    assert len(clubs) == 4
    _sign_in(phone, sign_in, parent)
    phone.goto("/clubs/menu/")
    expect(phone.locator("main h1")).to_have_text(site.t("Club menu"))

    def add(club):
        card = phone.get_by_test_id("club-card").filter(has=phone.get_by_role("heading", name=club.name))
        card.get_by_role("button", name=f"{site.t('Add to my choices')} {club.name}", exact=True).click()

    def ranking():
        return phone.get_by_test_id("ranked-choice").get_by_test_id("club-name").all_inner_texts()

    for rank, club in enumerate(clubs[:3], 1):
        add(club)
        expect(phone.get_by_role("alert")).to_have_text(
            site.t("%(club)s is now choice %(rank)s of %(child)s.") % {"club": club.name, "rank": rank,
                                                                        "child": child.name})
    assert ranking() == [c.name for c in clubs[:3]]
    chosen_card = phone.get_by_test_id("club-card").filter(has=phone.get_by_role("heading", name=clubs[1].name))
    expect(chosen_card.get_by_test_id("chosen")).to_contain_text(site.t("Choice %(r)s") % {"r": 2})
    expect(phone.get_by_test_id("ranking-hint")).to_have_text(site.t(
        "All three choices are taken: adding another club first asks which one it replaces."))
    check_page(phone, "clubs-menu-three-ranked", axe=True)

    # a fourth asks first, naming each choice it could replace; keeping them changes nothing
    add(clubs[3])
    expect(phone.locator("main h1")).to_have_text(site.t("Replace a choice"))
    options = phone.get_by_test_id("replace-options").get_by_role("button")
    expect(options).to_have_count(3)
    expect(options.nth(1)).to_have_text(site.t("Replace choice %(r)s: %(old)s") % {"r": 2, "old": clubs[1].name})
    check_page(phone, "clubs-menu-replace-confirm", axe=True)
    phone.get_by_role("link", name=site.t("Keep my choices"), exact=True).click()
    assert ranking() == [c.name for c in clubs[:3]]

    # move the third up to first: up, up; the ranks stay 1..3 and none is lost
    for _ in range(2):
        third = phone.get_by_test_id("ranked-choice").filter(has_text=clubs[2].name)
        third.get_by_role("button", name=f"{site.t('Move up')} {clubs[2].name}", exact=True).click()
        expect(phone.get_by_role("alert")).to_contain_text(clubs[2].name)
    assert ranking() == [clubs[2].name, clubs[0].name, clubs[1].name]
    ranks = phone.get_by_test_id("ranked-choice").get_by_test_id("rank").all_inner_texts()
    assert ranks == [site.t("Choice %(r)s") % {"r": r} for r in (1, 2, 3)]

    # replacing after the confirm step: the fourth takes the second's rank
    add(clubs[3])
    phone.get_by_role("button", name=site.t("Replace choice %(r)s: %(old)s") % {"r": 2, "old": clubs[0].name},
                      exact=True).click()
    expect(phone.get_by_role("alert")).to_have_text(site.t("%(club)s replaced %(old)s as choice %(rank)s.")
                                                    % {"club": clubs[3].name, "old": clubs[0].name, "rank": 2})
    assert ranking() == [clubs[2].name, clubs[3].name, clubs[1].name]
    live = ClubChoice.objects.filter(student=child, status=ClubChoice.Status.PENDING).order_by("rank")
    assert [(c.rank, c.club_id) for c in live] == [(1, clubs[2].pk), (2, clubs[3].pk), (3, clubs[1].pk)]
    check_page(phone, "clubs-menu-reordered", axe=True)


# --- item 4: forms for a thumb ---------------------------------------------------------------------
def _geometry(page, name):
    result = page.evaluate(FORM_CHECK_GEOMETRY_JS)
    assert result["count"] > 0, f"{name}: no checkbox or radio found"
    assert result["problems"] == [], f"{name}: {result['problems']}"


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_application_form_on_a_phone(phone, sign_in, site, transactional_db, check_page):
    from enrollment.models import (
        Application,
        AuthorisedPickupPerson,
        LetterAcknowledgement,
        ParentLetter,
        Session,
    )
    from schools.models import Term

    parent, child = _family({"zh-hans": "表单小禾", "en": "表单小苗"}[site.lang])
    letter = ParentLetter.objects.current_for(school=child.school, term=Term.current())
    LetterAcknowledgement.objects.create(letter=letter, guardian=parent)
    _sign_in(phone, sign_in, parent)
    phone.goto(f"/enrollment/apply/{child.pk}/")
    expect(phone.locator("main h1")).to_have_text(site.t("Apply for %(name)s") % {"name": child.name})
    _geometry(phone, "application form")
    phone_field = phone.get_by_label(site.t("Authorised pickup person: mobile phone"))
    expect(phone_field).to_have_attribute("inputmode", "tel")
    expect(phone_field).to_have_attribute("autocomplete", "tel")

    # 授权人接送 before anyone is on the list: the form asks for the person, in the same form
    phone.get_by_label(site.t(Session.AFTER_SCHOOL.label)).check()
    phone.get_by_label(site.t(Application.Pickup.AUTHORISED.label)).check()
    phone.get_by_role("button", name=site.t("Send the application"), exact=True).click()
    expect(phone.locator("main")).to_contain_text(site.t(
        "Enter the person who picks your child up: name, relation and mobile phone."))
    assert not Application.objects.filter(student=child).exists()
    check_page(phone, "parent-apply-needs-pickup-person", axe=True)

    phone.get_by_label(site.t("Authorised pickup person: name")).fill("王奶奶")
    phone.get_by_label(site.t("Authorised pickup person: relation to the child")).select_option(value="祖母")
    phone_field.fill("139 1234 5678")
    _geometry(phone, "application form with errors")
    phone.get_by_role("button", name=site.t("Send the application"), exact=True).click()
    expect(phone.get_by_role("alert").filter(has_text=child.name)).to_be_visible()
    person = AuthorisedPickupPerson.objects.get(student=child)
    assert (person.name, person.relation, person.phone) == ("王奶奶", "祖母", "13912345678")
    assert Application.objects.get(student=child).pickup_plan == Application.Pickup.AUTHORISED
    check_page(phone, "parent-applied-with-pickup-person")


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_staff_roles_form_on_a_phone(phone, sign_in, site, transactional_db, check_page):
    from schools.models import School

    sign_in(phone, "principal1")
    phone.goto(f"/schools/{School.objects.get(code='S001').pk}/staff/")
    expect(phone.locator("main h1")).to_be_visible()
    _geometry(phone, "staff roles form")
    expect(phone.locator("main input[name=phone]")).to_have_attribute("inputmode", "tel")
    check_page(phone, "staff-roles-form", axe=True)
