"""Delivery you can see, on the duty leader's tablet held upright (820 px; issue 20 item 3).

The duty leader refuses a stranger who came for a child with three guardians: the mother's text
message is delivered, the father's failed at the provider and is being retried while his WeChat
message is on its way, the grandmother has neither phone nor WeChat (in-app only). The console
then shows one line per guardian under the refusal, and under the absence without leave of another
child the line of that child's guardian. No phone number is shown, not even masked.
"""
from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from . import test_tablet_day

pytestmark = pytest.mark.browser
school_day = test_tablet_day.school_day  # a school of its own, with today's roll of three children


@test_tablet_day.BOTH_LANGUAGES
def test_duty_console_shows_how_the_notices_reached_each_guardian(school_day, make_page, sign_in, site, check_page):
    from django.utils import timezone, translation

    from attendance import services
    from attendance.models import PickupRefusal
    from attendance.selectors import absence_notice_key, refusal_notice_key
    from notices.models import Delivery, OutboxMessage
    from notices.selectors import delivery_states
    from schools.models import Guardianship
    from tests.factories import GuardianshipFactory, UserFactory

    day = school_day
    refused_for, stays, absent = day.children
    mother = refused_for.guardianships.get().guardian
    mother.name = f"{refused_for.name[0]}妈妈"
    mother.save(update_fields=["name"])
    father = UserFactory(name=f"{refused_for.name[0]}爸爸", phone="13912340002", wechat_openid="o-father-test")
    grandmother = UserFactory(name=f"{refused_for.name[0]}奶奶", phone="")
    GuardianshipFactory(guardian=father, student=refused_for, relation=Guardianship.Relation.FATHER)
    GuardianshipFactory(guardian=grandmother, student=refused_for, relation=Guardianship.Relation.GRANDPARENT)
    services.marks_record(roll=day.roll, user=day.teacher, roll_student_ids={c.pk for c in day.children}, marks=[
        {"student": refused_for.pk, "status": "present", "client_id": "d1"},
        {"student": stays.pk, "status": "present", "client_id": "d2"},
        {"student": absent.pk, "status": "absent", "client_id": "d3"},
    ])
    services.absences_notify(roll=day.roll)  # as on the roll's submission (in process: sent to the outbox)

    tablet = make_page("tablet_portrait")
    test_tablet_day._sign_in(tablet, sign_in, day.leader)
    tablet.goto(f"/attendance/console/{day.school.pk}/")
    row = tablet.get_by_test_id("held-child").filter(has_text=refused_for.name)
    row.get_by_label(site.t("Name of the person")).fill("陌生男子 李某")
    row.get_by_role("button", name=site.t("Refuse and alert")).click()
    expect(tablet.get_by_role("alert")).to_contain_text("陌生男子 李某")
    refusal = PickupRefusal.objects.get(student=refused_for)
    key = refusal_notice_key(refusal.pk)
    # The text messages went out at once (the outbox stands in for the provider), naming the child.
    assert OutboxMessage.objects.filter(to=mother.phone, text__contains=refused_for.name).exists()
    # The provider refuses the father's message (his daily limit) and it waits for its retry; his
    # WeChat message is still on its way.
    father_sms = Delivery.objects.get(notification__dedupe_key=key, notification__recipient=father, channel="sms")
    father_sms.status, father_sms.error_code, father_sms.sent_at = (
        Delivery.Status.RETRYING, "LimitExceeded.PhoneNumberDailyLimit", None)
    father_sms.next_attempt_at = timezone.now() + datetime.timedelta(seconds=30)
    father_sms.save()
    Delivery.objects.filter(notification__dedupe_key=key, notification__recipient=father, channel="wechat").update(
        status=Delivery.Status.SENDING, sent_at=None)
    assert not Delivery.objects.filter(notification__recipient=grandmother).exists()

    tablet.reload()
    with translation.override(site.lang):
        states = delivery_states({key: "refusal", absence_notice_key(day.roll.pk, absent.pk): "absent"})
        expected = {group: [g.line for g in guardians] for group, guardians in states.items()}
    lines = tablet.get_by_test_id(f"refusal-delivery-{refusal.pk}").locator("li")
    expect(lines).to_have_text(expected["refusal"])
    assert len(expected["refusal"]) == 3
    sms, retrying, in_app = (site.t("SMS"), site.t("%(channel)s sending failed (provider code %(code)s), retrying"),
                             site.t("In-app only"))
    by_guardian = dict(zip((g.guardian_name for g in states["refusal"]), expected["refusal"], strict=True))
    assert site.t("%(channel)s delivered %(time)s") % {"channel": sms, "time": ""} in by_guardian[mother.name]
    assert retrying % {"channel": sms, "code": "LimitExceeded.PhoneNumberDailyLimit"} in by_guardian[father.name]
    assert by_guardian[grandmother.name].endswith(in_app)
    # Who may need a call stands out: the father (his SMS failed; red only when every channel failed,
    # and his WeChat message may still reach him) and the grandmother (in-app only); not the mother.
    expect(lines.filter(has_text=father.name)).to_have_class("text-warning-emphasis")
    expect(lines.filter(has_text=grandmother.name)).to_have_class("text-warning-emphasis")
    expect(lines.filter(has_text=mother.name)).not_to_have_class(re.compile("text-"))
    # the grandmother's pickup button shows her relation, with no dangling separator for a missing phone
    grandmother_button = row.get_by_test_id("pickup-adult").filter(has_text=grandmother.name)
    expect(grandmother_button).to_have_text(re.compile(r"[^·\s]\s*$"))
    expect(tablet.get_by_test_id(f"delivery-{absent.pk}").locator("li")).to_have_text(expected["absent"])
    lines_text = tablet.get_by_test_id("refusals").inner_text() + tablet.get_by_test_id("absences").inner_text()
    for phone in (mother.phone, father.phone, "****"):  # (the pickup buttons show masked numbers: not here)
        assert phone not in lines_text
    tablet.get_by_test_id("refusals").scroll_into_view_if_needed()
    check_page(tablet, "console-delivery-lines", axe=True)
