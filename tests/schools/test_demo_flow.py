"""The issue's "done means", end to end on the demo city: principal1 imports a class list from the
template, sees a clean preview, then a file with errors and each error; creates a homeroom teacher;
a parent joins with an invitation code from the printed letter and sees the child."""
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from schools.models import HomeroomClass, ImportBatch, School, Student

pytestmark = pytest.mark.django_db
DEMO_PASSWORD = "shahe-demo-2026"


def test_principal1_imports_the_template_and_a_parent_joins(demo_seeded):
    cache.clear()
    s001 = School.objects.get(code="S001")
    principal = Client()
    assert principal.post("/accounts/login/", {"username": "principal1", "password": DEMO_PASSWORD}).status_code == 302
    assert principal.get("/schools/manage/").url == f"/schools/{s001.pk}/manage/"

    template = principal.get(f"/schools/{s001.pk}/import/roster/template.xlsx").content
    response = principal.post(f"/schools/{s001.pk}/import/roster/",
                              {"file": SimpleUploadedFile("学生名册.xlsx", template)})
    assert response.status_code == 302
    page = principal.get(response.url).content.decode()
    assert 'data-testid="import-summary"' in page and "确认导入" in page
    batch = ImportBatch.objects.latest("id")
    assert batch.errors == [] and batch.summary["students_new"] == 3
    assert principal.post(f"/schools/{s001.pk}/imports/{batch.pk}/confirm/", {"action": "confirm"}).status_code == 302
    assert Student.objects.filter(school=s001, student_number="2026010101", name="王子涵").exists()

    # A file with errors: each one shown with its row and column, in Chinese.
    bad = "学号,姓名,性别,出生日期,班级,监护人姓名,监护人关系,监护人电话\n" \
          ",无学号,男,2019-01-01,一年级（1）班,,,\n" \
          "2026019902,错日期,女,2019-13-45,一年级（1）班,,,\n" \
          "2026019903,错班级,男,2019-01-01,一年级（9）班,,,\n" \
          "2026019904,错电话,男,2019-01-01,一年级（1）班,某某,母亲,12345\n"
    response = principal.post(f"/schools/{s001.pk}/import/roster/",
                              {"file": SimpleUploadedFile("有错误.csv", bad.encode("gbk"))})
    page = principal.get(response.url).content.decode()
    for text in ("缺少学号", "不是存在的日期", "本校没有“一年级（9）班”这个班级", "不是手机号"):
        assert text in page, text
    assert not Student.objects.filter(student_number__startswith="20260199").exists()

    # A new homeroom teacher for 一年级（1）班.
    klass = HomeroomClass.objects.get(school=s001, name="一年级（1）班")
    response = principal.post(f"/schools/{s001.pk}/staff/", {
        "name": "新班主任", "phone": "13600009999", "roles": ["homeroom"], "homeroom_class": klass.pk})
    assert response.status_code == 302
    klass.refresh_from_db()
    assert klass.homeroom_teacher.username == "13600009999"

    # Letters for the class: the four imported guardians have no password yet and get codes.
    page = principal.post(f"/schools/{s001.pk}/classes/{klass.pk}/letters/", {"action": "print"}).content.decode()
    assert len(set(re.findall(r'data-testid="code">([0-9A-Z-]+)<', page))) == 4
    letter = next(part for part in page.split('data-testid="letter"') if "王子涵" in part and "王建国" in part)
    code = re.search(r'data-testid="code">([0-9A-Z-]+)<', letter).group(1)
    parent = Client()
    response = parent.post("/accounts/join/", {"code": code, "password1": "Wang-family-2026",
                                               "password2": "Wang-family-2026"})
    assert response.status_code == 302
    children = parent.get("/schools/my-children/").content.decode()
    assert "王子涵" in children
