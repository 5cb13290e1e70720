"""The dashboard, drill-down, scoping, exports and the bureau's buttons."""
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.models import WeeklyCoverageReport as Report
from reports.services import reports_build, reports_publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"



def report(city, key):
    return Report.objects.get(week=city.week, scope_key=key, status="published")


def test_bureau_lands_on_the_city_dashboard_and_drills_down(published, client):
    w = published
    client.force_login(w.bureau)
    assert client.get("/").url == reverse("accounts:workbench")  # issue 21: the workbench links here
    assert reverse("reports:city") in client.get(reverse("accounts:workbench")).content.decode()
    page = client.get(reverse("reports:city"))
    html = page.content.decode()
    assert page.status_code == 200 and w.district_a.name in html and w.school_c.name in html
    assert reverse("reports:district", args=[w.district_a.pk]) in html
    assert 'id="report-charts"' in html and "vendor/echarts/echarts.min.js" in html and "<script>" not in html
    district = client.get(reverse("reports:district", args=[w.district_a.pk]), {"week": w.week})
    assert reverse("reports:school", args=[w.school_a.pk]) in district.content.decode()
    school = client.get(reverse("reports:school", args=[w.school_a.pk]), {"week": w.week})
    assert school.status_code == 200 and "60.0" in school.content.decode()


def test_district_lands_on_its_district(published, client):
    client.force_login(published.district)
    assert client.get("/").url == reverse("accounts:workbench")  # issue 21: the workbench links here
    assert (reverse("reports:district", args=[published.district_a.pk])
            in client.get(reverse("accounts:workbench")).content.decode())
    assert client.get(reverse("reports:dashboard")).url == reverse("reports:district", args=[published.district_a.pk])


@pytest.mark.parametrize("who, url, status", [
    ("principal", "school_a", 200), ("principal", "school_b", 404), ("principal", "city", 404),
    ("principal", "district_a", 404), ("principal", "city_direct", 404),
    ("district", "district_a", 200), ("district", "school_a", 200), ("district", "district_b", 404),
    ("district", "school_b", 404), ("district", "city", 404), ("district", "school_c", 404),
    ("bureau", "city", 200), ("bureau", "school_b", 200), ("bureau", "district_b", 200),
    ("homeroom", "school_a", 404), ("parent_a", "school_a", 404), ("teacher_b", "school_b", 404),
])
def test_scoping_of_the_pages(published, client, who, url, status):
    w = published
    urls = {"school_a": reverse("reports:school", args=[w.school_a.pk]),
            "school_b": reverse("reports:school", args=[w.school_b.pk]),
            "school_c": reverse("reports:school", args=[w.school_c.pk]),
            "district_a": reverse("reports:district", args=[w.district_a.pk]),
            "district_b": reverse("reports:district", args=[w.district_b.pk]),
            "city": reverse("reports:city"), "city_direct": reverse("reports:city_direct")}
    client.force_login(getattr(w, who))
    assert client.get(urls[url]).status_code == status


def test_principal_cannot_download_another_schools_or_the_city_report(published, client, principal_b):
    w = published
    client.force_login(w.principal)
    own = report(w, f"school:{w.school_a.pk}")
    assert client.get(reverse("reports:xlsx", args=[own.pk])).status_code == 200
    for key in (f"school:{w.school_b.pk}", "city", f"district:{w.district_a.pk}"):
        other = report(w, key)
        for name in ("xlsx", "csv", "print", "term_xlsx"):
            assert client.get(reverse(f"reports:{name}", args=[other.pk])).status_code == 404


def test_drafts_are_for_the_bureau_only(city, client):
    reports_build(week_start=city.week_start)
    draft = Report.objects.get(scope_key=f"school:{city.school_a.pk}")
    client.force_login(city.principal)
    assert client.get(reverse("reports:xlsx", args=[draft.pk])).status_code == 404
    assert "60.0" not in client.get(reverse("reports:school", args=[city.school_a.pk])).content.decode()
    client.force_login(city.bureau)
    assert client.get(reverse("reports:xlsx", args=[draft.pk])).status_code == 200


