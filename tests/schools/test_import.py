"""Roster import: preview first, every error by row and column, all or nothing, idempotent."""
import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from schools import services
from schools.models import Guardianship, HomeroomClass, ImportBatch, Student
from schools.spreadsheets import parse_date, read_table
from tests.factories import GradeFactory, HomeroomClassFactory, UserFactory, give_role

from .conftest import HEADERS, csv_file, roster_row, xlsx_file

pytestmark = pytest.mark.django_db
User = get_user_model()


def preview(world, data, name="roster.xlsx", **kw):
    return services.import_preview(school=world.school_a, user=world.principal, kind="roster", file_name=name,
                                   data=data, **kw)


def test_clean_file_previews_without_writing_then_imports_on_confirm(world, login, upload):
    klass = world.class_a.name
    data = xlsx_file([
        roster_row("S1", "王 子涵", "男", "2017-09-01", klass, "王建国", "父亲", "139 1234 5678"),
        roster_row("S2", "李欣怡", "女", "2017/3/15", klass.replace("（", "(").replace("）", ")"), "李华", "妈妈",
                   "139-1234-5679"),
        roster_row("S3", "欧阳·明", "女", "2017年5月20日", klass, "欧阳强", "爷爷", "１３９１２３４５６７０"),
        roster_row("S4", "赵四", "M", 42979, klass, "", "", ""),  # Excel serial number for 2017-09-01
    ])
    login(world.principal)
    before = Student.objects.count()
    response = upload(world.school_a, data)
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.errors == [] and batch.status == ImportBatch.Status.PREVIEW
    assert Student.objects.count() == before  # nothing written by the preview
    page = login(world.principal).get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "New students" in page and "Import now" in page
    assert batch.summary["students_new"] == 4

    response = login(world.principal).post(f"/schools/{world.school_a.pk}/imports/{batch.pk}/confirm/",
                                           {"action": "confirm"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    s1 = Student.objects.get(school=world.school_a, student_number="S1")
    assert s1.name == "王子涵" and s1.gender == "M" and s1.birth_date == datetime.date(2017, 9, 1)
    assert Student.objects.get(student_number="S2").birth_date == datetime.date(2017, 3, 15)
    assert Student.objects.get(student_number="S3").birth_date == datetime.date(2017, 5, 20)
    assert Student.objects.get(student_number="S4").birth_date == datetime.date(2017, 9, 1)
    parent = User.objects.get(username="13912345678")
    assert parent.phone == "13912345678" and not parent.has_usable_password()
    assert parent.role_assignments.filter(role=Role.PARENT, active=True).exists()
    assert Guardianship.objects.get(guardian=parent, student=s1).relation == "father"
    assert Guardianship.objects.get(student__student_number="S2").relation == "mother"
    assert User.objects.filter(username="13912345670").exists()  # full-width digits normalised
    assert s1.history.count() == 1
    from accounts.models import AuditEvent

    audit = AuditEvent.objects.get(action=AuditEvent.Action.CHANGE, object_type="schools.importbatch")
    assert audit.user == world.principal and "students_new" in audit.detail


def test_gbk_csv_and_utf8_bom_csv_are_both_read(world):
    rows = [roster_row("C1", "陈小明", "男", "2017-01-02", world.class_a.name)]
    for data in (csv_file(rows, encoding="gbk"), csv_file(rows, encoding="utf-8", bom=True),
                 csv_file(rows, encoding="utf-8")):
        table = read_table("roster.csv", data)
        assert table.headers == HEADERS
        assert table.rows[0][1][1] == "陈小明"


@pytest.mark.parametrize("raw,expected", [
    ("2015-09-01", datetime.date(2015, 9, 1)), ("2015/9/1", datetime.date(2015, 9, 1)),
    ("2015年9月1日", datetime.date(2015, 9, 1)), (42248, datetime.date(2015, 9, 1)),
    ("42248", datetime.date(2015, 9, 1)), ("２０１５－０９－０１", datetime.date(2015, 9, 1)),
    (" 2015.9.1 ", datetime.date(2015, 9, 1)), ("2015-09-01 00:00:00", datetime.date(2015, 9, 1)),
    (datetime.datetime(2015, 9, 1, 0, 0), datetime.date(2015, 9, 1)),
])
def test_dates_in_every_form_schools_write_them(raw, expected):
    assert parse_date(raw) == expected


def test_file_with_one_of_each_error_reports_row_and_column_and_writes_nothing(world, login, upload):
    klass = world.class_a.name
    data = xlsx_file([
        roster_row("", "无学号", klass=klass),                         # row 2: missing student number
        roster_row("E1", "甲", klass=klass),                          # row 3: fine
        roster_row("E1", "乙", klass=klass, phone="13912345001"),     # row 4: duplicate of row 3
        roster_row("E2", "丙", birth="2017-02-30", klass=klass),      # row 5: not a date
        roster_row("E3", "丁", klass="九年级（9）班"),                 # row 6: unknown class
        roster_row("E4", "戊", klass=klass, phone="12345"),            # row 7: not a phone
    ])
    before = (Student.objects.count(), User.objects.count(), Guardianship.objects.count())
    client = login(world.principal)
    response = upload(world.school_a, data)
    batch = ImportBatch.objects.get()
    found = {(e["row"], e["column"]) for e in batch.errors}
    assert found == {(2, "学号"), (4, "学号"), (5, "出生日期"), (6, "班级"), (7, "监护人电话")}, batch.errors
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The student number is missing." in page
    assert "appears twice: also in row 3" in page
    assert "is not a date that exists" in page
    assert "There is no class" in page
    assert "is not a phone number" in page
    assert "Import now" not in page
    # Confirming anyway is refused, and nothing was written.
    client.post(f"/schools/{world.school_a.pk}/imports/{batch.pk}/confirm/", {"action": "confirm"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW
    assert (Student.objects.count(), User.objects.count(), Guardianship.objects.count()) == before


def test_error_messages_are_in_chinese_for_a_chinese_user(world, login, upload):
    client = login(world.principal)
    response = upload(world.school_a, xlsx_file([roster_row("", "无学号", klass=world.class_a.name)]))
    page = client.get(response.url).content.decode()
    assert "缺少学号" in page


def test_reimporting_the_same_file_changes_nothing(world):
    rows = [roster_row(f"R{i}", f"学生{i}", klass=world.class_a.name, phone=f"1391234{i:04d}") for i in range(5)]
    data = xlsx_file(rows)
    services.import_apply(batch_id=preview(world, data).pk, user=world.principal)
    counts = (Student.objects.count(), Student.history.count(), Guardianship.objects.count(),
              Guardianship.history.count(), User.objects.count())
    second = preview(world, data)
    assert second.summary["students_new"] == 0 and second.summary["students_unchanged"] == 5
    services.import_apply(batch_id=second.pk, user=world.principal)
    assert (Student.objects.count(), Student.history.count(), Guardianship.objects.count(),
            Guardianship.history.count(), User.objects.count()) == counts


def test_a_changed_row_updates_the_student_and_keeps_history(world):
    other = HomeroomClassFactory(school=world.school_a, grade=world.class_a.grade, name="三年级（9）班")
    services.import_apply(batch_id=preview(world, xlsx_file([
        roster_row("U1", "刘一", birth="2017-01-01", klass=world.class_a.name)])).pk, user=world.principal)
    batch = preview(world, xlsx_file([roster_row("U1", "刘一一", birth="2017-01-02", klass=other.name)]))
    assert batch.summary["students_updated"] == 1
    services.import_apply(batch_id=batch.pk, user=world.principal)
    student = Student.objects.get(student_number="U1")
    assert (student.name, student.birth_date, student.homeroom_class) == ("刘一一", datetime.date(2017, 1, 2), other)
    history = list(student.history.order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "~"]
    assert history[0].name == "刘一" and history[1].name == "刘一一"
    assert history[1].history_user == world.principal


def test_confirming_twice_imports_once(world):
    batch = preview(world, xlsx_file([roster_row("T1", klass=world.class_a.name)]))
    services.import_apply(batch_id=batch.pk, user=world.principal)
    with pytest.raises(services.ConflictError):
        services.import_apply(batch_id=batch.pk, user=world.principal)
    assert Student.objects.filter(student_number="T1").count() == 1


def test_a_row_for_another_school_is_refused(world):
    headers = ["学校", *HEADERS]
    data = xlsx_file([[world.school_b.name, *roster_row("X1", klass=world.class_a.name)]], headers=headers)
    batch = preview(world, data)
    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, "学校")]


def test_another_schools_principal_cannot_import_into_this_school(world, login, upload):
    principal_b = UserFactory(username="principal_b")
    give_role(principal_b, Role.PRINCIPAL, school=world.school_b)
    login(principal_b)
    response = upload(world.school_a, xlsx_file([roster_row("Z1", klass=world.class_a.name)]))
    assert response.status_code == 404
    # Nor confirm a batch of this school, even knowing its id.
    batch = preview(world, xlsx_file([roster_row("Z1", klass=world.class_a.name)]))
    client = login(principal_b)
    assert client.post(f"/schools/{world.school_a.pk}/imports/{batch.pk}/confirm/").status_code == 404
    assert client.post(f"/schools/{world.school_b.pk}/imports/{batch.pk}/confirm/").status_code == 404
    assert client.get(f"/schools/{world.school_b.pk}/imports/{batch.pk}/").status_code == 404
    assert not Student.objects.filter(student_number="Z1").exists()
    # And its own class names are unknown here: a file for school_b is refused row by row.
    refused = services.import_preview(school=world.school_b, user=principal_b, kind="roster", file_name="a.xlsx",
                                      data=xlsx_file([roster_row("Z2", klass=world.class_a.name)]))
    assert refused.errors and refused.errors[0]["column"] == "班级"


def test_create_classes_option_creates_grade_and_class(world):
    batch = preview(world, xlsx_file([roster_row("N1", klass="一年级(3)班")]), create_classes=True)
    assert batch.errors == [] and batch.summary["new_class_names"] == ["一年级（3）班"]
    services.import_apply(batch_id=batch.pk, user=world.principal)
    klass = HomeroomClass.objects.get(school=world.school_a, name="一年级（3）班")
    assert klass.grade.number == 1 and klass.history.count() == 1


def test_parent_with_children_in_two_schools_gets_one_account(world):
    """School B's import never links school A's parent: it issues a link code (printed on B's class
    letters), and the parent, signed in to the one account, links the child at B themselves."""
    from accounts.models import AuditEvent
    from accounts.services import link_code_issue, link_code_redeem
    from schools.selectors import class_pending_links

    principal_b = UserFactory(username="principal_b")
    give_role(principal_b, Role.PRINCIPAL, school=world.school_b)
    services.import_apply(batch_id=preview(world, xlsx_file([
        roster_row("P1", klass=world.class_a.name, phone="13955550000")])).pk, user=world.principal)
    batch_b = services.import_preview(school=world.school_b, user=principal_b, kind="roster", file_name="b.csv",
                                      data=csv_file([roster_row("P9", klass=world.class_b.name,
                                                                phone="139-5555-0000")]))
    assert batch_b.summary["guardian_accounts_new"] == 0
    assert batch_b.summary["guardians_elsewhere"] == 1
    services.import_apply(batch_id=batch_b.pk, user=principal_b)
    parent = User.objects.get(username="13955550000")
    assert list(parent.guardianships.filter(active=True).values_list("student__school__name", flat=True)) == [
        world.school_a.name]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, object_id=str(parent.pk)).exists()
    [pending] = class_pending_links(school=world.school_b, klass=world.class_b)
    code = link_code_issue(user=pending.user, student=pending.student, relation=pending.relation, by=principal_b,
                           school=world.school_b)  # what printing B's letters does
    link_code_redeem(user=parent, code=code)
    assert sorted(parent.guardianships.values_list("student__school__name", flat=True)) == sorted(
        [world.school_a.name, world.school_b.name])
    assert parent.role_assignments.filter(role=Role.PARENT).count() == 1


def test_failure_half_way_rolls_everything_back(world, monkeypatch):
    from schools import imports

    batch = preview(world, xlsx_file([roster_row("F1", klass=world.class_a.name, phone="13900001111")]))
    real = imports.bulk_create_with_history

    def explode(objs, model, **kwargs):
        if model is Guardianship:
            raise RuntimeError("disk full")
        return real(objs, model, **kwargs)

    monkeypatch.setattr(imports, "bulk_create_with_history", explode)
    with pytest.raises(RuntimeError):
        services.import_apply(batch_id=batch.pk, user=world.principal)
    assert not Student.objects.filter(student_number="F1").exists()
    assert not User.objects.filter(username="13900001111").exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW


def _big_file(world, n):
    grade = GradeFactory(school=world.school_a, number=1)
    classes = [HomeroomClass.objects.create(school=world.school_a, grade=grade, name=f"一年级（{k}）班")
               for k in range(1, 11)]
    rows = [roster_row(f"B{i:05d}", f"学生{i}", "男" if i % 2 else "女", f"2018-{i % 12 + 1}-{i % 28 + 1}",
                       classes[i % 10].name, f"家长{i}", "母亲", f"137{i:08d}") for i in range(n)]
    return xlsx_file(rows)


def _count_apply_queries(world, n):
    batch = preview(world, _big_file(world, n))
    assert batch.errors == []
    with CaptureQueriesContext(connection) as ctx:
        services.import_apply(batch_id=batch.pk, user=world.principal)
    assert Student.objects.filter(school=world.school_a, student_number__startswith="B").count() == n
    assert Guardianship.objects.filter(student__student_number__startswith="B").count() == n
    return len(ctx.captured_queries)


@pytest.mark.parametrize("n", [5, 40])
def test_import_queries_do_not_grow_with_rows(world, n, django_assert_num_queries):
    batch = preview(world, _big_file(world, n))
    # Counted once for 5 and once for 40 rows: the same number.
    with django_assert_num_queries(16):
        services.import_apply(batch_id=batch.pk, user=world.principal)


def test_three_thousand_rows_in_one_transaction_with_queries_not_per_row(world):
    queries = _count_apply_queries(world, 3000)
    # SQLite splits a large INSERT into batches of at most 999 parameters, so the count grows by
    # one query per batch (about two hundred for 3,000 rows), never by one per row. On PostgreSQL it is the same count as
    # for 5 rows (see the postgres test below).
    assert queries < 250, queries  # 216 on SQLite 3.4x; 3,000 rows would be 15,000+ queries row by row
    assert Student.history.filter(student_number__startswith="B").count() == 3000


@pytest.mark.postgres
def test_three_thousand_rows_cost_the_same_queries_as_five_on_postgres(world):
    assert _apply_counting(world, "C", 5, "136") == _apply_counting(world, "D", 3000, "135")


def _apply_counting(world, prefix, n, phone_prefix):
    rows = [roster_row(f"{prefix}{i:05d}", f"学生{i}", "男", "2018-01-01", world.class_a.name, f"家长{i}", "母亲",
                       f"{phone_prefix}{i:08d}") for i in range(n)]
    batch = preview(world, xlsx_file(rows))
    with CaptureQueriesContext(connection) as ctx:
        services.import_apply(batch_id=batch.pk, user=world.principal)
    assert Student.objects.filter(student_number__startswith=prefix).count() == n
    return len(ctx.captured_queries)


def test_upload_limits_type_and_size(world, login, upload):
    client = login(world.principal)
    response = upload(world.school_a, b"MZ\x90\x00binary", name="virus.exe")
    assert response.status_code == 400 and ImportBatch.objects.count() == 0
    response = upload(world.school_a, b"not a zip", name="roster.xlsx")
    assert response.status_code == 400
    assert "xlsx" in response.content.decode()
    big = b"a" * (5 * 1024 * 1024 + 1)
    assert upload(world.school_a, big, name="big.csv").status_code == 400
    assert upload(world.school_a, "学号,姓名\n".encode("gbk"), name="x.csv").status_code == 400  # columns lacking
    assert ImportBatch.objects.count() == 0
    del client


def test_template_downloads_and_its_sample_rows_import_cleanly(world, login):
    GradeFactory(school=world.school_a, number=1)
    HomeroomClass.objects.create(school=world.school_a, grade=world.school_a.grades.get(number=1),
                                 name="一年级（1）班")
    client = login(world.principal)
    for fmt in ("xlsx", "csv"):
        response = client.get(f"/schools/{world.school_a.pk}/import/roster/template.{fmt}")
        assert response.status_code == 200
        batch = preview(world, response.content, name=f"template.{fmt}")
        assert batch.errors == [], batch.errors
        assert batch.summary["students_new"] == 3


def test_import_command_previews_and_imports(world, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "roster.csv"
    path.write_bytes(csv_file([roster_row("K1", klass=world.class_a.name)], encoding="gbk"))
    call_command("import_roster", str(path), school=world.school_a.code, user=world.principal.username)
    assert not Student.objects.filter(student_number="K1").exists()
    call_command("import_roster", str(path), school=world.school_a.code, user=world.principal.username,
                 confirm=True)
    assert Student.objects.filter(student_number="K1").exists()
    path.write_bytes(csv_file([roster_row("", klass=world.class_a.name)], encoding="gbk"))
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), school=world.school_a.code, user=world.principal.username)
    with pytest.raises(CommandError):  # a teacher may not import
        call_command("import_roster", str(path), school=world.school_a.code, user=world.homeroom.username)


def test_the_applied_summary_counts_each_new_guardian_link_once(world, login):
    """Issue 21: four rows with a guardian each reported 8 new guardian links after the import (the
    written rows were counted on top of the planned links); the database holds 4."""
    rows = [roster_row(f"G{i}", f"学生{i}", klass=world.class_a.name, phone=f"1391111{i:04d}") for i in range(4)]
    before = Guardianship.objects.count()
    batch = preview(world, xlsx_file(rows))
    assert batch.summary["guardianships_new"] == 4
    services.import_apply(batch_id=batch.pk, user=world.principal)
    batch.refresh_from_db()
    assert Guardianship.objects.count() - before == 4
    assert batch.summary["guardianships_new"] == 4
    page = login(world.principal).get(f"/schools/{world.school_a.pk}/imports/{batch.pk}/",
                                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "New guardian links: <strong>4</strong>" in " ".join(page.split())
