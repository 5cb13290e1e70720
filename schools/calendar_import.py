"""The calendar (校历) from a spreadsheet: the bureau's city days (the province's holiday notice each
year) or a school's own days, with the roster import's machinery.

`schools.spreadsheets` reads the file (XLSX, GBK/UTF-8 CSV, full-width digits, 2027年1月1日 /
2027/1/1 / 2027-01-01 / Excel dates); `calendar_check` checks each row with the rules of
`schools.calendar` and gives errors by row and column; `calendar_import_preview` keeps the
normalised rows and errors on an `ImportBatch` (kind `calendar`, `school` empty for the city) and
writes nothing else; `calendar_import_apply` enters every day in one transaction through
`calendar_day_create` (so a holiday cancels the open rolls of its date, as when entered by hand),
all or nothing. Confirming twice writes once.
"""
from __future__ import annotations

import datetime
import re

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import AuditEvent
from accounts.services import audit_record
from shahe_afterschool.errors import ConflictError, DomainError

from .calendar import _check, calendar_day_create, may_edit_calendar
from .models import ImportBatch, School
from .spreadsheets import CellError, Msg, Table, clean_text, file_hash, map_columns, parse_date, read_table
from .spreadsheets import Msg as _  # untranslated until shown (see spreadsheets.Msg)

CALENDAR_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("日期", "date"),
    "kind": ("类型", "类别", "kind"),
    "follows_weekday": ("按星期几上课", "调休按", "对应星期", "follows weekday", "follows_weekday"),
    "ends_at": ("放学时间", "结束时间", "ends at", "ends_at"),
    "note": ("备注", "说明", "名称", "note"),
}
CALENDAR_REQUIRED = {"date", "kind"}
CALENDAR_TEMPLATE_HEADERS = [CALENDAR_COLUMNS[k][0] for k in CALENDAR_COLUMNS]
KIND_WORDS = {
    "节假日": "holiday", "假日": "holiday", "放假": "holiday", "休息": "holiday", "holiday": "holiday",
    "调休上课": "school_day", "补课": "school_day", "上课": "school_day", "调休": "school_day",
    "补班": "school_day", "school_day": "school_day", "make-up school day": "school_day",
    "无课后服务": "no_service", "停课": "no_service", "不开展课后服务": "no_service", "no_service": "no_service",
    "no service": "no_service",
    "提前放学": "early_dismissal", "early_dismissal": "early_dismissal", "early dismissal": "early_dismissal",
}
WEEKDAY_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7,
                 "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7,
                 "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}


