from django import forms
from django.utils.translation import gettext_lazy as _


class PreferencesForm(forms.Form):
    """How ordinary notices reach the user; urgent ones always go by every channel (not a choice)."""

    ordinary_wechat = forms.BooleanField(label=_("Ordinary notices by WeChat (when bound)"), required=False)
    ordinary_sms = forms.BooleanField(label=_("Ordinary notices by text message too"), required=False)
