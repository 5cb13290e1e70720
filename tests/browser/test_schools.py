"""Schools: a parent's children on a phone, the bureau's school search, a principal's school."""
import pytest
from playwright.sync_api import expect

from .test_accounts import nav_link

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_parent_sees_their_child_on_my_children(phone, sign_in, site, demo_user, check_page):
    from schools.models import Student

    parent = demo_user("parent1")
    children = list(Student.objects.filter(guardianships__guardian=parent).select_related("school", "homeroom_class"))
    assert children, "the demo gives parent1 a child"
    others = Student.objects.filter(homeroom_class=children[0].homeroom_class).exclude(pk__in=[c.pk for c in children])

    sign_in(phone, "parent1")
    # Parents land on the after-school service page; "my children" is one tap away in the menu.
    phone.goto(site.url("/schools/my-children/"))

    expect(phone.locator("main h1")).to_have_text(site.t("My children"))
    cards = phone.get_by_test_id("child-card")
    expect(cards).to_have_count(len(children))
    for child in children:
        card = cards.filter(has_text=child.name)
        expect(card).to_contain_text(child.school.name)
        expect(card).to_contain_text(child.homeroom_class.name)
        expect(card).to_contain_text(child.student_number)
    # Classmates are not the parent's business.
    for other in others[:3]:
        expect(phone.locator("main")).not_to_contain_text(other.student_number)
    check_page(phone, "my-children", axe=True)


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_bureau_filters_the_school_list_as_they_type(desktop, sign_in, site, check_page):
    from schools.models import School

    all_schools = list(School.objects.order_by("code"))
    sign_in(desktop, "bureau")  # the bureau lands on the coverage dashboard (reports); open the school list
    desktop.goto("/schools/")
    expect(desktop.locator("main h1")).to_have_text(site.t("Schools"))
    rows = desktop.locator("#school-rows tbody tr")
    expect(rows).to_have_count(len(all_schools))
    check_page(desktop, "school-list", axe=True)

    # Mark the document: if typing reloaded the page, the mark would be gone.
    desktop.evaluate("() => { window.__sameDocument = true; }")
    url = desktop.url
    search = desktop.get_by_role("searchbox", name=site.t("Search"))
    with desktop.expect_request(lambda r: "q=%E6%A1%A5%E4%B8%9C" in r.url and r.headers.get("hx-request") == "true"):
        search.press_sequentially("桥东", delay=50)
    matching = [s for s in all_schools if "桥东" in s.name]
    expect(rows).to_have_count(len(matching))
    for school in matching:
        expect(rows.filter(has_text=school.name)).to_have_count(1)
    assert desktop.evaluate("() => window.__sameDocument") is True
    assert desktop.url == url

    # By code, and nothing found.
    search.fill("S201")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(School.objects.get(code="S201").name)
    search.fill("没有这样的学校")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_text(site.t("No schools match."))
    check_page(desktop, "school-list-no-match")

    # The district menu filters too; the school's link opens its page.
    search.fill("")
    expect(rows).to_have_count(len(all_schools))
    district = School.objects.filter(district__isnull=False).select_related("district").first().district
    desktop.get_by_label(site.t("District")).select_option(label=district.name)
    in_district = [s for s in all_schools if s.district_id == district.pk]
    expect(rows).to_have_count(len(in_district))
    desktop.get_by_role("link", name=in_district[0].name).click()
    expect(desktop.locator("main h1")).to_have_text(in_district[0].name)
    check_page(desktop, "school-detail-bureau")


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_principal_sees_classes_venues_and_staff_of_their_school(desktop, sign_in, site, demo_user, check_page):
    from accounts.roles import Role
    from schools.models import HomeroomClass, School, Venue

    school = School.objects.get(code="S001")
    principal = demo_user("principal1")
    duty = demo_user("duty1")
    sign_in(desktop, "principal1")  # lands on the workbench; the school's page is under 学校管理
    nav_link(desktop, site.t("Schools")).click()
    desktop.get_by_role("link", name=school.name).first.click()
    assert desktop.url == site.url(f"/schools/{school.pk}/")
    expect(desktop.locator("main h1")).to_have_text(school.name)
    classes = HomeroomClass.objects.filter(school=school, active=True).select_related("homeroom_teacher")
    class_rows = desktop.locator("section").filter(has=desktop.get_by_role("heading", name=site.t("Classes")))
    class_rows = class_rows.locator("tbody tr")
    expect(class_rows).to_have_count(classes.count())
    first = classes.order_by("grade__number", "name").first()
    expect(class_rows.first).to_contain_text(first.name)
    expect(class_rows.first).to_contain_text(first.homeroom_teacher.get_full_name())

    venues = desktop.locator("section").filter(has=desktop.get_by_role("heading", name=site.t("Venues")))
    venues = venues.locator(".list-group-item")
    expect(venues).to_have_count(Venue.objects.filter(school=school, active=True).count())
    expect(venues.filter(has_text="图书馆")).to_contain_text("60")

    staff = desktop.locator("main dl")
    expect(staff).to_contain_text(site.t(Role.PRINCIPAL.label))
    expect(staff).to_contain_text(principal.get_full_name())
    expect(staff).to_contain_text(site.t(Role.DUTY_LEADER.label))
    expect(staff).to_contain_text(duty.get_full_name())
    expect(desktop.get_by_test_id("student-count")).to_have_text(str(school.students.count()))
    check_page(desktop, "school-detail-principal", axe=True)


def test_teacher_sees_their_school_on_a_tablet(tablet, sign_in, demo_user, check_page):
    from schools.models import School

    school = School.objects.get(code="S001")
    sign_in(tablet, "teacher1")
    tablet.goto(f"/schools/{school.pk}/")
    expect(tablet.locator("main h1")).to_have_text(school.name)
    check_page(tablet, "school-detail-teacher", axe=True)

    # Another school is out of a teacher's scope: the page does not exist for them.
    other = School.objects.get(code="S301")
    response = tablet.goto(f"/schools/{other.pk}/")
    assert response.status == 404
    tablet.watcher.take()  # the 404 we asked for
