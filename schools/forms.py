from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role

from .imports import ASSIGNABLE_ROLES
from .models import HomeroomClass, Term, Venue
from .spreadsheets import MAX_UPLOAD_BYTES


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx or .csv, at most 5 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    create_classes = forms.BooleanField(
        label=_("Create classes that do not exist yet (names like 三年级（2）班)"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB. Split it into several files."))
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
        return upload


class StaffCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    username = forms.CharField(label=_("Username (leave empty to use the phone number)"), max_length=150,
                               required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=[(r.value, r.label) for r in ASSIGNABLE_ROLES],
        widget=forms.CheckboxSelectMultiple, initial=[Role.TEACHER],
    )
    homeroom_class = forms.ModelChoiceField(label=_("Class led as homeroom teacher"), queryset=HomeroomClass.objects.none(),
                                            required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["homeroom_class"].queryset = HomeroomClass.objects.filter(school=school, active=True).select_related(
            "grade")

    def clean(self):
        data = super().clean()
        if Role.HOMEROOM in data.get("roles", []) and not data.get("homeroom_class"):
            self.add_error("homeroom_class", _("Choose the class the homeroom teacher leads."))
        return data


class RoleAddForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in ASSIGNABLE_ROLES])
    homeroom_class = forms.ModelChoiceField(label=_("Class (for a homeroom teacher)"),
                                            queryset=HomeroomClass.objects.none(), required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["homeroom_class"].queryset = HomeroomClass.objects.filter(school=school, active=True).select_related(
            "grade")


class VenueForm(forms.ModelForm):
    class Meta:
        model = Venue
        fields = ["name", "kind", "capacity", "active"]


class TermForm(forms.ModelForm):
    class Meta:
        model = Term
        fields = ["name", "start_date", "end_date", "summer_timetable_from", "winter_timetable_from",
                  "noon_start_winter", "noon_start_summer", "latest_end", "min_daily_minutes"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summer_timetable_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "winter_timetable_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "noon_start_winter": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "noon_start_summer": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "latest_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


class GuardianAddForm(forms.Form):
    student = forms.ModelChoiceField(label=_("Student"), queryset=None)
    name = forms.CharField(label=_("Guardian's name"), max_length=64)
    relation = forms.ChoiceField(label=_("Relation"), choices=[])
    phone = forms.CharField(label=_("Mobile phone"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))

    def __init__(self, *args, klass, **kwargs):
        from .models import Guardianship, Student

        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = Student.objects.filter(homeroom_class=klass,
                                                                 status=Student.Status.ENROLLED)
        self.fields["relation"].choices = Guardianship.Relation.choices


class CalendarDayForm(forms.Form):
    """One calendar day (校历): the rules are the service's (`schools.calendar`)."""

    WEEKDAYS = [("", "—"), (1, _("Monday")), (2, _("Tuesday")), (3, _("Wednesday")), (4, _("Thursday")),
                (5, _("Friday")), (6, _("Saturday")), (7, _("Sunday"))]

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=[])
    follows_weekday = forms.TypedChoiceField(label=_("Make-up day: follows the timetable of"), choices=WEEKDAYS,
                                             coerce=int, empty_value=None, required=False)
    ends_at = forms.TimeField(label=_("Early dismissal: the service ends at"), required=False,
                              widget=forms.TimeInput(attrs={"type": "time"}))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        from .models import CalendarDay

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = CalendarDay.Kind.choices
