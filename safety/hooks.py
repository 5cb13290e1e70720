"""Safety plugged into the privacy registries (called from `SafetyConfig.ready()`): the incidents
involving a child in the guardian's data download (only the parts a guardian sees: never the
description, the staff, the severity or the other children), and a retention scrubber that takes
the child's name out of the incidents' free text (the rows stay: counts and history stay right)."""
from __future__ import annotations

from django.db.models import Value
from django.db.models.functions import Replace
from django.utils.translation import gettext_lazy as _

#: Free-text fields that may name a child, per model.
INCIDENT_TEXT = ("location_note", "description", "actions_taken", "guardian_message", "closing_summary")


def privacy_provider(student) -> dict:
    from .models import Incident

    incidents = Incident.objects.filter(children=student).select_related("school").order_by("occurred_at", "pk")
    return {
        "incidents": [
            {"school": i.school.name, "occurred_at": i.occurred_at, "type": i.get_type_display(),
             "status": i.get_status_display(), "message_to_guardians": i.guardian_message,
             "guardians_notified_at": i.guardians_notified_at}
            for i in incidents
        ],
    }


def privacy_scrubber(student) -> None:
    """Replace the child's name in the incidents' free text, follow-ups and guardian contacts
    (rows and their history). Runs before the retention task replaces the name."""
    from privacy.services import anonymous_name

    from .models import GuardianContact, Incident, IncidentFollowUp

    if not student.name:
        return
    name, anon = Value(student.name), Value(anonymous_name(student.pk))
    incident_ids = list(Incident.objects.filter(children=student).values_list("pk", flat=True))
    if not incident_ids:
        return

    def replace(qs, fields):
        for f in fields:
            qs.filter(**{f"{f}__contains": student.name}).update(**{f: Replace(f, name, anon)})

    replace(Incident.objects.filter(pk__in=incident_ids), INCIDENT_TEXT)
    replace(Incident.history.filter(id__in=incident_ids), INCIDENT_TEXT)
    replace(IncidentFollowUp.objects.filter(incident_id__in=incident_ids), ("text",))
    replace(IncidentFollowUp.history.filter(incident_id__in=incident_ids), ("text",))
    replace(GuardianContact.objects.filter(incident_id__in=incident_ids), ("note",))
    replace(GuardianContact.history.filter(incident_id__in=incident_ids), ("note",))
    # the shared incident list shows the descriptions: the name must not stay in a rendered page
    from shahe_afterschool import fragments

    from .selectors import LIST_SUBJECT

    fragments.changed(LIST_SUBJECT)


def register() -> None:
    from privacy.registry import register_provider, register_scrubber

    register_provider("safety", _("Safety incidents"), privacy_provider)
    register_scrubber("safety", privacy_scrubber)
