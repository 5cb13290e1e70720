"""The pickup code (接送码) at the gate: a guardian opens today's code on a phone (375 px) from the
home page and sends one to the grandmother; the duty leader, on a tablet, types the code the phone
shows, sees the child and the adult the code belongs to, confirms, and the child is released. A
code typed with full-width digits is refused with a message naming what is wrong.

A second scenario scans the QR code with the tablet's camera: Chromium's fake camera plays a video
of the phone's QR code (a Y4M file made here), the vendored jsQR reads it and the confirm follows.
"""
from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from .conftest import CHROMIUM_ARGS, VIEWPORTS
from .test_tablet_day import school_day  # noqa: F401  (the fixture: a new school, its day and roll)

pytestmark = pytest.mark.browser
BOTH_LANGUAGES = pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)


def _sign_in(page, sign_in, user):
    from tests.factories import PASSWORD

    return sign_in(page, user.username, password=PASSWORD)


def _present(day, *children):
    from attendance import services

    services.marks_record(roll=day.roll, user=day.teacher, roll_student_ids={c.pk for c in day.children},
                          marks=[{"student": c.pk, "status": "present", "client_id": f"p{c.pk}"} for c in children])


@BOTH_LANGUAGES
def test_the_duty_leader_releases_a_child_by_the_code_on_the_guardians_phone(
        school_day, make_page, sign_in, site, check_page):  # noqa: F811
    from django.utils import translation

    from attendance import pickup_codes
    from attendance.models import CustodyEvent, PickupCode
    from enrollment.models import AuthorisedPickupPerson
    from schools.models import Guardianship

    day = school_day
    child, other, _third = day.children
    _present(day, child, other)
    mother = child.guardianships.get().guardian
    grandmother = AuthorisedPickupPerson.objects.create(student=child, name="王奶奶", relation="祖母",
                                                        phone="13912340002", added_by=mother)

    # The mother, on her phone, opens today's code from the child's today card on her home page.
    phone = make_page("phone")
    _sign_in(phone, sign_in, mother)
    card = phone.get_by_test_id("today-card").filter(has_text=child.name)
    card.get_by_test_id("pickup-code-link").click()
    expect(phone.locator("main h1")).to_contain_text(child.name)
    code = PickupCode.objects.get(student=child, guardian=mother)
    expect(phone.get_by_test_id("pickup-code")).to_have_text(code.code)
    expect(phone.get_by_test_id("valid-on")).to_have_text(
        site.t("Valid today (%(date)s) only") % {"date": _day_words(site, day.today)})
    qr = phone.locator(".pickup-qr")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 200  # large enough to scan at arm's length
    check_page(phone, "pickup-code-parent", axe=True)

    # She sends one to the grandmother: a code of her own and a text to forward.
    phone.get_by_role("button", name=site.t("Send a code to %(person)s") % {"person": grandmother.name}).click()
    sent = PickupCode.objects.get(student=child, pickup_person=grandmother)
    expect(phone.get_by_role("alert")).to_contain_text(grandmother.name)
    expect(phone.get_by_test_id("person-code")).to_have_text(sent.code)
    with translation.override(site.lang):
        text = pickup_codes.share_text(sent)
    expect(phone.get_by_label(site.t("Text to forward"))).to_have_value(text)
    check_page(phone, "pickup-code-parent-sent", axe=True)

    # At the gate the duty leader types the code the phone shows.
    tablet = make_page("tablet")
    _sign_in(tablet, sign_in, day.leader)
    with tablet.expect_navigation():
        tablet.get_by_test_id("work-attendance.duty_console").click()  # from the workbench
    form = tablet.get_by_test_id("code-form")
    field = form.get_by_label(site.t("Pickup code"), exact=True)
    # a slip first: full-width digits are refused, naming what is wrong; nothing is recorded
    field.fill("１２３４５６")
    form.get_by_role("button", name=site.t("Check the code")).click()
    expect(tablet.get_by_test_id("code-error")).to_contain_text("１２３４５６")
    check_page(tablet, "pickup-code-wrong", expect_status=(400,), axe=True)
    tablet.get_by_test_id("code-form").get_by_label(site.t("Pickup code"), exact=True).fill(
        phone.get_by_test_id("pickup-code").inner_text())
    tablet.get_by_role("button", name=site.t("Check the code")).click()
    expect(tablet.get_by_test_id("pickup-confirm")).to_contain_text(
        site.t("Hand %(child)s to %(person)s (%(relation)s)?") % {
            "child": child.name, "person": mother.name, "relation": site.t(Guardianship.Relation.MOTHER.label)})
    expect(tablet.get_by_test_id("code-owner")).to_contain_text(code.code)
    check_page(tablet, "pickup-code-confirm", axe=True)
    assert not CustodyEvent.objects.filter(student=child).exists()
    tablet.get_by_role("button", name=site.t("Confirm"), exact=True).click()
    expect(tablet.get_by_role("alert")).to_have_text(site.t("%(child)s released to %(person)s.") % {
        "child": child.name, "person": mother.name})
    expect(tablet.get_by_test_id("held-count")).to_have_text("1")
    expect(tablet.get_by_test_id("held-child").filter(has_text=child.name)).to_have_count(0)
    event = CustodyEvent.objects.get(student=child)
    assert (event.kind, event.to_user, event.recorded_by) == ("pickup", mother, day.leader)
    check_page(tablet, "pickup-code-released")


