import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import WEEKDAY_LABELS, Application, PriorityGroup, ServiceGroup, Session

WEEKDAY_CHOICES = [(d, label) for d, label in WEEKDAY_LABELS.items()]
DEPARTURE_CHOICES = [("", "—")] + [(f"{h:02d}:{m:02d}", f"{h:02d}:{m:02d}") for h in (16, 17) for m in (0, 30)] + [
    ("18:00", "18:00")]


class ApplicationForm(forms.Form):
    sessions = forms.MultipleChoiceField(label=_("Sessions"), choices=Session.choices,
                                         widget=forms.CheckboxSelectMultiple)
    weekdays = forms.TypedMultipleChoiceField(label=_("Days"), choices=WEEKDAY_CHOICES, coerce=int,
                                              widget=forms.CheckboxSelectMultiple, initial=[1, 2, 3, 4, 5])
    pickup_plan = forms.ChoiceField(label=_("Going home"), choices=Application.Pickup.choices,
                                    widget=forms.RadioSelect, initial=Application.Pickup.GUARDIAN)
    departure_time = forms.ChoiceField(label=_("Departure time (flexible departure only)"),
                                       choices=DEPARTURE_CHOICES, required=False)
    priority_groups = forms.MultipleChoiceField(
        label=_("Priority groups (optional; the homeroom teacher verifies them)"), choices=PriorityGroup.choices,
        widget=forms.CheckboxSelectMultiple, required=False)
    priority_note = forms.CharField(label=_("Note for the homeroom teacher (optional)"), max_length=200,
                                    required=False)

    def __init__(self, *args, departure_times=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departure_times:  # the school's departure slots of the term (attendance.selectors.departure_choices)
            self.fields["departure_time"].choices = [("", "—")] + [
                (t.strftime("%H:%M"), t.strftime("%H:%M")) for t in departure_times]

    def clean_departure_time(self):
        value = self.cleaned_data.get("departure_time")
        return datetime.time.fromisoformat(value) if value else None


_UNBOUND_HTML: dict[tuple[type, str], str] = {}


def unbound_form_html(form_class, **kwargs) -> str:
    """The crispy rendering of an unbound form: the same for every user (its labels, choices and
    initial values are in the code; the CSRF token is outside it), so it is rendered once per
    process, language and keyword arguments (e.g. a school's departure times, hashable values).
    A bound form (with the user's data or errors) is rendered each time."""
    from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
    from django.utils.safestring import mark_safe
    from django.utils.translation import get_language

    key = (form_class, get_language(), tuple(sorted((k, tuple(v) if isinstance(v, list) else v)
                                                    for k, v in kwargs.items())))
    html = _UNBOUND_HTML.get(key)
    if html is None:
        html = _UNBOUND_HTML[key] = str(as_crispy_form(form_class(**kwargs)))
    return mark_safe(html)  # noqa: S308 - rendered by crispy from the form class, no user data


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason the parent will see"), max_length=255)


class PickupPersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    relation = forms.CharField(label=_("Relation to the child"), max_length=32)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)


class GroupForm(forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(label=_("Days"), choices=WEEKDAY_CHOICES, coerce=int,
                                              widget=forms.CheckboxSelectMultiple, initial=[1, 2, 3, 4, 5])

    class Meta:
        model = ServiceGroup
        fields = ["name", "session", "grade_from", "grade_to", "weekdays", "capacity", "venue"]

    def __init__(self, *args, venues=None, **kwargs):
        super().__init__(*args, **kwargs)
        if venues is not None:
            self.fields["venue"].queryset = venues


class GroupEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    capacity = forms.IntegerField(label=_("Capacity (head-count)"), min_value=1, max_value=1000)
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=None, required=False)

    def __init__(self, *args, venues=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = venues


class TeacherForm(forms.Form):
    teacher = forms.ModelChoiceField(label=_("Teacher"), queryset=None, required=False)

    def __init__(self, *args, teachers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = teachers


class MoveForm(forms.Form):
    to_group = forms.ModelChoiceField(label=_("Move to"), queryset=None)
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def __init__(self, *args, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_group"].queryset = groups


class LetterForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    service_scope = forms.CharField(label=_("Who and what the service covers"), widget=forms.Textarea(attrs={"rows": 3}))
    times = forms.CharField(label=_("Service times"), widget=forms.Textarea(attrs={"rows": 3}))
    content = forms.CharField(label=_("Content of the service"), widget=forms.Textarea(attrs={"rows": 3}))
    safety_measures = forms.CharField(label=_("Safety measures"), widget=forms.Textarea(attrs={"rows": 3}))
