"""Notices are written in each recipient's language, not the language of whoever triggered them
(issue 20 item 7): for every kind of notice the apps send, a recipient who reads English gets it in
English when a Chinese-speaking user (or task) caused it, and a recipient who reads Chinese gets it
in Chinese when an English-speaking user caused it. A person's own words (a comment, a message, an
announcement, a request) stay as written.

Each case sets the recipients' `User.language`, triggers the notice with the other language
active, and compares the notice with the source text rendered in the recipient's language."""
from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation
from django.utils.functional import Promise

from notices.models import Notification
from tests.attendance.conftest import att  # noqa: F401  (a roll today, a rostered duty leader)
from tests.clubs.conftest import staff  # noqa: F401
from tests.factories import IN_TERM, UserFactory, give_role
from tests.safety.conftest import safety  # noqa: F401
from tests.voice.conftest import voice_world  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]

#: (the language of whoever triggers the notice, the language its recipients read)
DIRECTIONS = [pytest.param("zh-hans", "en", id="zh-trigger-en-reader"),
              pytest.param("en", "zh-hans", id="en-trigger-zh-reader")]


def reads(lang, *users):
    for user in users:
        user.language = lang
        user.save(update_fields=["language"])


def rendered(lang, msgid, **context) -> str:
    """The source text `msgid` as a reader of `lang` reads it, with its values (lazy ones in `lang`)."""
    with translation.override(lang):
        text = translation.gettext(msgid)
        if context:
            text = text % {k: str(v) if isinstance(v, Promise) else v for k, v in context.items()}
    return text


def expect(notice, lang, title, body=None, **context):
    """`notice` reads as `title` (and `body`: a msgid, or a person's words given as a plain `str`
    wrapped in `Written`) rendered in `lang`, and not as it would in the other language."""
    other = "zh-hans" if lang == "en" else "en"
    assert rendered(lang, title, **context) != rendered(other, title, **context), f"untranslated: {title}"
    assert notice.title == rendered(lang, title, **context)[:200], (notice.kind, notice.title)
    if isinstance(body, Written):
        assert notice.body == body.text, (notice.kind, notice.body)
    elif body is not None:
        assert notice.body == rendered(lang, body, **context), (notice.kind, notice.body)


class Written:
    """A person's own words: the notice carries them as written, in no one's language."""

    def __init__(self, text):
        self.text = text


def one(kind, recipient) -> Notification:
    return Notification.objects.get(kind=kind, recipient=recipient)


# --- attendance ----------------------------------------------------------------------------------
def _present(w, *children):
    from attendance import services

    services.marks_record(roll=w.roll, user=w.teacher_a, roll_student_ids={c.pk for c in children},
                          marks=[{"student": c.pk, "status": "present", "client_id": f"p{c.pk}"} for c in children])


@pytest.mark.parametrize(("trigger", "reader"), DIRECTIONS)
def test_absence_without_leave(att, trigger, reader):  # noqa: F811
    from attendance import services
    from attendance.models import Mark

    w = att
    reads(reader, w.parent_a)
    Mark.objects.create(roll=w.roll, student=w.child_a, status="absent", client_id="a1",
                        marked_at=w.roll.created_at, marked_by=w.teacher_a)
    with translation.override(trigger):
        services.absences_notify(roll=w.roll)
    expect(one("attendance.absent", w.parent_a), reader, "%(child)s is absent from %(session)s today",
           "%(child)s was marked absent on the roll of %(session)s on %(date)s without leave. "
           "Please contact the school if this is unexpected.",
           child=w.child_a.name, session=w.roll.name, date=w.roll.date.isoformat())


