"""The pickup code (接送码, issue 18 item 2): a guardian's code of the day for one child and one adult,
sent on to an authorised person; the duty leader types or scans it and confirms; wrong codes answer
400/409 naming what is wrong, record nothing, and are counted (alert after 3, refused after 10)."""
import datetime
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance import pickup_codes
from attendance.models import CustodyEvent, PickupCode, PickupRefusal, WrongPickupCode
from enrollment.models import AuthorisedPickupPerson
from notices.models import Notification
from schools.models import Guardianship
from tests.factories import IN_TERM, UserFactory

from .conftest import post_marks
from .factories import children_in_group

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]

YESTERDAY = IN_TERM.date() - datetime.timedelta(days=1)


def _present(api, w, *children):
    response = post_marks(api, w.teacher_a, w.roll, [{"student": c.pk, "status": "present", "client_id": f"p{c.pk}"}
                                                     for c in children])
    assert response.status_code == 200


def _grandmother(w, child=None):
    child = child or w.child_a
    guardian = Guardianship.objects.get(student=child).guardian
    return AuthorisedPickupPerson.objects.create(student=child, name="王奶奶", relation="祖母",
                                                 phone="13912340001", added_by=guardian)


def _code_of(api, user, child, **params):
    response = api.as_user(user).get(f"/api/v1/students/{child.pk}/pickup-code/", params)
    assert response.status_code == 200, response.content
    return response.json()


def _pickup(api, user, **body):
    return api.as_user(user).post("/api/v1/custody-events/", {"kind": "pickup", **body}, format="json")


def _nothing_recorded():
    return not CustodyEvent.objects.exists() and not PickupRefusal.objects.exists()


# --- the guardian's code -------------------------------------------------------------------------
def test_a_guardian_gets_todays_code_of_six_digits_and_a_qr(att, api):
    w = att
    body = _code_of(api, w.parent_a, w.child_a)
    assert re.fullmatch(r"[0-9]{6}", body["code"])
    assert body["valid_on"] == IN_TERM.date().isoformat()
    assert body["qr_svg"].startswith("<svg") and 'role="img"' in body["qr_svg"] and "<script" not in body["qr_svg"]
    assert (body["student"], body["guardian"], body["pickup_person"]) == (w.child_a.pk, w.parent_a.pk, None)
    assert _code_of(api, w.parent_a, w.child_a)["code"] == body["code"]  # the same all day
    code = PickupCode.objects.get()
    assert (code.school, code.date, code.guardian, code.issued_by) == (w.school_a, IN_TERM.date(), w.parent_a,
                                                                        w.parent_a)


def test_codes_differ_per_child_adult_and_day(att, api, time_machine):
    w = att
    person = _grandmother(w)
    own = _code_of(api, w.parent_a, w.child_a)["code"]
    sent = _code_of(api, w.parent_a, w.child_a, pickup_person=person.pk)
    assert sent["pickup_person"] == person.pk and sent["guardian"] is None and sent["code"] != own
    sibling = _code_of(api, w.other_parent, w.child_a2)["code"]
    assert len({own, sent["code"], sibling}) == 3
    time_machine.move_to(IN_TERM + datetime.timedelta(days=1))
    tomorrow = _code_of(api, w.parent_a, w.child_a)
    assert tomorrow["valid_on"] == (IN_TERM.date() + datetime.timedelta(days=1)).isoformat()
    assert PickupCode.objects.filter(student=w.child_a, guardian=w.parent_a).count() == 2


@pytest.mark.parametrize("who", ["other_parent", "parent_b", "homeroom", "principal", "duty", "teacher_a"])
def test_only_the_childs_guardians_see_the_code(att, api, client, who):
    w = att
    user = getattr(w, who)
    assert api.as_user(user).get(f"/api/v1/students/{w.child_a.pk}/pickup-code/").status_code == 404
    client.force_login(user)
    assert client.get(f"/attendance/pickup-code/{w.child_a.pk}/").status_code == 404
    assert not PickupCode.objects.exists()


