"""Reading the spreadsheets schools bring, and normalising what is in their cells.

Files come from Excel and WPS on Chinese Windows: XLSX, or CSV that is GBK (sometimes UTF-8 with a
BOM). Cells carry full-width digits and stray spaces; dates arrive as 2015-09-01, 2015/9/1,
2015年9月1日 or Excel serial numbers. Everything unambiguous is accepted and normalised here; every
function returns the clean value or raises `CellError` with a message in plain words.
"""
from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
import zipfile
from contextlib import closing
from dataclasses import dataclass

from django.utils.translation import gettext, gettext_lazy

from accounts.text import join_list
from shahe_afterschool.errors import DomainError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 5000
#: Rows read from a sheet, blank ones included (title lines, gaps): beyond this the file is refused
#: without reading on. A 3 MB workbook can hold a million blank rows that took 20 s to read.
MAX_SHEET_ROWS = 2 * MAX_ROWS
#: Columns read from a sheet; cells further right are not read (the templates have about ten).
MAX_COLUMNS = 100
#: Cell elements in one sheet's XML: a 5,000-row roster with some formatted empty cells has a tenth.
MAX_SHEET_CELLS = 20 * MAX_SHEET_ROWS
ALLOWED_EXTENSIONS = (".xlsx", ".csv")

_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
              "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ－／．："}
_FULLWIDTH[0x3000] = 0x20  # ideographic space
_SPACES = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")


class Msg:
    """A message about a cell, kept untranslated (msgid and values) in the import batch's JSON and
    translated when shown, so that it reads in the language of whoever looks at the preview.
    Named `_` in the modules that build these messages, so that makemessages still finds them."""

    def __init__(self, msgid: str, params: dict | None = None):
        self.msgid, self.params = msgid, params or {}

    def __mod__(self, params: dict) -> Msg:
        return Msg(self.msgid, params)

    def as_json(self) -> dict:
        return {"msgid": self.msgid, "params": self.params}

    def __str__(self) -> str:
        return render_message(self.as_json())


def render_message(error: dict) -> str:
    """The text of a stored error in the current language."""
    if "msgid" not in error:
        return str(error.get("message", ""))
    text = gettext(error["msgid"])
    return text % error["params"] if error.get("params") else text


_ = Msg


class CellError(ValueError):
    """A cell that cannot be read; its `Msg` says why in plain words."""

    @property
    def msg(self) -> Msg:
        return self.args[0]


@dataclass
class Table:
    headers: list[str]
    #: (spreadsheet row number, cells) for every non-empty row after the header
    rows: list[tuple[int, list]]


def halfwidth(value: str) -> str:
    return value.translate(_FULLWIDTH)


def clean_text(value) -> str:
    """A cell as text: full-width letters and digits made half-width, spaces trimmed and collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACES.sub(" ", halfwidth(str(value))).strip()


def clean_name(value) -> str:
    """A person's name: stray spaces between Chinese characters removed ('张 三' → '张三')."""
    text = clean_text(value)
    text = re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text)
    return text.replace("•", "·").replace("．", "·")


def class_key(name: str) -> str:
    """The form of a class name used to match it: '一年级(1)班', '一年级 （１） 班' → '一年级（1）班'."""
    text = clean_text(name).replace(" ", "")
    return text.replace("(", "（").replace(")", "）")


EXCEL_EPOCH = datetime.date(1899, 12, 30)
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def parse_date(value) -> datetime.date:
    """2015-09-01, 2015/9/1, 2015.9.1, 2015年9月1日, 20150901, an Excel serial number or a date cell."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(value)
    # A time part that Excel adds to a date exported as text: "2015-09-01 00:00:00".
    text = re.sub(r"\s+\d{1,2}:\d{2}(:\d{2})?$", "", clean_text(value)).replace(" ", "")
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return datetime.date(year, month, day)
            except ValueError:
                raise CellError(_("“%(value)s” is not a date that exists.") % {"value": text}) from None
    if re.fullmatch(r"\d{4,5}(\.\d+)?", text):
        return _from_serial(float(text))
    raise CellError(_("“%(value)s” is not a date. Write it as 2015-09-01.") % {"value": text})


def _from_serial(number: float) -> datetime.date:
    # Excel serial numbers for the years 1900-2100; anything else is not a date a person wrote.
    if not 1 <= number < 73051:
        raise CellError(_("“%(value)s” is not a date. Write it as 2015-09-01.") % {"value": number})
    return EXCEL_EPOCH + datetime.timedelta(days=int(number))


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_csv(data: bytes) -> str:
    """UTF-8 with a BOM, UTF-16 with a BOM (Excel's "Unicode text"), plain UTF-8, else GBK (GB18030)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise DomainError(gettext_lazy(
            "The CSV file is in an encoding we cannot read. Save it from Excel or WPS as "
            "“CSV (comma delimited)” or as an .xlsx workbook."
        )) from None