@pytest.mark.parametrize(("trigger", "reader"), DIRECTIONS)
def test_picked_up_and_left_alone(att, trigger, reader, django_capture_on_commit_callbacks):  # noqa: F811
    from attendance import services
    from attendance.models import CustodyEvent
    from schools.models import Guardianship

    w = att
    reads(reader, w.parent_a)
    _present(w, w.child_a)
    with translation.override(trigger), django_capture_on_commit_callbacks(execute=True):
        services.custody_record(user=w.duty, student=w.child_a, kind="pickup", guardian_id=w.parent_a.pk)
    event = CustodyEvent.objects.get(student=w.child_a)
    relation = Guardianship.Relation(Guardianship.objects.get(student=w.child_a).relation).label
    expect(one("attendance.released", w.parent_a), reader,
           "%(child)s was picked up by %(person)s (%(relation)s) at %(at)s", "Recorded by %(by)s on %(date)s.",
           child=w.child_a.name, person=w.parent_a.name, relation=relation,
           at=timezone.localtime(event.at).strftime("%H:%M"), by=w.duty.name, date=event.date.isoformat())


@pytest.mark.parametrize(("trigger", "reader"), DIRECTIONS)
def test_pickup_refused_to_the_guardians_and_the_duty_leader(att, trigger, reader):  # noqa: F811
    from attendance import services

    w = att
    reads(reader, w.parent_a, w.duty)
    with translation.override(trigger):
        services.pickup_refusal_record(user=w.teacher_a, student=w.child_a, person="陌生男子 李某")
    for recipient in (w.parent_a, w.duty):
        expect(one("attendance.pickup_refused", recipient), reader, "Pickup refused: %(child)s",
               "%(person)s tried to collect %(child)s and is not on the pickup list (recorded by %(by)s).",
               child=w.child_a.name, person="陌生男子 李某", by=w.teacher_a.name)


@pytest.mark.parametrize(("trigger", "reader"), DIRECTIONS)
def test_flexible_departure_overdue(att, trigger, reader, time_machine):  # noqa: F811
    from attendance import services
    from enrollment.models import Application

    w = att
    reads(reader, w.duty)
    Application.objects.filter(student=w.child_a).update(pickup_plan=Application.Pickup.FLEXIBLE,
                                                         departure_time=datetime.time(17, 0))
    _present(w, w.child_a)
    time_machine.move_to(IN_TERM.replace(hour=17, minute=20))
    with translation.override(trigger):
        assert services.departure_overdue_alert() == 1
    expect(one("attendance.departure_overdue", w.duty), reader,
           "%(child)s has not left: flexible departure at %(slot)s",
           "%(child)s may leave alone from %(slot)s and is still at school at %(now)s, not released. "
           "Find the child and record the departure or the pickup.",
           child=w.child_a.name, slot="17:00", now="17:20")


@pytest.mark.parametrize(("trigger", "reader"), DIRECTIONS)
def test_day_not_closed(att, trigger, reader):  # noqa: F811
    from attendance import services

    w = att
    reads(reader, w.principal)
    with translation.override(trigger):
        services.unclosed_days_alert(date=w.today)
    expect(one("attendance.day_not_closed", w.principal), reader, "%(school)s: the day %(date)s has not been closed",
           school=w.school_a.name, date=w.today.isoformat())


@pytest.mark.parametrize(("trigger", "reader"), DIRECTIONS)
def test_wrong_pickup_codes_at_the_gate(att, trigger, reader):  # noqa: F811
    from attendance import pickup_codes

    w = att
    reads(reader, w.duty)
    with translation.override(trigger):
        for _i in range(pickup_codes.ALERT_AFTER):
            pickup_codes.record_wrong(user=w.teacher_a, exc=pickup_codes.WrongCode(
                "x", school_id=w.school_a.pk, code="123456", reason="unknown"))
    expect(one("attendance.wrong_pickup_codes", w.duty), reader, "%(n)d wrong pickup codes at the gate",
           "%(by)s typed or scanned %(n)d pickup codes today that released nobody (the last: %(code)s, "
           "%(reason)s). Check who is asking for children at the gate.",
           n=pickup_codes.ALERT_AFTER, by=w.teacher_a.name, code="123456", reason=pickup_codes.REASONS["unknown"])