def test_a_person_of_another_child_or_a_bad_id_is_404(att, api):
    w = att
    other = _grandmother(w, w.child_a2)
    for value in (other.pk, "abc", "٣"):
        response = api.as_user(w.parent_a).get(f"/api/v1/students/{w.child_a.pk}/pickup-code/",
                                               {"pickup_person": value})
        assert response.status_code == 404
    assert not PickupCode.objects.exists()


def test_a_guardian_not_allowed_to_pick_up_has_no_code_of_their_own(att, api, client):
    w = att
    Guardianship.objects.filter(student=w.child_a).update(may_pick_up=False)
    response = api.as_user(w.parent_a).get(f"/api/v1/students/{w.child_a.pk}/pickup-code/")
    assert response.status_code == 400 and "not on" in response.json()["detail"]
    person = _grandmother(w)
    assert _code_of(api, w.parent_a, w.child_a, pickup_person=person.pk)["pickup_person"] == person.pk
    client.force_login(w.parent_a)
    page = client.get(f"/attendance/pickup-code/{w.child_a.pk}/").content.decode()
    assert 'data-testid="no-own-code"' in page and "王奶奶" in page


def test_the_guardian_page_shows_the_code_and_sends_one_to_the_authorised_person(att, client):
    w = att
    person = _grandmother(w)
    client.force_login(w.parent_a)
    home = client.get("/enrollment/").content.decode()
    assert f"/attendance/pickup-code/{w.child_a.pk}/" in home  # the parent's home links to it
    page = client.get(f"/attendance/pickup-code/{w.child_a.pk}/").content.decode()
    own = PickupCode.objects.get(guardian=w.parent_a)
    assert own.code in page and "<svg" in page and "Valid today (December 2) only" in page
    assert 'data-testid="send-code"' in page
    response = client.post(f"/attendance/pickup-code/{w.child_a.pk}/", {"person": person.pk})
    assert response.status_code == 302 and response.url.endswith(f"#person-{person.pk}")
    sent = PickupCode.objects.get(pickup_person=person)
    assert sent.issued_by == w.parent_a and sent.code != own.code
    page = client.get(f"/attendance/pickup-code/{w.child_a.pk}/").content.decode()
    assert sent.code in page and "data-share-text" in page
    text = pickup_codes.share_text(sent)
    assert sent.code in text and "王奶奶" in text and w.child_a.name in text and w.school_a.name in text
    # a person of another family is not sent a code
    other = _grandmother(w, w.child_a2)
    assert client.post(f"/attendance/pickup-code/{w.child_a.pk}/", {"person": other.pk}).status_code == 404


