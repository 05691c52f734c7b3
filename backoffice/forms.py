from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_RANGE_DAYS = 5 * 366  # "over 5 years" is refused; leap days never tip a 5-year range over


class RangeForm(forms.Form):
    """The period and currency of a report, from the query string. Empty means the last 12 months
    and every currency."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    currency = forms.CharField(label=_("Currency"), required=False, max_length=3)

    def clean_currency(self):
        currency = self.cleaned_data["currency"].strip().upper()
        if currency and currency not in settings.SUPPORTED_CURRENCIES:
            raise forms.ValidationError(
                _("Unknown currency “%(currency)s”: choose one of %(choices)s.")
                % {"currency": currency, "choices": ", ".join(settings.SUPPORTED_CURRENCIES)}
            )
        return currency

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or (end.replace(day=1) - timedelta(days=335)).replace(day=1)
        if start > end:
            raise forms.ValidationError(_("The start date is after the end date: swap them."))
        if (end - start).days > MAX_RANGE_DAYS:
            raise forms.ValidationError(_("The range is longer than 5 years: choose a shorter one."))
        data["start"], data["end"] = start, end
        return data

    @classmethod
    def read(cls, query):
        """(form, period) where period is (start, end, currency), or None when the input is wrong."""
        form = cls(query)
        if not form.is_valid():
            return form, None
        return form, (form.cleaned_data["start"], form.cleaned_data["end"], form.cleaned_data["currency"])
