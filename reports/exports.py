"""The sheets of a report's XLSX and CSV, built from the same rows the page prints.

Numbers stay numbers: every value is a number, a short text or empty; percentages are
`shahe_afterschool.exports.Percent` (a percent-formatted cell in the XLSX); a section's tables
(coverage by grade, priority groups) have one numeric column per figure, as sheets of their own in the
XLSX and one line per figure in the CSV."""
from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shahe_afterschool.exports import percent

from .models import ScopeKind, scope_display_name
from .sections import percent_keys
from .selectors import flag_rows, main_rows, section_rows, section_tables, table_columns


def _name_header() -> str:
    return pgettext("of a group, school or district", "Name")


def _breakdown(items: list[dict], kind: str, *, district: bool = False) -> tuple[list, list]:
    """Headers and rows of a drill-down table (the page's columns, full labels), percentages marked."""
    columns, percents = table_columns(kind), percent_keys()
    headers = [_name_header(), *([_("District")] if district else []), *[label for _k, label, _s in columns]]
    direct = str(ScopeKind.CITY_DIRECT.label)
    rows = []
    for r in items:
        cells = [percent(r.get(k)) if k in percents else r.get(k) for k, _label, _short in columns]
        lead = [scope_display_name(r["kind"], r["name"])]
        if district:
            lead.append(direct if r.get("city_direct") else r.get("district") or "")
        rows.append([*lead, *cells])
    return headers, rows


def report_sheets(report) -> list[tuple[str, list, list]]:
    title = f"{report.scope_name} · {report.week} · v{report.version}"
    sheets = [(_("Summary"), [title, _("Value"), _("Change on last week")], main_rows(report))]
    tables = section_tables(report)
    for section, rows in section_rows(report):
        sheets.append((str(section.title), [_("Figure"), _("Value")], rows))
        for sub in tables.get(section.code, []):
            sheets.append((sub.title, sub.headers, sub.rows))
    sheets.append((_("Compliance flags"), [_("School"), _("Flags")], flag_rows(report)))
    table = report.data.get("rows") or []
    if table:
        kind = ScopeKind.DISTRICT if report.kind == ScopeKind.CITY else ScopeKind.SCHOOL
        sheets.append((_("Breakdown"), *_breakdown(table, kind)))
    schools = report.data.get("schools") or []
    if schools:
        sheets.append((_("Every school"), *_breakdown(schools, ScopeKind.SCHOOL, district=True)))
    return sheets


def _flat(sub) -> list[tuple[str, object]]:
    """A section's table as (label, value) lines: "Grade 3 · Students enrolled in school", 16."""
    return [(f"{row[0]} · {header}", value) for row in sub.rows for header, value in zip(sub.headers[1:], row[1:],
                                                                                           strict=False)]


def report_csv(report) -> tuple[list, list]:
    rows = [[_("Summary"), label, value] for label, value, _change in main_rows(report)]
    tables = section_tables(report)
    for section, section_rows_ in section_rows(report):
        rows += [[str(section.title), label, value] for label, value in section_rows_]
        for sub in tables.get(section.code, []):
            rows += [[str(section.title), label, value] for label, value in _flat(sub)]
    rows += [[_("Compliance flags"), school, flags] for school, flags in flag_rows(report)]
    return [_("Section"), _("Figure"), _("Value")], rows


def term_sheets(reports) -> list[tuple[str, list, list]]:
    """One sheet per section, one column per week of the term (the weeks concatenated)."""
    weeks = [r.week for r in reports]
    per_report = [dict(main_rows_values(r)) for r in reports]
    labels = list(dict.fromkeys(label for d in per_report for label in d))
    sheets = [(_("Summary"), [_("Figure"), *weeks], [[label, *[d.get(label) for d in per_report]] for label in labels])]
    by_section: dict[str, list[dict]] = {}
    titles: dict[str, str] = {}
    for i, r in enumerate(reports):
        tables = section_tables(r)
        for section, rows in section_rows(r):
            titles[section.code] = str(section.title)
            lines = [*rows, *[line for sub in tables.get(section.code, []) for line in _flat(sub)]]
            by_section.setdefault(section.code, [{} for _r in reports])[i] = dict(lines)
    for code, columns in by_section.items():
        labels = list(dict.fromkeys(label for d in columns for label in d))
        sheets.append((titles[code], [_("Figure"), *weeks], [[label, *[d.get(label) for d in columns]]
                                                            for label in labels]))
    return sheets


def main_rows_values(report):
    return [(label, value) for label, value, _change in main_rows(report)]
