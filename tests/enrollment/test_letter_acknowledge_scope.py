"""Regression (access matrix): only guardians of the letter's school's children acknowledge it."""
import pytest

from enrollment import services
from enrollment.models import LetterAcknowledgement
from shahe_afterschool.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["parent_b", "homeroom", "principal", "bureau"])
def test_someone_without_a_child_at_the_school_cannot_acknowledge(enr, api, who):
    user = getattr(enr.world, who)
    with pytest.raises(DomainError) as exc:
        services.letter_acknowledge(letter=enr.letter_a, guardian=user)
    assert exc.value.status_code == 403
    assert api.as_user(user).post(f"/api/v1/letters/{enr.letter_a.pk}/acknowledge/").status_code == 403
    assert not LetterAcknowledgement.objects.filter(guardian=user).exists()


def test_a_guardian_of_the_school_acknowledges(enr, api):
    response = api.as_user(enr.world.parent_a).post(f"/api/v1/letters/{enr.letter_a.pk}/acknowledge/")
    assert response.status_code == 200
    assert LetterAcknowledgement.objects.filter(guardian=enr.world.parent_a, letter=enr.letter_a).exists()
