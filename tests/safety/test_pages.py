"""The pages of each role, used the way people use them."""
import datetime
import io

import pytest
from django.utils import timezone

from notices.models import Notification
from safety import selectors, services
from safety.models import Drill, EmergencyPlan, Incident, Inspection, RectificationItem

from .factories import add_item, inspect, report

pytestmark = pytest.mark.django_db


def test_tablet_form_shows_what_each_severity_means(safety, login_as):
    body = login_as(safety.teacher_a).get("/safety/incidents/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "the principal and the bureau are told at once" in body
    assert "safety/children.js" in body and "style=" not in body
    assert 'type="datetime-local"' in body


def test_teacher_logs_a_minor_injury_from_the_short_form(safety, login_as, django_capture_on_commit_callbacks):
    client = login_as(safety.teacher_a)
    found = client.get(f"/safety/students/search/?school={safety.school_a.pk}&q=张", HTTP_HX_REQUEST="true")
    assert safety.child_a.name in found.content.decode() and "<html" not in found.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/safety/incidents/new/", {
            "type": "injury", "severity": "1", "venue": str(safety.venue_a.pk),
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "description": "跑步摔倒，膝盖擦伤",
            "children": [str(safety.child_a.pk)],
        })
    incident = Incident.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/safety/incidents/{incident.pk}/"
    assert incident.reported_by == safety.teacher_a and list(incident.children.all()) == [safety.child_a]
    assert incident.escalated_at is None and not Notification.objects.exists()
    assert "跑步摔倒" in client.get("/safety/").content.decode()


def test_student_search_is_only_for_staff_of_the_school(safety, login_as):
    assert login_as(safety.teacher_b).get(f"/safety/students/search/?school={safety.school_a.pk}&q=张"
                                       ).status_code == 404
    assert login_as(safety.parent_a).get("/safety/students/search/?q=张").status_code == 403
    body = login_as(safety.teacher_b).get("/safety/students/search/?q=张").content.decode()
    assert safety.child_a.name not in body


def test_details_added_later_and_raising_severity_escalates(safety, login_as, django_capture_on_commit_callbacks):
    incident = report(safety)
    client = login_as(safety.homeroom)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/safety/incidents/{incident.pk}/edit/", {
            "type": "injury", "severity": "2", "occurred_at": timezone.localtime(incident.occurred_at)
            .strftime("%Y-%m-%dT%H:%M"), "venue": str(safety.venue_a.pk), "description": "摔倒后手腕肿痛",
            "actions_taken": "送医拍片", "staff": [str(safety.homeroom.pk)],
            "children": [str(safety.child_a.pk), str(safety.child_a2.pk)],
        }, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "has been escalated" in r.content.decode()
    incident.refresh_from_db()
    assert incident.escalated_at and incident.actions_taken == "送医拍片"
    assert set(incident.children.all()) == {safety.child_a, safety.child_a2}
    assert Notification.objects.filter(kind="safety.incident_escalated").count() == 2


