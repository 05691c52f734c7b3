from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import LOCALES, Membership, Organization, User
from accounts.validators import normalize_country, normalize_siren, normalize_vat_number


class SignupForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    organization_name = forms.CharField(
        label=_("Organization name"),
        max_length=200,
        required=False,
        help_text=_("Your company or project. You can change it later."),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=Organization.Currency.choices, initial="EUR")
    locale = forms.ChoiceField(label=_("Language"), choices=LOCALES)
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locale"].initial = services.current_language()  # the page's language

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class InvitedSignupForm(SignupForm):
    """Signing up to join an organization by invitation: the address is the invited one and there
    is no workspace of one's own to name or price."""

    def __init__(self, *args, invitation, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["organization_name"], self.fields["currency"]
        self.fields["email"].initial = invitation.email
        self.fields["email"].disabled = True


class EmailAuthenticationForm(auth_forms.AuthenticationForm):
    username = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))

    def clean_username(self):
        # One spelling per address, so django-axes counts "Alice@x" and "alice@x" as the same login.
        return self.cleaned_data["username"].strip().lower()


class OTPTokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("The 6-digit code of your authenticator app, or one of your recovery codes."),
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}), strip=False
    )


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

    def clean_siren(self):
        return normalize_siren(self.cleaned_data["siren"])


class BillingIdentityForm(OrganizationForm):
    """The organization's billing identity alone, as checkout asks for it."""

    class Meta(OrganizationForm.Meta):
        fields = services.BILLING_IDENTITY_FIELDS


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class SwitchOrganizationForm(forms.Form):
    organization = forms.IntegerField(label=_("Organization"), min_value=1)
