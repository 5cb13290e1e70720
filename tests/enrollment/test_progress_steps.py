"""The application's steps (issue 19, item 2): submitted → homeroom review → allocation → placed or
waiting list position N, each with the date it was reached, derived from the history, and one
sentence of what happens next; the placement reason is one readable sentence in zh and in en."""
import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from enrollment import services
from enrollment.models import Application, ApplicationTransition
from enrollment.selectors import application_get_for_user, application_steps, explanation_text
from tests.factories import IN_TERM

from .factories import child_with_parent

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]
S = Application.Status
TZ = ZoneInfo("Asia/Shanghai")


def steps_of(app, user):
    app = application_get_for_user(user=user, pk=app.pk)  # as the page loads it
    progress = application_steps(app)
    return [(s["key"], s["state"]) for s in progress["steps"]], progress


def backdate(app, to_status, when):
    ApplicationTransition.objects.filter(application=app, to_status=to_status).update(at=when)


def test_submitted_waits_for_the_homeroom_teacher(enr):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    backdate(app, S.SUBMITTED, datetime.datetime(2026, 11, 30, 8, 5, tzinfo=TZ))
    steps, progress = steps_of(app, w.parent_a)
    assert steps == [("submitted", "done"), ("review", "current"), ("allocation", "todo"), ("result", "todo")]
    assert progress["steps"][0]["date"].astimezone(TZ).date() == datetime.date(2026, 11, 30)
    assert progress["steps"][1]["date"] is None
    assert progress["next"] == "Next, the homeroom teacher reviews the application; you will get a notice when it is done."


def test_reviewed_waits_for_the_allocation(enr):
    w = enr.world
    app = enr.approve(enr.apply(w.child_a, w.parent_a))
    steps, progress = steps_of(app, w.parent_a)
    assert steps == [("submitted", "done"), ("review", "done"), ("allocation", "current"), ("result", "todo")]
    assert progress["steps"][1]["date"] is not None
    assert "the school allocates the seats" in progress["next"]


def test_placed_has_every_step_done_with_its_date(enr):
    w = enr.world
    app = enr.approve(enr.apply(w.child_a, w.parent_a))
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    steps, progress = steps_of(app, w.parent_a)
    assert steps == [("submitted", "done"), ("review", "done"), ("allocation", "done"), ("result", "done")]
    assert progress["steps"][3]["label"] == "Placed"
    assert all(s["date"] for s in progress["steps"])
    assert enr.group.name in progress["next"] and w.child_a.name in progress["next"]


def test_waitlisted_shows_the_position_and_becomes_placed_when_promoted(enr):
    w = enr.world
    enr.group.capacity = 1
    enr.group.save()
    first = enr.approve(enr.apply(w.child_a, w.parent_a))
    second = enr.approve(enr.apply(w.child_a2, w.other_parent))
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    steps, progress = steps_of(second, w.other_parent)
    assert steps == [("submitted", "done"), ("review", "done"), ("allocation", "done"), ("result", "current")]
    assert progress["steps"][3]["label"] == "Waiting list, position 1"
    assert "next child on the waiting list" in progress["next"]
    with translation.override("zh-hans"):
        _steps, zh = steps_of(second, w.other_parent)
        assert [s["label"] for s in zh["steps"]] == ["提交", "班主任审核", "学校分班", "候补第 1 位"]
    services.application_withdraw(application=first, by=w.parent_a)  # the seat goes to the waiting child
    steps, progress = steps_of(second, w.other_parent)
    assert steps[-1] == ("result", "done") and progress["steps"][3]["label"] == "Placed"


def test_rejected_ends_at_the_review(enr):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    services.application_review(application=app, by=w.homeroom, decision="reject", reason="非本班学生")
    steps, progress = steps_of(app, w.parent_a)
    assert steps == [("submitted", "done"), ("review", "stopped")]
    assert progress["steps"][1]["note"] == "Not approved" and progress["steps"][1]["date"]
    assert "apply again" in progress["next"]


@pytest.mark.parametrize("placed_first", [False, True])
def test_withdrawn_keeps_the_steps_reached_and_ends_with_the_withdrawal(enr, placed_first):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    if placed_first:
        enr.approve(app)
        services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    services.application_withdraw(application=app, by=w.parent_a)
    steps, progress = steps_of(app, w.parent_a)
    expected = ([("submitted", "done"), ("review", "done"), ("allocation", "done"), ("result", "done")]
                if placed_first else [("submitted", "done")])
    assert steps == [*expected, ("withdrawn", "stopped")]
    assert progress["steps"][-1]["date"]


def test_the_page_shows_the_steps_and_the_next_sentence(enr, login_as):
    w = enr.world
    app = enr.approve(enr.apply(w.child_a, w.parent_a))
    page = login_as(w.parent_a).get(f"/enrollment/applications/{app.pk}/").content.decode()
    assert page.count('data-testid="step"') == 4 and 'aria-current="step"' in page
    assert "学校分班" in page and "接下来由学校统一分班，分班结果会通知您。" in page
    assert "撤回报名" in page  # before a seat: withdraw the application (never a bare 退出)


# --- the reason: one sentence ---------------------------------------------------------------------
def one_sentence(text: str, lang: str) -> bool:
    if lang == "zh-hans":  # full-width punctuation, one full stop at the end, no ASCII brackets or stops
        return text.endswith("。") and text.count("。") == 1 and not re.search(r"[().;]", text)
    return text.endswith(".") and ". " not in text and not re.search(r"[（）。；]", text)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_placement_reason_is_one_sentence(enr, lang):
    w = enr.world
    enr.group.capacity = 1
    enr.group.save()
    placed = enr.approve(enr.apply(w.child_a, w.parent_a))
    waiting = [enr.approve(enr.apply(*child_with_parent(w.class_a, name=f"候补{i}"))) for i in range(3)]
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    texts = []
    with translation.override(lang):
        for app in [placed, *waiting]:
            app.refresh_from_db()
            texts += [explanation_text(app, show_priority=True), explanation_text(app, show_priority=False)]
    for text in texts:
        assert one_sentence(text, lang), text
    if lang == "zh-hans":
        assert texts[0].startswith(f"已安排到{enr.group.name}：") and "无已核实的优先保障类别" in texts[0]
        assert "候补第3位" in texts[6]
    else:
        assert texts[0].startswith(f"Placed in {enr.group.name} as number 1 of 4")


def test_a_waiting_child_behind_priority_claims_reads_one_sentence(enr):
    w = enr.world
    enr.group.capacity = 1
    enr.group.save()
    for name in ("优先甲", "优先乙"):  # one takes the seat, the other waits first
        prio = enr.apply(*child_with_parent(w.class_a, name=name), claims=[("dual_working", "")])
        services.claim_decide(claim=prio.claims.get(), by=w.homeroom, verified=True)
        enr.approve(prio)
    # the one who waits second: applied first of all but has no claim, so the priority children come first
    plain = enr.apply(*child_with_parent(w.class_a, name="普通乙"),
                      submitted_at=timezone.now() - datetime.timedelta(days=1))
    enr.approve(plain)
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    plain.refresh_from_db()
    assert (plain.status, plain.waitlist_position) == (S.WAITLISTED, 2)
    text = explanation_text(plain, show_priority=True)
    assert "of the children ahead 1 has a verified priority claim" in text and one_sentence(text, "en")
    with translation.override("zh-hans"):
        text = explanation_text(plain, show_priority=True)
    assert "排在前面的孩子中有1位有已核实的优先保障类别" in text and one_sentence(text, "zh-hans")