# --- clubs ---------------------------------------------------------------------------------------
def _draft_club(w):
    from clubs import services
    from tests.clubs.factories import club_type
    from tests.factories import VenueFactory

    return services.club_create(user=w.academic, school=w.school_a, term=w.term, club_type=club_type("seal-carving"),
                                name="篆刻社", venue=VenueFactory(school=w.school_a, capacity=40), capacity=20,
                                grade_min=3, grade_max=6, teachers=[w.teacher_a], slots=[(2, "16:00", "17:00")])


@pytest.mark.parametrize(("trigger", "reader"), DIRECTIONS)
def test_plans_and_clubs_for_review_and_returned(staff, trigger, reader):  # noqa: F811
    from clubs import services
    from clubs.models import ReviewStatus
    from tests.clubs.factories import ServicePlanFactory

    w = staff
    reads(reader, w.principal, w.academic)
    plan = ServicePlanFactory(school=w.school_a, term=w.term, status=ReviewStatus.SUBMITTED, created_by=w.academic)
    club = _draft_club(w)
    with translation.override(trigger):
        services.club_submit(user=w.academic, club=club)
        services.plan_return(user=w.principal, plan=plan, comment="周五延长到18:00")
        services.club_return(user=w.principal, club=club, comment="Bring the venue's safety check")
    expect(one("clubs.review", w.principal), reader, "Club submitted for approval")
    expect(one("clubs.plan_returned", w.academic), reader, "Service plan returned", Written("周五延长到18:00"))
    expect(one("clubs.club_returned", w.academic), reader, "Club returned", Written("Bring the venue's safety check"))


@pytest.mark.parametrize(("trigger", "reader"), DIRECTIONS)
def test_club_places_allocated_and_promoted(world, trigger, reader):
    from clubs import allocation
    from clubs.models import ClubChoice, reason_text
    from tests.clubs.factories import ChoiceWindowFactory, ClubFactory

    w = world
    reads(reader, w.parent_a, w.other_parent)
    window = ChoiceWindowFactory(school=w.school_a, term=w.term)
    chess = ClubFactory(school=w.school_a, term=w.term, name="围棋", capacity=1, slots=[(1, "16:00", "17:00")])
    first = allocation.choice_make(user=w.other_parent, student=w.child_a2, club=chess, rank=1)
    second = allocation.choice_make(user=w.parent_a, student=w.child_a, club=chess, rank=1)
    window.opens_at = timezone.now() - datetime.timedelta(days=3)
    window.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    window.save()
    with translation.override(trigger):
        allocation.allocate(school=w.school_a, term=w.term, user=w.principal)
    for c in (first, second):
        c.refresh_from_db()
    assert (first.status, second.status) == (ClubChoice.Status.ENROLLED, ClubChoice.Status.WAITLISTED)
    with translation.override(reader):
        lines = {c.pk: rendered(reader, "Choice %(rank)s for %(child)s, %(club)s: %(reason)s", rank=1,
                                child=c.student.name, club="围棋", reason=reason_text(c.reason, c.reason_params))
                 for c in (first, second)}
    expect(one("clubs.allocated", w.other_parent), reader, "Club places allocated: %(child)s has a place in %(club)s",
           child=w.child_a2.name, club="围棋")
    assert one("clubs.allocated", w.other_parent).body == lines[first.pk]
    expect(one("clubs.allocated", w.parent_a), reader,
           "Club places allocated: %(child)s is on the waitlist of %(club)s", child=w.child_a.name, club="围棋")
    assert one("clubs.allocated", w.parent_a).body == lines[second.pk]
    with translation.override(trigger):
        allocation.choice_withdraw(user=w.other_parent, choice=first)
    expect(one("clubs.promoted", w.parent_a), reader, "A club place is now yours: %(child)s, %(club)s",
           "%(child)s has a place in %(club)s.", child=w.child_a.name, club="围棋")