def test_the_page_in_chinese_says_valid_today_only(att, client):
    from django.utils import translation

    w = att
    client.force_login(w.parent_a)
    with translation.override("zh-hans"):
        page = client.get(f"/attendance/pickup-code/{w.child_a.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "仅限今天（12月2日）有效" in page


# --- pickup by code ------------------------------------------------------------------------------
def test_a_pickup_by_the_guardians_code_names_the_guardian(att, api, django_capture_on_commit_callbacks):
    w = att
    _present(api, w, w.child_a)
    code = _code_of(api, w.parent_a, w.child_a)["code"]
    with django_capture_on_commit_callbacks(execute=True):
        response = _pickup(api, w.duty, pickup_code=code)  # the code alone names child and adult
    assert response.status_code == 201, response.json()
    event = CustodyEvent.objects.get()
    assert (event.student, event.kind, event.to_user, event.pickup_person, event.recorded_by) == (
        w.child_a, "pickup", w.parent_a, None, w.duty)
    assert PickupCode.objects.get().used_event == event
    notice = Notification.objects.get(recipient=w.parent_a, kind="attendance.released")
    assert w.parent_a.name in notice.title
    assert not WrongPickupCode.objects.exists()


def test_a_pickup_by_the_authorised_persons_code_names_that_person(att, api):
    w = att
    person = _grandmother(w)
    _present(api, w, w.child_a)
    code = _code_of(api, w.parent_a, w.child_a, pickup_person=person.pk)["code"]
    response = _pickup(api, w.duty, student=w.child_a.pk, pickup_code=code)
    assert response.status_code == 201, response.json()
    event = CustodyEvent.objects.get()
    assert (event.pickup_person, event.to_user, event.to_name, event.relation) == (person, None, "王奶奶", "祖母")


def test_the_console_shows_child_and_adult_then_one_tap_records(att, api, client):
    w = att
    person = _grandmother(w)
    _present(api, w, w.child_a)
    code = _code_of(api, w.parent_a, w.child_a, pickup_person=person.pk)["code"]
    client.force_login(w.duty)
    console = client.get(f"/attendance/console/{w.school_a.pk}/").content.decode()
    assert 'data-testid="code-form"' in console and f'action="/attendance/console/{w.school_a.pk}/code/"' in console
    url = f"/attendance/console/{w.school_a.pk}/code/"
    assert client.get(url).status_code == 200
    confirm = client.post(url, {"code": f" {code} "})
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert f"Hand {w.child_a.name} to 王奶奶 (祖母)?" in text and "139****0001" in text
    assert not CustodyEvent.objects.exists()  # the confirm records nothing yet
    done = client.post(url, {"code": code, "confirm": "1"})
    assert done.status_code == 302
    event = CustodyEvent.objects.get()
    assert (event.student, event.pickup_person, event.recorded_by) == (w.child_a, person, w.duty)
    # a second tap on the confirm: already released, said, not counted as a wrong code
    again = client.post(url, {"code": code, "confirm": "1"}, follow=True)
    assert "already released" in html.unescape(again.content.decode())
    assert CustodyEvent.objects.count() == 1 and not WrongPickupCode.objects.exists()


def test_a_teacher_who_is_not_rostered_cannot_use_the_console_code_entry(att, client):
    w = att
    client.force_login(w.teacher_a)
    assert client.post(f"/attendance/console/{w.school_a.pk}/code/", {"code": "123456"}).status_code == 403
    assert not WrongPickupCode.objects.exists()


# --- wrong codes ---------------------------------------------------------------------------------
def _other_code(w, api, case):
    """The code typed in each wrong case (setting up what it needs) and the child sent, if any."""
    if case == "yesterday":
        return pickup_codes.issue(user=w.parent_a, student=w.child_a, date=YESTERDAY).code, None
    if case == "another school":
        return pickup_codes.issue(user=w.parent_b, student=w.child_b).code, None
    if case == "unknown":
        return next(c for c in ("000001", "000002") if not PickupCode.objects.filter(code=c).exists()), None
    if case == "not held":
        return pickup_codes.issue(user=w.other_parent, student=w.child_a2).code, None
    if case == "another child":
        return pickup_codes.issue(user=w.parent_a, student=w.child_a).code, w.child_a2
    if case == "adult no longer on the list":
        code = pickup_codes.issue(user=w.parent_a, student=w.child_a).code
        Guardianship.objects.filter(student=w.child_a, guardian=w.parent_a).update(active=False)
        return code, None
    raise AssertionError(case)


@pytest.mark.parametrize(("raw", "message"), [
    ("12345", "has 6 digits; this one has 5"),
    ("1234567", "has 6 digits; this one has 7"),
    ("１２３４５６", "full-width"),
    ("١٢٣٤٥٦", "full-width"),
    ("12a456", "without letters"),
    ("12-456", "without letters"),
    ("", "Type the 6-digit pickup code"),
])
def test_a_malformed_code_is_400_naming_what_is_wrong_and_counts_nothing(att, api, client, raw, message):
    w = att
    _present(api, w, w.child_a)
    response = _pickup(api, w.duty, student=w.child_a.pk, pickup_code=raw)
    assert response.status_code == 400
    assert message in response.json()["pickup_code"][0]
    client.force_login(w.duty)
    page = client.post(f"/attendance/console/{w.school_a.pk}/code/", {"code": raw})
    assert page.status_code == 400 and message in html.unescape(page.content.decode())
    assert _nothing_recorded() and not WrongPickupCode.objects.exists()


@pytest.mark.parametrize(("case", "status", "message"), [
    ("yesterday", 400, "was valid on December 1 only"),
    ("another school", 400, "another school's"),
    ("unknown", 400, "No child has the pickup code"),
    ("not held", 409, "is not held by the school now"),
    ("another child", 400, "is not 李小红's"),
    ("adult no longer on the list", 400, "no longer on"),
])
def test_a_wrong_code_names_what_is_wrong_records_nothing_and_is_counted(att, api, client, case, status, message):
    w = att
    _present(api, w, w.child_a)
    code, child = _other_code(w, api, case)
    body = {"pickup_code": code, **({"student": child.pk} if child else {})}
    response = _pickup(api, w.duty, **body)
    assert response.status_code == status, response.json()
    assert message in response.json()["pickup_code"][0]
    assert _nothing_recorded()
    attempt = WrongPickupCode.objects.get()
    assert (attempt.school, attempt.code, attempt.recorded_by) == (w.school_a, code, w.duty)
    if child is None:  # the console says the same on its code page
        client.force_login(w.duty)
        page = client.post(f"/attendance/console/{w.school_a.pk}/code/", {"code": code})
        assert page.status_code == status and message in html.unescape(page.content.decode())
        assert _nothing_recorded() and WrongPickupCode.objects.count() == 2


def test_a_code_already_used_is_409(att, api):
    w = att
    _present(api, w, w.child_a)
    code = _code_of(api, w.parent_a, w.child_a)["code"]
    assert _pickup(api, w.duty, pickup_code=code).status_code == 201
    response = _pickup(api, w.duty, pickup_code=code)
    assert response.status_code == 409 and "already released" in response.json()["pickup_code"][0]
    assert CustodyEvent.objects.count() == 1 and WrongPickupCode.objects.count() == 1


def test_the_code_works_only_at_its_school(att, api):
    w = att
    _present(api, w, w.child_a)
    code = _code_of(api, w.parent_a, w.child_a)["code"]
    # a teacher of school_b types child_a's code: their school is school_b
    response = _pickup(api, w.teacher_b, pickup_code=code)
    assert response.status_code == 400 and "another school's" in response.json()["pickup_code"][0]
    assert _nothing_recorded()
    # naming a child they cannot see is the usual 404
    assert _pickup(api, w.teacher_b, student=w.child_a.pk, pickup_code=code).status_code == 404


def test_the_code_works_only_today(att, api, time_machine):
    w = att
    code = _code_of(api, w.parent_a, w.child_a)["code"]
    time_machine.move_to(IN_TERM + datetime.timedelta(days=1))
    _present(api, w, w.child_a)  # today's roll is yesterday's: the child is not held today
    response = _pickup(api, w.duty, pickup_code=code)
    assert response.status_code == 400 and "was valid on December 2 only" in response.json()["pickup_code"][0]
    assert _nothing_recorded()


def test_a_code_with_another_adult_or_kind_is_400(att, api):
    w = att
    _present(api, w, w.child_a)
    code = _code_of(api, w.parent_a, w.child_a)["code"]
    response = _pickup(api, w.duty, pickup_code=code, guardian=w.parent_a.pk)
    assert response.status_code == 400 and "alone" in response.json()["pickup_code"][0]
    response = api.as_user(w.duty).post("/api/v1/custody-events/", {"kind": "handover", "pickup_code": code},
                                        format="json")
    assert response.status_code == 400 and "only" in response.json()["pickup_code"][0]
    # without a code a child is required as before
    response = api.as_user(w.duty).post("/api/v1/custody-events/", {"kind": "pickup", "guardian": w.parent_a.pk},
                                        format="json")
    assert response.status_code == 400 and "student" in response.json()
    assert _nothing_recorded() and not WrongPickupCode.objects.exists()


def test_three_wrong_codes_alert_the_duty_leader(att, api):
    w = att
    _present(api, w, w.child_a)
    alerts = Notification.objects.filter(kind="attendance.wrong_pickup_codes")
    for i, code in enumerate(("000011", "000012", "000013"), start=1):
        assert _pickup(api, w.principal, pickup_code=code, student=w.child_a.pk).status_code == 400
        assert alerts.count() == (1 if i == 3 else 0)
    alert = alerts.get()
    assert alert.recipient == w.duty  # the day's duty leader, as for a refused pickup
    assert "3" in alert.title and "000013" in alert.body and w.principal.name in alert.body
    assert _nothing_recorded()


def test_a_wrong_code_is_counted_even_when_the_request_is_rolled_back(att, api):
    """With an Idempotency-Key the work runs in a transaction that a refusal rolls back: the count stays."""
    w = att
    response = api.as_user(w.duty).post("/api/v1/custody-events/", {"kind": "pickup", "pickup_code": "000021"},
                                        format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 400
    assert WrongPickupCode.objects.count() == 1


def test_after_ten_wrong_codes_codes_are_refused_for_the_day(att, api):
    w = att
    _present(api, w, w.child_a)
    code = _code_of(api, w.parent_a, w.child_a)["code"]
    WrongPickupCode.objects.bulk_create([WrongPickupCode(school=w.school_a, date=IN_TERM.date(), code=f"{i:06d}",
                                                         reason="unknown", recorded_by=w.duty) for i in range(9)])
    assert _pickup(api, w.duty, pickup_code="000031").status_code == 400  # the tenth
    alert = Notification.objects.get(kind="attendance.wrong_pickup_codes")
    assert "10" in alert.title
    response = _pickup(api, w.duty, pickup_code=code)  # even a good code now
    assert response.status_code == 429 and "until tomorrow" in response.json()["pickup_code"][0]
    assert _nothing_recorded() and WrongPickupCode.objects.count() == 10
    # the principal is not throttled by the duty leader's attempts, and the buttons still work
    assert _pickup(api, w.principal, pickup_code=code).status_code == 201


def test_the_schema_declares_the_code(att, api):
    w = att
    schema = api.as_user(w.principal).get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/students/{id}/pickup-code/" in schema["paths"]
    props = schema["components"]["schemas"]["PickupCode"]["properties"]
    assert {"code", "valid_on", "qr_svg"} <= set(props)
    assert "pickup_code" in schema["components"]["schemas"]["CustodyEventInRequest"]["properties"]


def test_the_console_and_code_pages_take_constant_queries(att, api, client):
    w = att
    client.force_login(w.duty)

    def count(url, **post):
        (client.post(url, post) if post else client.get(url))
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(url, post) if post else client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    console = f"/attendance/console/{w.school_a.pk}/"
    entry = f"/attendance/console/{w.school_a.pk}/code/"
    _present(api, w, w.child_a)
    code = _code_of(api, w.parent_a, w.child_a)["code"]
    small = (count(console), count(entry), count(entry, code=code))
    kids = children_in_group(w.group, w.class_a, 12)
    _present(api, w, *kids)
    for kid in kids:
        pickup_codes.issue(user=Guardianship.objects.get(student=kid).guardian, student=kid)
    large = (count(console), count(entry), count(entry, code=code))
    assert small == large, (small, large)


def test_a_wrong_code_at_another_staff_member_does_not_throttle_the_leader(att, api):
    w = att
    extra = UserFactory(username="helper")
    from accounts.roles import Role
    from tests.factories import give_role

    give_role(extra, Role.TEACHER, school=w.school_a)
    WrongPickupCode.objects.bulk_create([WrongPickupCode(school=w.school_a, date=IN_TERM.date(), code=f"{i:06d}",
                                                         reason="unknown", recorded_by=extra) for i in range(10)])
    _present(api, w, w.child_a)
    code = _code_of(api, w.parent_a, w.child_a)["code"]
    assert _pickup(api, extra, pickup_code=code).status_code == 429
    assert _pickup(api, w.duty, pickup_code=code).status_code == 201


def test_the_guardians_data_download_lists_the_codes(att, api):
    from attendance import selectors

    w = att
    person = _grandmother(w)
    _code_of(api, w.parent_a, w.child_a)
    _code_of(api, w.parent_a, w.child_a, pickup_person=person.pk)
    rows = selectors.child_data(w.child_a)["pickup_codes"]
    assert sorted(r["for"] for r in rows) == sorted([w.parent_a.name, "王奶奶"])
    assert all(r["date"] == IN_TERM.date().isoformat() and not r["used"] for r in rows)
