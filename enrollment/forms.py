import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import PICKUP_RELATIONS, WEEKDAY_LABELS, Application, PriorityGroup, ServiceGroup, Session

WEEKDAY_CHOICES = [(d, label) for d, label in WEEKDAY_LABELS.items()]
DEPARTURE_CHOICES = [("", "—")] + [(f"{h:02d}:{m:02d}", f"{h:02d}:{m:02d}") for h in (16, 17) for m in (0, 30)] + [
    ("18:00", "18:00")]


#: A phone field: the phone's number pad, and the browser may fill in a saved number.
PHONE_ATTRS = {"inputmode": "tel", "autocomplete": "tel"}
OTHER_RELATION = "other"
RELATION_CHOICES = [("", "—"), *PICKUP_RELATIONS, (OTHER_RELATION, pgettext_lazy("pickup relation", "Other"))]


def _relation(data: dict, *, choice: str, other: str, form: forms.Form) -> str:
    """The relation chosen, or the one typed for "other" (an error on the typed field if empty)."""
    value = data.get(choice) or ""
    if value == OTHER_RELATION:
        value = (data.get(other) or "").strip()
        if not value:
            form.add_error(other, _("Enter how the person is related to the child."))
    return value


class ApplicationForm(forms.Form):
    sessions = forms.MultipleChoiceField(label=pgettext_lazy("service", "Sessions"), choices=Session.choices,
                                         widget=forms.CheckboxSelectMultiple)
    weekdays = forms.TypedMultipleChoiceField(label=_("Days"), choices=WEEKDAY_CHOICES, coerce=int,
                                              widget=forms.CheckboxSelectMultiple, initial=[1, 2, 3, 4, 5])
    pickup_plan = forms.ChoiceField(label=_("Going home"), choices=Application.Pickup.choices,
                                    widget=forms.RadioSelect, initial=Application.Pickup.GUARDIAN)
    # The authorised pickup person, added in the same form (only with "picked up by an authorised person").
    pickup_name = forms.CharField(
        label=_("Authorised pickup person: name"), max_length=64, required=False,
        help_text=_("Only with “Picked up by an authorised person”: add the person here if nobody is on the "
                    "child's list yet, or to add one more."))
    pickup_relation = forms.ChoiceField(label=_("Authorised pickup person: relation to the child"),
                                        choices=RELATION_CHOICES, required=False)
    pickup_relation_other = forms.CharField(label=_("Other relation (when “Other” is chosen)"), max_length=32,
                                            required=False)
    pickup_phone = forms.CharField(label=_("Authorised pickup person: mobile phone"), max_length=20, required=False,
                                   widget=forms.TextInput(attrs=PHONE_ATTRS))
    departure_time = forms.ChoiceField(label=_("Departure time (flexible departure only)"),
                                       choices=DEPARTURE_CHOICES, required=False)
    priority_groups = forms.MultipleChoiceField(
        label=_("Priority groups (optional; the homeroom teacher verifies them)"), choices=PriorityGroup.choices,
        widget=forms.CheckboxSelectMultiple, required=False)
    priority_note = forms.CharField(label=_("Note for the homeroom teacher (optional)"), max_length=200,
                                    required=False)

    def __init__(self, *args, departure_times=None, has_pickup_persons: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_pickup_persons = has_pickup_persons
        if departure_times:  # the school's departure slots of the term (attendance.selectors.departure_choices)
            self.fields["departure_time"].choices = [("", "—")] + [
                (t.strftime("%H:%M"), t.strftime("%H:%M")) for t in departure_times]

    def clean_departure_time(self):
        value = self.cleaned_data.get("departure_time")
        return datetime.time.fromisoformat(value) if value else None

    def clean(self):
        data = super().clean()
        data["new_pickup_person"] = None
        if data.get("pickup_plan") != Application.Pickup.AUTHORISED:
            return data
        name, phone = (data.get("pickup_name") or "").strip(), (data.get("pickup_phone") or "").strip()
        if not (name or phone or data.get("pickup_relation")):
            if not self.has_pickup_persons:
                self.add_error("pickup_name", _("Enter the person who picks your child up: name, relation and "
                                                "mobile phone."))
            return data
        relation = _relation(data, choice="pickup_relation", other="pickup_relation_other", form=self)
        if not name:
            self.add_error("pickup_name", _("Enter the person's name."))
        if not data.get("pickup_relation"):
            self.add_error("pickup_relation", _("Enter how the person is related to the child."))
        if not phone:
            self.add_error("pickup_phone", _("Enter the person's mobile phone."))
        data["new_pickup_person"] = {"name": name, "relation": relation, "phone": phone}
        return data


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


class PickupPersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    relation = forms.ChoiceField(label=_("Relation to the child"), choices=RELATION_CHOICES)
    relation_other = forms.CharField(label=_("Other relation (when “Other” is chosen)"), max_length=32,
                                     required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, widget=forms.TextInput(attrs=PHONE_ATTRS))

    def clean(self):
        data = super().clean()
        if data.get("relation"):
            data["relation"] = _relation(data, choice="relation", other="relation_other", form=self)
        return data


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
    name = forms.CharField(label=pgettext_lazy("of a group, school or district", "Name"), max_length=64)
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
