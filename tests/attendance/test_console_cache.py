"""The duty console's body kept in the cache (attendance/console_cache.py): a refresh that finds
nothing changed reads it; every write the console shows is on the next read; time-dependent lines and
what no write announces are at most a minute old; each reader has their own body."""
import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from attendance import services
from attendance.models import Mark
from tests.factories import IN_TERM

from .conftest import post_marks

pytestmark = pytest.mark.time_machine(IN_TERM)  # a Wednesday of the term, 15:00


def _url(w):
    return f"/attendance/console/{w.school_a.pk}/"


def _get(client, w):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(_url(w))
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def _held(html):
    return set(re.findall(r'data-testid="held-child" data-student="(\d+)"', html))


def _present(api, w, *children, status="present"):
    assert post_marks(api, w.teacher_a, w.roll, [{"student": c.pk, "status": status, "client_id": f"{status}{c.pk}"}
                                                 for c in children]).status_code == 200


def test_a_refresh_without_a_change_reads_the_body_from_the_cache(att, api, client):
    w = att
    _present(api, w, w.child_a, w.child_a2)
    client.force_login(w.duty)
    first, computed = _get(client, w)
    again, cached = _get(client, w)
    assert _held(first) == _held(again) == {str(w.child_a.pk), str(w.child_a2.pk)}
    # the same page (CSRF tokens are masked afresh on each render, so compare without them)
    strip = re.compile(r"[A-Za-z0-9]{64}")
    assert strip.sub("", first) == strip.sub("", again)
    assert cached < computed, (cached, computed)
    print(f"console: {computed} queries computed, {cached} from the cache")


@pytest.mark.parametrize("write", ["marks_bulk", "mark_update", "pickup", "handover", "leave", "refusal",
                                   "follow_up", "close"])
def test_each_write_the_console_shows_is_on_the_next_read(att, api, client, write):
    w = att
    _present(api, w, w.child_a)
    if write in ("follow_up", "close", "leave"):
        _present(api, w, w.child_a2, status="absent")
    client.force_login(w.duty)
    before, _n = _get(client, w)
    _get(client, w)  # the second read is the cached one
    if write == "marks_bulk":  # the roll page's batch: one bulk INSERT, no post_save
        _present(api, w, w.child_a2)
        assert str(w.child_a2.pk) in _held(_get(client, w)[0])
    elif write == "mark_update":  # a mark changed (saved one by one)
        post_marks(api, w.teacher_a, w.roll, [{"student": w.child_a.pk, "status": "absent", "client_id": "again"}])
        assert Mark.objects.get(student=w.child_a).status == "absent"
        assert _held(_get(client, w)[0]) == set()
    elif write == "pickup":  # the console's own pickup, then its redirect back to the console
        response = client.post(f"{_url(w)}pickup/", {"student": w.child_a.pk, "person": f"guardian:{w.parent_a.pk}"},
                               follow=True)
        assert _held(response.content.decode()) == set()
        html = _get(client, w)[0]  # the page it was read from before the pickup
        assert _held(html) == set() and f"{w.child_a.name} → {w.parent_a.name}" in html
    elif write == "handover":  # the class handover's bulk insert (no post_save) moves who holds the child
        services.custody_record(user=w.teacher_a, student=w.child_a, kind="teacher_to_teacher", to_user=w.duty)
        assert "带班周老师" in _get(client, w)[0].split('data-testid="pickup-panel"')[1]
    elif write == "leave":
        assert "no follow-up yet" in before  # absent without leave, until the leave is reported
        services.leave_report(by=w.other_parent, student=w.child_a2, date=w.today, reason="看病")
        assert "no follow-up yet" not in _get(client, w)[0]
    elif write == "refusal":
        services.pickup_refusal_record(user=w.duty, student=w.child_a, person="陌生人甲", date=w.today)
        assert "陌生人甲" in _get(client, w)[0]
    elif write == "follow_up":
        assert "no follow-up yet" in before
        services.absence_follow_up_record(user=w.duty, student=w.child_a2, date=w.today, contacted=w.other_parent,
                                          outcome="reached_safe")
        assert "no follow-up yet" not in _get(client, w)[0]
    elif write == "close":
        services.absence_follow_up_record(user=w.duty, student=w.child_a2, date=w.today, contacted=w.other_parent,
                                          outcome="reached_safe")
        services.custody_record(user=w.duty, student=w.child_a, kind="pickup", guardian_id=w.parent_a.pk)
        _get(client, w)
        services.day_close(user=w.duty, school=w.school_a, date=w.today)
        assert 'data-testid="close-day"' not in _get(client, w)[0] and "Closed by" in _get(client, w)[0]