# --- safety --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("trigger", "reader"), DIRECTIONS)
def test_incident_escalated_and_the_guardians_message(safety, trigger, reader,  # noqa: F811
                                                      django_capture_on_commit_callbacks):
    from safety import services
    from safety.models import IncidentType, Severity
    from tests.safety.factories import report

    w = safety
    reads(reader, w.principal, w.bureau, w.parent_a)
    with translation.override(trigger), django_capture_on_commit_callbacks(execute=True):
        incident = report(w, type=IncidentType.MISSING_CHILD, severity=Severity.SERIOUS, description="点名时发现一名学生未到")
        services.incident_notify_guardians(incident=incident, user=w.principal, message="孩子已找到，请放心。")
    context = {"school": w.school_a.name, "type": IncidentType.MISSING_CHILD.label,
               "severity": Severity.SERIOUS.label,
               "when": timezone.localtime(incident.occurred_at).strftime("%Y-%m-%d %H:%M"),
               "what": "点名时发现一名学生未到"}
    for recipient in (w.principal, w.bureau):
        expect(one("safety.incident_escalated", recipient), reader,
               "Escalated incident at %(school)s: %(type)s (%(severity)s)", "Happened at %(when)s. %(what)s", **context)
    expect(one("safety.incident_guardian", w.parent_a), reader, "%(school)s: a message about %(child)s",
           Written("孩子已找到，请放心。"), school=w.school_a.name, child=w.child_a.name)


@pytest.mark.parametrize(("trigger", "reader"), DIRECTIONS)
def test_rectification_items_new_and_overdue(safety, trigger, reader,  # noqa: F811
                                             django_capture_on_commit_callbacks):
    from safety import services
    from tests.safety.factories import add_item, inspect

    w = safety
    reads(reader, w.principal, w.bureau)
    with translation.override(trigger), django_capture_on_commit_callbacks(execute=True):
        inspection = inspect(w, days_ago=30)
        item = add_item(w, inspection, deadline_days=-2)
    with translation.override(trigger):
        services.rectification_flag_overdue()
    expect(one("safety.rectification", w.principal), reader,
           "Rectification item from the inspection of %(date)s, due %(deadline)s", Written("清理应急通道"),
           date=inspection.inspected_on, deadline=item.deadline)
    expect(one("safety.rectification_overdue", w.bureau), reader,
           "Overdue rectification at %(school)s (due %(deadline)s)", Written("清理应急通道"),
           school=w.school_a.name, deadline=item.deadline)


@pytest.mark.parametrize(("trigger", "reader"), DIRECTIONS)
def test_follow_up_request_and_its_answer(safety, trigger, reader, django_capture_on_commit_callbacks):  # noqa: F811
    from safety import services
    from safety.models import IncidentType, Severity
    from tests.safety.factories import report

    w = safety
    reads(reader, w.principal, w.bureau)
    incident = report(w, type=IncidentType.MISSING_CHILD, severity=Severity.SERIOUS)
    with translation.override(trigger), django_capture_on_commit_callbacks(execute=True):
        request = services.follow_up_request_open(user=w.bureau, incident=incident, text="请于一小时内报告进展",
                                                  due_in_minutes=60)
        services.follow_up_request_answer(user=w.principal, request=request, text="已找到，家长已接走。")
    request.refresh_from_db()
    expect(one("safety.follow_up_request", w.principal), reader,
           "Follow-up request (督办) on the incident at %(school)s: answer by %(due)s", "%(who)s asks: %(text)s",
           school=w.school_a.name, due=timezone.localtime(request.due_at).strftime("%m-%d %H:%M"),
           who=w.bureau.name, text="请于一小时内报告进展")
    expect(one("safety.follow_up_answered", w.bureau), reader, "%(school)s answered your follow-up request (督办)",
           Written("已找到，家长已接走。"), school=w.school_a.name)


