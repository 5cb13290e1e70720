"""Teachers' hours statements on a desktop: academic1 checks November's statement, principal1 signs it off."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_academic_checks_and_principal_signs_the_statement(desktop, make_page, sign_in, site, check_page, demo_user):
    from attendance.models import Statement
    from attendance.statements import previous_month

    statement = Statement.objects.filter(school__code="S001", month=previous_month()).order_by("-version").first()
    if statement is None:
        pytest.skip("the demo builds last month's statement only while last month is in the term")
    sign_in(desktop, "academic1")
    desktop.goto(site.url("/attendance/statements/"))
    desktop.get_by_role("link", name=f"{statement.month:%Y-%m}").first.click()
    lines = desktop.get_by_test_id("statement-lines")
    expect(lines).to_contain_text(demo_user("teacher1").name)
    expect(desktop.get_by_test_id("statement-total")).not_to_have_text("—")
    check_page(desktop, "statement-draft", axe=True)
    if statement.status == "draft":
        desktop.get_by_role("button", name=site.t("Mark as checked")).click()
        expect(desktop.get_by_test_id("statement-status")).to_have_text(site.t("Checked by the teaching-affairs office"))
    principal = make_page("desktop")
    sign_in(principal, "principal1")
    principal.goto(site.url(f"/attendance/statements/{statement.pk}/"))
    if Statement.objects.get(pk=statement.pk).status == "checked":
        principal.get_by_role("button", name=site.t("Sign off")).click()
    expect(principal.get_by_test_id("statement-status")).to_have_text(site.t("Signed off by the principal"))
    check_page(principal, "statement-signed")
    bureau = make_page("desktop")
    sign_in(bureau, "bureau")
    bureau.goto(site.url(f"/attendance/statements/summary/?month={statement.month:%Y-%m}"))
    expect(bureau.get_by_test_id("summary-total")).not_to_have_text("0.00")
    with bureau.expect_download() as download:
        bureau.get_by_test_id("summary-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    check_page(bureau, "statement-city-summary")
