"""Issue 21 item 3 on the pages and in the files: the headline first, then the drill-down table, the
rest folded; the build form on its own page; a school's page with the school's figures only; empty
charts said in words; exports whose numbers are numbers (percent-formatted cells, coverage by grade in
numeric columns)."""
import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.models import WeeklyCoverageReport as Report
from reports.services import reports_build, reports_publish
from reports.weeks import iso_week

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"



def report(city, key, week=None):
    return Report.objects.get(week=week or city.week, scope_key=key, status="published")


def html_of(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


# --- the order of the page ---------------------------------------------------------------------
def test_the_city_page_opens_with_the_four_figures_then_the_districts_then_the_folds(published, client):
    client.force_login(published.bureau)
    html = html_of(client, reverse("reports:city"))
    positions = [html.index(marker) for marker in (
        'data-testid="headline-coverage_rate"', 'data-testid="headline-attendance_rate"',
        'data-testid="headline-flagged_schools"', 'data-testid="headline-escalated_open"',
        'id="table-rows"', 'id="fold-figures"', 'id="fold-charts"', 'id="fold-schools"', 'id="fold-flags"',
        'data-section-fold="students"')]
    assert positions == sorted(positions)
    # each figure with its target and its state in words, not by colour alone
    assert "Target: at least 90%" in html and "Off target" in html and "Target: 0" in html
    # the rest is folded: details elements, none open
    assert html.count('<details class="report-fold"') >= 10 and "<details open" not in html
    # the 14 equal tiles are gone: the main figures are one folded table
    assert 'id="main-figures"' in html and 'class="card h-100"><div class="card-body p-2">' not in html


def test_the_build_form_has_its_own_page_linked_from_the_dashboard(published, client):
    client.force_login(published.bureau)
    city = html_of(client, reverse("reports:city"))
    assert 'action="/reports/build/"' not in city and reverse("reports:manage") in city
    manage = html_of(client, reverse("reports:manage"))
    assert 'action="/reports/build/"' in manage and published.week in manage
    # a published week has nothing to publish; a built draft gets its button
    assert 'action="/reports/publish/"' not in manage
    earlier = published.week_start - datetime.timedelta(days=7)
    response = client.post(reverse("reports:build"), {"week": iso_week(earlier)})
    assert response.status_code == 302 and response.url == reverse("reports:manage")
    manage = html_of(client, reverse("reports:manage"))
    assert manage.count('action="/reports/publish/"') == 1


@pytest.mark.parametrize("who", ["district", "principal"])
def test_only_the_report_administrator_sees_the_build_page_or_its_link(published, client, who):
    client.force_login(getattr(published, who))
    assert client.get(reverse("reports:manage")).status_code == 404
    page = reverse("reports:district", args=[published.district_a.pk]) if who == "district" else \
        reverse("reports:school", args=[published.school_a.pk])
    assert reverse("reports:manage") not in html_of(client, page)


# --- a school's page: the school's figures only -------------------------------------------------
def test_a_schools_page_shows_no_city_figures(published, client):
    w = published
    client.force_login(w.principal)
    response = client.get(reverse("reports:school", args=[w.school_a.pk]))
    html = response.content.decode()
    for city_figure in ("Schools with compliance flags", "Flagged schools", "Schools with an approved service plan",
                        "Schools planning under the minimum", "Schools without a drill this term",
                        "Schools with a closed satisfaction survey",
                        "Schools with an emergency plan unreviewed for over a year"):
        assert city_figure not in html, city_figure
    students = dict(next(rows for section, rows, _t in response.context["sections"] if section.code == "students"))
    assert "Schools" not in students and students["Students enrolled in school"] == 5
    assert [h.key for h in response.context["headline"]] == ["coverage_rate", "attendance_rate", "flag_count",
                                                             "escalated_open"]
    assert 'data-testid="headline-flag_count"' in html and "No drill this term" in html
    # and its files
    r = report(w, f"school:{w.school_a.pk}")
    book = load_workbook(io.BytesIO(client.get(reverse("reports:xlsx", args=[r.pk])).content))
    labels = {row[0] for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)}
    assert "Schools with compliance flags" not in labels and "Schools" not in labels


def test_a_districts_page_shows_its_schools_flags_as_a_count_of_schools(published, client):
    client.force_login(published.district)
    html = html_of(client, reverse("reports:district", args=[published.district_a.pk]))
    assert 'data-testid="headline-flagged_schools"' in html
    # its table lists schools: no "schools with flags" column on a school's row
    table = html[html.index('id="table-rows"'):html.index("</table>", html.index('id="table-rows"'))]
    assert 'data-column="flagged_schools"' not in table and 'data-column="coverage_rate"' in table


# --- tables: one-line headers, tooltip, scroll container, column chooser ----------------------------
def test_wide_tables_have_short_headers_a_scroll_container_and_a_column_chooser(published, client):
    client.force_login(published.bureau)
    html = html_of(client, reverse("reports:city"))
    table = html[html.index('id="table-rows"'):html.index("</table>", html.index('id="table-rows"'))]
    header = table[:table.index("</thead>")]
    # the short header shown, the full label as its tooltip
    assert re.search(r'title="Coverage rate \(%\)"><abbr>Cov. %</abbr>', header)
    columns = re.findall(r'<th scope="col" class="text-end" data-column="(\w+)"', header)
    assert len(columns) >= 15 and columns[:4] == ["coverage_rate", "attendance_rate", "flagged_schools",
                                                   "escalated_open"]
    chooser = html[html.index('data-columns-for="table-rows"'):html.index('id="table-rows"')]
    assert re.findall(r'type="checkbox" value="(\w+)"', chooser) == columns
    assert '<div class="table-scroll mb-3" tabindex="0" role="region"' in html
    assert "js/columns.js" in html and "<script>" not in html


