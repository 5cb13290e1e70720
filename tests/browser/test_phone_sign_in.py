"""A parent signs in with a code sent by text message (手机验证码登录) on a phone, reading the code
from the outbox as the demo does (issue 20 items 5, 8)."""
import io
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_parent_signs_in_with_a_phone_code(phone, site, demo_user, check_page, lang):
    cache.clear()  # the per-number and per-address counters of an earlier run
    parent = demo_user("parent1")
    number = parent.phone
    typed = f"+86 {number[:3]}-{number[3:7]}-{number[7:]}"  # as people type it

    phone.goto("/accounts/login/")
    phone.get_by_role("link", name=site.t("Sign in with a phone code")).click()
    expect(phone.locator("main h1")).to_have_text(site.t("Sign in with a phone code"))
    check_page(phone, "phone-sign-in-empty", axe=True)

    phone.get_by_label(site.t("Mobile phone number")).fill(typed)
    phone.get_by_role("button", name=site.t("Send me a code")).click()
    expect(phone.get_by_role("status")).to_be_visible()
    check_page(phone, "phone-sign-in-code-sent", axe=True)

    out = io.StringIO()
    call_command("outbox", "--to", typed, "--last", "1", stdout=out)
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", out.getvalue()).group(1)

    phone.get_by_label(site.t("Code from the text message")).fill(code)
    phone.get_by_role("button", name=site.t("Sign in"), exact=True).click()
    expect(phone).not_to_have_url(re.compile(r"/accounts/login"))
    expect(phone.locator("main h1")).to_be_visible()
    check_page(phone, "phone-sign-in-done", axe=True)


def test_a_wrong_code_says_so_on_the_page(phone, site, demo_user, check_page):
    cache.clear()
    number = demo_user("parent2").phone
    phone.goto("/accounts/login/phone/")
    phone.get_by_label(site.t("Mobile phone number")).fill(number)
    phone.get_by_role("button", name=site.t("Send me a code")).click()
    phone.get_by_label(site.t("Code from the text message")).fill("12a456")
    phone.get_by_role("button", name=site.t("Sign in"), exact=True).click()
    expect(phone.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    check_page(phone, "phone-sign-in-wrong-code", axe=True, expect_status=(400,))
