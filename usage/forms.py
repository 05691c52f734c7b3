from django import forms


class PurchaseForm(forms.Form):
    code = forms.SlugField(max_length=32)
    quantity = forms.IntegerField(min_value=1, max_value=100, initial=1)
    renew = forms.BooleanField(required=False, initial=True)
