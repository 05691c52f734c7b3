from django import forms

from billing.models import Invoice, Plan


class PlanChoiceForm(forms.Form):
    plan = forms.ModelChoiceField(
        queryset=Plan.objects.filter(is_active=True),
        to_field_name="code",
        error_messages={"invalid_choice": "This plan does not exist."},
    )
    trial = forms.BooleanField(required=False)


class CancelForm(forms.Form):
    when = forms.ChoiceField(choices=[("period_end", "At the end of the period"), ("now", "Now")], initial="period_end")


class InvoiceFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "All")] + [c for c in Invoice.Status.choices if c[0] != "draft"], required=False)
