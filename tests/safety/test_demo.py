"""The issue's "done means", on the demo city: teacher1 logs a minor injury in one short form, the
demo's missing child is on bureau's escalation list, bureau records an inspection with items,
principal1 responds to them."""
import pytest
from django.test import Client
from django.utils import timezone

from safety.models import Drill, EmergencyPlan, Incident, Inspection, RectificationItem
from schools.models import School, Student, Venue

pytestmark = pytest.mark.django_db


def sign_in(username):
    client = Client()
    assert client.post("/accounts/login/", {"username": username, "password": "shahe-demo-2026"}).status_code == 302
    return client


def test_demo_accounts_can_do_what_the_issue_asks(demo_seeded):
    s001 = School.objects.get(code="S001")
    assert EmergencyPlan.objects.filter(school=s001).count() == 7 and Drill.objects.filter(school=s001).exists()
    missing = Incident.objects.get(school=s001, type="missing_child")
    assert missing.escalated_at is not None

    # teacher1: the short form, one POST.
    teacher = sign_in("teacher1")
    assert teacher.get("/safety/incidents/new/").status_code == 200
    child = Student.objects.filter(school=s001).first()
    r = teacher.post("/safety/incidents/new/", {
        "type": "injury", "severity": "1", "venue": str(Venue.objects.get(school=s001, name="操场").pk),
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "description": "摔倒擦伤",
        "children": [str(child.pk)]})
    assert r.status_code == 302
    logged = Incident.objects.get(description="摔倒擦伤")
    assert logged.escalated_at is None

    # bureau: the missing child is on the escalation list; the minor injury is not.
    bureau = sign_in("bureau")
    body = bureau.get("/safety/escalations/").content.decode()
    assert f"/safety/incidents/{missing.pk}/" in body and f"/safety/incidents/{logged.pk}/" not in body

    # bureau: the demo's inspection of S001 has items for principal1 (and bureau can add one).
    inspection = Inspection.objects.get(school=s001)
    assert inspection.items.count() == 3
    r = bureau.post(f"/safety/inspections/{inspection.pk}/", {
        "heading": "content", "description": "增加科技类社团", "deadline": timezone.localdate().isoformat()})
    assert r.status_code == 302

    # principal1 responds to each item.
    principal = sign_in("principal1")
    assert "清理体育馆应急通道杂物" in principal.get("/safety/school/").content.decode()
    for item in inspection.items.all():
        principal.post(f"/safety/items/{item.pk}/respond/", {"response": "已整改完毕"})
    assert set(RectificationItem.objects.filter(inspection=inspection).values_list("status", flat=True)) == {
        "responded"}