def read_table(name: str, data: bytes) -> Table:
    """The header and the non-empty rows of the first sheet of an XLSX file or of a CSV file."""
    lower = (name or "").lower()
    if not lower.endswith(ALLOWED_EXTENSIONS):
        raise DomainError(gettext_lazy("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."), field="file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError(gettext_lazy("The file is larger than 5 MB. Split it into several files."), field="file")
    if not data:
        raise DomainError(gettext_lazy("The file is empty."), field="file")
    raw_rows = _xlsx_rows(data) if lower.endswith(".xlsx") else _csv_rows(data)
    with closing(raw_rows):
        header_row, headers, rows = _collect(raw_rows)
    if header_row is None:
        raise DomainError(gettext_lazy("The file has no header row and no data."), field="file")
    return Table(headers=headers, rows=rows)


def _collect(raw_rows):
    """The header and the non-empty rows; rows come one at a time and the caps stop the reading, so
    nothing past them is parsed."""
    header_row, headers, rows = None, [], []
    for number, cells in raw_rows:
        if number > MAX_SHEET_ROWS:
            raise _too_many_rows()
        if not any(c is not None and c != "" and clean_text(c) for c in cells):
            continue
        if header_row is None:
            header_row, headers = number, [clean_text(c) for c in cells]
            continue
        rows.append((number, list(cells)))
        if len(rows) > MAX_ROWS:
            raise DomainError(
                gettext_lazy("The file has more than %(max)d rows. Split it into several files.") % {"max": MAX_ROWS},
                field="file",
            )
    return header_row, headers, rows


def _too_many_rows() -> DomainError:
    return DomainError(gettext_lazy(
        "The sheet has more than %(max)d rows, counting empty ones. Delete the empty rows below your data "
        "or split the file into several files.") % {"max": MAX_SHEET_ROWS}, field="file")


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref="\$?[A-Za-z]*\$?(\d*)(?::\$?[A-Za-z]*\$?(\d+))?"')


def _check_sheet_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse a part of the workbook that declares, or holds, more rows or cells than an import may
    have, before openpyxl parses it (openpyxl scans a sheet without a declared size in full when it
    opens the workbook). A streamed byte scan: it costs a fraction of a second for the largest file."""
    rows = cells = 0
    carry, first = b"", True
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(1 << 20)
            data = carry + chunk
            if first:
                first = False
                declared = _DIMENSION.search(data)
                if declared and int(declared.group(2) or declared.group(1) or 0) > MAX_SHEET_ROWS:
                    raise _too_many_rows()
            # Count whole tags only: a tag cut at the end of the chunk is counted with the next one.
            cut = data.rfind(b"<") if chunk else len(data)
            if cut <= 0:
                cut = len(data)
            rows += len(_ROW_TAG.findall(data, 0, cut))
            cells += len(_CELL_TAG.findall(data, 0, cut))
            if rows > MAX_SHEET_ROWS:
                raise _too_many_rows()
            if cells > MAX_SHEET_CELLS:
                raise DomainError(gettext_lazy(
                    "The sheet has more than %(max)d cells, counting empty ones. Delete the empty rows and columns "
                    "around your data or split the file into several files.") % {"max": MAX_SHEET_CELLS},
                    field="file")
            if not chunk:
                return
            carry = data[cut:]


def _xlsx_rows(data: bytes):
    """(row number, cells) of the first sheet, one row at a time (a generator: the caller's caps stop
    the reading). A sheet whose declared size (its `<dimension>`, which Excel and WPS write) is
    beyond the caps is refused before any row is read."""
    from openpyxl import load_workbook

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DomainError(gettext_lazy(
            "This is not an .xlsx workbook. If it is an old .xls file, save it as .xlsx first."
        ), field="file")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        # A small file that unpacks to gigabytes (a "zip bomb") is refused before openpyxl opens it.
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise DomainError(gettext_lazy("The workbook is too large once unpacked. Split it into several files."),
                              field="file")
        try:
            for info in archive.infolist():
                if info.filename.lower().endswith(".xml"):
                    _check_sheet_xml(archive, info)
        except DomainError:
            raise
        except Exception as exc:  # a damaged archive: bad CRC, bad deflate data, unknown compression
            raise DomainError(gettext_lazy("The workbook could not be read: it may be damaged."),
                              field="file") from exc
    damaged = gettext_lazy("The workbook could not be read: it may be damaged.")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged file
        raise DomainError(damaged, field="file") from exc
    try:
        if (sheet.max_row or 0) > MAX_SHEET_ROWS:
            raise _too_many_rows()
        width = min(sheet.max_column, MAX_COLUMNS) if sheet.max_column else None
        for number, cells in enumerate(sheet.iter_rows(values_only=True, max_col=width), start=1):
            yield number, cells[:MAX_COLUMNS]
    except DomainError:
        raise
    except Exception as exc:
        raise DomainError(damaged, field="file") from exc
    finally:
        workbook.close()


def _csv_rows(data: bytes):
    text = decode_csv(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
            yield number, cells[:MAX_COLUMNS]
    except csv.Error as exc:
        raise DomainError(gettext_lazy("The CSV file could not be read: %(error)s") % {"error": exc},
                          field="file") from exc


def map_columns(headers: list[str], columns: dict[str, tuple[str, ...]], required: set[str]) -> dict[str, int]:
    """Column key → index, from headers that match one of each column's names (spaces ignored)."""
    normalised = [h.replace(" ", "").lower() for h in headers]
    found: dict[str, int] = {}
    for key, names in columns.items():
        for name in names:
            wanted = name.replace(" ", "").lower()
            if wanted in normalised:
                found[key] = normalised.index(wanted)
                break
    missing = [columns[k][0] for k in columns if k in required and k not in found]
    if missing:
        raise DomainError(
            gettext_lazy("The header row lacks these columns: %(columns)s. Use the template.")
            % {"columns": join_list(missing)},
            field="file",
        )
    return found
