from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username"), max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )
    error_messages = {
        "invalid_login": _("The username or password is not right. Check both and try again."),
        "inactive": _("This account has been deactivated. Ask your school's administrator."),
    }


class JoinForm(forms.Form):
    """A guardian (or a new member of staff) sets their password with the code on their letter."""

    code = forms.CharField(
        label=_("Invitation code"), max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )
    password1 = forms.CharField(label=_("New password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("New password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords are not the same."))
        return data


class LinkChildForm(forms.Form):
    """A signed-in guardian links a further child with the link code (关联码) on the school's letter."""

    code = forms.CharField(
        label=_("Link code"), max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )


class PhoneSignInForm(forms.Form):
    """手机验证码登录: the phone number, then the 6-digit code sent to it."""

    phone = forms.CharField(
        label=_("Mobile phone number"), max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "autofocus": True}),
    )
    code = forms.CharField(
        label=_("Code from the text message"), max_length=16, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ContactForm(forms.Form):
    """A new phone number (confirmed by a code sent to it) and an optional e-mail address."""

    phone = forms.CharField(label=_("New mobile phone number"), max_length=32, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    code = forms.CharField(label=_("Code from the text message"), max_length=16, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))
    email = forms.CharField(label=_("E-mail address (optional)"), max_length=254, required=False,
                            widget=forms.EmailInput(attrs={"autocomplete": "email"}))