def test_xlsx_holds_the_figures_of_the_page(published, client):
    """Every section row of the page is in the XLSX with the same figure; a percentage is a number
    with a percent format there (60.0 on the page, 0.6 shown as 60.0% in the sheet)."""
    from shahe_afterschool.exports import Percent

    w = published
    client.force_login(w.principal)
    r = report(w, f"school:{w.school_a.pk}")
    page = client.get(reverse("reports:school", args=[w.school_a.pk]))
    page_rows = {(str(section.title), label): value
                 for section, rows, _tables in page.context["sections"] for label, value in rows}
    book = load_workbook(io.BytesIO(client.get(reverse("reports:xlsx", args=[r.pk])).content))
    xlsx_rows, formats = {}, {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=2):
            xlsx_rows[(sheet.title, row[0].value)] = row[1].value if len(row) > 1 else None
            formats[(sheet.title, row[0].value)] = row[1].number_format if len(row) > 1 else None
    for (title, label), value in page_rows.items():
        if isinstance(value, Percent):
            assert xlsx_rows[(title[:31], label)] == pytest.approx(value / 100), (title, label)
            assert formats[(title[:31], label)] == "0.0%", (title, label)
        else:
            assert xlsx_rows[(title[:31], label)] == value, (title, label)
    assert xlsx_rows[("Coverage", "Coverage rate (%)")] == pytest.approx(0.6)
    assert xlsx_rows[("Students enrolled", "Students enrolled in school")] == 5
    html = page.content.decode()
    assert "Coverage rate (%)" in html and "60.0" in html
    csv = client.get(reverse("reports:csv", args=[r.pk])).content.decode("utf-8-sig")
    assert "Coverage rate (%),60.0" in csv
    printable = client.get(reverse("reports:print", args=[r.pk]))
    assert printable.status_code == 200 and "60.0" in printable.content.decode()


def test_term_summary_concatenates_the_weeks(published, client):
    import datetime

    w = published
    earlier = w.week_start - datetime.timedelta(days=7)
    reports_build(week_start=earlier)
    reports_publish(week=Report.objects.filter(week_start=earlier).first().week, by=w.bureau)
    client.force_login(w.bureau)
    r = report(w, "city")
    book = load_workbook(io.BytesIO(client.get(reverse("reports:term_xlsx", args=[r.pk])).content))
    header = [c.value for c in book.worksheets[0][1]]
    assert header[1:] == [Report.objects.get(week_start=earlier, scope_key="city").week, w.week]


def test_bureau_builds_and_publishes_from_the_page(city, client):
    client.force_login(city.bureau)
    response = client.post(reverse("reports:build"), {"week": city.week}, follow=True)
    assert Report.objects.filter(week=city.week, status="draft").count() == 7
    assert "being built" in response.content.decode()
    client.post(reverse("reports:publish"), {"week": city.week})
    assert Report.objects.filter(week=city.week, status="published").count() == 7
    refused = client.post(reverse("reports:build"), {"week": city.week}, follow=True)
    assert "correction" in refused.content.decode()
    assert Report.objects.filter(week=city.week).count() == 7
    client.post(reverse("reports:build"), {"week": city.week, "correction": "1"})
    assert Report.objects.filter(week=city.week, status="draft", version=2).count() == 7


@pytest.mark.parametrize("who", ["principal", "district", "parent_a"])
def test_only_the_bureau_builds(city, client, who):
    client.force_login(getattr(city, who))
    assert client.post(reverse("reports:build"), {"week": city.week}).status_code == 403
    assert client.post(reverse("reports:publish"), {"week": city.week}).status_code == 403
    assert Report.objects.count() == 0


@pytest.mark.parametrize("week", ["garbage", "2026-W99", "", "2026-w7x"])
def test_bad_weeks_get_a_message_and_change_nothing(published, client, week):
    client.force_login(published.bureau)
    page = client.get(reverse("reports:city"), {"week": week})
    assert page.status_code == 200
    response = client.post(reverse("reports:build"), {"week": week}, follow=True)
    assert response.status_code == 200 and "YYYY-Www" in response.content.decode()
    assert Report.objects.count() == 7


def test_the_city_and_its_city_direct_group_are_named_in_the_readers_language(city, client):
    """The Monday build runs in the site's language (Chinese); an English reader of the page, its
    chart and its XLSX still reads "City" and "City-direct schools", as the tables always said."""
    from django.utils import translation

    with translation.override("zh-hans"):
        reports_build(week_start=city.week_start)
    client.force_login(city.bureau)
    r = Report.objects.get(week=city.week, scope_key="city")
    page = client.get(reverse("reports:city"), {"week": city.week})
    chart_names = [item["name"] for item in page.context["charts"]["coverage_by_child"]]
    assert "City-direct schools" in chart_names and "市直学校" not in chart_names
    assert [row["name"] for row in page.context["rows"]] == chart_names
    book = load_workbook(io.BytesIO(client.get(reverse("reports:xlsx", args=[r.pk])).content))
    assert book["Summary"]["A1"].value == f"City · {city.week} · v1"
    breakdown = [row[0] for row in book["Breakdown"].iter_rows(min_row=2, values_only=True)]
    assert breakdown == chart_names
    printable = client.get(reverse("reports:print", args=[r.pk])).content.decode()
    assert "Weekly coverage report · City</h1>" in printable