# --- voice, privacy, accounts ---------------------------------------------------------------------
@pytest.mark.parametrize(("trigger", "reader"), DIRECTIONS)
def test_questionnaire_without_an_introduction(voice_world, trigger, reader, django_capture_on_commit_callbacks):  # noqa: F811
    from voice import services

    w = voice_world
    reads(reader, w.parent_a)
    with translation.override(trigger), django_capture_on_commit_callbacks(execute=True):
        q = services.questionnaire_create(author=w.principal, title="课后服务调查",
                                          rules=[services.Rule("class", (w.class_a.pk,))])
        services.question_add(user=w.principal, questionnaire=q, kind="rating", text="总体满意度")
        services.questionnaire_open(user=w.principal, questionnaire=q)
    notice = one("voice.questionnaire", w.parent_a)
    assert notice.title == "课后服务调查"  # the school's title, as written
    assert notice.body == rendered(reader, "Please answer this questionnaire.")


@pytest.mark.parametrize(("trigger", "reader"), DIRECTIONS)
def test_an_announcement_stays_as_written(voice_world, trigger, reader, django_capture_on_commit_callbacks):  # noqa: F811
    from voice import services

    w = voice_world
    reads(reader, w.parent_a)
    with translation.override(trigger), django_capture_on_commit_callbacks(execute=True):
        services.announcement_publish(author=w.principal, title="接送须知", body="请按时接孩子",
                                      rules=[services.Rule("class", (w.class_a.pk,))])
    notice = one("voice.announcement", w.parent_a)
    assert (notice.title, notice.body) == ("接送须知", "请按时接孩子")


@pytest.mark.parametrize(("trigger", "reader"), DIRECTIONS)
def test_correction_requests(world, trigger, reader, django_capture_on_commit_callbacks):
    from privacy import services

    w = world
    reads(reader, w.principal, w.parent_a)
    with translation.override(trigger), django_capture_on_commit_callbacks(execute=True):
        request = services.correction_request_create(student=w.child_a, guardian=w.parent_a, text="出生日期有误")
        services.correction_request_mark_done(request=request, user=w.principal, response="已更正")
    expect(one("privacy.correction", w.principal), reader, "A guardian asks for a correction", Written("出生日期有误"))
    expect(one("privacy.correction_done", w.parent_a), reader, "Your correction request about %(child)s is done",
           Written("已更正"), child=w.child_a.name)


@pytest.mark.parametrize(("trigger", "reader"), DIRECTIONS)
def test_the_sms_budget_alert(world, trigger, reader, settings):
    from accounts import services
    from accounts.roles import Role

    admin = UserFactory(username="admin_x", name="系统管理员")
    give_role(admin, Role.ADMIN)
    reads(reader, admin)
    with translation.override(trigger):
        services._sms_budget_alert(timezone.now())
    expect(one("accounts.sms_budget", admin), reader,
           "Text-message codes paused: the hourly budget of %(n)s is spent",
           "More sign-in codes were asked for this hour than the city's budget allows (SMS bombing?). "
           "Sending resumes at the next full hour. Check the audit log for the addresses.",
           n=settings.SMS_HOURLY_BUDGET)


# --- enrollment (lazy since issue 20: kept so) ------------------------------------------------------
@pytest.mark.parametrize(("trigger", "reader"), DIRECTIONS)
def test_an_application_received(world, trigger, reader, django_capture_on_commit_callbacks):
    from privacy import notice
    from privacy.models import GuardianConsent
    from tests.enrollment.factories import ParentLetterFactory, submit

    w = world
    reads(reader, w.parent_a)
    GuardianConsent.objects.create(student=w.child_a, guardian=w.parent_a, notice_version=notice.current().version,
                                   decision=GuardianConsent.Decision.GIVEN, decided_at=timezone.now())
    letter = ParentLetterFactory(school=w.school_a, term=w.term)
    with translation.override(trigger), django_capture_on_commit_callbacks(execute=True):
        submit(parent=w.parent_a, child=w.child_a, term=w.term, letter=letter)
    expect(one("enrollment.received", w.parent_a), reader, "Application received for %(child)s",
           child=w.child_a.name)
