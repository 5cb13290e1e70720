"""The sheets of a report's XLSX and CSV, built from the same rows the page prints."""
from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .models import scope_display_name
from .selectors import flag_rows, main_rows, section_rows


def report_sheets(report) -> list[tuple[str, list, list]]:
    title = f"{report.scope_name} · {report.week} · v{report.version}"
    sheets = [(_("Summary"), [title, _("Value"), _("Change on last week")], main_rows(report))]
    for section, rows in section_rows(report):
        sheets.append((str(section.title), [_("Figure"), _("Value")], rows))
    sheets.append((_("Compliance flags"), [_("School"), _("Flags")], flag_rows(report)))
    table = report.data.get("rows") or []
    if table:
        keys = [k for k, _label in main_rows_keys(report)]
        sheets.append((_("Breakdown"), [pgettext("of a group, school or district", "Name"), *[label for _k, label in main_rows_keys(report)]],
                       [[scope_display_name(r["kind"], r["name"]), *[r.get(k) for k in keys]] for r in table]))
    return sheets


def main_rows_keys(report) -> list[tuple[str, str]]:
    from .sections import main_labels

    return [(k, str(v)) for k, v in main_labels().items()]


def report_csv(report) -> tuple[list, list]:
    rows = [[_("Summary"), label, value] for label, value, _change in main_rows(report)]
    for section, section_rows_ in section_rows(report):
        rows += [[str(section.title), label, value] for label, value in section_rows_]
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
        for section, rows in section_rows(r):
            titles[section.code] = str(section.title)
            by_section.setdefault(section.code, [{} for _r in reports])[i] = dict(rows)
    for code, columns in by_section.items():
        labels = list(dict.fromkeys(label for d in columns for label in d))
        sheets.append((titles[code], [_("Figure"), *weeks], [[label, *[d.get(label) for d in columns]]
                                                            for label in labels]))
    return sheets


def main_rows_values(report):
    return [(label, value) for label, value, _change in main_rows(report)]
