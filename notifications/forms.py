from django import forms

from accounts.models import Organization


class BroadcastForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea, required=False)
    link = forms.CharField(max_length=500, required=False, help_text="A path on this site, e.g. /billing/")
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.all(), required=False, help_text="Leave empty to tell every user."
    )

    def clean_link(self):
        link = self.cleaned_data["link"]
        if link and not link.startswith("/"):
            raise forms.ValidationError("Use a path on this site, starting with /.")
        return link
