"""A day at the desk (1440×900): a principal reviews the school's service plan against the time rules,
the bureau reads the weekly coverage report, drills down to a school and downloads the XLSX.

Each scenario makes its own rows, so that no other browser test sees them and the order of the tests
does not matter: the principal's plans belong to a past spring term made here (one per language, the
school's plans of the current term stay as the demo left them), and the bureau's report is a week
the demo did not build (three weeks back), built by the app's own Celery task, in process.
"""
import datetime

import pytest
from django.utils.text import capfirst
from playwright.sync_api import expect

from .test_accounts import nav_link

pytestmark = pytest.mark.browser

SCHOOL = "S301"  # its principal and academic office appear in no other browser test


def _past_term(lang):
    """A spring term before the demo's (one per language, so that each run has the term to itself).
    Past, not future: `Term.current()` falls back to the latest term, which must stay the demo's."""
    from schools.models import Term

    current = Term.current()
    year = current.start_date.year - (1 if lang == "zh-hans" else 2)
    term, _ = Term.objects.get_or_create(
        name=f"{year - 1}-{year}学年第二学期",
        defaults={"start_date": datetime.date(year, 2, 24), "end_date": datetime.date(year, 7, 10),
                  "summer_timetable_from": datetime.date(year, 5, 1),
                  "winter_timetable_from": datetime.date(year, 10, 1)},
    )
    assert term.start_date < current.start_date
    return term


