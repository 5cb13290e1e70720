"""The inbox: a parent reads a notice on a phone; a teacher marks everything read on a tablet."""
import pytest
from playwright.sync_api import expect

from .test_accounts import open_menu

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_parent_reads_a_notice_in_the_inbox(phone, sign_in, site, demo_user, check_page):
    from notices.services import notify

    parent = demo_user("parent1")
    title = f"明天课后服务照常进行 ({site.lang})"
    notify(recipients=[parent], kind="test", title=title, body="下午 4:30 在操场集合。\n请准时接孩子。",
           must_read=True)

    sign_in(phone, "parent1")
    open_menu(phone)
    phone.get_by_role("link", name=site.t("Inbox")).click()
    expect(phone.locator("main h1")).to_have_text(site.t("Inbox"))
    notice = phone.locator("main form.list-group-item").filter(has_text=title)
    expect(notice).to_have_class("list-group-item notice notice-unread")  # unread: a badge and a bold title
    expect(notice).to_contain_text(site.t("Must read"))
    expect(notice).to_contain_text(site.t("Unread"))
    expect(notice).to_contain_text("请准时接孩子。")
    check_page(phone, "inbox-parent", axe=True)

    notice.get_by_role("button").click()
    expect(phone.locator("main h1")).to_have_text(site.t("Inbox"))
    notice = phone.locator("main form.list-group-item").filter(has_text=title)
    expect(notice).to_have_class("list-group-item notice")  # read now
    expect(notice).not_to_contain_text(site.t("Unread"))
    check_page(phone, "inbox-parent-read")


def test_teacher_marks_all_notices_read(tablet, sign_in, site, demo_user, check_page):
    from notices.services import notify

    teacher = demo_user("teacher1")
    notify(recipients=[teacher], kind="test", title="本周五教研活动", body="地点：阅览室")
    notify(recipients=[teacher], kind="test", title="请提交课后服务计划", body="")

    sign_in(tablet, "teacher1")
    from tests.browser.test_accounts import nav_link

    nav_link(tablet, site.t("Inbox")).click()  # in the group of messages
    expect(tablet.locator("main h1")).to_have_text(site.t("Inbox"))
    unread = tablet.locator("main form.notice-unread")
    expect(unread).not_to_have_count(0)
    tablet.get_by_role("button", name=site.t("Mark all read")).click()
    expect(unread).to_have_count(0)
    expect(tablet.locator("main")).to_contain_text("本周五教研活动")
    check_page(tablet, "inbox-teacher", axe=True)


def test_an_empty_inbox_says_so(desktop, sign_in, site, check_page):
    """A new member of a district office, whom no demo app has told anything yet."""
    from django.contrib.auth import get_user_model

    from accounts.roles import Role
    from accounts.services import role_assign
    from schools.models import District

    user, _ = get_user_model().objects.get_or_create(username="browser_new_district", defaults={"name": "新主任"})
    user.set_password("shahe-demo-2026")
    user.save()
    role_assign(user=user, role=Role.DISTRICT, district=District.objects.get(code="D02"))
    sign_in(desktop, "browser_new_district")
    desktop.goto("/notices/")
    expect(desktop.locator("main")).to_contain_text(site.t("No messages."))
    check_page(desktop, "inbox-empty", axe=True)
