"""Factories for the clubs app."""
import datetime

import factory

from clubs.models import ChoiceWindow, Club, ClubSlot, ClubType, ReviewStatus, ServicePlan
from tests.factories import SchoolFactory, TermFactory, VenueFactory


class ServicePlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePlan

    school = factory.SubFactory(SchoolFactory)
    term = factory.SubFactory(TermFactory)
    school_days = [1, 2, 3, 4, 5]
    winter_noon_start = datetime.time(13, 0)
    winter_noon_end = datetime.time(14, 0)
    winter_after_start = datetime.time(16, 0)
    winter_after_end = datetime.time(18, 0)
    summer_noon_start = datetime.time(14, 0)
    summer_noon_end = datetime.time(14, 30)
    summer_after_start = datetime.time(16, 30)
    summer_after_end = datetime.time(18, 0)


def club_type(code="basketball"):
    if not ClubType.objects.exists():
        # A transactional test before this one flushed the catalogue that migration 0002 loads.
        from clubs.demo import _ensure_catalogue

        _ensure_catalogue()
    return ClubType.objects.get(code=code)


class ClubFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Club
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    term = factory.SubFactory(TermFactory)
    club_type = factory.LazyFunction(club_type)
    name = factory.Sequence(lambda n: f"社团{n}")
    venue = factory.LazyAttribute(lambda o: VenueFactory(school=o.school))
    capacity = 20
    grade_min = 1
    grade_max = 6
    status = ReviewStatus.APPROVED

    @factory.post_generation
    def teachers(self, create, extracted, **kwargs):
        if extracted:
            self.teachers.set(extracted)

    @factory.post_generation
    def slots(self, create, extracted, **kwargs):
        for weekday, start, end in extracted if extracted is not None else [(1, "16:00", "17:00")]:
            ClubSlot.objects.create(club=self, weekday=weekday, start=datetime.time.fromisoformat(start),
                                    end=datetime.time.fromisoformat(end))


class ChoiceWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChoiceWindow

    school = factory.SubFactory(SchoolFactory)
    term = factory.SubFactory(TermFactory)
    opens_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1))
