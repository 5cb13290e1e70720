"""The issue's "done means" on the demo city: bureau opens the dashboard with last week's city figures
and charts, drills down to a school and downloads the XLSX; principal1 sees the school's report."""
import io

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from reports.models import WeeklyCoverageReport as Report
from reports.weeks import iso_week, previous_week_start
from schools.models import School

pytestmark = pytest.mark.django_db


def sign_in(username):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/accounts/login/", {"username": username, "password": "shahe-demo-2026"}).status_code == 302
    return client


def test_demo_reports_for_bureau_and_principal1(demo_seeded):
    week = iso_week(previous_week_start())
    count = Report.objects.filter(week=week, status="published").count()
    assert count == School.objects.filter(active=True).count() + 3 + 2  # schools, 3 districts, direct, city
    call_command("seed_demo", verbosity=0)
    assert Report.objects.count() == count * 2  # two weeks, nothing built twice

    bureau = sign_in("bureau")
    landing = bureau.get("/", follow=True)  # the bureau lands on its workbench, which links the last week
    assert landing.redirect_chain[-1][0].endswith("/accounts/workbench/")
    assert "/reports/city/" in landing.content.decode()
    home = bureau.get("/reports/city/")
    html = home.content.decode()
    assert week in html and 'id="report-charts"' in html and "echarts.min.js" in html
    city = Report.objects.get(week=week, scope_key="city", status="published")
    assert city.data["sections"]["students"]["enrolled"] > 0
    s001 = School.objects.get(code="S001")
    assert f"/reports/school/{s001.pk}/" in html
    school_page = bureau.get(f"/reports/school/{s001.pk}/")
    assert school_page.status_code == 200
    report = Report.objects.get(week=week, scope_key=f"school:{s001.pk}", status="published")
    xlsx = bureau.get(f"/reports/r/{report.pk}/xlsx/")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert len(book.worksheets) >= 6

    principal = sign_in("principal1")
    page = principal.get("/reports/", follow=True)
    assert page.status_code == 200 and s001.name in page.content.decode()
    assert principal.get("/reports/city/").status_code == 404