def _in_language(lang, fn):
    from django.utils import translation

    with translation.override(lang):
        return fn()


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_principal_approves_a_plan_and_is_refused_one_that_breaks_the_time_rules(
        desktop, sign_in, site, demo_user, check_page):
    from clubs import services, timerules
    from clubs.models import ReviewStatus, ServicePlan
    from schools.models import School

    school = School.objects.get(code=SCHOOL)
    term = _past_term(site.lang)
    assert not ServicePlan.objects.filter(school=school, term=term).exists()
    t = datetime.time
    # The academic office drafts the plan inside the rules and submits it (the principal is notified).
    plan = services.plan_create(
        user=demo_user(f"academic_{SCHOOL.lower()}"), school=school, term=term, school_days=[1, 2, 3, 4, 5],
        winter_noon_start=t(13, 0), winter_noon_end=t(13, 50), winter_after_start=t(16, 0),
        winter_after_end=t(17, 30), summer_noon_start=t(14, 0), summer_noon_end=t(14, 30),
        summer_after_start=t(16, 30), summer_after_end=t(18, 0), homework_groups=3,
        notes="基础托管：作业辅导；拓展：社团活动。")
    services.plan_submit(user=demo_user(f"academic_{SCHOOL.lower()}"), plan=plan)
    principal = f"principal_{SCHOOL.lower()}"

    sign_in(desktop, principal)
    nav_link(desktop, site.t("Service plans")).click()
    expect(desktop.locator("main h1")).to_contain_text(school.name)
    row = desktop.locator("main tbody tr").filter(has_text=term.name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(site.t("Submitted"))
    check_page(desktop, "plan-list", axe=True)

    # The submitted plan keeps every rule: the principal approves it.
    row.get_by_role("link", name=school.name).click()
    heading = desktop.locator("main h1")
    expect(heading).to_contain_text(school.name)
    expect(heading).to_contain_text(site.t("Submitted"))
    main = desktop.locator("main")
    expect(main).to_contain_text(term.name)
    expect(main.locator(".alert-success")).to_have_text(site.t("The plan keeps every time rule."))
    winter = main.get_by_role("row", name=site.t("Winter timetable"))
    expect(winter).to_contain_text("13:00-13:50")
    expect(winter).to_contain_text("16:00-17:30")
    expect(main.get_by_test_id("problems")).to_have_count(0)
    days = ", ".join(site.t(day) for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"))
    expect(main.get_by_test_id("school-days")).to_contain_text(f"{site.t('School days')}: {days}")
    check_page(desktop, "plan-submitted", axe=True)

    desktop.get_by_role("button", name=site.t("Approve")).click()
    expect(desktop.get_by_role("alert")).to_have_text(site.t("The plan was approved."))
    expect(heading).to_contain_text(site.t("Approved"))
    expect(desktop.get_by_role("button", name=site.t("Approve"))).to_have_count(0)
    plan.refresh_from_db()
    assert plan.status == ReviewStatus.APPROVED
    assert plan.decided_by == demo_user(principal)
    check_page(desktop, "plan-approved", axe=True)

    # A revision that keeps after-school service until 18:30 breaks the latest-end rule.
    desktop.get_by_role("button", name=site.t("Start a revision")).click()
    expect(desktop.get_by_role("alert")).to_have_text(site.t("A new revision was started."))
    expect(heading).to_contain_text(site.t("Draft"))
    revision = ServicePlan.objects.get(previous=plan)
    assert desktop.url == site.url(f"/clubs/plans/{revision.pk}/")
    desktop.get_by_role("link", name=site.t("Change")).click()
    rules = _in_language(site.lang, lambda: site.t(
        "Noon service from %(w)s (winter) or %(s)s (summer); after-school service ends by %(e)s; at least %(m)s "
        "minutes a school day.") % {"w": "13:00", "s": "14:00", "e": "18:00", "m": 120})
    expect(desktop.locator("main")).to_contain_text(rules)
    end = desktop.get_by_label(capfirst(site.t("after-school end (winter)")))
    expect(end).to_have_value("17:30")
    end.fill("18:30")
    check_page(desktop, "plan-form", axe=True)
    desktop.get_by_role("button", name=site.t("Save")).click()

    expect(heading).to_contain_text(site.t("Draft"))
    revision.refresh_from_db()
    broken = _in_language(site.lang, lambda: [str(p) for p in timerules.check_plan(revision)])
    late = _in_language(site.lang, lambda: site.t(
        "%(label)s: after-school service ends at %(end)s, but it must end by %(latest)s.")
        % {"label": site.t("winter timetable"), "end": "18:30", "latest": "18:00"})
    assert broken == [late]  # the one rule broken, named as the page must name it
    problems = desktop.get_by_test_id("problems")
    expect(problems).to_contain_text(site.t("This plan breaks the time rules and cannot be submitted or approved:"))
    expect(problems.locator("li")).to_have_text([late])
    check_page(desktop, "plan-breaks-rules", axe=True)

    desktop.get_by_role("button", name=site.t("Submit for approval")).click()
    refused = site.t("The plan breaks the time rules: %(problems)s") % {"problems": late}
    expect(desktop.get_by_role("alert")).to_have_text(refused)
    expect(heading).to_contain_text(site.t("Draft"))
    expect(desktop.get_by_role("button", name=site.t("Approve"))).to_have_count(0)
    revision.refresh_from_db()
    plan.refresh_from_db()
    assert (revision.status, plan.status) == (ReviewStatus.DRAFT, ReviewStatus.APPROVED)
    check_page(desktop, "plan-refused")

    # The plan list still shows the approved plan in force beside the draft revision.
    nav_link(desktop, site.t("Service plans")).click()
    rows = desktop.locator("main tbody tr").filter(has_text=term.name)
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(site.t("Draft"))
    expect(rows.nth(1)).to_contain_text(site.t("Approved"))
    expect(rows.nth(1)).to_contain_text(demo_user(principal).get_full_name())
    check_page(desktop, "plan-list-after")


def _build_week_nobody_reads():
    """Three weeks back: the demo built and published the two weeks before this one. Built by the
    app's Celery task (in process under the test settings), as the Monday beat or the bureau's
    "Build reports" button does; building again replaces the draft."""
    from django.utils import timezone

    from reports.tasks import build_weekly_reports
    from reports.weeks import iso_week

    today = timezone.localdate()
    week = iso_week(today - datetime.timedelta(days=today.weekday() + 21))
    # Called as the worker calls it (synchronously, here). Not `.delay().get()`: the live server's
    # thread may be running an eager task at that moment, and Celery's "never join inside a task"
    # guard is process-wide.
    result = build_weekly_reports(week=week)
    assert result["built"] > 0, result
    return week


def _open(page, fold_id):
    """Unfold a section of the report page, as a person does: click its summary."""
    fold = page.locator(f"#{fold_id}")
    if fold.get_attribute("open") is None:
        fold.locator("summary").click()
    expect(fold).to_have_attribute("open", "")
    return fold


def _figures(page):
    """Every main figure as the page shows it (the folded "every figure" table): {label: text}."""
    _open(page, "fold-figures")
    cells = page.locator("#main-figures [data-figure]")
    return {cells.nth(i).get_attribute("data-figure"): cells.nth(i).inner_text().strip()
            for i in range(cells.count())}


def _headline(page):
    """The four figures on top: {key: (value, target, state, change)} as shown."""
    out = {}
    cards = page.locator("#headline [data-testid^=headline-]")
    for i in range(cards.count()):
        card = cards.nth(i)
        key = card.get_attribute("data-testid").removeprefix("headline-")
        out[key] = tuple(card.get_by_test_id(part).inner_text().strip() for part in ("value", "target", "state"))
    return out


def _table(page, table_id):
    """A drill-down table as the page shows it: the header texts (short), their tooltips (the full
    labels), and rows of cell texts (the name first)."""
    table = page.locator(f"#{table_id}")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    tooltips = [b.get_attribute("title") or b.inner_text().strip() for b in table.locator("thead th button").all()]
    rows = [[c.strip() for c in row.locator("th, td").all_inner_texts()] for row in table.locator("tbody tr").all()]
    return headers, tooltips, rows


def _fits(page, table_id) -> bool:
    """The table shows every column without scrolling sideways inside its scroll container."""
    return page.evaluate("""(id) => {
        const wrapper = document.getElementById(id).closest('.table-scroll');
        return wrapper.scrollWidth <= wrapper.clientWidth;
    }""", table_id)


def _one_line_headers(page, table_id) -> bool:
    """Every header of the table stands on one line (none wrapped, let alone a character a line)."""
    return page.evaluate("""(id) => [...document.querySelectorAll(`#${id} thead th button`)].every(b => {
        const text = document.createRange();
        text.selectNodeContents(b);
        return text.getBoundingClientRect().height < 1.8 * parseFloat(getComputedStyle(b).fontSize);
    })""", table_id)


def _number(text: str) -> float | None:
    return None if text == "–" else float(text)


def _value(value):
    """A figure as a page text or a spreadsheet cell, to compare the two: the page prints None as an
    en dash and 180.0 as "180.0", the sheet keeps the number (180); a percentage is a fraction with a
    percent format in the sheet (0.6 for the page's 60.0)."""
    if isinstance(value, tuple):  # (cell value, number format) from the sheet
        value, number_format = value
        if isinstance(value, int | float) and number_format.endswith("%"):
            return round(value * 100, 1)
    if value is None or value == "–":
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except ValueError:
        return value


@pytest.mark.parametrize("lang", ["zh-hans", "en"], indirect=True)
def test_bureau_reads_the_weekly_report_drills_down_and_downloads_it(desktop, make_page, sign_in, site,
                                                                    check_page):
    import openpyxl
    from django.utils import translation

    from enrollment.models import Application
    from reports import selectors
    from reports.models import WeeklyCoverageReport
    from reports.weeks import week_label
    from schools.models import District, School, Student

    week = _build_week_nobody_reads()
    city_report = WeeklyCoverageReport.objects.get(week=week, scope_key="city", status="draft")
    enrolled = Student.objects.filter(status=Student.Status.ENROLLED, school__active=True)

    sign_in(desktop, "bureau")  # the bureau's workbench leads to the city's latest report; pick the week
    with desktop.expect_navigation():
        desktop.get_by_test_id("work-reports.last_week").click()
    assert desktop.url.startswith(site.url("/reports/city/"))
    desktop.get_by_label(site.t("Week"), exact=True).select_option(week)
    desktop.get_by_role("button", name=site.t("Show"), exact=True).click()
    heading = desktop.locator("main h1")
    expect(heading).to_have_text(f"{site.t('Weekly coverage report')} · {site.t('City')}")
    with translation.override(site.lang):
        expect(desktop.locator("main")).to_contain_text(week_label(week))  # "第46周 · 11月9日—15日"
        expected = {h.key: (h.value_text, h.target_text, h.state_text) for h in selectors.headline(city_report)}
    # the four figures on top, each with its target and its state in words
    placed = Application.objects.filter(term=city_report.term, status=Application.Status.PLACED,
                                        student__in=enrolled).values("student").distinct()
    headline = _headline(desktop)
    assert list(headline) == ["coverage_rate", "attendance_rate", "flagged_schools", "escalated_open"]
    assert headline == expected
    assert headline["coverage_rate"][0] == f"{round(placed.count() / enrolled.count() * 100, 1):.1f}%"
    # a draft: the page says so and leads to the build page
    expect(desktop.get_by_role("status")).to_contain_text(site.t("Publish them on the build page"))
    figures = _figures(desktop)
    assert figures[site.t("Students enrolled")] == str(enrolled.count())
    assert figures[site.t("Students in the service")] == str(placed.count())
    # The districts' table: one row per district (and the city-direct group), short headers on one line
    # with the full label as their tooltip; the coverage chart draws the table's coverage column.
    headers, labels, districts = _table(desktop, "table-rows")
    assert len(districts) == District.objects.count() + 1
    assert labels[1:5] == [site.t("Coverage rate (%)"), site.t("Attendance rate (%)"),
                           site.t("Schools with compliance flags"), site.t("Escalated incidents open")]
    assert _one_line_headers(desktop, "table-rows")
    _open(desktop, "fold-charts")
    expect(desktop.locator("#chart-coverage canvas")).to_have_count(1)  # drawn when the fold opens
    chart = desktop.evaluate("""() => {
        const option = echarts.getInstanceByDom(document.getElementById('chart-coverage')).getOption();
        return {names: option.xAxis[0].data, values: option.series[0].data};
    }""")
    coverage = labels.index(site.t("Coverage rate (%)"))
    assert chart["names"] == [row[0] for row in districts]
    assert chart["values"] == [_number(row[coverage]) for row in districts]
    # a chart with nothing to draw says so (the demo's week three back had no incident)
    if not city_report.data["sections"]["safety"]["incidents"]:
        expect(desktop.get_by_test_id("chart-empty-incidents")).to_have_text(site.t("No incidents this week."))
    # At the bureau's desk every column of the districts' table is in view.
    assert _fits(desktop, "table-rows")
    check_page(desktop, "report-city", axe=True)

    # The column chooser hides a column, and the browser remembers it on the next visit.
    late = site.t("Late pickups")
    late_header = desktop.locator("#table-rows thead th[data-column=late_pickups]")
    desktop.get_by_test_id("columns-table-rows").click()
    desktop.locator("[data-columns-for=table-rows]").get_by_label(late, exact=True).uncheck()
    expect(late_header).to_be_hidden()
    desktop.reload()
    expect(late_header).to_be_hidden()
    expect(desktop.locator("#table-rows tbody td[data-column=late_pickups]").first).to_be_hidden()
    desktop.get_by_test_id("columns-table-rows").click()
    desktop.locator("[data-columns-for=table-rows]").get_by_role("button", name=site.t("Show every column")).click()
    expect(late_header).to_be_visible()

    # The XLSX holds what the page showed: the main figures and the districts' rows, numbers as numbers.
    desktop.get_by_test_id("report-downloads").click()
    with desktop.expect_download() as download:
        desktop.get_by_role("link", name=site.t("Download XLSX")).click()
    assert download.value.suggested_filename == f"report-{week}-city-v{city_report.version}.xlsx"
    with open(download.value.path(), "rb") as xlsx:
        book = openpyxl.load_workbook(xlsx)
    summary = list(book[site.t("Summary")].iter_rows(min_row=1))
    assert tuple(c.value for c in summary[0]) == (f"{site.t('City')} · {week} · v{city_report.version}",
                                                  site.t("Value"), site.t("Change on last week"))
    assert {row[0].value: _value((row[1].value, row[1].number_format)) for row in summary[1:]} == {
        label: _value(text) for label, text in figures.items()}
    breakdown = list(book[site.t("Breakdown")].iter_rows())
    assert [c.value for c in breakdown[0]][1:] == labels[1:]
    assert [[_value((c.value, c.number_format)) for c in row] for row in breakdown[1:]] == [
        [_value(t) for t in row] for row in districts]

    # Drill down: the district with the most schools, then its first school.
    district = max(District.objects.all(), key=lambda d: (d.schools.count(), -d.pk))
    desktop.locator("#table-rows").get_by_role("link", name=district.name).click()
    expect(heading).to_have_text(f"{site.t('Weekly coverage report')} · {district.name}")
    expect(desktop.get_by_role("navigation", name=site.t("Drill-down"))).to_contain_text(site.t("City"))
    in_district = enrolled.filter(school__district=district)
    district_figures = _figures(desktop)
    assert district_figures[site.t("Students enrolled")] == str(in_district.count())
    _headers, school_labels, schools = _table(desktop, "table-rows")
    names = list(School.objects.filter(district=district, active=True).order_by("code").values_list("name", flat=True))
    assert [row[0] for row in schools] == names
    # the district's row in the city's table holds the district's own figures (the city's columns
    # have "schools with flags" where the school rows have none)
    city_row = dict(zip(labels[1:], [row for row in districts if row[0] == district.name][0][1:], strict=True))
    assert {label: city_row[label] for label in school_labels[1:]} == {
        label: district_figures[label] for label in school_labels[1:]}
    assert _fits(desktop, "table-rows")
    check_page(desktop, "report-district", axe=True)

    school = School.objects.get(name=names[0])
    desktop.locator("#table-rows").get_by_role("link", name=school.name).click()
    expect(heading).to_have_text(f"{site.t('Weekly coverage report')} · {school.name}")
    # the school's own figures: its flags, no count of schools with flags, no "Schools: 1"
    assert list(_headline(desktop)) == ["coverage_rate", "attendance_rate", "flag_count", "escalated_open"]
    school_figures = _figures(desktop)
    assert site.t("Schools with compliance flags") not in school_figures
    assert school_figures[site.t("Students enrolled")] == str(in_district.filter(school=school).count())
    assert schools[0][1:] == [school_figures[h] for h in school_labels[1:]]
    desktop.locator("[data-section-fold=students] summary").click()
    section = desktop.locator("table[data-section=students]")
    expect(section.get_by_role("rowheader", name=site.t("Students enrolled in school"), exact=True)).to_be_visible()
    expect(section.get_by_role("rowheader", name=site.t("Schools"), exact=True)).to_have_count(0)
    check_page(desktop, "report-school", axe=True)

    # The build page, for the bureau's report administrator, from the dashboard.
    desktop.goto(f"/reports/city/?week={week}")
    desktop.get_by_test_id("reports-manage-link").click()
    expect(heading).to_have_text(site.t("Build and publish reports"))
    expect(desktop.get_by_label(site.t("Week"), exact=True)).to_have_value(week)
    expect(desktop.locator(f"#build-weeks tr[data-week='{week}']").get_by_role("button")).to_be_visible()
    check_page(desktop, "report-manage", axe=True)

    # On the go: the same page on a phone (390 px). The four figures two by two, the districts' table
    # scrolls sideways inside its container (never the page), the name column stays in view.
    phone = make_page("phone_390")
    sign_in(phone, "bureau")
    phone.goto(f"/reports/city/?week={week}")
    expect(phone.locator("#headline [data-testid^=headline-]")).to_have_count(4)
    scroll = phone.evaluate("""() => {
        const box = document.getElementById('table-rows').closest('.table-scroll');
        box.scrollLeft = 200;
        const name = document.querySelector('#table-rows tbody th').getBoundingClientRect();
        return {wide: box.scrollWidth > box.clientWidth, nameLeft: name.left, boxLeft: box.getBoundingClientRect().left};
    }""")
    assert scroll["wide"] and abs(scroll["nameLeft"] - scroll["boxLeft"]) < 2
    assert _one_line_headers(phone, "table-rows")
    check_page(phone, "report-city", axe=True)