def test_what_no_write_announces_is_at_most_a_minute_old(att, api, client, time_machine):
    """A guardian's phone number changed (no console write): the body of this minute is read until
    the minute turns."""
    w = att
    _present(api, w, w.child_a)
    client.force_login(w.duty)
    assert "138****0001" in _get(client, w)[0]
    w.parent_a.phone = "13912345678"
    w.parent_a.save()
    assert "138****0001" in _get(client, w)[0]  # this minute's body
    time_machine.shift(datetime.timedelta(seconds=61))
    html = _get(client, w)[0]
    assert "139****5678" in html and "138****0001" not in html


def test_readers_have_their_own_body_and_the_leaders_reads_are_audited_from_the_cache(att, api, client,
                                                                                       time_machine):
    w = att
    _present(api, w, w.child_a)
    time_machine.move_to(IN_TERM.replace(hour=19))  # the group ended at 17:00 or so: a late pickup
    client.force_login(w.duty)
    leader = _get(client, w)[0]
    assert "13800000001" in leader  # the rostered leader sees the late pickup's full number
    audits = AuditEvent.objects.filter(user=w.duty, detail="guardian phones (late pickup)")
    assert audits.count() == 1
    _get(client, w)  # from the cache: still a read of the numbers
    assert audits.count() == 2
    principal = Client(HTTP_ACCEPT_LANGUAGE="en")
    principal.force_login(w.principal)
    other = _get(principal, w)[0]
    assert "13800000001" not in other and "138****0001" in other  # not the leader's body


def test_the_cached_forms_post_with_the_readers_csrf_token(att, api):
    w = att
    _present(api, w, w.child_a)
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(w.duty)
    _get(client, w)
    html = _get(client, w)[0]  # the cached body
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = client.post(f"{_url(w)}refuse/", {"student": w.child_a.pk, "person": "陌生人乙",
                                                 "csrfmiddlewaretoken": token, "date": w.today.isoformat()})
    assert response.status_code == 302
    assert "陌生人乙" in _get(client, w)[0]


def test_a_delivery_attempt_is_on_the_next_read(att, api, client):
    """The guardians' notice of an absence: the worker's attempt (SMS sent, then delivered) shows on the
    console's next read, not a minute later."""
    from notices.models import Delivery, Notification

    w = att
    _present(api, w, w.child_a, status="absent")
    notice = Notification.objects.create(recipient=w.parent_a, kind="attendance.absent", title="缺勤",
                                         dedupe_key=f"attendance.absent:{w.roll.pk}:{w.child_a.pk}")
    delivery = Delivery.objects.create(notification=notice, channel="sms", status=Delivery.Status.SENDING,
                                       key="console-cache-1", to_display="138****0001")
    client.force_login(w.duty)
    _get(client, w)
    assert "SMS sending" in _get(client, w)[0]  # from the cache
    delivery.status, delivery.sent_at = Delivery.Status.SENT, IN_TERM
    delivery.save()
    html = _get(client, w)[0]
    assert "SMS delivered" in html and "SMS sending" not in html


# --- the 30-second refresh of the figures and sessions (htmx, `#console-live`) --------------------
LIVE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "console-live"}


def _live(client, w, **headers):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(_url(w), **{**LIVE, **headers})
    return response, len(ctx.captured_queries)


def _figures(html):
    """The four figures and the sessions' rows of the `#console-live` part of a page or a refresh."""
    part = html[html.index('<div id="console-live"'):]
    part = part[:part.index("</table>")]
    return re.findall(r'<div class="h3 mb-0"[^>]*>(\d+)</div>', part), re.findall(r"<td>(\d+)</td>", part)


def test_the_refresh_answers_the_figures_alone_as_the_page_shows_them(att, api, client):
    w = att
    _present(api, w, w.child_a)
    _present(api, w, w.child_a2, status="absent")
    client.force_login(w.duty)
    page, computed = _get(client, w)
    response, refreshed = _live(client, w)
    assert response.status_code == 200 and "HX-Request" in response["Vary"]
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="console-live"') and "<html" not in html
    assert _figures(html) == _figures(page) == (["1", "1", "0", "0"], ["2", "1", "1", "0", "0", "1", "0"])
    # no pickup panel, form, CSRF token or phone number in the refresh
    assert 'data-testid="held-child"' not in html and "csrfmiddlewaretoken" not in html and "138" not in html
    assert refreshed < computed, (refreshed, computed)
    print(f"console: {computed} queries for the page computed, {refreshed} for the refresh computed")


