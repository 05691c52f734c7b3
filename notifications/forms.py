from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization


class BroadcastForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea, required=False)
    link = forms.CharField(label=_("Link"), max_length=500, required=False, help_text=_("A path on this site, e.g. /billing/"))
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.all(),
        required=False,
        help_text=_("Leave empty to tell every user."),
    )

    def clean_link(self):
        link = self.cleaned_data["link"]
        if link and not link.startswith("/"):
            raise forms.ValidationError(_("Use a path on this site, starting with /."))
        return link
