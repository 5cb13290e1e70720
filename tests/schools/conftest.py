"""Helpers for the school-administration tests: spreadsheets as the schools send them."""
import io

import pytest
from openpyxl import Workbook

from schools.imports import ROSTER_TEMPLATE_HEADERS

HEADERS = ROSTER_TEMPLATE_HEADERS


def xlsx_file(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_file(rows, headers=HEADERS, encoding="gbk", bom=False) -> bytes:
    lines = [",".join(headers)] + [",".join("" if c is None else str(c) for c in row) for row in rows]
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def roster_row(number, name="张小明", gender="男", birth="2017-05-01", klass=None, g_name="张建国",
               relation="父亲", phone="13912345678"):
    return [number, name, gender, birth, klass, g_name, relation, phone, "", "", ""]


@pytest.fixture
def upload(client):
    """`upload(school, data, name=..., kind=...)` posts a file to the import page; returns the response."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    def do(school, data, name="roster.xlsx", kind="roster", create_classes=False):
        payload = {"file": SimpleUploadedFile(name, data)}
        if create_classes:
            payload["create_classes"] = "on"
        return client.post(f"/schools/{school.pk}/import/{kind}/", payload)

    return do
