from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.urls import reverse

from accounts import services
from accounts.models import LOCALES, Membership, Organization, User
from accounts.validators import normalize_country, normalize_vat_number


class SignupForm(forms.Form):
    email = forms.EmailField()
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    organization_name = forms.CharField(
        max_length=200, required=False, help_text="Your company or project. You can change it later."
    )
    currency = forms.ChoiceField(choices=Organization.Currency.choices, initial="EUR")
    locale = forms.ChoiceField(choices=LOCALES, initial="en", label="Language")
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class EmailAuthenticationForm(auth_forms.AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))

    def clean_username(self):
        # One spelling per address, so django-axes counts "Alice@x" and "alice@x" as the same login.
        return self.cleaned_data["username"].strip().lower()


class OTPTokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text="The 6-digit code of your authenticator app, or one of your recovery codes.",
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}), strip=False)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, but the email goes through notifications (templated, logged, sent by a task)."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None):
        path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        services.send_password_reset_email(user=context["user"], link=settings.SITE_URL + path)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "locale", "time_zone"]


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = services.ORGANIZATION_FIELDS

    def clean_country(self):
        return normalize_country(self.cleaned_data["country"])

    def clean_vat_number(self):
        return normalize_vat_number(self.cleaned_data["vat_number"])


class InviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class SwitchOrganizationForm(forms.Form):
    organization = forms.IntegerField(min_value=1)
