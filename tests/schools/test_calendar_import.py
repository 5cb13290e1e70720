"""The calendar from a spreadsheet (issue 22, items 1 and 7): GBK/UTF-8 CSV and XLSX, Chinese date
forms and full-width digits, errors by row and column in a preview, nothing written before confirm,
the calendar's rules per row, all or nothing on confirm; who may import."""
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from accounts.roles import Role
from attendance import services as attendance_services
from attendance.models import Roll
from schools.calendar import calendar_day_create
from schools.models import CalendarDay, ImportBatch
from tests.attendance.factories import approved_plan
from tests.factories import IN_TERM, UserFactory, VenueFactory, give_role

from ..enrollment.factories import ServiceGroupFactory

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]

GOOD = ("日期,类型,按星期几上课,放学时间,备注\n"
        "２０２７年１月１日,节假日,,,元旦\n"
        "2026/12/26,调休上课,周一,,元旦调休\n"
        "2026-12-09,提前放学,,１５：３０,家长会\n")


def _upload(client, text_or_bytes, name="校历.csv", school=None, encoding="gbk", **headers):
    data = text_or_bytes.encode(encoding) if isinstance(text_or_bytes, str) else text_or_bytes
    url = "/schools/calendar/import/" + (f"?school={school.pk}" if school else "")
    return client.post(url, {"file": SimpleUploadedFile(name, data)}, **headers)


def _batch() -> ImportBatch:
    return ImportBatch.objects.filter(kind="calendar").latest("pk")


def test_a_gbk_csv_with_chinese_dates_and_full_width_digits_previews_then_confirms(world, client):
    client.force_login(world.bureau)
    response = _upload(client, GOOD)
    assert response.status_code == 302
    batch = _batch()
    assert batch.errors == [] and batch.school is None
    assert [(r["date"], r["kind"], r["follows_weekday"], r["ends_at"]) for r in batch.rows] == [
        ("2027-01-01", "holiday", None, None), ("2026-12-26", "school_day", 1, None),
        ("2026-12-09", "early_dismissal", None, "15:30")]
    assert not CalendarDay.objects.exists()  # nothing written before confirm
    page = client.get(response["Location"])
    assert page.status_code == 200 and "元旦调休" in page.content.decode()
    assert client.post(response["Location"], {"action": "confirm"}).status_code == 302
    days = {d.date: d for d in CalendarDay.objects.all()}
    assert days[datetime.date(2027, 1, 1)].kind == "holiday" and days[datetime.date(2026, 12, 26)].follows_weekday == 1
    assert days[datetime.date(2026, 12, 9)].ends_at == datetime.time(15, 30)
    assert all(d.school_id is None for d in days.values())
    client.post(response["Location"], {"action": "confirm"})  # twice: written once
    assert CalendarDay.objects.count() == 3
    assert _batch().status == "applied"


