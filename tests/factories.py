"""factory_boy factories for every model tests need. Names are Chinese, as in real data."""
import datetime

import factory
from django.contrib.auth import get_user_model

from accounts.models import RoleAssignment
from accounts.roles import Role
from schools.models import District, Grade, Guardianship, HomeroomClass, School, Student, Term, Venue

PASSWORD = "correct-horse-42"

#: A school day inside TermFactory's term (Wednesday 2026-12-02, 15:00 in Shanghai), for tests whose
#: outcome depends on "today" being in the term: `@pytest.mark.time_machine(IN_TERM)`.
IN_TERM = datetime.datetime(2026, 12, 2, 15, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password(PASSWORD)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"第{n}学区")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    code = factory.Sequence(lambda n: f"S{n:04d}")
    name = factory.Sequence(lambda n: f"沙河市第{n}小学")
    district = factory.SubFactory(DistrictFactory)
    city_direct = False
    level = School.Level.PRIMARY


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term
        django_get_or_create = ("name",)

    name = "2026-2027学年第一学期"
    start_date = datetime.date(2026, 9, 1)
    end_date = datetime.date(2027, 1, 20)
    summer_timetable_from = datetime.date(2026, 5, 1)
    winter_timetable_from = datetime.date(2026, 10, 1)


class GradeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grade
        django_get_or_create = ("school", "number")

    school = factory.SubFactory(SchoolFactory)
    number = 3
    name = factory.LazyAttribute(lambda o: f"{o.number}年级")


class HomeroomClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HomeroomClass

    school = factory.SubFactory(SchoolFactory)
    grade = factory.LazyAttribute(lambda o: GradeFactory(school=o.school))
    # From （100）班 up: a sequence number never meets the names tests write by hand (（8）班, （9）班),
    # whatever the order tests ran in before the factory's turn (a world copy is built early).
    name = factory.Sequence(lambda n: f"三年级（{n + 100}）班")


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    homeroom_class = factory.SubFactory(HomeroomClassFactory)
    school = factory.LazyAttribute(lambda o: o.homeroom_class.school)
    student_number = factory.Sequence(lambda n: f"2026{n:06d}")
    name = factory.Sequence(lambda n: f"学生{n}")
    gender = Student.Gender.FEMALE
    birth_date = datetime.date(2017, 5, 1)


class GuardianshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardianship

    guardian = factory.SubFactory(UserFactory)
    student = factory.SubFactory(StudentFactory)
    relation = Guardianship.Relation.MOTHER


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"教室{n}")
    kind = Venue.Kind.CLASSROOM
    capacity = 40


def give_role(user, role: str, school=None, district=None) -> RoleAssignment:
    return RoleAssignment.objects.create(user=user, role=role, school=school, district=district)


__all__ = ["PASSWORD", "Role", "give_role"]
