"""Issue 21 item 3: a person reads the week as "第48周 · 11月23日—29日", not "2026-W48" (docs/glossary.md),
and the breadcrumb names the real district and school."""
import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from reports.weeks import week_label

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value, zh, en", [
    ("2026-W48", "第48周 · 11月23日—29日", "Week 48 · Nov. 23–29"),
    ("2026-W49", "第49周 · 11月30日—12月6日", "Week 49 · Nov. 30–Dec. 6"),
    (datetime.date(2026, 12, 2), "第49周 · 11月30日—12月6日", "Week 49 · Nov. 30–Dec. 6"),
    ("2026-W54", "2026-W54", "2026-W54"),  # not a week: shown as given
])
def test_week_label(value, zh, en):
    with translation.override("zh-hans"):
        assert week_label(value) == zh
    with translation.override("en"):
        assert week_label(value) == en



def _text(html):
    from tests.test_glossary import visible_text

    return visible_text(html)[0]


def test_report_pages_show_the_week_as_a_person_reads_it(published, client):
    w = published
    client.force_login(w.bureau)
    for url in [reverse("reports:city"), reverse("reports:school", args=[w.school_a.pk])]:
        html = client.get(url, {"week": w.week}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        text = _text(html)
        with translation.override("zh-hans"):
            assert week_label(w.week) in text
        assert not re.search(r"\b\d{4}-W\d{2}\b", text), url
        assert f'value="{w.week}"' in html  # the ISO code stays in the form and the URLs
    charts = client.get(reverse("reports:city"), {"week": w.week}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    week_words = json.dumps(f"第{int(w.week[-2:])}周")[1:-1]  # "第48周" as the page's JSON escapes it
    assert f'"label": "{week_words}' in charts  # the trend chart's axis reads 第N周…


def test_breadcrumbs_name_the_district_and_the_school(published, client):
    w = published
    client.force_login(w.bureau)
    city = client.get(reverse("reports:city"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    crumbs = city[city.index('class="breadcrumb"'):city.index("</ol>")]
    assert crumbs.count("breadcrumb-item") == 1  # not "全市 / 全市"
    school = client.get(reverse("reports:school", args=[w.school_a.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = school.content.decode()
    crumbs = html[html.index('class="breadcrumb"'):html.index("</ol>")]
    assert w.district_a.name in crumbs and w.school_a.name in crumbs
    assert reverse("reports:district", args=[w.district_a.pk]) in crumbs
    client.force_login(w.principal)  # the principal reads the district's name, without a link it may not follow
    html = client.get(reverse("reports:school", args=[w.school_a.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    crumbs = html[html.index('class="breadcrumb"'):html.index("</ol>")]
    assert w.district_a.name in crumbs and reverse("reports:district", args=[w.district_a.pk]) not in crumbs
