"""The demo's November (issue 22, "done means"): teacher1 sees their held hours, academic1 checks the
statement, principal1 signs it, the bureau downloads the city summary with the amounts."""
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from accounts.models import User
from attendance.models import Statement

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(datetime.datetime(
    2026, 12, 5, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))))]


def test_the_demo_november_statement_is_checked_signed_and_summed(client):
    call_command("seed_demo", verbosity=0)
    statement = Statement.objects.get(school__code="S001", month=datetime.date(2026, 11, 1))
    assert statement.status == "draft" and statement.version == 1
    teacher1 = statement.lines.get(teacher__username="teacher1")
    # 21 school days in November 2026; the 三四年级组's first Thursday was left open: 20 held, 40 hours
    assert (teacher1.group_sessions, teacher1.group_minutes, teacher1.planned_sessions) == (20, 2400, 21)

    client.force_login(User.objects.get(username="teacher1"))
    assert 'href="/attendance/hours/mine/"' in client.get("/attendance/").content.decode()
    page = client.get("/attendance/hours/mine/?month=2026-11")
    nov = next(m for m in page.context["summary"] if m["month"] == datetime.date(2026, 11, 1))
    assert (nov["held_sessions"], nov["held_hours"]) == (20, 40.0) and len(page.context["sessions"]) == 20

    client.force_login(User.objects.get(username="academic1"))
    assert client.post(f"/attendance/statements/{statement.pk}/check/").status_code == 302
    client.force_login(User.objects.get(username="principal1"))
    assert client.post(f"/attendance/statements/{statement.pk}/sign/").status_code == 302
    statement.refresh_from_db()
    assert statement.status == "signed"

    client.force_login(User.objects.get(username="bureau"))
    page = client.get("/attendance/statements/summary/?month=2026-11")
    total = page.context["total"]
    assert total["signed"] == 1 and total["amount"] > Decimal("0") and total["teachers"] == statement.lines.count()
    book = load_workbook(io.BytesIO(client.get("/attendance/statements/summary/?month=2026-11&format=xlsx").content))
    by_district = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert by_district[-1][-1] == float(total["amount"])
