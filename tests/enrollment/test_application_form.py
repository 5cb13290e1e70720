"""The application form on a phone (issue 19, item 4): the authorised pickup person is added in the
same form, phone fields open the number pad, the relation is a choice with a typed "other"."""
import pytest

from enrollment.models import Application, AuthorisedPickupPerson, LetterAcknowledgement

pytestmark = pytest.mark.django_db

BASE = {"sessions": ["after_school"], "weekdays": ["1", "3"], "pickup_plan": "authorised"}


@pytest.fixture
def parent(enr, login_as):
    LetterAcknowledgement.objects.create(letter=enr.letter_a, guardian=enr.world.parent_a)
    return login_as(enr.world.parent_a)


def url(enr):
    return f"/enrollment/apply/{enr.world.child_a.pk}/"


def test_the_form_offers_the_relation_choice_and_the_phone_keypad(enr, parent):
    page = parent.get(url(enr)).content.decode()
    assert 'inputmode="tel"' in page and 'autocomplete="tel"' in page
    for word in ("父亲", "母亲", "祖父", "祖母", "外祖父", "外祖母", "其他"):
        assert f">{word}</option>" in page
    assert "已登记的授权接送人：暂无" in page


def test_authorised_pickup_without_anyone_asks_for_the_person_in_the_same_form(enr, parent):
    response = parent.post(url(enr), BASE)
    assert response.status_code == 200
    assert "请填写来接孩子的授权接送人：姓名、关系和手机号码。" in response.content.decode()
    assert not Application.objects.exists() and not AuthorisedPickupPerson.objects.exists()


def test_the_person_is_added_with_the_application(enr, parent):
    response = parent.post(url(enr), {**BASE, "pickup_name": "王奶奶", "pickup_relation": "祖母",
                                      "pickup_phone": "139 1234 5678"})
    assert response.status_code == 302
    person = AuthorisedPickupPerson.objects.get(student=enr.world.child_a)
    assert (person.name, person.relation, person.phone) == ("王奶奶", "祖母", "13912345678")
    assert Application.objects.get(student=enr.world.child_a).pickup_plan == "authorised"


def test_other_relation_is_typed_and_kept_as_written(enr, parent):
    parent.post(url(enr), {**BASE, "pickup_name": "李阿姨", "pickup_relation": "other",
                           "pickup_relation_other": "邻居", "pickup_phone": "13912345678"})
    assert AuthorisedPickupPerson.objects.get().relation == "邻居"


@pytest.mark.parametrize(("extra", "field_error"), [
    ({"pickup_name": "王奶奶", "pickup_relation": "祖母", "pickup_phone": "123"}, "pickup_phone"),
    ({"pickup_name": "王奶奶", "pickup_relation": "other", "pickup_phone": "13912345678"}, "pickup_relation_other"),
    ({"pickup_relation": "祖母", "pickup_phone": "13912345678"}, "pickup_name"),
    ({"pickup_name": "王奶奶", "pickup_relation": "表舅", "pickup_phone": "13912345678"}, "pickup_relation"),
])
def test_a_bad_person_sends_nothing(enr, parent, extra, field_error):
    response = parent.post(url(enr), {**BASE, **extra})
    assert response.status_code == 200
    assert field_error in response.context["form"].errors
    assert not Application.objects.exists() and not AuthorisedPickupPerson.objects.exists()


def test_a_refused_application_adds_nobody(enr):
    """The person and the application are one write: an application the service refuses (here: no
    letter acknowledged) adds no person, and a refused person sends no application."""
    from enrollment import services
    from shahe_afterschool.errors import ConflictError, DomainError

    w = enr.world
    person = {"name": "王奶奶", "relation": "祖母", "phone": "13912345678"}
    with pytest.raises(ConflictError):
        services.application_submit(by=w.parent_a, student=w.child_a, term=w.term, sessions=["after_school"],
                                    weekdays=[1], letter=enr.letter_a, pickup_plan="authorised",
                                    new_pickup_person=person)
    assert not AuthorisedPickupPerson.objects.exists()
    with pytest.raises(DomainError) as err:
        services.application_submit(by=w.parent_a, student=w.child_a, term=w.term, sessions=["after_school"],
                                    weekdays=[1], letter=enr.letter_a, letter_acknowledged=True,
                                    pickup_plan="authorised", new_pickup_person={**person, "phone": "12"})
    assert err.value.field == "pickup_phone"
    assert not Application.objects.exists() and not AuthorisedPickupPerson.objects.exists()


def test_pickup_page_uses_the_relation_choice(enr, parent):
    w = enr.world
    page = parent.get(f"/enrollment/children/{w.child_a.pk}/pickup/").content.decode()
    assert ">外祖父</option>" in page and 'inputmode="tel"' in page
    parent.post(f"/enrollment/children/{w.child_a.pk}/pickup/", {"name": "赵爷爷", "relation": "外祖父",
                                                                 "phone": "13912345678"})
    person = AuthorisedPickupPerson.objects.get()
    assert person.relation == "外祖父"
    from django.utils import translation

    with translation.override("en"):
        assert person.relation_label == "Grandfather (mother's father)"
    # a relation typed before the choice existed is shown as written
    person.relation = "奶奶"
    assert person.relation_label == "奶奶"
