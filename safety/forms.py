"""Forms of the safety pages. They parse input; the services validate the rules and give the
messages, so a page and the API say the same thing."""
from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import SCHOOL_ROLES
from schools.models import Venue
from shahe_afterschool.forms import ModelMultipleChoiceField

from .models import (
    HEADING_MAX_SCORE,
    SEVERITY_HELP,
    GuardianContact,
    IncidentType,
    InspectionHeading,
    PlanType,
    Severity,
)

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class IdListField(forms.Field):
    """A list of ids from checkboxes (`name=children` repeated); the service checks each one."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        return [str(v).strip() for v in value if str(v).strip()]


def severity_choices():
    return [(value, f"{label}: {SEVERITY_HELP[value]}") for value, label in Severity.choices]


def staff_of(school):
    User = get_user_model()
    return User.objects.filter(role_assignments__school=school, role_assignments__active=True,
                               role_assignments__role__in=SCHOOL_ROLES).distinct().order_by("name")


class IncidentQuickForm(forms.Form):
    """The tablet form: type, severity, where, what, children. Under a minute."""

    type = forms.ChoiceField(label=_("What kind"), choices=IncidentType.choices, widget=forms.RadioSelect)
    severity = forms.TypedChoiceField(
        label=_("How serious"), coerce=int, choices=severity_choices, initial=Severity.GENERAL,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose a severity from 1 (general) to 4 (critical).")},
    )
    occurred_at = forms.DateTimeField(label=_("When"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS)
    venue = forms.ModelChoiceField(label=_("Where"), queryset=Venue.objects.none(), required=False,
                                   error_messages={"invalid_choice": _("Unknown place: choose a venue of this school.")})
    location_note = forms.CharField(label=_("Where, in words"), max_length=128, required=False)
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}))
    children = IdListField(label=_("Children involved"), required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["venue"].queryset = Venue.objects.filter(school=school, active=True)
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))


class IncidentDetailsForm(forms.Form):
    """Details added later."""

    type = forms.ChoiceField(label=_("Type"), choices=IncidentType.choices, widget=forms.RadioSelect)
    severity = forms.TypedChoiceField(
        label=_("Severity"), coerce=int, choices=severity_choices, widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose a severity from 1 (general) to 4 (critical).")},
    )
    occurred_at = forms.DateTimeField(label=_("When it happened"), widget=DATETIME_INPUT,
                                      input_formats=DATETIME_FORMATS)
    venue = forms.ModelChoiceField(label=_("Where"), queryset=Venue.objects.none(), required=False)
    location_note = forms.CharField(label=_("Where, in words"), max_length=128, required=False)
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}))
    actions_taken = forms.CharField(label=_("Actions taken"), widget=forms.Textarea(attrs={"rows": 4}),
                                    required=False)
    staff = ModelMultipleChoiceField(label=_("Staff involved"), queryset=get_user_model().objects.none(),
                                           required=False, widget=forms.CheckboxSelectMultiple)
    children = IdListField(label=_("Children involved"), required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = Venue.objects.filter(school=school, active=True)
        self.fields["staff"].queryset = staff_of(school)


class FollowUpForm(forms.Form):
    text = forms.CharField(label=_("Follow-up"), widget=forms.Textarea(attrs={"rows": 3}))


class GuardianContactForm(forms.Form):
    guardian_name = forms.CharField(label=_("Who was told"), max_length=64)
    contacted_at = forms.DateTimeField(label=_("When"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS)
    method = forms.ChoiceField(label=_("How"), choices=GuardianContact.Method.choices)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class GuardianMessageForm(forms.Form):
    message = forms.CharField(label=_("Message to the guardians"), widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Sent through the portal to the guardians of the children involved."))


class TransitionForm(forms.Form):
    to = forms.CharField(widget=forms.HiddenInput)
    summary = forms.CharField(label=_("Closing summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class EmergencyPlanForm(forms.Form):
    plan_type = forms.ChoiceField(label=_("Type"), choices=PlanType.choices)
    text = forms.CharField(label=_("Plan"), widget=forms.Textarea(attrs={"rows": 10}))
    responsible = forms.ModelChoiceField(label=_("Responsible person"), queryset=get_user_model().objects.none(),
                                         required=False)
    last_reviewed_on = forms.DateField(label=_("Last reviewed on"), widget=DATE_INPUT)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = staff_of(school)


class DrillForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=None)
    held_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    participants = forms.IntegerField(label=_("Participants"), min_value=1, max_value=10000)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1, max_value=600)
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans


class InspectionForm(forms.Form):
    school = forms.ModelChoiceField(label=_("School"), queryset=None)
    inspected_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    inspectors = ModelMultipleChoiceField(label=_("Inspectors"), queryset=None, required=False,
                                                widget=forms.CheckboxSelectMultiple)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, schools, inspectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["inspectors"].queryset = inspectors
        for code, label in InspectionHeading.choices:
            self.fields[f"score_{code}"] = forms.IntegerField(
                label=_("%(heading)s: score (0–%(max)s)") % {"heading": label, "max": HEADING_MAX_SCORE},
                min_value=0, max_value=HEADING_MAX_SCORE)
            self.fields[f"findings_{code}"] = forms.CharField(
                label=_("%(heading)s: findings") % {"heading": label}, required=False,
                widget=forms.Textarea(attrs={"rows": 2}))


class RectificationItemForm(forms.Form):
    heading = forms.ChoiceField(label=_("Heading"), choices=InspectionHeading.choices)
    description = forms.CharField(label=_("What must be put right"), widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label=_("Deadline"), widget=DATE_INPUT)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False,
                                   help_text=_("Leave empty for the principal."))

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_of(school)


class ItemResponseForm(forms.Form):
    response = forms.CharField(label=_("What the school has done"), widget=forms.Textarea(attrs={"rows": 3}))


class ItemReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("accept", _("Accept")), ("reopen", _("Reopen"))])
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


#: The deadlines offered for a 督办 request (minutes); the API takes any from 5 minutes to 7 days.
FOLLOW_UP_DEADLINES = [
    (15, _("within 15 minutes")), (30, _("within 30 minutes")), (60, _("within 1 hour")),
    (120, _("within 2 hours")), (24 * 60, _("within 1 day")), (3 * 24 * 60, _("within 3 days")),
]


class FollowUpRequestForm(forms.Form):
    text = forms.CharField(label=_("What the school must report"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("For example: report where the child is now and who is searching."))
    due_in_minutes = forms.TypedChoiceField(label=_("Answer"), choices=FOLLOW_UP_DEADLINES, coerce=int, initial=30)


class FollowUpAnswerForm(forms.Form):
    text = forms.CharField(label=_("Your answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class FollowUpCloseForm(forms.Form):
    note = forms.CharField(label=_("Closing note"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
