"""The roster's optional e-mail column (issue 20 item 6)."""
import pytest
from django.contrib.auth import get_user_model

from schools import services
from schools.imports import ROSTER_TEMPLATE_HEADERS

from .conftest import roster_row, xlsx_file

pytestmark = pytest.mark.django_db


def test_the_template_has_the_optional_email_columns():
    assert "监护人邮箱" in ROSTER_TEMPLATE_HEADERS and "监护人2邮箱" in ROSTER_TEMPLATE_HEADERS


def preview(world, rows):
    return services.import_preview(school=world.school_a, user=world.principal, kind="roster",
                                   file_name="roster.xlsx", data=xlsx_file(rows))


def test_roster_import_reads_the_guardians_email(world):
    klass = world.class_a.name
    bad = preview(world, [roster_row("2026990002", name="李四", klass=klass, phone="13911113333")
                          + ["bad-address", ""]])
    assert [e["column"] for e in bad.errors] == ["监护人邮箱"]
    # a new account gets the address; an existing one without an address gets it too
    rows = [roster_row("2026990001", klass=klass, phone="13911112222") + ["zhang@example.cn", ""],
            roster_row("2026990003", name="王五", klass=klass, phone=world.parent_b.phone)
            + ["zhao@example.cn", ""]]
    batch = preview(world, rows)
    assert batch.errors == []
    services.import_apply(batch_id=batch.pk, user=world.principal)
    assert get_user_model().objects.get(phone="13911112222").email == "zhang@example.cn"
