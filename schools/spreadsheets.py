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
from dataclasses import dataclass

from django.utils.translation import gettext, gettext_lazy

from accounts.text import join_list
from shahe_afterschool.errors import DomainError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 5000
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
    header_row, headers, rows = None, [], []
    for number, cells in raw_rows:
        if not any(clean_text(c) for c in cells):
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
    if header_row is None:
        raise DomainError(gettext_lazy("The file has no header row and no data."), field="file")
    return Table(headers=headers, rows=rows)


def _xlsx_rows(data: bytes):
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
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = [(i, list(r)) for i, r in enumerate(sheet.iter_rows(values_only=True), start=1)]
        workbook.close()
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged file
        raise DomainError(gettext_lazy("The workbook could not be read: it may be damaged."), field="file") from exc
    return rows


def _csv_rows(data: bytes):
    text = decode_csv(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        return list(enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1))
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
