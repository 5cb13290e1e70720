"""Monthly hours statements (issue 22, item 3): the build (idempotent, drafts only), the teaching-affairs
office's corrections with reasons, check and sign-off, read-only after signing with a new version for
a correction, amounts at the term's rates, the bureau's rates (bad input 400), scoping (a teacher sees
only their own line; another school 404), the XLSX's numeric cells and the city summary."""
import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from openpyxl import load_workbook

from accounts.roles import Role
from attendance import services
from attendance import statements as st
from attendance.models import Roll, ServiceRate, Statement, StatementCorrection, StatementLine
from attendance.tasks import build_statements
from clubs.models import Club, ClubSlot, ClubType, ReviewStatus
from shahe_afterschool.errors import ConflictError, DomainError
from tests.factories import IN_TERM, UserFactory, VenueFactory, give_role

from ..enrollment.factories import ServiceGroupFactory
from .factories import approved_plan

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]

NOV = datetime.date(2026, 11, 1)
MON, WED = datetime.date(2026, 11, 2), datetime.date(2026, 11, 4)
FRI = datetime.date(2026, 11, 6)


@pytest.fixture
def sw(world_offices):
    """school_a in November 2026: 吕宇 holds the 三四年级组 (16:00-18:00) and submits Monday's and
    Wednesday's rolls; the homeroom teacher holds the club (Wed 17:00-18:00) and submits Wednesday's."""
    w = world_offices
    w.teacher_a = UserFactory(username="st_teacher", name="吕宇")
    give_role(w.teacher_a, Role.TEACHER, school=w.school_a)
    w.venue = VenueFactory(school=w.school_a, name="图书馆")
    approved_plan(w.school_a, w.term)
    w.group = ServiceGroupFactory(school=w.school_a, term=w.term, venue=w.venue, teacher=w.teacher_a,
                                  capacity=40, name="三四年级课后服务组")
    w.club = Club.objects.create(school=w.school_a, term=w.term, club_type=ClubType.objects.first(), name="篆刻社",
                                 venue=VenueFactory(school=w.school_a, name="美术室"), capacity=20,
                                 status=ReviewStatus.APPROVED)
    w.club.teachers.set([w.homeroom])
    ClubSlot.objects.create(club=w.club, weekday=3, start=datetime.time(17, 0), end=datetime.time(18, 0))
    for day in (MON, WED, FRI):
        services.rolls_create_for_day(school=w.school_a, date=day)
    for day in (MON, WED):
        services.roll_submit(roll=Roll.objects.get(group=w.group, date=day), user=w.teacher_a, expected_ids=set())
    services.roll_submit(roll=Roll.objects.get(club=w.club, date=WED), user=w.homeroom, expected_ids=set())
    return w


def _rates(w, noon="30", group="40", club="50"):
    return st.service_rate_set(user=w.bureau, term=w.term, noon=noon, group=group, club=club)


def _statement(w) -> Statement:
    return Statement.objects.filter(school=w.school_a, month=NOV).order_by("-version").first()


def _line(statement, user) -> StatementLine:
    return statement.lines.get(teacher=user)


def _history_rows():
    return (Statement.history.count(), StatementLine.history.count())


# --- the build --------------------------------------------------------------------------------
def test_build_is_idempotent_and_lists_each_teachers_held_hours(sw):
    w = sw
    counts = st.statements_build(month=NOV)
    assert counts["created"] == 1 and counts.get("empty", 0) >= 1  # school_b had no hours: nothing written
    statement = _statement(w)
    assert (statement.version, statement.status, statement.term_id) == (1, "draft", w.term.pk)
    group = _line(statement, w.teacher_a)
    assert (group.group_sessions, group.group_minutes, group.club_minutes, group.noon_minutes) == (2, 240, 0, 0)
    assert group.planned_sessions == 21 and group.planned_minutes == 21 * 120  # 21 weekdays in November 2026
    club = _line(statement, w.homeroom)
    assert (club.club_sessions, club.club_minutes) == (1, 60)
    before = _history_rows()
    again = build_statements("2026-11")  # the beat task, eager in tests
    assert again == {"unchanged": 1, **({"empty": counts["empty"]} if counts.get("empty") else {})}
    assert Statement.objects.count() == 1 and StatementLine.objects.count() == 2
    assert _history_rows() == before  # nothing rewritten


def test_the_beat_schedule_builds_statements_on_the_first_of_the_month():
    entry = settings.CELERY_BEAT_SCHEDULE["attendance-hours-statements"]
    assert entry["task"] == "attendance.tasks.build_statements"
    assert entry["schedule"].day_of_month == {1}


