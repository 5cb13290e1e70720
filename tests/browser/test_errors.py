"""What a person sees when a page is not there (an old link, another school's page)."""
import pytest
from playwright.sync_api import expect


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_a_missing_page_is_explained_in_the_site_and_leads_home(phone, sign_in, site, check_page):
    from schools.models import School

    sign_in(phone, "parent1")
    home = phone.url
    other_school = School.objects.get(code="S301")  # not parent1's: out of scope is "not found"
    response = phone.goto(f"/schools/{other_school.pk}/")
    assert response.status == 404
    expect(phone.locator("main h1")).to_have_text(site.t("Page not found"))
    expect(phone.locator("main")).not_to_contain_text(other_school.name)
    check_page(phone, "not-found", expect_status=(404,), axe=True)

    phone.get_by_role("link", name=site.t("Back to my home page")).click()
    assert phone.url == home


@pytest.mark.django_db
def test_the_forbidden_page_is_the_sites_in_the_users_language(rf, django_user_model):
    """Apps answer 403 for a visible but forbidden action; Django's bare English page is not ours.
    (No page on main refuses yet, so this renders the handler directly rather than in Chromium.)"""
    from django.core.exceptions import PermissionDenied
    from django.utils import translation
    from django.views.defaults import permission_denied

    request = rf.get("/somewhere/")
    request.user = django_user_model.objects.create_user(username="someone", password="x-123456789")
    with translation.override("zh-hans"):
        response = permission_denied(request, PermissionDenied())
    html = response.content.decode()
    assert response.status_code == 403
    assert "无权操作" in html and "返回我的首页" in html
    assert 'href="/static/css/app.css"' in html  # the site's own layout
