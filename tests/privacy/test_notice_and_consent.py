import pytest
from django.urls import reverse

from privacy import notice
from privacy.models import GuardianConsent
from privacy.services import consent_given, consent_record
from shahe_afterschool.errors import DomainError
from tests.factories import GuardianshipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_notice_page_is_public_in_chinese_and_english(client):
    url = reverse("privacy:notice")
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 200
    body = zh.content.decode()
    for words in ("为什么处理", "收集哪些信息", "谁可以看到", "保存多久", "更正或删除", "如何投诉", "不能报名"):
        assert words in body
    assert notice.current().version in body
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    en = client.get(url).content.decode()
    for words in ("Why we process", "What we collect", "Who sees it", "How long we keep it",
                  "How to see, correct or delete it", "How to complain", "cannot be enrolled"):
        assert words in en


def test_footer_links_the_notice(client):
    response = client.get(reverse("accounts:login"))
    assert reverse("privacy:notice") in response.content.decode()


def test_unknown_notice_version_shows_the_current_one(client):
    response = client.get(reverse("privacy:notice"), {"version": "1999-01"})
    assert response.status_code == 200
    assert notice.current().version in response.content.decode()


def test_consent_page_lists_own_children_and_says_refusal_means_no_enrollment(world, client):
    client.force_login(world.parent_a)
    body = client.get(reverse("privacy:consent"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert world.child_a.name in body
    assert world.child_a2.name not in body
    assert "cannot be enrolled" in body


def test_parent_gives_then_refuses_consent(world, client):
    client.force_login(world.parent_a)
    url = reverse("privacy:consent_decide", args=[world.child_a.pk])
    assert client.post(url, {"decision": "given"}).status_code == 302
    consent = GuardianConsent.objects.get(student=world.child_a, guardian=world.parent_a)
    assert consent.decision == "given" and consent.notice_version == notice.current().version
    assert consent_given(world.child_a)
    assert consent_given(world.child_a, guardian=world.parent_a)
    client.post(url, {"decision": "refused"})
    consent.refresh_from_db()
    assert consent.decision == "refused"
    assert not consent_given(world.child_a)
    # both answers are in the history
    assert list(consent.history.order_by("history_date").values_list("decision", flat=True)) == ["given", "refused"]


@pytest.mark.parametrize("role", ["other_parent", "parent_b", "homeroom", "principal", "bureau"])
def test_only_the_guardian_can_answer(world, client, role):
    client.force_login(getattr(world, role))
    response = client.post(reverse("privacy:consent_decide", args=[world.child_a.pk]), {"decision": "given"})
    assert response.status_code == 404
    assert not GuardianConsent.objects.exists()


def test_bad_decision_changes_nothing_and_says_why(world, client):
    client.force_login(world.parent_a)
    response = client.post(reverse("privacy:consent_decide", args=[world.child_a.pk]), {"decision": "maybe"},
                           follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Choose to give or to refuse consent" in response.content.decode()
    assert not GuardianConsent.objects.exists()


def test_consent_given_rules(world):
    second = UserFactory(username="second_guardian")
    GuardianshipFactory(guardian=second, student=world.child_a)
    assert not consent_given(world.child_a)  # nobody answered
    consent_record(student=world.child_a, guardian=world.parent_a, decision="given")
    assert consent_given(world.child_a)
    assert consent_given(world.child_a, guardian=world.parent_a)
    assert not consent_given(world.child_a, guardian=second)
    consent_record(student=world.child_a, guardian=second, decision="refused")
    assert not consent_given(world.child_a)  # one guardian refused: no enrollment
    assert consent_given(world.child_a, guardian=world.parent_a)


def test_consent_to_an_old_version_does_not_count(world):
    consent_record(student=world.child_a, guardian=world.parent_a, decision="given", version="2020-01")
    assert not consent_given(world.child_a)


def test_consent_of_an_ended_guardianship_does_not_count(world):
    consent_record(student=world.child_a, guardian=world.parent_a, decision="given")
    world.child_a.guardianships.update(active=False)
    assert not consent_given(world.child_a)


def test_consent_record_refuses_a_stranger(world):
    with pytest.raises(DomainError):
        consent_record(student=world.child_a, guardian=world.parent_b, decision="given")
    with pytest.raises(DomainError):
        consent_record(student=world.child_a, guardian=world.parent_a, decision="perhaps")


@pytest.mark.parametrize("rows", [5, 50])
def test_consent_page_query_count_is_constant(world, client, django_assert_num_queries, rows):
    from tests.factories import StudentFactory

    for child in StudentFactory.create_batch(rows, homeroom_class=world.class_a):
        GuardianshipFactory(guardian=world.parent_a, student=child)
        consent_record(student=child, guardian=world.parent_a, decision="given")
    client.force_login(world.parent_a)
    with django_assert_num_queries(5):
        assert client.get(reverse("privacy:consent")).status_code == 200


def test_consent_sends_the_parent_back_to_the_form_that_asked_for_it(world, client):
    client.force_login(world.parent_a)
    back = "/enrollment/apply/1/"
    page = client.get(reverse("privacy:consent"), {"next": back}).content.decode()
    assert f'type="hidden" name="next" value="{back}"' in page
    url = reverse("privacy:consent_decide", args=[world.child_a.pk])
    response = client.post(url, {"decision": "given", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    # A refusal, or a next that leaves the site, stays on the consent page.
    assert client.post(url, {"decision": "refused", "next": back})["Location"] == reverse("privacy:consent")
    response = client.post(url, {"decision": "given", "next": "https://evil.example/"})
    assert response["Location"] == reverse("privacy:consent")
    assert 'type="hidden" name="next"' not in client.get(reverse("privacy:consent"), {"next": "//evil.example/"}).content.decode()