def test_a_draft_is_rebuilt_and_keeps_its_corrections(sw):
    w = sw
    st.statements_build(month=NOV)
    statement = _statement(w)
    st.statement_line_correct(line=_line(statement, w.homeroom), by=w.academic_a,
                              minutes={"noon": 0, "group": 0, "club": 90}, reason="篆刻社加课30分钟")
    services.roll_submit(roll=Roll.objects.get(group=w.group, date=FRI), user=w.teacher_a, expected_ids=set())
    assert st.statements_build(month=NOV)["rebuilt"] == 1
    assert _line(statement, w.teacher_a).group_minutes == 360  # the new roll counted
    club = _line(statement, w.homeroom)
    assert (club.club_minutes, club.held_club_minutes, club.corrected) == (90, 60, True)  # the correction kept


# --- corrections, check, sign-off ----------------------------------------------------------------
def test_a_correction_needs_a_reason_and_is_kept_with_the_figures_before_and_after(sw):
    w = sw
    st.statements_build(month=NOV)
    line = _line(_statement(w), w.teacher_a)
    with pytest.raises(DomainError) as exc:
        st.statement_line_correct(line=line, by=w.academic_a, minutes={"noon": 0, "group": 180, "club": 0}, reason=" ")
    assert exc.value.field == "reason"
    for bad in ("-30", "abc", "1.5", "99999999"):
        with pytest.raises(DomainError):
            st.statement_line_correct(line=line, by=w.academic_a, minutes={"noon": 0, "group": bad, "club": 0},
                                      reason="x")
    with pytest.raises(st.StatementForbidden):  # a teacher does not correct
        st.statement_line_correct(line=line, by=w.teacher_a, minutes={"noon": 0, "group": 999, "club": 0}, reason="x")
    fixed = st.statement_line_correct(line=line, by=w.academic_a, minutes={"noon": 0, "group": "１８０", "club": 0},
                                      reason="11月4日提前结束")
    assert (fixed.pk, fixed.group_minutes, fixed.held_group_minutes, fixed.corrected) == (line.pk, 180, 240, True)
    correction = StatementCorrection.objects.get(line=line)
    assert (correction.reason, correction.by, correction.before["group"], correction.after["group"]) == (
        "11月4日提前结束", w.academic_a, 240, 180)
    assert StatementLine.history.filter(id=line.pk).count() == 2  # the line's history has both states


def test_check_then_sign_off_and_the_roles_that_may(sw):
    w = sw
    st.statements_build(month=NOV)
    statement = _statement(w)
    with pytest.raises(ConflictError):  # the principal signs only a checked statement
        st.statement_sign(statement=statement, by=w.principal)
    with pytest.raises(st.StatementForbidden):
        st.statement_check(statement=statement, by=w.principal)
    st.statement_check(statement=statement, by=w.academic_a)
    with pytest.raises(st.StatementForbidden):
        st.statement_sign(statement=statement, by=w.academic_a)
    with pytest.raises(ConflictError):  # no rates for the term yet: the amounts are unknown
        st.statement_sign(statement=statement, by=w.principal)
    _rates(w)
    signed = st.statement_sign(statement=statement, by=w.principal)
    assert (signed.status, signed.signed_by, signed.noon_rate, signed.group_rate, signed.club_rate) == (
        "signed", w.principal, Decimal("30.00"), Decimal("40.00"), Decimal("50.00"))
    assert Statement.history.filter(id=statement.pk).count() == 3  # draft, checked, signed


def test_a_correction_of_a_checked_statement_sends_it_back_to_draft(sw):
    w = sw
    st.statements_build(month=NOV)
    statement = st.statement_check(statement=_statement(w), by=w.academic_a)
    st.statement_line_correct(line=_line(statement, w.teacher_a), by=w.academic_a,
                              minutes={"noon": 0, "group": 200, "club": 0}, reason="核对")
    statement.refresh_from_db()
    assert (statement.status, statement.checked_by) == ("draft", None)


