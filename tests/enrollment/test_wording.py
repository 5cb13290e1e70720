"""Words parents read (issue 19, item 5, and the glossary): a service session is 服务时段, never 会话;
withdrawing is 撤回报名 / 申请退出课后服务, never a bare 退出 beside 详情; a parent's profile has no
developer features and calls the download 下载我家孩子的数据."""
import pytest
from rest_framework.authtoken.models import Token

from enrollment import services
from enrollment.models import LetterAcknowledgement

pytestmark = pytest.mark.django_db


def zh(client, url):
    return client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def test_service_sessions_are_never_a_login_session(enr, login_as):
    w = enr.world
    LetterAcknowledgement.objects.create(letter=enr.letter_a, guardian=w.parent_a)
    parent = login_as(w.parent_a)
    form = zh(parent, f"/enrollment/apply/{w.child_a.pk}/")
    assert "服务时段" in form and "会话" not in form
    app = enr.apply(w.child_a, w.parent_a)
    detail = zh(parent, f"/enrollment/applications/{app.pk}/")
    assert "服务时段" in detail and "会话" not in detail
    office = login_as(enr.moral)
    for url in ("/enrollment/groups/", "/enrollment/groups/new/"):
        page = zh(office, url)
        assert "服务时段" in page and "会话" not in page, url


def test_withdrawing_says_what_it_does(enr, login_as):
    w = enr.world
    app = enr.approve(enr.apply(w.child_a, w.parent_a))
    parent = login_as(w.parent_a)
    home = zh(parent, "/enrollment/")
    assert "撤回报名" in home and ">退出<" not in home
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    home = zh(parent, "/enrollment/")
    assert "申请退出课后服务" in home
    confirm = zh(parent, f"/enrollment/applications/{app.pk}/withdraw/")
    assert "名额会立即让给候补的下一位孩子" in confirm and enr.group.name in confirm


def test_a_parents_profile_has_no_developer_features(enr, login_as):
    w = enr.world
    Token.objects.create(user=w.parent_a)  # even a parent holding a token sees none of it
    page = zh(login_as(w.parent_a), "/accounts/profile/")
    assert "API" not in page and "JSON" not in page and "撤销" not in page
    assert "下载我家孩子的数据" in page and f"/privacy/children/{w.child_a.pk}/data.json" in page
    consent = zh(login_as(w.parent_a), "/privacy/consent/")
    assert "下载我家孩子的数据" in consent and "JSON" not in consent
    # staff who use the API keep the revocation on their profile
    Token.objects.create(user=w.homeroom)
    assert "撤销我的 API 令牌" in zh(login_as(w.homeroom), "/accounts/profile/")
    assert "撤销我的 API 令牌" not in zh(login_as(w.principal), "/accounts/profile/")  # no token: nothing to revoke
