from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import Invoice, MethodKind, Plan, Provider
from billing.models.payments import MOBILE_OPERATORS

# What the pay page offers to pay with; checkout's choice arrives as `?method=` and is preselected.
PAY_WITH = [("card", _("Card")), (MethodKind.MOBILE_MONEY.value, _("Mobile money"))]


class PlanChoiceForm(forms.Form):
    plan = forms.ModelChoiceField(
        queryset=Plan.objects.filter(is_active=True),
        to_field_name="code",
        error_messages={"invalid_choice": _("This plan does not exist.")},
    )
    trial = forms.BooleanField(required=False)


class SubscribeForm(PlanChoiceForm):
    coupon_code = forms.CharField(required=False, max_length=50, label=_("Promo code"))


class CancelForm(forms.Form):
    when = forms.ChoiceField(choices=[("period_end", _("At the end of the period")), ("now", _("Now"))], initial="period_end")


class InvoiceFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All"))] + [c for c in Invoice.Status.choices if c[0] != "draft"], required=False
    )


class PayForm(forms.Form):
    """The pay page: a saved method, or what the chosen provider needs (never stored as typed)."""

    provider = forms.ChoiceField(label=_("Provider"), choices=[])
    payment_method = forms.TypedChoiceField(label=_("Payment method"), coerce=int, required=False, empty_value=None, choices=[])
    method = forms.ChoiceField(label=_("Pay with"), choices=PAY_WITH, initial="card", widget=forms.RadioSelect)
    card_number = forms.CharField(required=False, max_length=30, label=_("Test card number"))
    stripe_payment_method = forms.CharField(required=False, max_length=120, widget=forms.HiddenInput)
    phone = forms.CharField(
        label=_("Phone"), required=False, max_length=30, help_text=_("International form, e.g. +221 77 123 45 67")
    )
    operator = forms.ChoiceField(label=_("Operator"), required=False, choices=[("", "—"), *MOBILE_OPERATORS.items()])
    save_method = forms.BooleanField(required=False, label=_("Save this method for next time"))

    def __init__(self, *args, providers, methods, can_save=True, mobile_money=False, chosen="", **kwargs):
        super().__init__(*args, **kwargs)
        if not mobile_money:  # a card is then the only new method
            del self.fields["method"]
            for name in ("phone", "operator"):
                del self.fields[name]
        elif chosen in dict(PAY_WITH):
            self.fields["method"].initial = chosen
        if not can_save:  # saving a method is managing the organization's methods: owners and admins
            del self.fields["save_method"]
        self.fields["provider"].choices = [(p.name, Provider(p.name).label) for p in providers]
        self.fields["payment_method"].choices = [("", _("A new one")), *[(m.pk, m.label) for m in methods]]


class PaymentMethodForm(forms.Form):
    provider = forms.ChoiceField(label=_("Provider"), choices=[])
    card_number = forms.CharField(required=False, max_length=30, label=_("Test card number"))
    phone = forms.CharField(label=_("Phone"), required=False, max_length=30)
    operator = forms.ChoiceField(label=_("Operator"), required=False, choices=[("", "—"), *MOBILE_OPERATORS.items()])

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(p.name, Provider(p.name).label) for p in providers]