def test_signed_is_read_only_and_a_correction_makes_a_new_version(sw):
    w = sw
    _rates(w)
    st.statements_build(month=NOV)
    v1 = st.statement_sign(statement=st.statement_check(statement=_statement(w), by=w.academic_a), by=w.principal)
    services.roll_submit(roll=Roll.objects.get(group=w.group, date=FRI), user=w.teacher_a, expected_ids=set())
    assert st.statements_build(month=NOV) .get("kept") == 1  # the build leaves a signed statement alone
    assert _line(v1, w.teacher_a).group_minutes == 240
    with pytest.raises(ConflictError):
        st.statement_check(statement=v1, by=w.academic_a)
    line_v1 = _line(v1, w.teacher_a)
    fixed = st.statement_line_correct(line=line_v1, by=w.academic_a, minutes={"noon": 0, "group": 360, "club": 0},
                                      reason="11月6日的点名册补交")
    v2 = fixed.statement
    assert (v2.version, v2.status, v2.supersedes_id, v2.month) == (2, "draft", v1.pk, NOV)
    assert fixed.group_minutes == 360 and _line(v2, w.homeroom).club_minutes == 60  # the other lines copied
    line_v1.refresh_from_db()
    v1.refresh_from_db()
    assert (line_v1.group_minutes, line_v1.corrected, v1.status) == (240, False, "signed")  # v1 as signed
    with pytest.raises(ConflictError):  # only the latest version is worked on
        st.statement_line_correct(line=line_v1, by=w.academic_a, minutes={"noon": 0, "group": 300, "club": 0},
                                  reason="again")
    # the new version goes through check and sign-off again
    st.statement_sign(statement=st.statement_check(statement=v2, by=w.academic_a), by=w.principal)
    assert Statement.objects.get(pk=v2.pk).status == "signed"


# --- amounts and rates ----------------------------------------------------------------------------
def test_amounts_at_the_terms_rates_fixed_at_sign_off(sw):
    w = sw
    st.statements_build(month=NOV)
    statement = _statement(w)
    detail = st.statement_detail(statement=statement, user=w.principal)
    assert detail["rates"] is None and detail["totals"]["amount"] is None
    _rates(w)
    detail = st.statement_detail(statement=statement, user=w.principal)
    amounts = {row["line"].teacher_id: row["amounts"]["total"] for row in detail["rows"]}
    assert amounts == {w.teacher_a.pk: Decimal("160.00"), w.homeroom.pk: Decimal("50.00")}  # 4 h × 40, 1 h × 50
    assert detail["totals"]["amount"] == Decimal("210.00")
    st.statement_sign(statement=st.statement_check(statement=statement, by=w.academic_a), by=w.principal)
    _rates(w, group="45.5")  # a later change of the rates does not touch a signed statement
    detail = st.statement_detail(statement=Statement.objects.get(pk=statement.pk), user=w.principal)
    assert detail["totals"]["amount"] == Decimal("210.00")


@pytest.mark.parametrize(("value", "message"), [("-5", "cannot be negative"), ("abc", "must be a number"),
                                                ("", "must be a number"), ("NaN", "must be a number"),
                                                ("12.345", "to the fen")])
