from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

#: Labels for the keys the providers use in a child's data download.
LABELS = {
    "student": _("Student"), "guardians": _("Guardians"), "id": _("ID"), "student_number": _("Student number"),
    "name": _("Name"), "gender": _("Gender"), "birth_date": _("Birth date"), "status": _("Status"),
    "school": _("School"), "class": _("Class"), "health_notes": _("Health notes"), "phone": _("Mobile phone"),
    "relation": _("Relation"), "may_pick_up": _("May pick up"), "active": _("Active"),
    "access_log": _("Who read or changed the data"), "at": _("When"), "by": _("By"), "action": _("Action"),
    "what": _("What"), "notices": _("Messages naming the child"), "title": _("Title"), "message": _("Message"),
    "read_at": _("Read at"), "consents": _("Consents"), "guardian": _("Guardian"),
    "notice_version": _("Notice version"), "decision": _("Decision"),
    "correction_requests": _("Correction requests"), "request": _("Request"), "done_at": _("Done at"),
    "response": _("Response"),
}


@register.filter
def field_label(key):
    return LABELS.get(key, str(key).replace("_", " "))


@register.filter
def is_list(value):
    return isinstance(value, list | tuple)


@register.filter
def is_dict(value):
    return isinstance(value, dict)