def test_the_refresh_shows_each_write_and_is_shared_by_the_days_readers(att, api, client):
    w = att
    _present(api, w, w.child_a)
    client.force_login(w.duty)
    first = _live(client, w)[0].content.decode()
    assert _figures(first)[0][0] == "1"  # one child held
    principal = Client(HTTP_ACCEPT_LANGUAGE="en")
    principal.force_login(w.principal)
    response, from_cache = _live(principal, w)
    assert response.content.decode() == first  # the same figures, kept for every reader of the day
    _present(api, w, w.child_a2)
    assert _figures(_live(client, w)[0].content.decode())[0][0] == "2"
    services.custody_record(user=w.duty, student=w.child_a, kind="pickup", guardian_id=w.parent_a.pk)
    assert _figures(_live(principal, w)[0].content.decode())[0][0] == "1"
    assert from_cache <= 8, from_cache  # the session, the user, the scope and the day's version


def test_the_refresh_is_for_the_consoles_readers_only(att, api, client):
    w = att
    _present(api, w, w.child_a)
    client.force_login(w.duty_off)  # a duty leader of the school, not on the rota that day
    assert _live(client, w)[0].status_code == 403
    for outsider in (w.teacher_b, w.parent_a, w.district, w.bureau):
        client.force_login(outsider)
        assert _live(client, w)[0].status_code == 404
    client.logout()
    assert _live(client, w)[0].status_code == 302  # to the sign-in page


def test_a_boosted_or_other_htmx_request_gets_the_whole_page(att, api, client):
    w = att
    client.force_login(w.duty)
    for headers in ({"HTTP_HX_BOOSTED": "true"}, {"HTTP_HX_TARGET": "main"}):
        html = _live(client, w, **headers)[0].content.decode()
        assert "<html" in html and 'data-testid="pickup-panel"' in html


def test_the_refresh_keeps_the_roster_for_the_minute_and_reads_the_marks_each_time(att, api, client, time_machine):
    """The refresh keeps who each group holds (placements, no console write announces them) for the
    minute, shared by the day's readers; marks and leave are read on each refresh that finds the day
    changed. A child placed in the group shows in the figures when the minute turns."""
    from enrollment.models import Placement
    from tests.factories import StudentFactory

    from .factories import place

    w = att
    _present(api, w, w.child_a)
    client.force_login(w.duty)
    assert _figures(_live(client, w)[0].content.decode())[1][:2] == ["2", "1"]  # expected, present
    newcomer = StudentFactory(homeroom_class=w.class_a, name="王小新")
    place(newcomer, w.group)
    assert Placement.objects.filter(group=w.group, active=True).count() == 3
    _present(api, w, w.child_a2)  # a write: the figures are computed again, the roster is this minute's
    assert _figures(_live(client, w)[0].content.decode())[1][:2] == ["2", "2"]
    time_machine.shift(datetime.timedelta(seconds=61))
    assert _figures(_live(client, w)[0].content.decode())[1][:2] == ["3", "2"]


def test_the_refresh_counts_an_absence_on_leave_as_leave(att, api, client):
    """The refresh reads a child's leave only where the child is marked absent: an absent child with
    leave for the day is not an absence without leave; one without leave is."""
    w = att
    services.leave_report(by=w.parent_a, student=w.child_a, date=w.today, reason="看病")
    _present(api, w, w.child_a, w.child_a2, status="absent")
    client.force_login(w.duty)
    page = _get(client, w)[0]
    live = _live(client, w)[0].content.decode()
    assert _figures(live) == _figures(page)
    assert _figures(live)[0][1] == "1"  # child_a2 alone is absent without leave


def test_the_refresh_keeps_the_days_rolls_for_the_minute(att, api, client, time_machine):
    """The refresh keeps the day's rolls (names, times, venues, teachers) for the minute, as its
    roster: a roll renamed shows when the minute turns, while the marks show at once."""
    from attendance.models import Roll

    w = att
    _present(api, w, w.child_a)
    client.force_login(w.duty)
    first = _live(client, w)[0].content.decode()
    assert w.roll.name in first
    Roll.objects.filter(pk=w.roll.pk).update(name="改名后的课后服务")
    _present(api, w, w.child_a2)  # the day changed: the figures are computed again
    html = _live(client, w)[0].content.decode()
    assert _figures(html)[0][0] == "2" and "改名后的课后服务" not in html
    time_machine.shift(datetime.timedelta(seconds=61))
    assert "改名后的课后服务" in _live(client, w)[0].content.decode()