def test_the_rates_page_refuses_bad_rates_with_400_and_changes_nothing(sw, client, value, message):
    w = sw
    client.force_login(w.bureau)
    response = client.post("/attendance/statements/rates/", {"term": w.term.pk, "noon": "30", "group": value,
                                                             "club": "50"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not ServiceRate.objects.exists()


def test_the_bureau_sets_the_rates_others_read_them(sw, client):
    w = sw
    client.force_login(w.bureau)
    response = client.post("/attendance/statements/rates/", {"term": w.term.pk, "noon": "３０", "group": "40",
                                                             "club": "50.5"})
    assert response.status_code == 302
    assert ServiceRate.objects.get(term=w.term).as_dict() == {"noon": Decimal("30.00"), "group": Decimal("40.00"),
                                                              "club": Decimal("50.50")}
    client.force_login(w.principal)
    assert client.get("/attendance/statements/rates/").status_code == 200
    assert client.post("/attendance/statements/rates/", {"term": w.term.pk, "noon": "1", "group": "1",
                                                         "club": "1"}).status_code == 403


# --- pages and scoping ----------------------------------------------------------------------------
def test_a_teacher_sees_only_their_own_line_and_another_school_gets_404(sw, client):
    w = sw
    st.statements_build(month=NOV)
    statement = _statement(w)
    url = f"/attendance/statements/{statement.pk}/"
    client.force_login(w.teacher_a)
    page = client.get(url).content.decode()
    assert "吕宇" in page and w.homeroom.name not in page
    assert client.get(f"/attendance/statements/{statement.pk}/xlsx/").status_code == 200
    other_line = _line(statement, w.homeroom)
    assert client.post(f"/attendance/statements/lines/{other_line.pk}/correct/",
                       {"noon_minutes": 0, "group_minutes": 0, "club_minutes": 0, "reason": "x"}).status_code == 404
    assert client.post(f"/attendance/statements/lines/{_line(statement, w.teacher_a).pk}/correct/",
                       {"noon_minutes": 0, "group_minutes": 999, "club_minutes": 0, "reason": "x"}).status_code == 403
    for user in (w.teacher_b, w.parent_a, w.moral_a):
        client.force_login(user)
        assert client.get(url).status_code == 404, user
    for user in (w.principal, w.academic_a, w.district, w.bureau):
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200 and w.homeroom.name in page.content.decode(), user
    other = st.statement_detail(statement=statement, user=w.teacher_a)
    assert [r["line"].teacher_id for r in other["rows"]] == [w.teacher_a.pk]


def test_the_pages_check_correct_and_sign(sw, client):
    w = sw
    _rates(w)
    st.statements_build(month=NOV)
    statement = _statement(w)
    line = _line(statement, w.teacher_a)
    client.force_login(w.academic_a)
    response = client.post(f"/attendance/statements/lines/{line.pk}/correct/",
                           {"noon_minutes": "0", "group_minutes": "-1", "club_minutes": "0", "reason": "x"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "whole number" in response.content.decode()
    response = client.post(f"/attendance/statements/lines/{line.pk}/correct/",
                           {"noon_minutes": "0", "group_minutes": "180", "club_minutes": "0", "reason": "少记一次"})
    assert response.status_code == 302
    assert client.post(f"/attendance/statements/{statement.pk}/check/").status_code == 302
    assert client.post(f"/attendance/statements/{statement.pk}/sign/").status_code == 403
    client.force_login(w.principal)
    assert client.post(f"/attendance/statements/{statement.pk}/sign/").status_code == 302
    assert client.post(f"/attendance/statements/{statement.pk}/sign/").status_code == 409  # already signed
    page = client.get(f"/attendance/statements/{statement.pk}/").content.decode()
    assert "少记一次" in page and "170.00" in page  # 180 min × 40 + 60 min × 50


def test_the_statement_xlsx_has_one_row_per_teacher_with_numeric_cells(sw, client):
    w = sw
    _rates(w)
    st.statements_build(month=NOV)
    client.force_login(w.academic_a)
    response = client.get(f"/attendance/statements/{_statement(w).pk}/xlsx/")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2
    row = next(r for r in rows if r[0] == "吕宇")
    assert row[1:10] == (0, 0, 2, 4, 0, 0, 2, 4, 160)  # noon, group, club (sessions, hours); totals; amount
    for value in row[1:10]:
        assert isinstance(value, int | float), row


def test_the_city_summary_sums_signed_statements_by_school_and_district(sw, client):
    w = sw
    _rates(w)
    st.statements_build(month=NOV)
    client.force_login(w.bureau)
    page = client.get("/attendance/statements/summary/?month=2026-11")
    assert page.status_code == 200
    assert page.context["total"]["amount"] == Decimal("0.00")  # not signed yet: counts nothing
    st.statement_sign(statement=st.statement_check(statement=_statement(w), by=w.academic_a), by=w.principal)
    summary = st.city_summary(user=w.bureau, month=NOV)
    row_a = next(r for r in summary["rows"] if r["school"] == w.school_a)
    assert (row_a["teachers"], row_a["sessions"], row_a["minutes"], row_a["amount"]) == (2, 3, 300, Decimal("210.00"))
    assert summary["total"]["amount"] == Decimal("210.00") and summary["total"]["signed"] == 1
    district_a = next(d for d in summary["districts"] if d["district"] == w.district_a)
    assert district_a["amount"] == Decimal("210.00")
    response = client.get("/attendance/statements/summary/?month=2026-11&format=xlsx")
    book = load_workbook(io.BytesIO(response.content))
    by_school = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    row = next(r for r in by_school if r[2] == w.school_a.name)
    assert row[-1] == 210 and isinstance(row[-2], int | float) and row[5] == 2
    # district staff see their district's schools only; teachers and principals not the summary
    assert [r["school"] for r in st.city_summary(user=w.district, month=NOV)["rows"]] == [w.school_a]
    for user in (w.principal, w.teacher_a):
        client.force_login(user)
        assert client.get("/attendance/statements/summary/").status_code == 403
    client.force_login(w.bureau)
    assert client.get("/attendance/statements/summary/?month=2026-13").status_code == 400


def test_the_statement_list_and_build_button(sw, client):
    w = sw
    client.force_login(w.academic_a)
    response = client.post("/attendance/statements/build/", {"school": w.school_a.pk, "month": "2026-11"})
    assert response.status_code == 302 and _statement(w) is not None
    assert client.post("/attendance/statements/build/", {"school": w.school_a.pk,
                                                         "month": "2026-12"}).status_code == 302  # refused: message
    assert Statement.objects.count() == 1
    assert client.post("/attendance/statements/build/", {"school": w.school_b.pk, "month": "2026-11"}).status_code == 404
    page = client.get("/attendance/statements/")
    assert page.status_code == 200 and "2026-11" in page.content.decode()
    assert client.get(f"/attendance/statements/?school={w.school_b.pk}").status_code == 404
    client.force_login(w.teacher_a)
    assert client.post("/attendance/statements/build/", {"school": w.school_a.pk, "month": "2026-11"}).status_code == 403
