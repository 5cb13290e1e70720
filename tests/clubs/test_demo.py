"""The demo does what the issue's "Done means" says."""
import datetime

import pytest
from django.utils import timezone

from clubs import selectors
from clubs.models import ChoiceWindow, Club, ClubChoice, ReviewStatus, ServicePlan
from schools.models import School, Student

pytestmark = pytest.mark.django_db
PASSWORD = "shahe-demo-2026"


@pytest.fixture
def demo(demo_seeded, client):
    def as_user(username):
        client.logout()
        assert client.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code == 302
        return client

    return as_user


def test_demo_end_to_end(demo):
    s001 = School.objects.get(code="S001")
    for school in School.objects.all():
        assert ServicePlan.objects.filter(school=school, status=ReviewStatus.APPROVED).exists()
        clubs = Club.objects.filter(school=school)
        assert clubs.count() >= 8
        assert clubs.values("club_type__category").distinct().count() == 5
        assert selectors.clash_list(term=clubs.first().term, school_ids=[school.pk]) == []
    assert Club.objects.filter(school=s001).count() >= 12

    # principal1 approves the submitted club plan
    client = demo("principal1")
    submitted = Club.objects.get(school=s001, status=ReviewStatus.SUBMITTED)
    assert client.post(f"/clubs/{submitted.pk}/approve/").status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ReviewStatus.APPROVED

    # principal1 sees the draft plan that breaks the rules, with its reasons, and it is refused
    draft = ServicePlan.objects.get(school=s001, status=ReviewStatus.DRAFT)
    body = client.get(f"/clubs/plans/{draft.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "may not start before 13:00" in body and "must end by 18:00" in body
    client.post(f"/clubs/plans/{draft.pk}/submit/")
    draft.refresh_from_db()
    assert draft.status == ReviewStatus.DRAFT

    # parent1 ranks clubs
    client = demo("parent1")
    assert client.get("/clubs/menu/").status_code == 200
    child = Student.objects.filter(guardianships__guardian__username="parent1").first()
    open_clubs = [c for c in Club.objects.filter(school=s001, status=ReviewStatus.APPROVED).order_by("pk")
                  if c.open_to_grade(child.homeroom_class.grade.number)]
    for rank, club in enumerate(open_clubs[:3], start=1):
        client.post("/clubs/menu/choose/", {"student": child.pk, "club": club.pk, "rank": rank})
    assert ClubChoice.objects.filter(student=child, status="pending").count() == 3

    # the teaching office closes the window and allocates; parent1 sees the result
    window = ChoiceWindow.objects.get(school=s001)
    window.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    window.save()
    client = demo("academic1")
    assert client.post("/clubs/window/allocate/", {"school": s001.pk}).status_code == 302
    assert not ClubChoice.objects.filter(student=child, status="pending").exists()
    body = demo("parent1").get("/clubs/menu/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Granted as choice" in body or "waitlist" in body

    # the teaching office: clash-free timetable, teacher hours export
    client = demo("academic1")
    assert client.get(f"/clubs/clashes/?school={s001.pk}", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    assert selectors.clash_list(term=window.term, school_ids=[s001.pk]) == []
    export = client.get(f"/clubs/hours/?school={s001.pk}&format=xlsx")
    assert export.status_code == 200 and len(export.content) > 1000


@pytest.mark.parametrize("username", ["academic1", "principal1", "teacher1", "district1", "bureau"])
def test_demo_staff_pages_render(demo, username):
    from schools.models import Venue

    s001 = School.objects.get(code="S101" if username == "district1" else "S001")  # district1: 桥东学区
    client = demo(username)
    club = Club.objects.filter(school=s001).first()
    teacher = club.teachers.first()
    venue = Venue.objects.filter(school=s001).first()
    pages = [f"/clubs/?school={s001.pk}", f"/clubs/{club.pk}/", f"/clubs/plans/?school={s001.pk}",
             f"/clubs/timetable/?school={s001.pk}", f"/clubs/timetable/teacher/{teacher.pk}/?school={s001.pk}",
             f"/clubs/timetable/venue/{venue.pk}/"]
    for page in pages:
        for lang in ("zh-hans", "en"):
            assert client.get(page, HTTP_ACCEPT_LANGUAGE=lang).status_code == 200, (username, page)
    if username in ("academic1", "principal1"):
        for page in (f"/clubs/window/?school={s001.pk}", f"/clubs/hours/?school={s001.pk}",
                     f"/clubs/clashes/?school={s001.pk}", f"/clubs/{club.pk}/edit/",
                     f"/clubs/new/?school={s001.pk}", f"/clubs/plans/new/?school={s001.pk}"):
            assert client.get(page).status_code in (200, 302), (username, page)