def test_follow_ups_guardian_contacts_and_messages_from_the_detail_page(safety, login_as,
                                                                       django_capture_on_commit_callbacks):
    incident = report(safety)
    client = login_as(safety.homeroom)
    client.post(f"/safety/incidents/{incident.pk}/follow-up/", {"text": "医院复查无碍"})
    client.post(f"/safety/incidents/{incident.pk}/guardian-contact/", {
        "guardian_name": "张家长", "contacted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "method": "phone"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/safety/incidents/{incident.pk}/notify-guardians/", {"message": "孩子已无碍，请放心"})
    body = client.get(f"/safety/incidents/{incident.pk}/").content.decode()
    assert "医院复查无碍" in body and "张家长" in body
    assert incident.guardian_contacts.count() == 2
    assert Notification.objects.get(kind="safety.incident_guardian").recipient == safety.parent_a
    guardian_page = login_as(safety.parent_a).get(f"/safety/incidents/{incident.pk}/").content.decode()
    assert "孩子已无碍，请放心" in guardian_page and "医院复查无碍" not in guardian_page


def test_empty_follow_up_is_refused_with_a_message(safety, login_as):
    incident = report(safety)
    r = login_as(safety.homeroom).post(f"/safety/incidents/{incident.pk}/follow-up/", {"text": ""}, follow=True,
                                    HTTP_ACCEPT_LANGUAGE="en")
    assert "This field is required" in r.content.decode()
    assert not incident.follow_ups.exists()


def test_principal_reviews_and_closes_from_the_page(safety, login_as):
    incident = report(safety)
    teacher_view = login_as(safety.homeroom).get(f"/safety/incidents/{incident.pk}/").content.decode()
    assert "/transition/" not in teacher_view
    client = login_as(safety.principal)
    client.post(f"/safety/incidents/{incident.pk}/transition/", {"to": "reviewing"})
    r = client.post(f"/safety/incidents/{incident.pk}/transition/", {"to": "closed", "summary": ""}, follow=True,
                    HTTP_ACCEPT_LANGUAGE="en")
    assert "Write a closing summary" in r.content.decode()
    client.post(f"/safety/incidents/{incident.pk}/transition/", {"to": "closed", "summary": "已处理完毕"})
    incident.refresh_from_db()
    assert incident.status == "closed" and incident.closing_summary == "已处理完毕"
    r = client.post(f"/safety/incidents/{incident.pk}/transition/", {"to": "open"}, follow=True,
                    HTTP_ACCEPT_LANGUAGE="en")
    assert "cannot become" in r.content.decode()


def test_principals_view_shows_open_incidents_items_and_flags(safety, login_as):
    report(safety, description="走廊滑倒")
    add_item(safety, inspect(safety))
    body = login_as(safety.principal).get("/safety/school/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "走廊滑倒" in body and "清理应急通道" in body and "No drill has been held this term" in body
    assert login_as(safety.teacher_a).get("/safety/school/").status_code == 403


def test_plans_and_drills_through_the_pages(safety, login_as):
    client = login_as(safety.principal)
    today = timezone.localdate()
    r = client.post(f"/safety/plans/new/?school={safety.school_a.pk}", {
        "plan_type": "fire", "text": "报警、疏散、清点", "responsible": str(safety.principal.pk),
        "last_reviewed_on": today.isoformat()})
    assert r.status_code == 302
    plan = EmergencyPlan.objects.get()
    r = client.post(f"/safety/drills/new/?school={safety.school_a.pk}", {
        "plan": str(plan.pk), "held_on": today.isoformat(), "participants": "300", "duration_minutes": "20",
        "findings": "疏散顺利"})
    assert r.status_code == 302 and Drill.objects.get().findings == "疏散顺利"
    r = client.post(f"/safety/drills/new/?school={safety.school_a.pk}", {
        "plan": str(plan.pk), "held_on": (today + datetime.timedelta(days=3)).isoformat(), "participants": "300",
        "duration_minutes": "20"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "cannot be recorded before it is held" in r.content.decode() and Drill.objects.count() == 1
    body = client.get("/safety/plans/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "报警、疏散、清点" in body and "No drill has been held this term" not in body
    assert login_as(safety.teacher_a).post(f"/safety/plans/{plan.pk}/edit/", {"text": "x"}).status_code == 403
    assert login_as(safety.teacher_b).get(f"/safety/plans/{plan.pk}/edit/").status_code == 404


def test_safety_flags_unreviewed_plan_and_no_drill_this_term(safety):
    today = timezone.localdate()
    old = services.emergency_plan_save(user=safety.principal, school=safety.school_a, plan_type="fire",
                                       text="旧预案", last_reviewed_on=today - datetime.timedelta(days=366))
    services.emergency_plan_save(user=safety.principal, school=safety.school_a, plan_type="earthquake",
                                 text="新预案", last_reviewed_on=today - datetime.timedelta(days=300))
    flags = selectors.safety_flags(school_ids=[safety.school_a.pk, safety.school_b.pk], today=today)
    assert flags[safety.school_a.pk].unreviewed_plans == [old]
    assert flags[safety.school_a.pk].no_drill_this_term and flags[safety.school_b.pk].no_drill_this_term
    assert len(flags[safety.school_a.pk].missing_plans) == 5
    term_start = safety.term.start_date
    services.drill_record(user=safety.principal, plan=old, held_on=term_start - datetime.timedelta(days=5),
                          participants=50, duration_minutes=15)
    assert selectors.safety_flags(school_ids=[safety.school_a.pk], today=today)[safety.school_a.pk]\
        .no_drill_this_term  # a drill last term does not count
    services.drill_record(user=safety.principal, plan=old, held_on=min(today, safety.term.end_date),
                          participants=50, duration_minutes=15)
    flags = selectors.safety_flags(school_ids=[safety.school_a.pk], today=today)[safety.school_a.pk]
    assert flags.no_drill_this_term is (today < term_start)


def test_bureau_records_an_inspection_and_the_principal_responds(safety, login_as, django_capture_on_commit_callbacks):
    bureau = login_as(safety.bureau)
    today = timezone.localdate()
    data = {"school": str(safety.school_a.pk), "inspected_on": today.isoformat(),
            "inspectors": [str(safety.bureau.pk)], "summary": "总体良好"}
    for code, score in (("organisation", 22), ("staffing", 20), ("content", 23), ("safety", 18)):
        data[f"score_{code}"] = str(score)
        data[f"findings_{code}"] = f"{code} 检查发现"
    r = bureau.post("/safety/inspections/new/", data)
    inspection = Inspection.objects.get()
    assert r.status_code == 302 and inspection.total_score == 83
    with django_capture_on_commit_callbacks(execute=True):
        bureau.post(f"/safety/inspections/{inspection.pk}/", {
            "heading": "safety", "description": "增设消防器材", "deadline": (today + datetime.timedelta(days=7))
            .isoformat()})
    item = RectificationItem.objects.get()
    assert item.owner == safety.principal
    assert Notification.objects.filter(kind="safety.rectification", recipient=safety.principal).exists()
    principal = login_as(safety.principal)
    assert principal.post(f"/safety/inspections/{inspection.pk}/", {"heading": "safety"}).status_code == 403
    page = principal.get(f"/safety/inspections/{inspection.pk}/").content.decode()
    assert f"/safety/items/{item.pk}/respond/" in page
    principal.post(f"/safety/items/{item.pk}/respond/", {"response": "已购置灭火器"})
    item.refresh_from_db()
    assert item.status == "responded"
    login_as(safety.bureau).post(f"/safety/items/{item.pk}/review/", {"decision": "accept", "note": ""})
    item.refresh_from_db()
    assert item.status == "accepted"


def test_inspection_form_refuses_bad_scores_and_non_bureau(safety, login_as):
    data = {"school": str(safety.school_a.pk), "inspected_on": timezone.localdate().isoformat(),
            "score_organisation": "30", "score_staffing": "-1", "score_content": "x", "score_safety": "10"}
    r = login_as(safety.bureau).post("/safety/inspections/new/", data)
    assert r.status_code == 200 and not Inspection.objects.exists()
    assert login_as(safety.principal).get("/safety/inspections/new/").status_code == 403


def test_overdue_items_are_flagged_on_the_bureaus_inspection_list(safety, login_as):
    add_item(safety, inspect(safety, days_ago=30), deadline_days=-3)
    body = login_as(safety.bureau).get("/safety/inspections/").content.decode()
    assert 'data-testid="overdue-items"' in body and "清理应急通道" in body


def test_bureau_export_has_escalated_incidents_and_counts_only_of_the_rest(safety, login_as):
    report(safety, description="普通擦伤")
    report(safety, type="missing_child", description="学生走失")
    client = login_as(safety.bureau)
    csv = client.get("/safety/incidents/export/?format=csv").content.decode("utf-8")
    assert csv.startswith("\ufeff") and "学生走失" in csv and "普通擦伤" not in csv
    from openpyxl import load_workbook

    r = client.get("/safety/incidents/export/?format=xlsx")
    book = load_workbook(io.BytesIO(r.content))
    rows = list(book.worksheets[0].values)
    assert len(rows) == 2 and "学生走失" in rows[1]
    counts = dict(list(book.worksheets[1].values)[1:])
    assert sum(v for k, v in counts.items() if k in ("一般", "较大", "重大", "特别重大")) == 2


def test_incident_export_headers_are_translated_and_numbers_are_numbers(safety, login_as):
    """Issue 21: the incident XLSX had an untranslated header "number"; every header is Chinese now,
    the incident's number and the count of children are numeric cells."""
    import re

    from openpyxl import load_workbook

    report(safety, type="missing_child", description="学生走失")
    client = login_as(safety.bureau)
    book = load_workbook(io.BytesIO(client.get("/safety/incidents/export/?format=xlsx").content))
    header, row = list(book.worksheets[0].values)[:2]
    assert header[0] == "编号" and not [h for h in header if re.search(r"[A-Za-z]", h)]
    assert isinstance(row[0], int) and isinstance(row[header.index("涉及学生")], int)
    csv = client.get("/safety/incidents/export/?format=csv").content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("编号,学校,学区")


def test_history_is_kept_and_nothing_is_deleted_through_the_api(safety, api):
    incident = report(safety)
    services.incident_update(incident=incident, user=safety.principal, actions_taken="冰敷")
    assert incident.history.count() >= 2
    client = api.as_user(safety.principal)
    assert client.delete(f"/api/v1/incidents/{incident.pk}/").status_code == 405
    assert client.patch(f"/api/v1/incidents/{incident.pk}/", {"status": "closed"}, format="json").status_code == 405
    assert Incident.objects.filter(pk=incident.pk, status="open").exists()


def test_incident_endpoints_are_in_the_openapi_schema(safety, login_as):
    body = login_as(safety.principal).get("/api/schema/").content.decode()
    assert "/api/v1/incidents/" in body and "/api/v1/incidents/{id}/transition/" in body


def test_incident_list_pages_keep_the_filter(safety, login_as):
    for i in range(51):
        report(safety, minutes_ago=i + 1)
    body = login_as(safety.principal).get("/safety/?status=open").content.decode()
    assert "?status=open&amp;page=2" in body
