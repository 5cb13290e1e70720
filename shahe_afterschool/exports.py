"""Spreadsheet exports (XLSX and CSV) shared by every app.

Every cell passes through `safe_cell`, so an export can never carry a spreadsheet formula
(CSV/formula injection: a cell starting with = + - @ is prefixed with an apostrophe). CSV is written
as UTF-8 with a BOM so that Excel and WPS on Chinese Windows open it correctly. Numbers stay numbers:
a percentage is a `Percent` (the figure 0-100 as the page shows it); the XLSX holds it as a fraction
with a percent number format (37.5 → 0.375 shown as 37.5%), the CSV as the plain figure.
"""
from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from django.http import HttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PERCENT_FORMAT = "0.0%"


class Percent(float):
    """A percentage as a page prints it (37.5 for 37.5 %), marked for the spreadsheets: an XLSX cell
    gets 0.375 with the percent number format, a CSV cell the figure itself."""

    __slots__ = ()


def percent(value) -> Percent | None:
    """`value` (a number 0-100, or None) marked as a percentage."""
    return None if value is None else Percent(value)


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def csv_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([str(h) for h in headers])
    for row in rows:
        writer.writerow([safe_cell(v) if v is not None else "" for v in row])
    return _attachment(HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8"), filename)


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """One worksheet per (title, headers, rows); bold header row, frozen, columns sized, print-ready."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=str(title)[:31])
        sheet.append([str(h) for h in headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [len(str(h)) * 2 + 2 for h in headers]
        for row in rows:
            values = [safe_cell(v) for v in row]
            sheet.append([v / 100 if isinstance(v, Percent) else v for v in values])
            for i, v in enumerate(values):
                if isinstance(v, Percent):
                    sheet.cell(row=sheet.max_row, column=i + 1).number_format = PERCENT_FORMAT
                if i < len(widths):
                    widths[i] = min(max(widths[i], len(str(v)) * 2 if v is not None else 0), 60)
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = max(width, 8)
        sheet.freeze_panes = "A2"
        sheet.print_title_rows = "1:1"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> HttpResponse:
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _attachment(HttpResponse(xlsx_bytes(sheets), content_type=content_type), filename)
