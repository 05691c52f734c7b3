from django import forms
from django.utils.translation import gettext_lazy as _


class PurchaseForm(forms.Form):
    code = forms.SlugField(label=_("Add-on"), max_length=32)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=100, initial=1)
    renew = forms.BooleanField(label=_("Renew every 30 days"), required=False, initial=True)
