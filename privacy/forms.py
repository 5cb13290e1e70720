from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CorrectionRequest, GuardianConsent


class ConsentForm(forms.Form):
    decision = forms.ChoiceField(label=_("Your decision"), choices=GuardianConsent.Decision.choices,
                                 widget=forms.RadioSelect)


class CorrectionRequestForm(forms.ModelForm):
    class Meta:
        model = CorrectionRequest
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 5, "maxlength": 2000})}
        help_texts = {"text": _("Which information is wrong or should be deleted, and what it should say.")}
        error_messages = {"text": {"required": _("Say what should be corrected.")}}

    def clean_text(self):
        text = (self.cleaned_data.get("text") or "").strip()
        if not text:
            raise forms.ValidationError(_("Say what should be corrected."))
        if len(text) > 2000:
            raise forms.ValidationError(_("Please keep it under 2000 characters."))
        return text


class CorrectionDoneForm(forms.Form):
    response = forms.CharField(label=_("Response to the guardian"), required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 3}))


class AuditSearchForm(forms.Form):
    username = forms.CharField(label=_("User"), required=False, max_length=64)
    child = forms.CharField(label=_("Child (name or student number)"), required=False, max_length=64)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


class HistorySearchForm(AuditSearchForm):
    kind = forms.ChoiceField(label=_("Records"), required=False,
                             choices=[("student", _("Students")), ("guardianship", _("Guardianships"))])
