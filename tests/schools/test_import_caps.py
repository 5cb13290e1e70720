"""Issue #17 item 8: a small upload cannot tie up a worker. The row caps stop the reading, a sheet
that declares (or holds) more rows than an import may have is refused before openpyxl parses it,
and blank rows cost next to nothing. "Reading stopped" is proved by counting the rows openpyxl
parsed and the rows the reader handed on, never by timing."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook
from openpyxl.worksheet._reader import WorkSheetParser

from schools import spreadsheets
from schools.models import ImportBatch
from schools.spreadsheets import MAX_ROWS, MAX_SHEET_ROWS, read_table
from shahe_afterschool.errors import DomainError

from .conftest import HEADERS, csv_file, roster_row

pytestmark = pytest.mark.django_db


def workbook_with(sheet_rows: str, *, dimension: str | None) -> bytes:
    """An .xlsx made by openpyxl (header and one row), its sheet's rows followed by `sheet_rows`
    (raw `<row>` XML) and its `<dimension>` replaced (or removed when None)."""
    book = Workbook()
    book.active.append(list(HEADERS))
    book.active.append(roster_row("S1", klass="一年级（1）班"))
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = re.sub(r"<dimension [^>]*/>", f'<dimension ref="{dimension}"/>' if dimension else "",
                              data.decode())
                text = text.replace("</sheetData>", sheet_rows + "</sheetData>")
                assert ("<dimension" in text) == bool(dimension)
                data = text.encode()
            archive.writestr(info, data)
    return out.getvalue()


def blank_rows(first: int, count: int, cells: str = "ABCDEFGH") -> str:
    """Rows of formatted empty cells, as Excel writes them below a table someone formatted."""
    return "".join(f'<row r="{i}">' + "".join(f'<c r="{c}{i}" s="0"/>' for c in cells) + "</row>"
                   for i in range(first, first + count))


@pytest.fixture
def parsed_rows(monkeypatch):
    """How many rows of sheet XML openpyxl parsed."""
    counter = {"rows": 0}
    original = WorkSheetParser.parse_row

    def counting(self, row):
        counter["rows"] += 1
        return original(self, row)

    monkeypatch.setattr(WorkSheetParser, "parse_row", counting)
    return counter


@pytest.fixture
def handed_on(monkeypatch):
    """How many rows the XLSX and CSV readers handed to `read_table`."""
    counter = {"rows": 0}

    def wrap(reader):
        def counting(data):
            for item in reader(data):
                counter["rows"] += 1
                yield item
        return counting

    monkeypatch.setattr(spreadsheets, "_xlsx_rows", wrap(spreadsheets._xlsx_rows))
    monkeypatch.setattr(spreadsheets, "_csv_rows", wrap(spreadsheets._csv_rows))
    return counter


def refusal(name, data, language="en") -> str:
    with translation.override(language), pytest.raises(DomainError) as caught:
        read_table(name, data)
    return str(caught.value.message)


def test_a_sheet_declaring_a_million_rows_is_refused_before_any_row_is_read(world, parsed_rows, handed_on,
                                                                             login, upload):
    data = workbook_with(blank_rows(3, 5), dimension="A1:K1048576")
    assert len(data) < 20_000
    message = refusal("roster.xlsx", data)
    assert f"more than {MAX_SHEET_ROWS} rows" in message and "empty rows" in message
    assert parsed_rows["rows"] == 0 and handed_on["rows"] == 0
    # Through the import page: a clear message, no batch.
    login(world.principal)
    response = upload(world.school_a, data)
    assert response.status_code == 400
    assert "10000" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_many_blank_rows_without_a_declared_size_are_refused_without_parsing_them(world, parsed_rows):
    """The issue's file: a few megabytes of blank rows and no `<dimension>` (openpyxl would scan
    all of it just to open the workbook)."""
    data = workbook_with(blank_rows(3, MAX_SHEET_ROWS + 10), dimension=None)
    message = refusal("roster.xlsx", data)
    assert f"more than {MAX_SHEET_ROWS} rows" in message
    assert parsed_rows["rows"] == 0
    assert "空行" in refusal("roster.xlsx", data, language="zh-hans")


def test_a_sheet_of_too_many_cells_is_refused_without_parsing_them(world, parsed_rows):
    columns = [f"{a}{b}" for a in "ABCDEFGHIJ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]  # 260 columns
    count = spreadsheets.MAX_SHEET_CELLS // len(columns) + 5  # fewer rows than the row cap
    assert count < MAX_SHEET_ROWS
    rows = "".join(f'<row r="{i}">' + "".join(f'<c r="{c}{i}" s="0"/>' for c in columns) + "</row>"
                   for i in range(3, 3 + count))
    message = refusal("roster.xlsx", workbook_with(rows, dimension=None))
    assert f"more than {spreadsheets.MAX_SHEET_CELLS} cells" in message
    assert parsed_rows["rows"] == 0


def test_a_jump_to_a_far_row_stops_reading_at_the_cap(world, handed_on):
    """Three row elements, the last at row 500,000: openpyxl fills the gap with empty rows; reading
    stops at the cap instead of walking half a million of them."""
    data = workbook_with('<row r="500000"><c r="A500000" t="inlineStr"><is><t>x</t></is></c></row>',
                         dimension=None)
    message = refusal("roster.xlsx", data)
    assert f"more than {MAX_SHEET_ROWS} rows" in message
    assert handed_on["rows"] == MAX_SHEET_ROWS + 1


def test_more_data_rows_than_the_cap_stops_reading_at_the_cap(world, handed_on):
    rows = [roster_row(f"S{i}", klass="一年级（1）班") for i in range(MAX_ROWS + 500)]
    message = refusal("roster.csv", csv_file(rows))
    assert f"more than {MAX_ROWS} rows" in message
    assert handed_on["rows"] == MAX_ROWS + 2  # the header, the cap's rows and the one beyond it


def test_blank_csv_lines_count_towards_the_cap(world, handed_on):
    data = csv_file([roster_row("S1", klass="一年级（1）班")]) + b",,,,,,,,\r\n" * (MAX_SHEET_ROWS * 3)
    assert "counting empty ones" in refusal("roster.csv", data)
    assert handed_on["rows"] == MAX_SHEET_ROWS + 1


def test_a_workbook_with_some_formatted_blank_rows_still_reads(world, parsed_rows):
    data = workbook_with(blank_rows(3, 200), dimension="A1:K202")
    table = read_table("roster.xlsx", data)
    assert table.headers[:2] == list(HEADERS[:2])
    assert [number for number, _cells in table.rows] == [2]
    assert parsed_rows["rows"] == 202
