"""Each reader's language, contact details, reachability on the class list (issue 20 items 6, 7)."""
import datetime
import re

import pytest
from django.core.cache import cache
from django.utils.translation import gettext_lazy

from notices.models import Notification, OutboxMessage
from notices.services import notify

pytestmark = pytest.mark.django_db(transaction=True)

NOON = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()


def test_the_language_switch_keeps_a_signed_in_users_choice(world, login):
    client = login(world.parent_a)
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    world.parent_a.refresh_from_db()
    assert world.parent_a.language == "en"
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    world.parent_a.refresh_from_db()
    assert world.parent_a.language == "en"  # an unknown language changes nothing


def test_notices_are_written_in_each_recipients_language(world):
    world.parent_a.language = "en"
    world.parent_a.save()
    title = gettext_lazy("%(child)s is absent from %(session)s today")
    notify(recipients=[world.parent_a, world.other_parent], kind="attendance.absent", title=title,
           context={"child": "张小明", "session": "课后一"})
    english = Notification.objects.get(recipient=world.parent_a).title
    chinese = Notification.objects.get(recipient=world.other_parent).title
    assert english == "张小明 is absent from 课后一 today"
    assert chinese != english and "张小明" in chinese and "absent" not in chinese


@pytest.mark.time_machine(NOON)
def test_profile_changes_the_phone_with_a_code_sent_to_the_new_number(world, login):
    client = login(world.parent_a)
    page = client.get("/accounts/profile/").content.decode()
    assert "13800000001" in page
    sent = client.post("/accounts/profile/contact/", {"phone": "139 1234 5678", "action": "send_code"})
    assert sent.status_code == 200
    message = OutboxMessage.objects.get(to="13912345678")
    code = re.search(r"\d{6}", message.text).group(0)
    wrong = client.post("/accounts/profile/contact/", {"phone": "13912345678", "code": "000000" if code != "000000"
                                                       else "111111", "action": "confirm_phone"})
    assert wrong.status_code == 400
    world.parent_a.refresh_from_db()
    assert world.parent_a.phone == "13800000001"
    done = client.post("/accounts/profile/contact/", {"phone": "13912345678", "code": code, "action": "confirm_phone"})
    assert done.status_code == 302
    world.parent_a.refresh_from_db()
    assert world.parent_a.phone == "13912345678"


@pytest.mark.time_machine(NOON)
def test_a_number_of_another_account_is_refused(world, login):
    client = login(world.parent_a)
    client.post("/accounts/profile/contact/", {"phone": world.parent_b.phone, "action": "send_code"})
    code = re.search(r"\d{6}", OutboxMessage.objects.get(to=world.parent_b.phone).text).group(0)
    response = client.post("/accounts/profile/contact/", {"phone": world.parent_b.phone, "code": code,
                                                          "action": "confirm_phone"})
    assert response.status_code == 400
    world.parent_a.refresh_from_db()
    assert world.parent_a.phone == "13800000001"


def test_profile_sets_and_removes_an_email_address(world, login):
    client = login(world.parent_a)
    assert client.post("/accounts/profile/contact/", {"email": "not-an-address", "action": "save_email"}
                       ).status_code == 400
    assert client.post("/accounts/profile/contact/", {"email": "zhang@example.cn", "action": "save_email"}
                       ).status_code == 302
    world.parent_a.refresh_from_db()
    assert world.parent_a.email == "zhang@example.cn"
    client.post("/accounts/profile/contact/", {"email": "", "action": "save_email"})
    world.parent_a.refresh_from_db()
    assert world.parent_a.email == ""


def test_the_class_list_shows_who_is_reachable_without_the_numbers(world, login):
    world.parent_a.wechat_openid = "o-abc"
    world.parent_a.save()
    world.other_parent.phone = ""
    world.other_parent.save()
    body = login(world.principal).get(f"/schools/{world.school_a.pk}/classes/{world.class_a.pk}/letters/"
                                      ).content.decode()
    cells = re.findall(r'data-testid="reachable">(.*?)</td>', body)
    assert len(cells) == 2
    assert any("短信" in c and "微信" in c for c in cells) and any("仅站内消息" in c for c in cells)
    assert world.parent_a.phone not in body


def test_wechat_bind_without_a_configured_account_says_so(world, login):
    client = login(world.parent_a)
    response = client.get("/accounts/wechat/bind/")
    assert response.status_code == 200 and "尚未开通" in response.content.decode()
    assert client.get("/accounts/wechat/callback/?code=x&state=y").status_code == 400
