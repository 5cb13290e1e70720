from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from shahe_afterschool.forms import ModelMultipleChoiceField

from .models import Club, ClubType, ServicePlan, Weekday


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class ServicePlanForm(forms.ModelForm):
    school_days = forms.TypedMultipleChoiceField(
        label=_("School days"), choices=Weekday.choices, coerce=int, widget=forms.CheckboxSelectMultiple,
        initial=[1, 2, 3, 4, 5])

    class Meta:
        model = ServicePlan
        fields = ["school_days", "winter_noon_start", "winter_noon_end", "winter_after_start", "winter_after_end",
                  "summer_noon_start", "summer_noon_end", "summer_after_start", "summer_after_end",
                  "homework_groups", "notes"]
        widgets = {name: TimeInput() for name in fields if name.endswith(("_start", "_end"))} | {
            "notes": forms.Textarea(attrs={"rows": 3})}


class ClubForm(forms.ModelForm):
    teachers = ModelMultipleChoiceField(label=_("Teachers"), queryset=get_user_model().objects.none(),
                                              required=False, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Club
        fields = ["club_type", "name", "teachers", "external_instructor", "venue", "capacity", "grade_min",
                  "grade_max", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, school, teachers, venues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["club_type"].queryset = ClubType.objects.filter(active=True).select_related("category")
        self.fields["club_type"].label_from_instance = lambda t: f"{t.category.name} · {t.name}"
        self.fields["teachers"].queryset = get_user_model().objects.filter(pk__in=[t.pk for t in teachers])
        self.fields["venue"].queryset = venues
        self.school = school

    def clean(self):
        data = super().clean()
        low, high = data.get("grade_min"), data.get("grade_max")
        if low and high and low > high:
            self.add_error("grade_max", _("The highest grade must not be below the lowest grade."))
        return data


class SlotForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=[("", "—"), *Weekday.choices], coerce=int,
                                     required=False, empty_value=None)
    start = forms.TimeField(label=_("Start"), required=False, widget=TimeInput())
    end = forms.TimeField(label=_("End"), required=False, widget=TimeInput())

    def clean(self):
        data = super().clean()
        filled = [data.get("weekday"), data.get("start"), data.get("end")]
        if any(v is not None for v in filled) and not all(v is not None for v in filled):
            raise forms.ValidationError(_("Give the weekday, the start and the end of the slot."))
        if all(v is not None for v in filled) and data["end"] <= data["start"]:
            raise forms.ValidationError(_("A slot must end after it starts."))
        return data


SlotFormSet = forms.formset_factory(SlotForm, extra=0, min_num=3, max_num=7)


class ReturnForm(forms.Form):
    comment = forms.CharField(label=_("What must change"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ChoiceWindowForm(forms.Form):
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    closes_at = forms.DateTimeField(label=_("Closes at"),
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def clean(self):
        data = super().clean()
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("The choice window must close after it opens."))
        return data


class ClubTypeForm(forms.ModelForm):
    class Meta:
        model = ClubType
        fields = ["category", "code", "name_zh", "name_en"]