def test_the_tablet_scans_the_qr_code_with_its_camera(school_day, browser, site, tmp_path, sign_in):  # noqa: F811
    """Chromium's fake camera shows the QR code; jsQR reads it, the confirm names child and adult."""
    from attendance import pickup_codes
    from attendance.models import CustodyEvent

    executable = shutil.which("chromium")
    day = school_day
    child = day.children[0]
    _present(day, child)
    mother = child.guardianships.get().guardian
    code = pickup_codes.issue(user=mother, student=child)
    video = tmp_path / "qr.y4m"
    _qr_video(code.code, video)
    # A second chromium of the same Playwright, with a camera that films the QR code.
    chromium = browser.browser_type.launch(executable_path=executable, args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        context = chromium.new_context(viewport=VIEWPORTS["tablet"], locale="zh-CN", base_url=site.base,
                                       has_touch=True, permissions=["camera"])
        context.set_default_timeout(15_000)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        _sign_in(page, sign_in, day.leader)
        with page.expect_navigation():
            page.get_by_test_id("work-attendance.duty_console").click()  # from the workbench
        page.get_by_test_id("code-form").get_by_role("button", name=site.t("Scan the QR code")).click()
        expect(page.get_by_test_id("pickup-confirm")).to_contain_text(mother.name)
        expect(page.get_by_test_id("pickup-confirm")).to_contain_text(child.name)
        expect(page.get_by_test_id("code-owner")).to_contain_text(code.code)
        page.get_by_role("button", name=site.t("Confirm"), exact=True).click()
        expect(page.get_by_test_id("held-child").filter(has_text=child.name)).to_have_count(0)
        assert not errors
    finally:
        chromium.close()
    assert CustodyEvent.objects.get(student=child).to_user == mother


def _qr_video(text: str, path, size: int = 480) -> None:
    """A two-second Y4M video (grey-scale, 4:2:0) of the QR code of `text`, centred on white."""
    import qrcode

    qr = qrcode.QRCode(border=4)
    qr.add_data(text)
    matrix = qr.get_matrix()
    scale = (size * 3 // 4) // len(matrix)
    side = scale * len(matrix)
    top = (size - side) // 2
    y = bytearray(b"\xeb" * size * size)  # white (video range)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (top + r * scale + dy) * size + top + c * scale
                    y[start:start + scale] = b"\x10" * scale
    chroma = b"\x80" * (size * size // 2)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{size} H{size} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _frame in range(20):
            out.write(b"FRAME\n" + bytes(y) + chroma)


def _day_words(site, date) -> str:
    from django.utils import translation

    from attendance import pickup_codes

    with translation.override(site.lang):
        return pickup_codes.day_words(date)

