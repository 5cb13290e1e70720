"""Each staff member lands on their workbench (issue 21) on their device: teachers, duty leaders and
homeroom teachers on a tablet held upright (820 px), the principal, the offices, the district and the
bureau at a desk. The counts are the database's; the navigation stands in one row of groups at 820 px
(no menu button); the bureau opens a 督办 on the demo's missing-child incident and principal1 answers
it from the workbench."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ACCOUNTS = [
    ("teacher1", "tablet_portrait", "teacher"), ("duty1", "tablet_portrait", "duty_leader"),
    ("homeroom1", "tablet_portrait", "homeroom"), ("principal1", "desktop", "principal"),
    ("moral1", "desktop", "moral_ed"), ("academic1", "desktop", "academic"), ("district1", "desktop", "district"),
    ("bureau", "desktop", "bureau"),
]


def figures(user):
    from accounts.workbench import figures_for

    return {(s.role, shown.key): shown for s in figures_for(user) for shown in s.items}


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
@pytest.mark.parametrize(("username", "viewport", "role"), ACCOUNTS)
def test_each_staff_member_lands_on_their_workbench(username, viewport, role, lang, make_page, sign_in, site,
                                                   demo_user, check_page):
    from accounts.roles import Role

    page = make_page(viewport)
    sign_in(page, username)
    assert page.url == site.url("/accounts/workbench/")
    expect(page.locator("main h1")).to_have_text(site.t("Workbench"))
    section = page.get_by_test_id(f"section-{role}")
    expect(section.locator("h2")).to_have_text(site.t(Role(role).label))
    # every count shown is the database's (computed here with the same selectors)
    for (section_role, key), shown in figures(demo_user(username)).items():
        card = page.get_by_test_id(f"section-{section_role}").get_by_test_id(f"work-{key}")
        expect(card).to_contain_text(site.t(shown.item.label))
        if shown.count is not None:
            expect(card.get_by_test_id("count")).to_have_text(str(shown.count))
    # the navigation stands in one row at 820 px and on a desk: no menu button to open
    expect(page.locator(".navbar-toggler")).to_be_hidden()
    expect(page.locator("#mainnav .nav-link").first).to_be_visible()
    check_page(page, f"workbench-{username}", axe=True)


def test_the_tablet_navigation_opens_a_group_and_shows_badges(make_page, sign_in, site, demo_user, check_page):
    """homeroom1 at 820 px: the groups in one row; the entry of the applications to review carries the
    workbench's count (fetched on another page); a group opens as a drop-down."""
    page = make_page("tablet_portrait")
    sign_in(page, "homeroom1")
    shown = figures(demo_user("homeroom1"))
    waiting = shown[("homeroom", "enrollment.applications_to_review")].count + \
        shown[("homeroom", "enrollment.claims_to_verify")].count
    page.goto("/notices/")  # another page: the badges come from the counts endpoint
    queue = page.locator("#mainnav").get_by_role("link", name=re.compile(re.escape(site.t("Applications to review"))))
    expect(queue).to_be_visible()
    if waiting:
        expect(queue.locator("[data-count]")).to_have_text(str(waiting))
    page.get_by_test_id("nav-group-today").click()
    link = page.locator("#mainnav").get_by_role("link", name=site.t("Today's rolls"))
    expect(link).to_be_visible()
    check_page(page, "workbench-nav-open-homeroom1", axe=True)
    with page.expect_navigation():
        link.click()
    expect(page.locator("main h1")).to_be_visible()


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_the_bureau_asks_and_principal1_answers_from_the_workbench(lang, make_page, sign_in, site, demo_user,
                                                                   check_page):
    from safety.models import FollowUpRequest, Incident

    incident = Incident.objects.get(client_key="demo-missing-child")
    bureau = make_page("desktop")
    sign_in(bureau, "bureau")
    escalated = bureau.get_by_test_id("section-bureau").get_by_test_id("work-safety.escalated_open")
    expect(escalated).to_be_visible()
    bureau.goto(f"/safety/incidents/{incident.pk}/")
    form = bureau.get_by_test_id("follow-up-request-form")
    if not form.is_visible():
        bureau.get_by_text(site.t("Open a follow-up request")).click()
    text = f"请于 30 分钟内报告学生下落（{lang}）"
    form.get_by_label(site.t("What the school must report")).fill(text)
    form.get_by_label(site.t("Answer")).select_option("30")
    with bureau.expect_navigation():
        form.get_by_role("button", name=site.t("Send the request to the principal")).click()
    expect(bureau.get_by_role("alert")).to_contain_text(site.t("Follow-up request sent; the principal is notified."))
    request = FollowUpRequest.objects.filter(incident=incident, text=text).get()
    check_page(bureau, "follow-up-opened-bureau", axe=True)

    principal = make_page("desktop")
    sign_in(principal, "principal1")
    card = principal.get_by_test_id("section-principal").get_by_test_id("work-safety.follow_up_requests")
    expect(card.get_by_test_id("count")).not_to_have_text("0")
    check_page(principal, "workbench-principal1-follow-up", axe=True)
    with principal.expect_navigation():
        card.click()
    box = principal.get_by_test_id("follow-up-request").filter(has_text=text)
    expect(box).to_be_visible()
    box.get_by_label(site.t("Your answer")).fill("学生已在体育馆找到，家长已接走。")
    with principal.expect_navigation():
        box.get_by_role("button", name=site.t("Send the answer")).click()
    expect(principal.get_by_role("alert")).to_contain_text(site.t("Answer sent."))
    box = principal.get_by_test_id("follow-up-request").filter(has_text=text)
    expect(box.get_by_test_id("follow-up-status")).to_have_text(site.t("Answered"))
    expect(principal.get_by_test_id("incident-timeline")).to_contain_text("学生已在体育馆找到")
    check_page(principal, "follow-up-answered-principal1", axe=True)
    request.refresh_from_db()
    assert request.status == FollowUpRequest.Status.ANSWERED

    # the bureau sees the answer and closes the request
    bureau.reload()
    box = bureau.get_by_test_id("follow-up-request").filter(has_text=text)
    expect(box).to_contain_text("学生已在体育馆找到")
    box.get_by_text(site.t("Close this request")).click()
    with bureau.expect_navigation():
        box.get_by_role("button", name=site.t("Close")).click()
    request.refresh_from_db()
    assert request.status == FollowUpRequest.Status.CLOSED
    check_page(bureau, "follow-up-closed-bureau", axe=True)