# --- charts with nothing to draw ---------------------------------------------------------------------
def test_a_chart_with_no_data_says_so_in_words(published, client):
    """The week before had no incident: the incidents chart is a sentence, not an empty 0-1 axis; this
    week (two incidents) draws it."""
    w = published
    client.force_login(w.bureau)
    # one week only in the term so far: no trend to draw yet
    only = client.get(reverse("reports:city"), {"week": w.week}).content.decode()
    assert "Only this week so far this term: no trend to draw yet." in only and 'id="chart-trend"' not in only
    earlier = w.week_start - datetime.timedelta(days=7)
    reports_build(week_start=earlier)
    week_before = Report.objects.filter(week_start=earlier).first().week
    reports_publish(week=week_before, by=w.bureau)
    quiet = client.get(reverse("reports:city"), {"week": week_before})
    html = quiet.content.decode()
    assert "No incidents this week." in html and 'id="chart-incidents"' not in html
    assert quiet.context["charts"]["incidents_by_type"] == []
    busy = client.get(reverse("reports:city"), {"week": w.week})
    assert "No incidents this week." not in busy.content.decode() and 'id="chart-incidents"' in busy.content.decode()
    assert {i["name"]: i["value"] for i in busy.context["charts"]["incidents_by_type"]} == {"Injury": 1, "Illness": 1}
    assert 'id="chart-trend"' in html  # two weeks now
    zh = client.get(reverse("reports:city"), {"week": week_before}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "本周没有安全事件。" in zh.content.decode()


# --- exports: numbers as numbers ---------------------------------------------------------------------
def test_xlsx_percentages_are_numbers_with_a_percent_format(published, client):
    w = published
    client.force_login(w.bureau)
    r = report(w, "city")
    book = load_workbook(io.BytesIO(client.get(reverse("reports:xlsx", args=[r.pk])).content))
    summary = {row[0].value: row[1] for row in book["Summary"].iter_rows(min_row=2)}
    coverage = summary["Coverage rate (%)"]
    assert coverage.value == pytest.approx(4 / 9, abs=0.001) and coverage.number_format == "0.0%"
    assert summary["Students enrolled"].value == 9 and summary["Students enrolled"].number_format == "General"
    # the breakdown: the districts' coverage column is percent-formatted numbers
    rows = list(book["Breakdown"].iter_rows())
    header = [c.value for c in rows[0]]
    col = header.index("Coverage rate (%)")
    cells = {row[0].value: row[col] for row in rows[1:]}
    assert cells[w.district_a.name].value == pytest.approx(0.6) and cells[w.district_a.name].number_format == "0.0%"
    # every school of the city, with its district
    schools = list(book["Every school"].iter_rows(values_only=True))
    assert schools[0][:2] == ("Name", "District") and len(schools) == 4
    # coverage by grade: a numeric column per figure, not "2 / 4 / 50.0"
    grades = list(book["Coverage by grade"].iter_rows())
    assert [c.value for c in grades[0]] == ["Grade", "Students enrolled in school", "Students in the service",
                                            "Coverage rate (%)"]
    grade3 = next(row for row in grades[1:] if row[0].value == "Grade 3")
    assert [c.value for c in grade3[1:3]] == [4, 2] and grade3[3].value == pytest.approx(0.5)
    assert grade3[3].number_format == "0.0%"
    priority = list(book["Priority groups"].iter_rows(values_only=True))
    assert priority[0] == ("Priority group", "Applied", "Placed", "Waitlisted")
    assert all(isinstance(v, int) for row in priority[1:] for v in row[1:])
    # nowhere a figure written as text "a / b"
    texts = [c.value for sheet in book.worksheets for row in sheet.iter_rows(min_row=2) for c in row[1:]
             if isinstance(c.value, str)]
    assert not [t for t in texts if re.fullmatch(r"[\d.\s/–-]+", t)], texts


def test_csv_holds_numbers_and_the_grades_line_by_line(published, client):
    w = published
    client.force_login(w.bureau)
    r = report(w, f"school:{w.school_a.pk}")
    rows = list(csv.reader(io.StringIO(client.get(reverse("reports:csv", args=[r.pk])).content.decode("utf-8-sig"))))
    assert rows[0] == ["Section", "Figure", "Value"]
    values = {(section, figure): value for section, figure, value in rows[1:]}
    assert values[("Coverage", "Grade 3 · Students enrolled in school")] == "2"
    assert values[("Coverage", "Grade 3 · Students in the service")] == "1"
    assert values[("Coverage", "Grade 3 · Coverage rate (%)")] == "50.0"
    assert not [v for v in values.values() if " / " in v]


def test_term_summary_keeps_percent_cells(published, client):
    client.force_login(published.bureau)
    r = report(published, "city")
    book = load_workbook(io.BytesIO(client.get(reverse("reports:term_xlsx", args=[r.pk])).content))
    summary = {row[0].value: row[1] for row in book["Summary"].iter_rows(min_row=2)}
    assert summary["Coverage rate (%)"].number_format == "0.0%"
    coverage = {row[0].value: row[1] for row in book["Coverage"].iter_rows(min_row=2)}
    assert coverage["Grade 3 · Coverage rate (%)"].value == pytest.approx(0.5)
