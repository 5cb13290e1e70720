"""`instance.history` is built from one manager class per history model (shahe_afterschool/history.py),
and still reads and writes history as simple-history does."""
import pytest

from tests.factories import StudentFactory


def test_the_manager_class_is_built_once_and_each_access_gets_its_own_manager():
    from schools.models import Student

    first, second = Student.history, Student.history
    assert type(first) is type(second)
    assert first is not second
    assert first.model is Student.history.model


@pytest.mark.django_db
def test_history_is_written_and_read_per_instance():
    a, b = StudentFactory(name="甲"), StudentFactory(name="乙")
    a.name = "甲二"
    a.save()
    assert type(a.history) is type(b.history)
    assert [h.name for h in a.history.order_by("history_id")] == ["甲", "甲二"]
    assert [h.history_type for h in a.history.order_by("history_id")] == ["+", "~"]
    assert [h.name for h in b.history.all()] == ["乙"]
    assert a.history.most_recent().name == "甲二"
    assert a.history.first().prev_record.name == "甲"
