"""Staff pages also open on a phone (a principal away from the desk): no sideways scrolling at 375 px."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
@pytest.mark.parametrize("username", ["principal1", "bureau"])
def test_staff_pages_fit_a_phone(username, phone, sign_in, check_page):
    from schools.models import School

    sign_in(phone, username)
    school = School.objects.get(code="S001")
    for name, path in [("school-list", "/schools/"), ("school-detail", f"/schools/{school.pk}/"),
                       ("inbox", "/notices/"), ("profile", "/accounts/profile/")]:
        phone.goto(path)
        expect(phone.locator("main h1")).to_be_visible()
        check_page(phone, f"{name}-{username}")
