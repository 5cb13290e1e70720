"""The demo's story (issue 4, "Done means"), through the pages with the demo accounts."""
import pytest
from django.test import Client

from enrollment.models import Application
from notices.models import Notification
from schools.models import Student

pytestmark = pytest.mark.django_db
PASSWORD = "shahe-demo-2026"


def signed_in(username):
    client = Client()
    assert client.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_demo_parent1_applies_homeroom1_approves_moral1_allocates_and_a_withdrawal_promotes(
        demo_seeded, django_capture_on_commit_callbacks):
    child1 = Student.objects.get(guardianships__guardian__username="parent1")
    child2 = Student.objects.get(guardianships__guardian__username="parent2")
    assert not Application.objects.filter(student=child1).exists()
    assert Application.objects.get(student=child2).status == "placed"
    pending = Application.objects.filter(student__homeroom_class=child1.homeroom_class, status="submitted")
    assert pending.count() >= 5

    parent1 = signed_in("parent1")
    page = parent1.get("/", follow=True)
    assert page.redirect_chain[-1][0] == "/enrollment/"
    letter_url = next(line for line in page.content.decode().splitlines() if "read-letter" in line)
    letter_path = letter_url.split('href="')[1].split('"')[0].replace("&amp;", "&")
    assert parent1.post(letter_path).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = parent1.post(f"/enrollment/apply/{child1.pk}/", {
            "sessions": ["after_school"], "weekdays": ["1", "2", "3", "4", "5"], "pickup_plan": "guardian"})
    assert response.status_code == 302
    app1 = Application.objects.get(student=child1)

    homeroom1 = signed_in("homeroom1")
    assert child1.name in homeroom1.get("/enrollment/queue/").content.decode()
    for app in Application.objects.filter(student__homeroom_class=child1.homeroom_class, status="submitted"):
        homeroom1.post(f"/enrollment/applications/{app.pk}/review/", {"decision": "approve"})

    moral1 = signed_in("moral1")
    with django_capture_on_commit_callbacks(execute=True):
        assert moral1.post("/enrollment/allocate/").status_code == 302
    app1.refresh_from_db()
    assert app1.status in ("placed", "waitlisted")
    page = parent1.get("/enrollment/").content.decode()
    assert app1.get_status_display() in page and 'data-testid="explanation"' in page
    if app1.status == "waitlisted":
        assert app1.waitlist_position >= 1

    first_waiting = Application.objects.filter(status="waitlisted", school=app1.school).order_by(
        "waitlist_position").first()
    assert first_waiting is not None
    parent2 = signed_in("parent2")
    with django_capture_on_commit_callbacks(execute=True):
        parent2.post(f"/enrollment/applications/{Application.objects.get(student=child2).pk}/withdraw/")
    first_waiting.refresh_from_db()
    assert first_waiting.status == "placed"
    guardian = first_waiting.student.guardianships.get().guardian
    assert Notification.objects.filter(recipient=guardian, kind="enrollment.promoted").exists()