def _weekday(text: str) -> int | None:
    text = text.lower().replace(" ", "")
    for prefix in ("星期", "周", "礼拜"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    if text.endswith("课表"):
        text = text[:-2]
    if text.isascii() and text.isdigit() and 1 <= int(text) <= 7:
        return int(text)
    return WEEKDAY_WORDS.get(text)


def _time(value) -> datetime.time | None:
    if isinstance(value, datetime.datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, datetime.time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, float) and 0 < value < 1:  # an Excel time cell as a fraction of a day
        minutes = round(value * 24 * 60)
        return datetime.time(minutes // 60, minutes % 60)
    text = clean_text(value).replace(" ", "").replace("：", ":")
    match = re.fullmatch(r"(\d{1,2})(?::|点|时)(\d{1,2})?分?(?::\d{2})?", text)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return datetime.time(hour, minute)


class _Row:
    def __init__(self, number, cells, columns, headers, errors):
        self.number, self.cells, self.columns, self.headers, self.errors = number, cells, columns, headers, errors
        self.ok = True

    def raw(self, key):
        index = self.columns.get(key)
        return self.cells[index] if index is not None and index < len(self.cells) else None

    def text(self, key) -> str:
        return clean_text(self.raw(key))

    def error(self, key: str, message) -> None:
        self.ok = False
        index = self.columns.get(key)
        column = self.headers[index] if index is not None and index < len(self.headers) else key
        detail = message.as_json() if isinstance(message, Msg) else {"message": str(message)}
        self.errors.append({"row": self.number, "column": column, **detail})


def calendar_check(*, table: Table, school: School | None) -> tuple[list[dict], list[dict]]:
    """Each row read and checked with the calendar's rules: (normalised rows, errors by row and column)."""
    columns = map_columns(table.headers, CALENDAR_COLUMNS, CALENDAR_REQUIRED)
    rows: list[dict] = []
    errors: list[dict] = []
    seen: dict[datetime.date, int] = {}
    for number, cells in table.rows:
        row = _Row(number, cells, columns, table.headers, errors)
        date = None
        if not row.text("date") and not isinstance(row.raw("date"), datetime.date):
            row.error("date", _("The date is missing."))
        else:
            try:
                date = parse_date(row.raw("date"))
            except CellError as exc:
                row.error("date", exc.msg)
        if date is not None and date in seen:
            row.error("date", _("%(date)s appears twice: also in row %(other)d.")
                      % {"date": date.isoformat(), "other": seen[date]})
            date = None
        elif date is not None:
            seen[date] = number
        kind_text = row.text("kind")
        kind = KIND_WORDS.get(kind_text.lower())
        if kind is None:
            row.error("kind", _("“%(value)s” is not a kind of day: write 节假日, 调休上课, 无课后服务 or 提前放学.")
                      % {"value": kind_text} if kind_text else _("The kind of day is missing."))
        follows = None
        follows_text = row.text("follows_weekday")
        if follows_text:
            follows = _weekday(follows_text)
            if follows is None:
                row.error("follows_weekday", _("“%(value)s” is not a weekday: write 周一 to 周日 or 1 to 7.")
                          % {"value": follows_text})
        ends_at = None
        if row.text("ends_at") or isinstance(row.raw("ends_at"), (datetime.time, datetime.datetime)):
            ends_at = _time(row.raw("ends_at"))
            if ends_at is None:
                row.error("ends_at", _("“%(value)s” is not a time: write it as 15:30.") % {"value": row.text("ends_at")})
        note = row.text("note")
        if len(note) > 200:
            row.error("note", _("The note is at most 200 characters."))
        if row.ok:
            try:  # the calendar's own rules (a make-up day on a weekday, a holiday outside every term, ...)
                _check(date=date, kind=kind, school=school, follows_weekday=follows, ends_at=ends_at)
            except DomainError as exc:
                row.error(exc.field if exc.field in columns else "date", exc.message)
        if row.ok:
            rows.append({"row": number, "date": date.isoformat(), "kind": kind, "follows_weekday": follows,
                         "ends_at": ends_at.strftime("%H:%M") if ends_at else None, "note": note})
    if not table.rows:
        errors.append({"row": 1, "column": "", **_("The file has a header row but no days.").as_json()})
    return rows, errors


def _require_editor(user, school: School | None) -> None:
    if not may_edit_calendar(user, school):
        raise PermissionDenied(gettext_lazy("Only the education bureau sets the city's calendar days.") if school is None
                               else gettext_lazy("Only the principal or the teaching-affairs office sets the "
                                                 "school's calendar."))


def calendar_import_preview(*, user, school: School | None, file_name: str, data: bytes) -> ImportBatch:
    """Read and check the file; keep the rows and errors on a batch. Nothing else is written."""
    _require_editor(user, school)
    table = read_table(file_name, data)
    rows, errors = calendar_check(table=table, school=school)
    return ImportBatch.objects.create(
        school=school, kind=ImportBatch.Kind.CALENDAR, created_by=user, file_name=file_name[:255],
        file_hash=file_hash(data), options={"scope": "school" if school else "city"}, rows=rows, errors=errors,
        summary={"rows": len(table.rows), "days": len(rows)})


def calendar_import_apply(*, batch_id: int, user) -> ImportBatch:
    """Enter the previewed days, all or nothing; the batch is locked and its status checked inside the
    transaction, so confirming twice writes once."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update(of=("self",)).select_related("school").get(pk=batch_id)
        _require_editor(user, batch.school)
        if batch.status != ImportBatch.Status.PREVIEW:
            raise ConflictError(gettext_lazy("This file has already been imported or discarded."))
        if batch.errors:
            raise DomainError(gettext_lazy("The file has errors. Correct them and upload it again; nothing was "
                                           "imported."))
        entered = 0
        for row in batch.rows:
            ends_at = datetime.time.fromisoformat(row["ends_at"]) if row["ends_at"] else None
            try:
                calendar_day_create(user=user, school=batch.school, date=datetime.date.fromisoformat(row["date"]),
                                    kind=row["kind"], follows_weekday=row["follows_weekday"], ends_at=ends_at,
                                    note=row["note"])
            except DomainError as exc:  # the calendar changed since the preview: nothing is entered
                raise DomainError(gettext_lazy("Row %(row)d: %(problem)s Nothing was imported.")
                                  % {"row": row["row"], "problem": exc.message}) from None
            entered += 1
        batch.status, batch.applied_at = ImportBatch.Status.APPLIED, timezone.now()
        batch.summary = {**batch.summary, "entered": entered}
        batch.save(update_fields=["status", "applied_at", "summary"])
        audit_record(user=user, action=AuditEvent.Action.CHANGE, obj=batch,
                     detail=f"calendar {batch.file_name}: {entered} days")
    return batch


def calendar_import_discard(*, batch: ImportBatch, user) -> ImportBatch:
    _require_editor(user, batch.school)
    if not ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEW).update(
            status=ImportBatch.Status.DISCARDED):
        raise ConflictError(gettext_lazy("This file has already been imported or discarded."))
    batch.refresh_from_db()
    return batch


def calendar_batch_get(*, user, pk) -> ImportBatch:
    """A calendar upload of the user's own, else 404."""
    from accounts.scoping import get_for_user

    return get_for_user(ImportBatch.objects.filter(kind=ImportBatch.Kind.CALENDAR).select_related("school"), user, pk)

