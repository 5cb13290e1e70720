"""The roll page offline (issue 18, item 8) at the server's side, and the console's words (item 1).

The browser half is tests/browser/test_offline_roll.py: the page kept at the first visit, the badge,
the outbox through reloads. Here: what the service worker is served, the check the badge makes,
a replayed outbox arriving once, the refused close, and 自行离校 as the one word.
"""
import datetime
import pathlib
import re

import pytest

from attendance import views
from attendance.models import DayClose, Mark
from tests.factories import IN_TERM

from .conftest import post_marks
from .test_handover import _flexible, _mark

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]
ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_the_service_worker_takes_the_page_at_its_first_visit(client):
    response = client.get("/attendance/sw.js")
    body = response.content.decode()
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]
    # installed at once, controls the page that registered it, keeps the page on its request
    assert "self.skipWaiting()" in body and "self.clients.claim()" in body
    assert 'data.type !== "cache-page"' in body and 'type: "page-cached"' in body
    # never the API, never the connection check
    assert 'url.pathname.indexOf("/api/") === 0' in body and "/healthz" not in body.split("var CACHE")[1]


def test_the_cache_is_renamed_when_an_asset_changes(monkeypatch):
    urls = ["/static/attendance/roll.js"]
    before = views._assets_version(urls)
    assert views._assets_version(urls) == before
    real_stat = views.os.stat

    class Changed:
        def __init__(self, path):
            found = real_stat(path)
            self.st_size, self.st_mtime_ns = found.st_size + 1, found.st_mtime_ns + 1

    monkeypatch.setattr(views.os, "stat", Changed)
    assert views._assets_version(urls) != before  # a new roll.js is not served from the old cache
    assert views._assets_version(["/static/attendance/roll.abc123.js"]) != views._assets_version(urls)


def test_the_roll_page_checks_the_server_not_the_browser(att, client, django_assert_max_num_queries):
    w = att
    client.force_login(w.teacher_a)
    html = client.get(f"/attendance/rolls/{w.roll.pk}/").content.decode()
    assert 'data-ping-url="/healthz"' in html
    # the badge says nothing before the server answered (a kept copy must not say "online")
    badge = re.search(r'<span class="badge ([^"]+)" data-connection[^>]*>([^<]+)</span>', html)
    assert badge.groups() == ("text-bg-secondary", "Checking the connection…")
    # the check is light, never cached, needs no sign-in
    client.logout()
    with django_assert_max_num_queries(0):
        ping = client.get("/healthz")
    assert ping.status_code == 200 and "no-store" in ping["Cache-Control"]


def test_an_outbox_replayed_after_the_connection_returns_arrives_once(att, api):
    """The tablet sent its outbox, the answer was lost, the page was reloaded offline and sends the
    same outbox again 20 minutes later (the same client_ids and tap times): one mark, one history row."""
    w = att
    tapped = (IN_TERM - datetime.timedelta(minutes=20)).isoformat()
    outbox = [{"student": w.child_a.pk, "status": "present", "client_id": "0b8f-tap-1", "marked_at": tapped},
              {"student": w.child_a2.pk, "status": "late", "client_id": "0b8f-tap-2", "marked_at": tapped}]
    first = post_marks(api, w.teacher_a, w.roll, outbox)
    again = post_marks(api, w.teacher_a, w.roll, outbox)
    assert first.json()["created"] == 2 and again.json()["unchanged"] == 2
    assert [r["result"] for r in again.json()["results"]] == ["unchanged", "unchanged"]
    assert {m.student_id: m.status for m in Mark.objects.filter(roll=w.roll)} == {w.child_a.pk: "present",
                                                                                  w.child_a2.pk: "late"}
    assert Mark.history.filter(roll_id=w.roll.pk).count() == 2
    # a tap made online since then is not undone by the old outbox arriving late
    post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "absent", "client_id": "0b8f-tap-3"}])
    late = post_marks(api, w.teacher_a, w.roll, [{**outbox[0], "client_id": "0b8f-tap-1-copy"}])
    assert late.json()["stale"] == 1
    assert Mark.objects.get(roll=w.roll, student=w.child_a).status == "absent"


def test_the_close_address_says_why_the_day_cannot_close(att, api, client):
    w = att
    _mark(api, w, "present", w.child_a)
    client.force_login(w.duty)
    response = client.get(f"/attendance/console/{w.school_a.pk}/close/", follow=True)
    text = response.content.decode()
    assert "The day cannot be closed: 1 child is present and not yet released." in text and w.child_a.name in text
    assert 'data-testid="day-figures"' not in text and not DayClose.objects.exists()


def test_leaving_alone_is_called_one_thing_in_chinese(att, api, client):
    """自行离校 is the school's word (GLOSSARY.md); 独自离校 is in no catalogue and on no page."""
    for po in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"):
        if ".venv" not in po.parts:
            assert "独自离校" not in po.read_text(encoding="utf-8"), po
    w = att
    _flexible(w.child_a2, datetime.time(17, 0))
    _mark(api, w, "present", w.child_a, w.child_a2)
    client.force_login(w.duty)
    html = client.get(f"/attendance/console/{w.school_a.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    panel = html[html.index('data-testid="pickup-panel"'):html.index('data-testid="released"')]
    # before the chosen time the button is disabled and says when it opens; the plan in words
    assert re.search(r'disabled data-testid="leave-alone">17:00 起可自行离校</button>', panel)
    assert "17:00 自行离校" in panel and "独自" not in html
    assert "服务时段" in html and "会话" not in html  # a service session, not a login session
