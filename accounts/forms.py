from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from accounts.models import LOCALES, Organization


class SignupForm(forms.Form):
    email = forms.EmailField()
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    organization_name = forms.CharField(max_length=200, required=False, help_text="Your company or project. You can change it later.")
    currency = forms.ChoiceField(choices=Organization.Currency.choices, initial="EUR")
    locale = forms.ChoiceField(choices=LOCALES, initial="en", label="Language")
    password = forms.CharField(widget=forms.PasswordInput, strip=False)

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))


class SwitchOrganizationForm(forms.Form):
    organization = forms.IntegerField(min_value=1)