def test_xlsx_with_date_cells_and_utf8_csv_with_bom(world, client):
    client.force_login(world.bureau)
    book = Workbook()
    sheet = book.active
    sheet.append(["日期", "类型", "备注"])
    sheet.append([datetime.datetime(2027, 1, 1), "放假", "元旦"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert _upload(client, buffer.getvalue(), name="校历.xlsx").status_code == 302
    assert _batch().rows[0]["date"] == "2027-01-01" and _batch().errors == []
    assert _upload(client, "\ufeff日期,类型\n2027.1.1,节假日\n", encoding="utf-8").status_code == 302
    assert _batch().rows[0]["date"] == "2027-01-01"


def test_errors_by_row_and_column_and_nothing_is_written(world, client):
    calendar_day_create(user=world.bureau, date=datetime.date(2026, 12, 28), kind="no_service", note="期末")
    client.force_login(world.bureau)
    bad = ("日期,类型,按星期几上课,放学时间,备注\n"
           "2027年2月30日,节假日,,,\n"            # row 2: no such date
           "2026-12-02,调休上课,周一,,\n"          # row 3: a make-up day on a Wednesday
           "2027-08-01,节假日,,,暑假\n"            # row 4: a holiday outside every term
           "2026-12-10,放羊,,,\n"                  # row 5: no such kind
           "2026-12-12,调休上课,周八,,\n"          # row 6: no such weekday
           "2026-12-11,提前放学,,下午,\n"          # row 7: not a time
           "2026-12-11,节假日,,,\n"                # row 8: the same date twice
           "2026-12-28,节假日,,,\n"                # row 9: already in the calendar
           ",节假日,,,\n"                          # row 10: no date
           "2027-01-04,节假日,,,ok\n")             # row 11: fine
    response = _upload(client, bad, HTTP_ACCEPT_LANGUAGE="en")  # the calendar's rules answer in the uploader's language
    batch = _batch()
    assert response.status_code == 302
    where = {(e["row"], e["column"]) for e in batch.errors}
    assert where == {(2, "日期"), (3, "日期"), (4, "日期"), (5, "类型"), (6, "按星期几上课"), (7, "放学时间"),
                     (8, "日期"), (9, "日期"), (10, "日期")}
    page = client.get(f"/schools/calendar/import/{batch.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Saturday or a Sunday" in page and "inside a term" in page and "appears twice" in page
    client.post(f"/schools/calendar/import/{batch.pk}/", {"action": "confirm"})
    assert CalendarDay.objects.count() == 1 and _batch().status == "preview"  # nothing imported


def test_a_bad_file_is_400_and_the_header_must_name_the_columns(world, client):
    client.force_login(world.bureau)
    assert _upload(client, "这不是表格", name="x.txt").status_code == 400
    response = _upload(client, "名称,备注\n元旦,x\n")
    assert response.status_code == 400 and ImportBatch.objects.count() == 0


def test_confirming_a_holiday_cancels_the_open_rolls_of_that_day(world, client):
    w = world
    teacher = UserFactory(username="imp_teacher", name="吕宇")
    give_role(teacher, Role.TEACHER, school=w.school_a)
    approved_plan(w.school_a, w.term)
    ServiceGroupFactory(school=w.school_a, term=w.term, venue=VenueFactory(school=w.school_a), teacher=teacher)
    day = datetime.date(2026, 12, 3)
    attendance_services.rolls_create_for_day(school=w.school_a, date=day)
    client.force_login(w.bureau)
    _upload(client, "日期,类型,备注\n2026年12月3日,节假日,临时放假\n")
    assert Roll.objects.get(date=day).status == "open"  # the preview changes nothing
    client.post(f"/schools/calendar/import/{_batch().pk}/", {"action": "confirm"})
    roll = Roll.objects.get(date=day)
    assert roll.status == "cancelled" and "临时放假" in roll.cancelled_reason


def test_who_imports_what(world, client):
    w = world
    academic = UserFactory(username="imp_academic", name="教务处")
    give_role(academic, Role.ACADEMIC, school=w.school_a)
    client.force_login(academic)
    assert _upload(client, GOOD).status_code == 403  # the city's days are the bureau's
    assert _upload(client, "日期,类型,放学时间\n2026-12-09,提前放学,15:30\n", school=w.school_a).status_code == 302
    batch = _batch()
    assert batch.school == w.school_a
    for user in (w.homeroom, w.principal, w.bureau):  # someone else's upload is a 404
        client.force_login(user)
        assert client.get(f"/schools/calendar/import/{batch.pk}/").status_code == 404
    client.force_login(w.homeroom)
    assert _upload(client, GOOD, school=w.school_a).status_code == 403
    client.force_login(w.teacher_b)
    assert _upload(client, GOOD, school=w.school_a).status_code == 404
    client.force_login(academic)
    client.post(f"/schools/calendar/import/{batch.pk}/", {"action": "confirm"})
    assert CalendarDay.objects.get().school == w.school_a
    # the principal's roster uploads never show a calendar upload
    assert client.get(f"/schools/{w.school_a.pk}/imports/{batch.pk}/").status_code in (403, 404)
