"""Safety in the privacy registries: a child's incidents in the guardian's data download (only the
guardian-visible parts) and the retention scrubber for the child's name in the free text."""
import pytest
from django.utils import timezone

from privacy.selectors import child_data
from privacy.services import anonymous_name, student_anonymise
from safety import services
from safety.models import GuardianContact, Incident, IncidentFollowUp

from .factories import report

pytestmark = pytest.mark.django_db


def test_data_download_has_the_guardian_visible_parts_of_the_childs_incidents(world):
    incident = report(world, children=[world.child_a, world.child_a2],
                      description="李小红推了张小明", actions_taken="校医处理")
    services.incident_notify_guardians(incident=incident, user=world.principal, message="孩子膝盖擦伤，已处理")
    rows = child_data(student=world.child_a)["safety"]["data"]["incidents"]
    assert len(rows) == 1
    assert rows[0]["message_to_guardians"] == "孩子膝盖擦伤，已处理"
    text = str(rows)
    for hidden in ("李小红", "校医处理", "推了", world.homeroom.name, "severity"):
        assert hidden not in text
    assert child_data(student=world.child_b)["safety"]["data"]["incidents"] == []


def test_retention_takes_the_childs_name_out_of_incident_text_and_history(world):
    incident = report(world, children=[world.child_a, world.child_a2], description="张小明和李小红在操场摔倒")
    services.incident_add_follow_up(incident=incident, user=world.homeroom, text="张小明已回家休息")
    services.incident_record_guardian_contact(incident=incident, user=world.homeroom, guardian_name="张家长",
                                              contacted_at=timezone.now(), method="phone", note="告知张小明情况")
    assert student_anonymise(student=world.child_a, left_at=timezone.now())
    anon = anonymous_name(world.child_a.pk)
    incident.refresh_from_db()
    assert incident.description == f"{anon}和李小红在操场摔倒"  # the other child is not touched
    assert not Incident.history.filter(description__contains="张小明").exists()
    assert IncidentFollowUp.objects.get(incident=incident).text == f"{anon}已回家休息"
    assert not IncidentFollowUp.history.filter(text__contains="张小明").exists()
    assert GuardianContact.objects.get(incident=incident).note == f"告知{anon}情况"
    assert incident.children.count() == 2  # the rows stay
